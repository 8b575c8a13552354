#!/usr/bin/env python3
"""Generate a deterministic synthetic OCOP catalog in the SPEC format.

    python benchmarks/generate_catalog.py OUT_DIR --products N [--lots 5] [--seed 1]
                                          [--producers P] [--sales-points S] [--force]

Writes into OUT_DIR:

* ``site.yaml``
* ``products/<CODE>.yaml``              -- N product records
* ``content/producers/<slug>.md``       -- ceil(N/3) producers with a Vietnamese story
* ``content/sales-points/<slug>.md``    -- max(6, N // 20) sales points near provincial towns

The same arguments always give byte-identical files: everything comes from
``random.Random(seed)``, nothing from the clock, the environment or set/hash
order.  The catalog has no images and no documents.

Statuses are planned as of 2026-11-30 (the date the Hugo reference site in
shared/bench/ uses): about 80 % valid, 10 % expired, 5 % revoked and 5 %
pending (only certified in 2027).  Pending products get no pages, so a build
as of 2026-11-30 has one product page and ``--lots`` lot pages per
non-pending product.

OUT_DIR must be missing or empty.  ``--force`` writes into a non-empty folder
and first removes the files a previous run would have made there
(``site.yaml``, ``products/*.yaml``, ``content/producers/*.md``,
``content/sales-points/*.md``), so no stale record survives; nothing else in
the folder is touched.

Standard library only (no PyYAML needed): the YAML is written with string
templates, which is what makes 20,000 products take a few seconds.  Prints one
summary line (counts, planned statuses, seconds).

Kept compatible with the Hugo reference site (shared/bench/hugo-site), whose
YAML reader is not SPEC's: lot ids are never all digits or date-shaped
(``L2024-03``, ``LSX240310``, ``2403-01``, ``SX-2024-001``, ``MO240310``; Hugo
would turn ``240310`` into a number and print a broken lot URL), codes and lots
have no dots (Hugo page paths), no two certifications of a product share an
``issued`` date (SPEC does not say how to break that tie; Hugo takes the
first), and
``quantity``/``price`` are plain integers (Hugo formats them as numbers).
Phones are written plain like ``0912345678``, as SPEC §4 allows; Hugo reads
the ~10 % that look octal (``0334333475``) as numbers, which only changes the
text of a producer or sales point page, not the page set.
"""

from __future__ import annotations

import argparse
import calendar
import json
import math
import os
import re
import sys
import time
import unicodedata
from bisect import bisect
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path
from random import Random

AS_OF = date(2026, 11, 30)  # the Hugo reference site's params.asOf

# --------------------------------------------------------------------------
# Word lists
# --------------------------------------------------------------------------

# Product families: key -> (category, subgroup, Vietnamese base name, English base name,
#   producer trade word, SKU prefix, packs [(sku suffix, label)], price range in
#   thousand VND (min low, min high), shelf life (days, text) or None, raw material,
#   can be made anywhere (False: only as a province's specialty)).
FAMILIES = {
    # food (thực phẩm: nông sản, chế biến, gia vị, chè, cà phê)
    "mat-ong-bac-ha": ("food", "Mật ong", "Mật ong bạc hà", "mint honey", "Mật ong", "MO",
                       [("250", "Chai 250 ml"), ("500", "Chai 500 ml"), ("1000", "Chai 1 lít")],
                       (150, 300), (730, "24 tháng"), "hoa bạc hà dại trên núi đá", False),
    "mat-ong-ca-phe": ("food", "Mật ong", "Mật ong hoa cà phê", "coffee blossom honey", "Mật ong", "MC",
                       [("250", "Chai 250 ml"), ("500", "Chai 500 ml"), ("1000", "Chai 1 lít")],
                       (120, 250), (730, "24 tháng"), "hoa cà phê", False),
    "mat-ong-rung-tram": ("food", "Mật ong", "Mật ong rừng tràm", "melaleuca forest honey", "Mật ong", "MT",
                          [("350", "Chai 350 ml"), ("700", "Chai 700 ml")],
                          (180, 350), (730, "24 tháng"), "hoa tràm rừng ngập nước", False),
    "che-shan-tuyet": ("food", "Chè", "Chè Shan tuyết", "Shan tuyet tea", "Chè", "CS",
                       [("100", "Hộp 100 g"), ("200", "Hộp 200 g"), ("500", "Túi 500 g")],
                       (120, 450), (730, "24 tháng"), "búp chè Shan tuyết cổ thụ", True),
    "tra-xanh": ("food", "Chè", "Chè búp xanh", "green tea buds", "Chè", "CX",
                 [("200", "Túi 200 g"), ("500", "Hộp 500 g")],
                 (80, 300), (540, "18 tháng"), "búp chè một tôm hai lá", True),
    "ca-phe-robusta": ("food", "Cà phê", "Cà phê Robusta rang xay", "roasted ground Robusta coffee",
                       "Cà phê", "CF", [("250", "Gói 250 g"), ("500", "Gói 500 g"), ("1000", "Túi 1 kg")],
                       (80, 250), (365, "12 tháng"), "hạt cà phê chín đỏ", True),
    "banh-da": ("food", "Bánh", "Bánh đa", "rice crackers", "Bánh đa", "BD",
                [("10", "Gói 10 chiếc"), ("20", "Gói 20 chiếc")],
                (25, 60), (180, "6 tháng"), "gạo tẻ và vừng đen", True),
    "banh-pia": ("food", "Bánh", "Bánh pía sầu riêng", "durian pia cake", "Bánh pía", "BP",
                 [("4", "Hộp 4 bánh"), ("8", "Hộp 8 bánh")],
                 (45, 120), (90, "3 tháng"), "sầu riêng, đậu xanh và trứng muối", False),
    "mien-dong": ("food", "Miến, bún, phở khô", "Miến dong", "arrowroot glass noodles", "Miến dong", "MD",
                  [("300", "Gói 300 g"), ("500", "Gói 500 g"), ("1000", "Túi 1 kg")],
                  (40, 120), (365, "12 tháng"), "củ dong riềng", True),
    "nuoc-mam": ("food", "Nước mắm", "Nước mắm cốt", "premium fish sauce", "Nước mắm", "NM",
                 [("500", "Chai 500 ml"), ("1000", "Chai 1 lít"), ("2000", "Can 2 lít")],
                 (60, 250), (730, "24 tháng"), "cá cơm than và muối biển", True),
    "gao-st25": ("food", "Gạo", "Gạo ST25", "ST25 rice", "Lúa gạo", "ST",
                 [("2", "Túi 2 kg"), ("5", "Túi 5 kg"), ("10", "Bao 10 kg")],
                 (60, 300), (365, "12 tháng"), "lúa ST25 canh tác theo mô hình lúa – tôm", False),
    "gao-nep": ("food", "Gạo", "Gạo nếp cái hoa vàng", "yellow-flower glutinous rice", "Lúa gạo", "NV",
                [("2", "Túi 2 kg"), ("5", "Túi 5 kg")],
                (70, 250), (365, "12 tháng"), "lúa nếp cái hoa vàng", True),
    "cam-sanh": ("food", "Trái cây tươi", "Cam sành", "king orange", "Cây ăn quả", "CA",
                 [("5", "Thùng 5 kg"), ("10", "Thùng 10 kg")],
                 (150, 350), (30, "30 ngày"), "vườn cam trồng theo tiêu chuẩn VietGAP", True),
    "buoi-da-xanh": ("food", "Trái cây tươi", "Bưởi da xanh", "green-skin pomelo", "Cây ăn quả", "BX",
                     [("2Q", "Hộp 2 quả"), ("4Q", "Thùng 4 quả")],
                     (120, 300), (45, "45 ngày"), "vườn bưởi ven sông", True),
    "vai-thieu-say": ("food", "Trái cây sấy", "Vải thiều sấy khô", "dried lychee", "Vải thiều", "VS",
                      [("500", "Hộp 500 g"), ("1000", "Túi 1 kg")],
                      (90, 250), (365, "12 tháng"), "vải thiều chín cây", False),
    "nhan-long-say": ("food", "Trái cây sấy", "Long nhãn sấy", "dried longan", "Nhãn lồng", "LN",
                      [("300", "Hộp 300 g"), ("500", "Túi 500 g")],
                      (120, 300), (365, "12 tháng"), "nhãn lồng", False),
    "thit-trau-gac-bep": ("food", "Thịt chế biến", "Thịt trâu gác bếp", "smoked buffalo meat",
                          "Thực phẩm", "TT", [("250", "Gói 250 g"), ("500", "Gói 500 g")],
                          (250, 1000), (180, "6 tháng"), "thịt trâu thả đồi", True),
    "lap-xuong": ("food", "Thịt chế biến", "Lạp xưởng", "Vietnamese sausage", "Thực phẩm", "LX",
                  [("500", "Gói 500 g"), ("1000", "Gói 1 kg")],
                  (120, 300), (90, "3 tháng"), "thịt heo và rượu mai quế lộ", True),
    "cha-muc": ("food", "Hải sản chế biến", "Chả mực giã tay", "hand-pounded squid cake", "Hải sản", "CM",
                [("500", "Khay 500 g"), ("1000", "Hộp 1 kg")],
                (250, 500), (180, "6 tháng"), "mực tươi đánh bắt ven bờ", True),
    "yen-sao": ("food", "Yến sào", "Yến sào tinh chế", "refined edible bird's nest", "Yến sào", "YS",
                [("50", "Hộp 50 g"), ("100", "Hộp 100 g")],
                (1500, 5000), (1095, "36 tháng"), "tổ yến đảo", False),
    "toi-co-don": ("food", "Gia vị", "Tỏi cô đơn", "single-clove garlic", "Tỏi", "TC",
                   [("500", "Hộp 500 g"), ("1000", "Túi 1 kg")],
                   (150, 400), (365, "12 tháng"), "tỏi trồng trên cát núi lửa", False),
    "tieu-den": ("food", "Gia vị", "Hồ tiêu đen", "black pepper", "Hồ tiêu", "HT",
                 [("100", "Hũ 100 g"), ("500", "Túi 500 g")],
                 (50, 250), (730, "24 tháng"), "hạt tiêu chín đỏ", True),
    "muoi-tom": ("food", "Gia vị", "Muối tôm", "shrimp salt", "Gia vị", "MU",
                 [("100", "Hũ 100 g"), ("200", "Hũ 200 g")],
                 (30, 80), (365, "12 tháng"), "tôm đồng, ớt và muối hạt", True),
    "tuong-nep": ("food", "Gia vị", "Tương nếp", "fermented glutinous soybean sauce", "Tương", "TN",
                  [("500", "Chai 500 ml"), ("1000", "Chai 1 lít")],
                  (30, 70), (180, "6 tháng"), "đậu tương và gạo nếp", True),
    "duong-thot-not": ("food", "Đường", "Đường thốt nốt", "palm sugar", "Thốt nốt", "DN",
                       [("500", "Túi 500 g"), ("1000", "Hộp 1 kg")],
                       (60, 150), (365, "12 tháng"), "nước thốt nốt", False),
    "keo-dua": ("food", "Bánh kẹo", "Kẹo dừa", "coconut candy", "Dừa", "KD",
                [("250", "Hộp 250 g"), ("500", "Túi 500 g")],
                (30, 90), (270, "9 tháng"), "nước cốt dừa và mạch nha", True),
    "hat-dieu": ("food", "Hạt", "Hạt điều rang muối", "roasted salted cashews", "Hạt điều", "HD",
                 [("500", "Hũ 500 g"), ("1000", "Túi 1 kg")],
                 (150, 450), (365, "12 tháng"), "hạt điều loại một", True),
    "mang-kho": ("food", "Nông sản sơ chế", "Măng khô", "dried bamboo shoots", "Nông sản", "MK",
                 [("500", "Túi 500 g"), ("1000", "Túi 1 kg")],
                 (150, 400), (365, "12 tháng"), "măng rừng", True),
    # beverage (đồ uống có cồn và không cồn)
    "ruou-ngo": ("beverage", "Đồ uống có cồn", "Rượu ngô men lá", "leaf-yeast corn liquor", "Rượu", "RN",
                 [("500", "Chai 500 ml"), ("750", "Chai 750 ml"), ("2000", "Bình 2 lít")],
                 (80, 400), (1825, "60 tháng"), "ngô bản địa và men lá rừng", True),
    "ruou-gao": ("beverage", "Đồ uống có cồn", "Rượu gạo truyền thống", "traditional rice liquor", "Rượu",
                 "RG", [("500", "Chai 500 ml"), ("1000", "Bình 1 lít")],
                 (60, 300), (1825, "60 tháng"), "gạo nếp và men thuốc bắc", True),
    "ruou-mo": ("beverage", "Đồ uống có cồn", "Rượu mơ", "apricot liqueur", "Rượu", "RM",
                [("500", "Chai 500 ml"), ("750", "Chai 750 ml")],
                (120, 350), (1095, "36 tháng"), "quả mơ lông", False),
    "ruou-sim": ("beverage", "Đồ uống có cồn", "Rượu sim", "rose myrtle wine", "Rượu", "RS",
                 [("375", "Chai 375 ml"), ("750", "Chai 750 ml")],
                 (90, 300), (1095, "36 tháng"), "quả sim rừng chín", False),
    "nuoc-chanh-leo": ("beverage", "Đồ uống không cồn", "Nước cốt chanh leo", "passion fruit concentrate",
                       "Chanh leo", "CL", [("330", "Chai 330 ml"), ("1000", "Chai 1 lít")],
                       (35, 120), (365, "12 tháng"), "chanh leo tím", True),
    "nuoc-dua": ("beverage", "Đồ uống không cồn", "Nước dừa tươi đóng chai", "bottled coconut water",
                 "Dừa", "ND", [("330", "Chai 330 ml"), ("24", "Thùng 24 chai")],
                 (20, 60), (270, "9 tháng"), "dừa xiêm xanh", True),
    "nuoc-thanh-long": ("beverage", "Đồ uống không cồn", "Nước ép thanh long ruột đỏ",
                        "red dragon fruit juice", "Thanh long", "TL",
                        [("250", "Chai 250 ml"), ("500", "Chai 500 ml")],
                        (25, 80), (180, "6 tháng"), "thanh long ruột đỏ", True),
    # herbal (thảo dược)
    "tinh-dau-que": ("herbal", "Tinh dầu", "Tinh dầu quế", "cinnamon essential oil", "Tinh dầu", "TQ",
                     [("10", "Lọ 10 ml"), ("50", "Lọ 50 ml"), ("100", "Chai 100 ml")],
                     (60, 300), (1095, "36 tháng"), "vỏ và lá quế", True),
    "tinh-dau-sa-chanh": ("herbal", "Tinh dầu", "Tinh dầu sả chanh", "lemongrass essential oil", "Tinh dầu",
                          "SC", [("10", "Lọ 10 ml"), ("50", "Lọ 50 ml"), ("100", "Chai 100 ml")],
                          (50, 250), (1095, "36 tháng"), "sả chanh trồng hữu cơ", True),
    "tinh-dau-hoi": ("herbal", "Tinh dầu", "Tinh dầu hồi", "star anise essential oil", "Hồi", "TH",
                     [("10", "Lọ 10 ml"), ("50", "Lọ 50 ml")],
                     (80, 300), (1095, "36 tháng"), "quả hồi chín", False),
    "sam-ngoc-linh": ("herbal", "Dược liệu", "Sâm Ngọc Linh", "Ngoc Linh ginseng", "Dược liệu", "SN",
                      [("CU", "Củ tươi loại 10 củ/kg"), ("RUOU", "Bình ngâm 2 lít")],
                      (1500, 9000), None, "sâm trồng dưới tán rừng nguyên sinh", False),
    "cao-atiso": ("herbal", "Dược liệu", "Cao atisô", "artichoke extract", "Dược liệu", "AT",
                  [("100", "Hũ 100 g"), ("200", "Hũ 200 g")],
                  (90, 250), (730, "24 tháng"), "bông và lá atisô", False),
    "tra-hoa-vang": ("herbal", "Trà dược liệu", "Trà hoa vàng", "golden camellia tea", "Dược liệu", "HV",
                     [("50", "Hộp 50 g"), ("100", "Hộp 100 g")],
                     (200, 900), (730, "24 tháng"), "hoa trà vàng", False),
    "tam-that": ("herbal", "Dược liệu", "Bột tam thất", "notoginseng powder", "Dược liệu", "TB",
                 [("100", "Hũ 100 g"), ("200", "Hũ 200 g")],
                 (150, 600), (730, "24 tháng"), "củ tam thất trồng trên núi cao", True),
    "thuoc-tam-dao-do": ("herbal", "Dược liệu", "Thuốc tắm người Dao đỏ", "Red Dao herbal bath",
                         "Dược liệu", "DD", [("250", "Chai 250 ml"), ("500", "Gói 500 g")],
                         (50, 150), (365, "12 tháng"), "hơn hai mươi loại lá rừng", False),
    "xa-phong-thao-duoc": ("herbal", "Mỹ phẩm thảo dược", "Xà phòng thảo dược", "herbal soap",
                           "Thảo dược", "XP", [("100", "Bánh 100 g"), ("3B", "Hộp 3 bánh")],
                           (35, 120), (730, "24 tháng"), "tinh dầu và lá thảo dược", True),
    "dong-trung-ha-thao": ("herbal", "Dược liệu", "Đông trùng hạ thảo sấy khô", "dried cordyceps",
                           "Dược liệu", "DT", [("10", "Hộp 10 g"), ("20", "Hộp 20 g")],
                           (300, 1500), (730, "24 tháng"), "đông trùng hạ thảo nuôi cấy", True),
    # handicraft (thủ công mỹ nghệ)
    "gom-men-lam": ("handicraft", "Gốm sứ", "Bình gốm men lam", "blue-glazed ceramic vase", "Gốm",
                    "GM", [("S", "Cỡ nhỏ, cao 20 cm"), ("M", "Cỡ vừa, cao 35 cm"), ("L", "Cỡ lớn, cao 60 cm")],
                    (250, 2500), None, "đất sét trắng", True),
    "non-la": ("handicraft", "Đan lát", "Nón lá", "conical leaf hat", "Nón lá", "NL",
               [("TRON", "Nón trơn"), ("BT", "Nón bài thơ")],
               (60, 250), None, "lá nón và tre vót", True),
    "chieu-coi": ("handicraft", "Đan lát", "Chiếu cói", "sedge mat", "Cói", "CC",
                  [("16", "Khổ 1,6 m"), ("18", "Khổ 1,8 m")],
                  (150, 600), None, "cói ven biển", True),
    "tho-cam": ("handicraft", "Dệt may", "Khăn thổ cẩm dệt tay", "handwoven brocade scarf", "Thổ cẩm",
                "TC", [("30", "Khăn 30 x 180 cm"), ("50", "Khăn 50 x 200 cm")],
                (150, 800), None, "sợi bông nhuộm màu tự nhiên", True),
    "may-tre-dan": ("handicraft", "Đan lát", "Giỏ mây tre đan", "rattan and bamboo basket", "Mây tre đan",
                    "MT", [("1", "Giỏ đơn"), ("3", "Bộ 3 giỏ")],
                    (120, 600), None, "mây rừng và tre", True),
    "lua-to-tam": ("handicraft", "Dệt may", "Khăn lụa tơ tằm", "mulberry silk scarf", "Dệt lụa", "LT",
                   [("VUONG", "Khăn vuông 90 cm"), ("DAI", "Khăn dài 180 cm")],
                   (350, 1500), None, "tơ tằm ươm thủ công", True),
    "dua-tre": ("handicraft", "Đồ gia dụng", "Đũa tre tự nhiên", "natural bamboo chopsticks", "Tre",
                "DT", [("10", "Hộp 10 đôi"), ("20", "Hộp 20 đôi")],
                (40, 150), None, "tre già trên ba năm tuổi", True),
    "tranh-theu": ("handicraft", "Thêu ren", "Tranh thêu tay", "hand-embroidered painting", "Thêu",
                   "TT", [("4060", "Khổ 40 x 60 cm"), ("6090", "Khổ 60 x 90 cm")],
                   (800, 6000), None, "chỉ tơ tằm", True),
    # ornamental (sinh vật cảnh)
    "lan-ho-diep": ("ornamental", "Hoa", "Lan hồ điệp", "moth orchid", "Hoa lan", "LH",
                    [("1C", "Chậu 1 cành"), ("3C", "Chậu 3 cành"), ("5C", "Chậu 5 cành")],
                    (250, 2500), None, "giống lan cấy mô", True),
    "cuc-mam-xoi": ("ornamental", "Hoa", "Cúc mâm xôi", "button chrysanthemum", "Hoa kiểng", "CX",
                    [("NHO", "Chậu nhỏ"), ("LON", "Chậu lớn")],
                    (80, 350), None, "giống cúc địa phương", True),
    "mai-vang": ("ornamental", "Cây cảnh", "Mai vàng", "yellow apricot blossom tree", "Hoa kiểng", "MV",
                 [("CHAU", "Cây chậu"), ("BONSAI", "Cây bonsai")],
                 (500, 15000), None, "gốc mai ghép", True),
    "dao-the": ("ornamental", "Cây cảnh", "Đào thế", "bonsai peach tree", "Cây cảnh", "DA",
                [("NHO", "Cây để bàn"), ("LON", "Cây thế lớn")],
                (800, 20000), None, "gốc đào phai", True),
    "quat-canh": ("ornamental", "Cây cảnh", "Quất cảnh", "ornamental kumquat tree", "Cây cảnh", "QC",
                  [("CHAU", "Cây chậu"), ("THE", "Cây thế")],
                  (300, 3000), None, "giống quất địa phương", True),
    "ca-koi": ("ornamental", "Cá cảnh", "Cá Koi", "koi carp", "Cá cảnh", "CK",
               [("20", "Cá cỡ 20 cm"), ("40", "Cá cỡ 40 cm")],
               (300, 5000), None, "cá bố mẹ nhập khẩu", True),
    # tourism (dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch)
    "du-lich-cong-dong": ("tourism", "Du lịch cộng đồng", "Du lịch cộng đồng", "community-based tourism",
                          "Du lịch cộng đồng", "DL",
                          [("VE", "Vé tham quan"), ("1N", "Gói trải nghiệm 1 ngày"),
                           ("2N1D", "Gói lưu trú 2 ngày 1 đêm")],
                          (50, 1500), None, "bản làng và nếp sinh hoạt truyền thống", True),
    "du-lich-sinh-thai": ("tourism", "Du lịch sinh thái", "Điểm du lịch sinh thái",
                          "eco-tourism site", "Du lịch sinh thái", "ST",
                          [("VE", "Vé tham quan"), ("1N", "Gói trải nghiệm 1 ngày")],
                          (50, 800), None, "cảnh quan sông nước và vườn cây", True),
    "homestay": ("tourism", "Lưu trú", "Homestay", "homestay", "Du lịch", "HS",
                 [("DOI", "Phòng đôi"), ("TT", "Nhà sàn tập thể")],
                 (150, 1200), None, "nhà sàn truyền thống", True),
    "trai-nghiem-lang-nghe": ("tourism", "Điểm du lịch", "Trải nghiệm làng nghề", "craft village experience",
                              "Du lịch làng nghề", "LN",
                              [("VE", "Vé tham quan"), ("TN", "Gói tự tay làm sản phẩm")],
                              (50, 400), None, "làng nghề truyền thống", True),
}
CATEGORY_WEIGHTS = {"food": 55, "beverage": 10, "herbal": 12, "handicraft": 12, "ornamental": 6,
                    "tourism": 5}
FAMILIES_BY_CATEGORY = {c: [k for k, f in FAMILIES.items() if f[0] == c and f[10]]
                        for c in CATEGORY_WEIGHTS}

# Provinces (names before the 2025 merger, as most current OCOP decisions are):
# (name, code prefix, "tỉnh"/"thành phố", region, provincial town (name, lat, lon, wards),
#  districts [(kind, name, communes)], specialities)
PROVINCES = [
    ("Hà Giang", "HG", "tỉnh", "highland-north", ("Hà Giang", 22.8250, 104.9810, ["Nguyễn Trãi", "Minh Khai", "Trần Phú"]),
     [("huyện", "Mèo Vạc", ["Pả Vi", "Khâu Vai", "Lũng Pù", "Tả Lủng"]),
      ("huyện", "Đồng Văn", ["Lũng Cú", "Sủng Là", "Phố Cáo", "Lũng Táo"]),
      ("huyện", "Quản Bạ", ["Tùng Vài", "Quyết Tiến", "Cán Tỷ"]),
      ("huyện", "Bắc Quang", ["Vĩnh Hảo", "Hùng An", "Tân Quang"])],
     ["mat-ong-bac-ha", "che-shan-tuyet", "thit-trau-gac-bep", "ruou-ngo"]),
    ("Lào Cai", "LC", "tỉnh", "highland-north", ("Lào Cai", 22.4800, 103.9750, ["Cốc Lếu", "Kim Tân", "Duyên Hải"]),
     [("thị xã", "Sa Pa", ["Tả Van", "Bản Hồ", "Tả Phìn"]),
      ("huyện", "Bắc Hà", ["Bản Phố", "Tả Van Chư", "Lùng Phình"]),
      ("huyện", "Bát Xát", ["Y Tý", "A Mú Sung", "Trịnh Tường"])],
     ["thuoc-tam-dao-do", "tho-cam", "homestay", "ruou-ngo", "tam-that"]),
    ("Yên Bái", "YB", "tỉnh", "highland-north", ("Yên Bái", 21.7229, 104.9113, ["Đồng Tâm", "Nguyễn Thái Học", "Hồng Hà"]),
     [("huyện", "Mù Cang Chải", ["La Pán Tẩn", "Chế Cu Nha", "Dế Su Phình"]),
      ("huyện", "Văn Chấn", ["Suối Giàng", "Sơn Thịnh", "Nghĩa Tâm"]),
      ("huyện", "Trấn Yên", ["Việt Thành", "Việt Hồng", "Hưng Khánh"])],
     ["che-shan-tuyet", "tinh-dau-que", "du-lich-cong-dong"]),
    ("Thái Nguyên", "TN", "tỉnh", "delta-north", ("Thái Nguyên", 21.5942, 105.8482, ["Phan Đình Phùng", "Hoàng Văn Thụ", "Trưng Vương"]),
     [("thành phố", "Thái Nguyên", ["Tân Cương", "Phúc Xuân", "Phúc Trìu"]),
      ("huyện", "Đại Từ", ["La Bằng", "Hoàng Nông", "Tân Linh"]),
      ("huyện", "Định Hóa", ["Phú Đình", "Trung Hội", "Bảo Cường"])],
     ["tra-xanh", "mien-dong"]),
    ("Phú Thọ", "PT", "tỉnh", "delta-north", ("Việt Trì", 21.3227, 105.4020, ["Tiên Cát", "Gia Cẩm", "Nông Trang"]),
     [("huyện", "Tân Sơn", ["Kiệt Sơn", "Xuân Sơn", "Minh Đài"]),
      ("huyện", "Lâm Thao", ["Xuân Lũng", "Tiên Kiên", "Sơn Vi"])],
     ["tra-xanh", "banh-da"]),
    ("Bắc Giang", "BG", "tỉnh", "delta-north", ("Bắc Giang", 21.2731, 106.1946, ["Trần Phú", "Ngô Quyền", "Hoàng Văn Thụ"]),
     [("huyện", "Lục Ngạn", ["Nam Dương", "Quý Sơn", "Giáp Sơn", "Phượng Sơn"]),
      ("huyện", "Yên Thế", ["Đồng Kỳ", "Tam Tiến", "Xuân Lương", "Canh Nậu"]),
      ("huyện", "Lục Nam", ["Huyền Sơn", "Bắc Lũng", "Lục Sơn"])],
     ["vai-thieu-say", "banh-da", "mien-dong"]),
    ("Quảng Ninh", "QN", "tỉnh", "coast-north", ("Hạ Long", 20.9550, 107.0850, ["Hồng Gai", "Bạch Đằng", "Trần Hưng Đạo"]),
     [("huyện", "Bình Liêu", ["Đồng Văn", "Húc Động", "Lục Hồn"]),
      ("huyện", "Vân Đồn", ["Quan Lạn", "Minh Châu", "Đông Xá"]),
      ("huyện", "Tiên Yên", ["Hà Lâu", "Phong Dụ", "Đông Ngũ"]),
      ("huyện", "Ba Chẽ", ["Thanh Sơn", "Nam Sơn", "Đồn Đạc"])],
     ["cha-muc", "ruou-mo", "tra-hoa-vang", "nuoc-mam"]),
    ("Hà Nội", "HN", "thành phố", "delta-north", ("Hà Nội", 21.0285, 105.8542, ["Hàng Bạc", "Tràng Tiền", "Hàng Trống"]),
     [("huyện", "Gia Lâm", ["Bát Tràng", "Kim Lan", "Đa Tốn"]),
      ("huyện", "Ba Vì", ["Ba Trại", "Tản Lĩnh", "Vân Hòa", "Minh Quang"]),
      ("huyện", "Mỹ Đức", ["Hương Sơn", "An Phú", "Phúc Lâm"]),
      ("huyện", "Chương Mỹ", ["Phụng Châu", "Tiên Phương", "Thủy Xuân Tiên"])],
     ["gom-men-lam", "may-tre-dan", "dao-the", "quat-canh", "trai-nghiem-lang-nghe"]),
    ("Hưng Yên", "HY", "tỉnh", "delta-north", ("Hưng Yên", 20.6464, 106.0511, ["Hiến Nam", "Lê Lợi", "Quang Trung"]),
     [("huyện", "Khoái Châu", ["Bình Minh", "Tứ Dân", "Đông Tảo"]),
      ("huyện", "Văn Giang", ["Xuân Quan", "Phụng Công", "Cửu Cao"])],
     ["nhan-long-say", "tuong-nep"]),
    ("Nam Định", "ND", "tỉnh", "delta-north", ("Nam Định", 20.4388, 106.1621, ["Vị Xuyên", "Trần Hưng Đạo", "Năng Tĩnh"]),
     [("huyện", "Giao Thủy", ["Giao Xuân", "Giao Thiện", "Giao An"]),
      ("huyện", "Hải Hậu", ["Hải Đông", "Hải Lý", "Hải Nam"])],
     ["gao-nep", "nuoc-mam", "muoi-tom"]),
    ("Thái Bình", "TB", "tỉnh", "delta-north", ("Thái Bình", 20.4463, 106.3366, ["Lê Hồng Phong", "Bồ Xuyên", "Đề Thám"]),
     [("huyện", "Tiền Hải", ["Nam Thịnh", "Đông Minh", "Đông Trà"]),
      ("huyện", "Vũ Thư", ["Song An", "Tân Lập", "Minh Quang"])],
     ["banh-da", "gao-nep", "chieu-coi"]),
    ("Ninh Bình", "NB", "tỉnh", "delta-north", ("Ninh Bình", 20.2506, 105.9745, ["Đông Thành", "Vân Giang", "Thanh Bình"]),
     [("huyện", "Kim Sơn", ["Kim Đông", "Kim Trung", "Kim Tân"]),
      ("huyện", "Gia Viễn", ["Gia Sinh", "Gia Vân", "Gia Hòa"]),
      ("huyện", "Hoa Lư", ["Trường Yên", "Ninh Hải", "Ninh Xuân"])],
     ["chieu-coi", "du-lich-sinh-thai", "tho-cam"]),
    ("Thanh Hóa", "TH", "tỉnh", "coast-central", ("Thanh Hóa", 19.8067, 105.7852, ["Điện Biên", "Lam Sơn", "Ba Đình"]),
     [("huyện", "Bá Thước", ["Lũng Niêm", "Thành Sơn", "Lũng Cao"]),
      ("huyện", "Quan Hóa", ["Phú Lệ", "Thanh Xuân", "Phú Thanh"]),
      ("huyện", "Nga Sơn", ["Nga Liên", "Nga Thanh", "Nga Thủy"])],
     ["nuoc-mam", "chieu-coi", "du-lich-cong-dong"]),
    ("Nghệ An", "NA", "tỉnh", "coast-central", ("Vinh", 18.6796, 105.6813, ["Quang Trung", "Lê Mao", "Hưng Bình"]),
     [("huyện", "Nam Đàn", ["Kim Liên", "Xuân Hòa", "Hùng Tiến"]),
      ("huyện", "Con Cuông", ["Môn Sơn", "Lục Dạ", "Châu Khê"]),
      ("huyện", "Thanh Chương", ["Thanh Mai", "Thanh An", "Thanh Đức"])],
     ["tuong-nep", "tra-xanh", "du-lich-cong-dong"]),
    ("Hà Tĩnh", "HT", "tỉnh", "coast-central", ("Hà Tĩnh", 18.3559, 105.8877, ["Bắc Hà", "Nam Hà", "Tân Giang"]),
     [("huyện", "Hương Sơn", ["Sơn Kim 1", "Sơn Hồng", "Sơn Tây"]),
      ("huyện", "Can Lộc", ["Thượng Lộc", "Thường Nga", "Tùng Lộc"])],
     ["cam-sanh", "nuoc-mam", "keo-dua"]),
    ("Quảng Bình", "QB", "tỉnh", "coast-central", ("Đồng Hới", 17.4680, 106.6150, ["Hải Đình", "Đồng Phú", "Nam Lý"]),
     [("huyện", "Bố Trạch", ["Sơn Trạch", "Phúc Trạch", "Hưng Trạch"]),
      ("huyện", "Minh Hóa", ["Tân Hóa", "Thượng Hóa", "Hóa Sơn"])],
     ["nuoc-mam", "du-lich-sinh-thai", "homestay"]),
    ("Thừa Thiên Huế", "TT", "tỉnh", "coast-central", ("Huế", 16.4637, 107.5909, ["Phú Hội", "Vĩnh Ninh", "Thuận Thành"]),
     [("huyện", "Phong Điền", ["Phong Hòa", "Phong Mỹ", "Phong Sơn"]),
      ("huyện", "A Lưới", ["Hồng Hạ", "A Roàng", "Hương Phong"]),
      ("huyện", "Phú Lộc", ["Vinh Hiền", "Lộc Trì", "Lộc Thủy"])],
     ["non-la", "tinh-dau-sa-chanh", "muoi-tom", "tho-cam"]),
    ("Đà Nẵng", "DN", "thành phố", "coast-central", ("Đà Nẵng", 16.0600, 108.2100, ["Thạch Thang", "Hải Châu 1", "Phước Ninh"]),
     [("huyện", "Hòa Vang", ["Hòa Bắc", "Hòa Phú", "Hòa Ninh"])],
     ["nuoc-mam", "cha-muc", "du-lich-sinh-thai"]),
    ("Quảng Nam", "QA", "tỉnh", "coast-central", ("Tam Kỳ", 15.5736, 108.4740, ["An Mỹ", "An Sơn", "Tân Thạnh"]),
     [("huyện", "Nam Trà My", ["Trà Linh", "Trà Cang", "Trà Nam"]),
      ("huyện", "Duy Xuyên", ["Duy Sơn", "Duy Trung", "Duy Vinh"]),
      ("thành phố", "Hội An", ["Cẩm Thanh", "Cẩm Kim", "Tân Hiệp"])],
     ["sam-ngoc-linh", "lua-to-tam", "trai-nghiem-lang-nghe", "gom-men-lam"]),
    ("Quảng Ngãi", "QG", "tỉnh", "coast-central", ("Quảng Ngãi", 15.1214, 108.8044, ["Lê Hồng Phong", "Trần Phú", "Nghĩa Chánh"]),
     [("huyện", "Lý Sơn", ["An Vĩnh", "An Hải", "An Bình"]),
      ("huyện", "Mộ Đức", ["Đức Phong", "Đức Hiệp", "Đức Lợi"])],
     ["toi-co-don", "nuoc-mam", "keo-dua"]),
    ("Bình Định", "BD", "tỉnh", "coast-central", ("Quy Nhơn", 13.7720, 109.2180, ["Lê Lợi", "Lý Thường Kiệt", "Trần Phú"]),
     [("huyện", "Tuy Phước", ["Phước Hòa", "Phước Thuận", "Phước Sơn"]),
      ("thị xã", "An Nhơn", ["Nhơn Hậu", "Nhơn Lộc", "Nhơn Mỹ"]),
      ("huyện", "Vân Canh", ["Canh Thuận", "Canh Hiệp", "Canh Vinh"])],
     ["ruou-gao", "banh-da", "nuoc-mam", "dua-tre"]),
    ("Khánh Hòa", "KH", "tỉnh", "coast-central", ("Nha Trang", 12.2450, 109.1850, ["Lộc Thọ", "Vĩnh Hải", "Phước Tiến"]),
     [("huyện", "Cam Lâm", ["Cam Hải Tây", "Cam Tân", "Suối Tân"]),
      ("huyện", "Diên Khánh", ["Diên An", "Diên Điền", "Diên Lâm"])],
     ["yen-sao", "nuoc-mam", "cha-muc"]),
    ("Lâm Đồng", "LD", "tỉnh", "highland-south", ("Đà Lạt", 11.9404, 108.4583, ["1", "2", "9"]),
     [("huyện", "Lạc Dương", ["Đạ Sar", "Đưng K'Nớ", "Lát"]),
      ("huyện", "Đơn Dương", ["Ka Đô", "Lạc Xuân", "Tu Tra"]),
      ("thành phố", "Bảo Lộc", ["Lộc Châu", "Đại Lào", "Lộc Thanh"]),
      ("huyện", "Di Linh", ["Gia Hiệp", "Tân Châu", "Hòa Ninh"])],
     ["cao-atiso", "ca-phe-robusta", "dong-trung-ha-thao", "lan-ho-diep", "tra-xanh"]),
    ("Đắk Lắk", "DL", "tỉnh", "highland-south", ("Buôn Ma Thuột", 12.6800, 108.0440, ["Tân Lợi", "Thắng Lợi", "Tự An"]),
     [("huyện", "Krông Năng", ["Ea Tóh", "Phú Lộc", "Ea Hồ"]),
      ("huyện", "Buôn Đôn", ["Krông Na", "Ea Huar", "Ea Wer"]),
      ("huyện", "Cư M'gar", ["Ea Kpam", "Cuôr Đăng", "Ea Tul"])],
     ["ca-phe-robusta", "mat-ong-ca-phe", "tieu-den", "du-lich-cong-dong"]),
    ("Gia Lai", "GL", "tỉnh", "highland-south", ("Pleiku", 13.9833, 108.0000, ["Hội Thương", "Diên Hồng", "Tây Sơn"]),
     [("huyện", "Mang Yang", ["Kon Thụp", "Đê Ar", "Lơ Pang"]),
      ("huyện", "Chư Sê", ["Ia Glai", "Ia Blang", "Dun"])],
     ["ca-phe-robusta", "tieu-den", "mat-ong-ca-phe"]),
    ("Kon Tum", "KT", "tỉnh", "highland-south", ("Kon Tum", 14.3545, 108.0076, ["Quyết Thắng", "Thắng Lợi", "Thống Nhất"]),
     [("huyện", "Tu Mơ Rông", ["Măng Ri", "Ngọk Lây", "Tê Xăng"]),
      ("huyện", "Kon Plông", ["Hiếu", "Măng Cành", "Đắk Long"])],
     ["sam-ngoc-linh", "du-lich-sinh-thai", "ruou-ngo"]),
    ("Bình Thuận", "BU", "tỉnh", "coast-south", ("Phan Thiết", 10.9330, 108.0950, ["Phú Thủy", "Đức Nghĩa", "Phú Trinh"]),
     [("huyện", "Tuy Phong", ["Phước Thể", "Vĩnh Tân", "Phú Lạc"]),
      ("huyện", "Phú Quý", ["Ngũ Phụng", "Long Hải", "Tam Thanh"])],
     ["nuoc-mam", "nuoc-thanh-long", "hat-dieu"]),
    ("Hồ Chí Minh", "HC", "thành phố", "south", ("Hồ Chí Minh", 10.7769, 106.7009, ["Bến Nghé", "Bến Thành", "Đa Kao"]),
     [("huyện", "Củ Chi", ["Phú Hòa Đông", "Trung Lập Thượng", "Tân Thông Hội"]),
      ("huyện", "Cần Giờ", ["Thạnh An", "Lý Nhơn", "An Thới Đông"])],
     ["lan-ho-diep", "ca-koi", "mai-vang"]),
    ("Bến Tre", "BT", "tỉnh", "south", ("Bến Tre", 10.2433, 106.3756, ["1", "3", "Phú Khương"]),
     [("huyện", "Chợ Lách", ["Vĩnh Thành", "Sơn Định", "Long Thới"]),
      ("huyện", "Châu Thành", ["Tân Thạch", "Quới Sơn", "Phú Túc"])],
     ["keo-dua", "nuoc-dua", "buoi-da-xanh", "mai-vang"]),
    ("Tiền Giang", "TG", "tỉnh", "south", ("Mỹ Tho", 10.3600, 106.3650, ["1", "4", "Tân Long"]),
     [("huyện", "Cái Bè", ["Hòa Khánh", "Đông Hòa Hiệp", "An Hữu"]),
      ("huyện", "Chợ Gạo", ["Quơn Long", "Tân Thuận Bình", "Hòa Định"])],
     ["nuoc-thanh-long", "buoi-da-xanh", "du-lich-sinh-thai"]),
    ("Đồng Tháp", "DT", "tỉnh", "south", ("Cao Lãnh", 10.4600, 105.6330, ["1", "2", "Mỹ Phú"]),
     [("thành phố", "Sa Đéc", ["Tân Quy Đông", "Tân Khánh Đông", "Tân Phú Đông"]),
      ("huyện", "Lai Vung", ["Long Hậu", "Tân Phước", "Vĩnh Thới"]),
      ("huyện", "Tháp Mười", ["Mỹ Hòa", "Trường Xuân", "Hưng Thạnh"])],
     ["cuc-mam-xoi", "lap-xuong", "gao-st25", "du-lich-sinh-thai"]),
    ("An Giang", "AG", "tỉnh", "south", ("Long Xuyên", 10.3864, 105.4352, ["Mỹ Bình", "Mỹ Long", "Mỹ Xuyên"]),
     [("huyện", "Tri Tôn", ["Ô Lâm", "Châu Lăng", "Lê Trì"]),
      ("huyện", "Chợ Mới", ["Long Điền A", "Kiến An", "Mỹ Hội Đông"])],
     ["duong-thot-not", "tho-cam", "gao-st25"]),
    ("Sóc Trăng", "ST", "tỉnh", "south", ("Sóc Trăng", 9.6025, 105.9739, ["1", "2", "6"]),
     [("thị xã", "Vĩnh Châu", ["Vĩnh Hải", "Lai Hòa", "Vĩnh Tân"]),
      ("huyện", "Kế Sách", ["An Lạc Tây", "Ba Trinh", "Xuân Hòa"])],
     ["gao-st25", "banh-pia", "lap-xuong"]),
    ("Kiên Giang", "KG", "tỉnh", "south", ("Rạch Giá", 10.0120, 105.0900, ["Vĩnh Thanh Vân", "Vĩnh Lạc", "Vĩnh Thanh"]),
     [("thành phố", "Phú Quốc", ["Hàm Ninh", "Cửa Dương", "Gành Dầu"]),
      ("huyện", "U Minh Thượng", ["An Minh Bắc", "Minh Thuận", "Thạnh Yên"])],
     ["tieu-den", "nuoc-mam", "ruou-sim", "mat-ong-rung-tram"]),
    ("Cà Mau", "CM", "tỉnh", "south", ("Cà Mau", 9.1769, 105.1524, ["2", "5", "7"]),
     [("huyện", "Ngọc Hiển", ["Đất Mũi", "Tân Ân", "Viên An"]),
      ("huyện", "U Minh", ["Khánh Lâm", "Khánh An", "Nguyễn Phích"])],
     ["mat-ong-rung-tram", "gao-st25", "du-lich-sinh-thai"]),
    ("Sơn La", "SL", "tỉnh", "highland-north", ("Sơn La", 21.3256, 103.9188, ["Chiềng Lề", "Tô Hiệu", "Quyết Thắng"]),
     [("huyện", "Mộc Châu", ["Tân Lập", "Chiềng Hắc", "Đông Sang"]),
      ("huyện", "Vân Hồ", ["Vân Hồ", "Chiềng Xuân", "Lóng Luông"])],
     ["tra-xanh", "mang-kho", "thit-trau-gac-bep", "du-lich-cong-dong"]),
    ("Lạng Sơn", "LS", "tỉnh", "highland-north", ("Lạng Sơn", 21.8537, 106.7615, ["Chi Lăng", "Hoàng Văn Thụ", "Tam Thanh"]),
     [("huyện", "Bắc Sơn", ["Vũ Lễ", "Hưng Vũ"]),
      ("huyện", "Văn Quan", ["Tràng Các", "Tân Đoàn"])],
     ["tinh-dau-hoi", "mang-kho", "tho-cam"]),
    ("Cao Bằng", "CB", "tỉnh", "highland-north", ("Cao Bằng", 22.6657, 106.2640, ["Hợp Giang", "Sông Bằng", "Sông Hiến"]),
     [("huyện", "Trùng Khánh", ["Đàm Thủy", "Chí Viễn", "Ngọc Côn"]),
      ("huyện", "Nguyên Bình", ["Thành Công", "Phan Thanh", "Tam Kim"])],
     ["mien-dong", "banh-da", "homestay"]),
    ("Tuyên Quang", "TQ", "tỉnh", "highland-north", ("Tuyên Quang", 21.8233, 105.2180, ["Phan Thiết", "Minh Xuân", "Tân Quang"]),
     [("huyện", "Sơn Dương", ["Tân Trào", "Minh Thanh", "Trung Yên"]),
      ("huyện", "Hàm Yên", ["Phù Lưu", "Tân Thành", "Yên Phú"])],
     ["cam-sanh", "che-shan-tuyet"]),
    ("Hòa Bình", "HB", "tỉnh", "highland-north", ("Hòa Bình", 20.8171, 105.3376, ["Phương Lâm", "Đồng Tiến", "Tân Thịnh"]),
     [("huyện", "Cao Phong", ["Thu Phong", "Bắc Phong", "Tây Phong"]),
      ("huyện", "Mai Châu", ["Chiềng Châu", "Nà Phòn", "Vạn Mai"])],
     ["cam-sanh", "tho-cam", "du-lich-cong-dong"]),
]

HAMLET_PREFIX = {"highland-north": ["Bản", "Thôn"], "delta-north": ["Thôn", "Xóm"],
                 "coast-north": ["Thôn", "Khu"], "coast-central": ["Thôn"],
                 "highland-south": ["Thôn", "Buôn", "Làng"], "coast-south": ["Thôn", "Khu phố"],
                 "south": ["Ấp"]}
HAMLET_NAMES = ["Đông", "Tây", "Nam", "Bắc", "Trung", "Thượng", "Hạ", "Tân Lập", "Tân Phú", "Phú Mỹ",
                "An Thịnh", "Hòa Bình", "Mới", "Chợ", "1", "2", "3", "4", "5", "6", "7", "8"]
CLIMATE = {"highland-north": "mát mẻ quanh năm, mùa đông có sương muối",
           "delta-north": "bốn mùa rõ rệt",
           "coast-north": "gió biển trong lành",
           "coast-central": "nắng gió miền Trung",
           "highland-south": "ôn hòa của cao nguyên đất đỏ bazan",
           "coast-south": "nắng nhiều, ít mưa",
           "south": "nhiệt đới gió mùa với phù sa màu mỡ"}

FAMILY_NAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
                "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Đào", "Lò", "Hà", "Triệu", "Giàng"]
MALE = [("Văn", ["Hùng", "Dũng", "Tuấn", "Bình", "Đạt", "Nam", "Sơn", "Hải", "Long", "Cường", "Quyết",
                 "Đông", "Trung", "Nghĩa", "Khánh", "Thắng", "Lực", "Đức"]),
        ("Đức", ["Anh", "Mạnh", "Thịnh", "Toàn", "Hiếu"]),
        ("Minh", ["Tuấn", "Quân", "Châu", "Đạo"]),
        ("Hữu", ["Phước", "Tài", "Lộc", "Đăng"])]
FEMALE = [("Thị", ["Lan", "Hương", "Mai", "Hoa", "Phương", "Thảo", "Hà", "Thủy", "Yến", "Nga", "Hằng",
                   "Duyên", "Liên", "Đào", "Nhung", "Tuyết"]),
          ("Ngọc", ["Ánh", "Diệp", "Hân"]),
          ("Thanh", ["Tâm", "Huyền", "Vân"]),
          ("Thu", ["Trang", "Hiền"])]
STREETS = ["Trần Phú", "Lê Lợi", "Nguyễn Huệ", "Hùng Vương", "Quang Trung", "Lê Duẩn", "Hai Bà Trưng",
           "Nguyễn Trãi", "Lý Thường Kiệt", "Điện Biên Phủ", "Trần Hưng Đạo", "Nguyễn Du", "Phan Đình Phùng",
           "Bà Triệu", "Ngô Quyền", "Nguyễn Văn Cừ", "Võ Thị Sáu", "Lê Thánh Tông"]
REVOKE_REASONS = ["Không duy trì điều kiện sản xuất",
                  "Chủ thể đề nghị thu hồi do ngừng sản xuất",
                  "Vi phạm quy định về ghi nhãn hàng hóa",
                  "Sử dụng bao bì khác với mẫu đã được công nhận",
                  "Không kích hoạt tem OCOP theo lô sản xuất",
                  "Sản phẩm không đạt chỉ tiêu an toàn thực phẩm khi kiểm tra hậu kiểm",
                  "Tiêu chuẩn cơ sở công bố không còn phù hợp với sản phẩm đang lưu hành"]
QUALIFIERS = ["loại đặc biệt", "truyền thống", "hữu cơ", "thượng hạng", "gia truyền", "cao cấp"]
QUALIFIERS_EN = ["special grade", "traditional", "organic", "premium", "heritage", "deluxe"]

SP_KIND_NAMES = ["showroom", "shop", "supermarket", "market", "other"]
SP_KIND_WEIGHTS = [25, 35, 15, 15, 10]
CATEGORIES = list(CATEGORY_WEIGHTS)
CATEGORY_W = list(CATEGORY_WEIGHTS.values())
PRODUCER_TYPES = ["cooperative", "enterprise", "household", "group", "other"]
PRODUCER_TYPE_W = [40, 20, 25, 10, 5]
STARS, STARS_W = [3, 4, 5], [55, 38, 7]
STATUSES, STATUS_W = ["valid", "expired", "revoked", "pending"], [80, 10, 5, 5]
N_VARIANTS, N_VARIANTS_W = [0, 1, 2, 3], [10, 35, 35, 20]
N_CHANNELS, N_CHANNELS_W = [0, 1, 2], [30, 40, 30]
N_SPS, N_SPS_W = [0, 1, 2, 3], [20, 40, 25, 15]
CHANNEL_TYPES = ["shopee", "lazada", "tiki", "tiktok", "facebook", "zalo", "website", "other"]
CHANNEL_WEIGHTS = [30, 10, 8, 14, 24, 8, 5, 1]

# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
# A plain scalar that every YAML reader (1.1 and 1.2) keeps as the same string.
_PLAIN_OK = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^:#\n]*(?::[^\s:#][^:#\n]*)*")
_SPECIAL = re.compile(r"(?i)y|n|yes|no|on|off|true|false|null|~|[-+]?[0-9][0-9_.:eE+-]*")


_FOLD_CACHE: dict[str, str] = {}


def fold(text: str) -> str:
    """Strip Vietnamese accents, keeping case: "Mèo Vạc" -> "Meo Vac", "Đà Lạt" -> "Da Lat"."""
    out = _FOLD_CACHE.get(text)
    if out is None:
        nfd = unicodedata.normalize("NFD", text)
        out = "".join(c for c in nfd if not unicodedata.combining(c)).replace("đ", "d").replace("Đ", "D")
        if len(_FOLD_CACHE) < 100_000:
            _FOLD_CACHE[text] = out
    return out


def slugify(text: str) -> str:
    return _SLUG_JUNK.sub("-", fold(text).lower()).strip("-")


_YS_CACHE: dict[str, str] = {}


def ys(text: str) -> str:
    """A YAML scalar for free text: plain when that is safe, else double-quoted.

    Codes, lots and phones are written plain on purpose (SPEC §4: they stay
    strings); this is only for names, addresses and sentences.
    """
    out = _YS_CACHE.get(text)
    if out is None:
        if _PLAIN_OK.fullmatch(text) and not text.endswith(" ") and not _SPECIAL.fullmatch(text):
            out = text
        else:
            out = json.dumps(text, ensure_ascii=False)
        if len(_YS_CACHE) < 100_000:
            _YS_CACHE[text] = out
    return out


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    y += d.year
    m += 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def implicit_until(issued: date) -> date:
    """SPEC §5: issued + 36 months (clamped to the month's end) − 1 day."""
    return add_months(issued, 36) - timedelta(days=1)


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class Gen:
    def __init__(self, n_products: int, n_lots: int, seed: int, n_producers: int, n_sps: int):
        self.rng = Random(seed)
        self.n_products = n_products
        self.n_lots = n_lots
        self.n_producers = n_producers
        self.n_sps = n_sps
        self.slugs: set[str] = set()
        self.stats = {"valid": 0, "expired": 0, "revoked": 0, "pending": 0}
        self._cum: dict = {}  # cumulative weights, keyed by the (module-level) lists' ids

    # -- small random helpers ----------------------------------------------
    def weighted(self, items, weights):
        key = (id(items), id(weights))
        cum = self._cum.get(key)
        if cum is None:
            cum = self._cum[key] = (list(accumulate(weights)), items, weights)
        return items[bisect(cum[0], self.rng.random() * cum[0][-1])]

    def day_between(self, a: date, b: date) -> date:
        return date.fromordinal(self.rng.randint(a.toordinal(), b.toordinal()))

    def person(self) -> str:
        r = self.rng
        middle, given = r.choice(MALE if r.random() < 0.55 else FEMALE)
        return f"{r.choice(FAMILY_NAMES)} {middle} {r.choice(given)}"

    def phone(self) -> str:
        r = self.rng
        if r.random() < 0.15:  # landline, written with spaces
            return f"02{r.randint(0, 99):02d} {r.randint(100, 999)} {r.randint(1000, 9999)}"
        return f"0{r.choice('35789')}{r.randint(0, 99999999):08d}"  # plain digits, leading 0

    def unique_slug(self, text: str) -> str:
        base = slugify(text)[:60].strip("-")
        slug, k = base, 2
        while slug in self.slugs:
            slug, k = f"{base}-{k}", k + 1
        self.slugs.add(slug)
        return slug

    # -- places ---------------------------------------------------------------
    def place(self, prov):
        """A location: (province, district or None, commune, district kind)."""
        name, _, _, _, _, districts, _ = prov
        kind, district, communes = self.rng.choice(districts)
        commune = self.rng.choice(communes)
        if self.rng.random() < 0.3:  # post-2025 style record: no district
            return (name, None, commune, kind, district)
        return (name, district, commune, kind, district)

    # -- sales points -----------------------------------------------------------
    def make_sales_points(self):
        r = self.rng
        sps = []
        by_province: dict[str, list[str]] = {}
        order = list(range(len(PROVINCES)))
        r.shuffle(order)
        for i in range(self.n_sps):
            prov = PROVINCES[order[i % len(order)]]
            pname, _, pkind, _, (town, lat0, lon0, wards), _, _ = prov
            kind = self.weighted(SP_KIND_NAMES, SP_KIND_WEIGHTS)
            street = r.choice(STREETS)
            ward = r.choice(wards)
            if kind == "showroom":
                name = (f"Trung tâm giới thiệu sản phẩm OCOP {pname}" if pname not in by_province
                        else f"Điểm giới thiệu sản phẩm OCOP {town} – {street}")
            elif kind == "shop":
                name = r.choice([f"Cửa hàng OCOP {street}", f"Cửa hàng đặc sản {pname} – {street}",
                                 f"Cửa hàng nông sản sạch {town}"])
            elif kind == "supermarket":
                name = r.choice([f"Siêu thị nông sản {town}", f"Siêu thị OCOP {town}",
                                 f"Siêu thị đặc sản vùng miền {town}"])
            elif kind == "market":
                name = r.choice([f"Chợ trung tâm {town}", f"Chợ đêm {town}", f"Chợ phiên nông sản {town}"])
            else:
                name = r.choice([f"Gian hàng OCOP bưu điện {town}", f"Quầy OCOP trạm dừng chân {town}",
                                 f"Không gian OCOP nhà ga {town}"])
            slug = self.unique_slug(name)
            ward_text = f"Phường {ward}" if ward.isdigit() else f"phường {ward}"
            town_text = f"thành phố {pname}" if town == pname and pkind == "thành phố" \
                else f"thành phố {town}, {pkind} {pname}"
            address = f"Số {r.randint(1, 350)} đường {street}, {ward_text}, {town_text}"
            lat = lat0 + r.uniform(-0.006, 0.006)
            lon = lon0 + r.uniform(-0.006, 0.006)
            lines = ["---", f"name: {ys(name)}", f"kind: {kind}", "location:",
                     f"  province: {ys(pname)}", f"  commune: {ys(f'Phường {ward}' if ward.isdigit() else ward)}",
                     f"address: {ys(address)}",
                     "coordinates:", f"  lat: {lat:.5f}", f"  lon: {lon:.5f}"]
            if kind != "market" and r.random() < 0.8:
                lines.append(f"opening_hours: {ys(r.choice(['Thứ Hai – Chủ nhật, 7:30–21:00', 'Hằng ngày, 8:00–22:00', 'Thứ Hai – Thứ Bảy, 7:00–17:30']))}")
            elif kind == "market":
                lines.append(f"opening_hours: {ys(r.choice(['Hằng ngày, 5:00–18:00', 'Tối thứ Sáu – Chủ nhật, 18:00–23:00']))}")
            if r.random() < 0.85:
                lines.append(f"phone: {self.phone()}")
            if r.random() < 0.3:
                lines.append(f"website: https://{slug.replace('-', '')[:30]}.vn/")
            lines.append("---")
            body = ""
            if r.random() < 0.6:
                body = (f"\n{name} trưng bày và bán các sản phẩm OCOP của {pname} và nhiều địa phương khác. "
                        f"Khách có thể kiểm tra tem truy xuất nguồn gốc ngay tại quầy bằng cách quét mã QR.\n")
            sps.append((slug, "\n".join(lines) + "\n" + body))
            by_province.setdefault(pname, []).append(slug)
        return sps, by_province

    # -- producers ----------------------------------------------------------
    def make_producers(self):
        r = self.rng
        producers = []
        for _ in range(self.n_producers):
            prov = r.choice(PROVINCES)
            pname, abbr, pkind, region, _, _, specs = prov
            loc = self.place(prov)
            if r.random() < 0.55:
                family = r.choice(specs)
            else:
                cat = self.weighted(CATEGORIES, CATEGORY_W)
                family = r.choice(FAMILIES_BY_CATEGORY[cat])
            fam = FAMILIES[family]
            trade = fam[4]
            placename = r.choice([loc[2], loc[4], loc[2]])  # commune more often than district
            ptype = self.weighted(PRODUCER_TYPES, PRODUCER_TYPE_W)
            rep = self.person()
            if ptype == "cooperative":
                name = r.choice([f"Hợp tác xã {trade} {placename}", f"Hợp tác xã Nông nghiệp {placename}",
                                 f"Hợp tác xã Dịch vụ tổng hợp {placename}"])
                short, std = "HTX", "HTX"
            elif ptype == "enterprise":
                name = r.choice([f"Công ty TNHH {trade} {placename}", f"Công ty Cổ phần {trade} {pname}",
                                 f"Công ty TNHH Thương mại và Dịch vụ {trade} {placename}"])
                short, std = "Công ty", "CT"
            elif ptype == "household":
                name = r.choice([f"Hộ kinh doanh {rep}", f"Cơ sở sản xuất {trade.lower()} {rep}"])
                short, std = "Cơ sở", "HKD"
            elif ptype == "group":
                name = f"Tổ hợp tác {trade.lower()} {placename}"
                short, std = "Tổ hợp tác", "THT"
            else:
                name = f"Chi hội {trade.lower()} {placename}"
                short, std = "Chi hội", "CH"
            slugsrc = (name.replace("Hợp tác xã", "HTX").replace("Công ty TNHH", "Công ty")
                       .replace("Công ty Cổ phần", "Công ty").replace("Hộ kinh doanh", "HKD")
                       .replace("Tổ hợp tác", "THT").replace("Thương mại và Dịch vụ", "TM DV"))
            slug = self.unique_slug(slugsrc)
            handle = slug.replace("-", "")[:28]
            hamlet = f"{r.choice(HAMLET_PREFIX[region])} {r.choice(HAMLET_NAMES)}"
            where = f"xã {loc[2]}, " + (f"{loc[3]} {loc[1]}, " if loc[1] else "") + f"{pkind} {pname}"
            founded = r.randint(1998, 2020)
            producers.append({
                "slug": slug, "name": name, "type": ptype, "rep": rep, "prov": prov, "loc": loc,
                "family": family, "handle": handle, "std": std, "short": short,
                "address": f"{hamlet}, {where}", "where": where, "founded": founded,
                "lotfmt": r.randrange(5), "phone": self.phone(),
                "email": f"{handle}@gmail.com" if r.random() < 0.4 else None,
                "website": f"https://{handle}.vn/" if r.random() < 0.25 else None,
                "story": self.story(name, short, rep, fam, loc, pname, region, founded),
            })
        return producers

    def story(self, name, short, rep, fam, loc, pname, region, founded):
        r = self.rng
        product = fam[2]
        product_lc = product[0].lower() + product[1:]
        raw = fam[9]
        place = loc[2]
        members = r.randint(7, 120)
        workers = r.randint(5, 80)
        area = r.randint(2, 150)
        year_ocop = r.randint(max(founded + 1, 2019), 2025)
        who = "hợp tác xã" if short == "HTX" else short.lower()
        p1 = [f"{name} được thành lập năm {founded} tại xã {place}, {pname}, với {members} thành viên ban đầu là các hộ dân trong vùng.",
              f"Vùng đất {place} có khí hậu {CLIMATE[region]}, rất phù hợp để phát triển {raw}.",
              f"Từ những ngày đầu, {rep} cùng bà con đã quyết tâm đưa {product_lc} – đặc sản của quê hương – đến với người tiêu dùng cả nước."]
        if fam[0] == "tourism":
            p1.append(f"Người dân {place} vẫn giữ gìn nếp nhà, món ăn và lễ hội truyền thống của quê hương.")
            p2 = [f"Các gói trải nghiệm **{product}** được xây dựng cùng người dân: đón khách, nấu ăn, dẫn đường và biểu diễn văn nghệ.",
                  "Mỗi đoàn khách đều được hướng dẫn viên là người địa phương đi cùng và giới thiệu về lịch sử vùng đất.",
                  f"{short} đã chỉnh trang {r.randint(3, 25)} nhà đón khách, bảo đảm vệ sinh, an toàn và giữ được kiến trúc truyền thống.",
                  "Khách có thể tham gia thu hoạch nông sản, học nấu món ăn địa phương và mua đặc sản làm quà."]
        else:
            p1.append(f"Nghề làm {product_lc} ở {place} đã có từ nhiều đời, được cha truyền con nối qua nhiều thế hệ.")
            p2 = [f"Sản phẩm **{product}** được làm theo quy trình khép kín, từ khâu chọn {raw} đến khi đóng gói.",
                  "Mỗi lô hàng đều được ghi nhật ký sản xuất và dán tem truy xuất nguồn gốc trước khi xuất bán.",
                  "Bao bì được thiết kế lại theo góp ý của hội đồng đánh giá, ghi rõ thành phần, hạn dùng và mã sản phẩm."]
            if fam[0] in ("food", "beverage", "herbal"):
                p2 += [f"{short} đã xây dựng vùng nguyên liệu rộng {area} ha, áp dụng quy trình VietGAP và hạn chế tối đa phân bón hóa học.",
                       "Nhà xưởng được đầu tư máy móc mới, đạt điều kiện an toàn thực phẩm theo quy định."]
            else:
                p2.append(f"Các thợ lành nghề của {who} truyền nghề cho lớp trẻ trong các lớp học miễn phí mỗi năm.")
        p3 = [f"Năm {year_ocop}, {who} tham gia Chương trình Mỗi xã một sản phẩm và được công nhận sản phẩm OCOP.",
              f"Hiện nay, {who} tạo việc làm ổn định cho {workers} lao động địa phương, phần lớn là phụ nữ.",
              "Sản phẩm đã có mặt tại các hội chợ xúc tiến thương mại, điểm bán OCOP và trên nhiều sàn thương mại điện tử.",
              "Thu nhập của các thành viên tăng đáng kể so với trước khi tham gia chương trình, nhiều hộ đã thoát nghèo bền vững."]
        p4 = ["Trong thời gian tới, chủ thể tiếp tục đầu tư đổi mới bao bì, mở rộng vùng nguyên liệu và phát triển du lịch trải nghiệm gắn với sản phẩm.",
              f"Mục tiêu của {who} là nâng hạng sản phẩm và đưa {product_lc} đến với nhiều thị trường hơn.",
              "Khách hàng có thể đến tham quan cơ sở, tìm hiểu quy trình và mua sản phẩm tận nơi."]
        paras = [p1, p2, p3, p4][:r.randint(2, 4)]
        out = []
        for i, pool in enumerate(paras):
            k = r.randint(2, min(4, len(pool)))
            keep = sorted(r.sample(range(1 if i == 0 else 0, len(pool)), k - (i == 0)))
            out.append(" ".join(([pool[0]] if i == 0 else []) + [pool[j] for j in keep]))
        return "\n\n".join(out)

    # -- certifications -------------------------------------------------------
    def cert(self, issued: date, loc, pname, pkind, district_kind):
        r = self.rng
        stars = self.weighted(STARS, STARS_W)
        modern = issued >= date(2025, 7, 1)
        if stars == 5:
            level = "national"
        elif stars == 4:
            level = "province"
        elif modern:
            level = "commune" if r.random() < 0.5 else "province"
        else:
            level = "district" if loc[1] and r.random() < 0.4 else "province"
        n = r.randint(100, 4999)
        if level == "national":
            if issued < date(2025, 3, 1):
                decision, issuer = f"{n}/QĐ-BNN-VPĐP", "Bộ Nông nghiệp và Phát triển nông thôn"
            else:
                decision, issuer = f"{n}/QĐ-BNNMT", "Bộ Nông nghiệp và Môi trường"
        elif level == "province":
            decision, issuer = f"{n}/QĐ-UBND", f"UBND {pkind} {pname}"
        elif level == "district":
            decision, issuer = f"{n}/QĐ-UBND", f"UBND {district_kind} {loc[1]}"
        else:
            decision, issuer = f"{r.randint(10, 499)}/QĐ-UBND", f"UBND xã {loc[2]}"
        c = {"decision": decision, "issued": issued, "issuer": issuer, "level": level, "stars": stars,
             "certificate": f"{r.randint(1, 999)}/GCN-OCOP" if r.random() < 0.7 else None,
             "valid_until": None, "revoked": None}
        return c

    def certifications(self, status, loc, pname, pkind, dkind):
        """Certifications (oldest first) that give `status` as of AS_OF."""
        r = self.rng
        if status == "pending":
            return [self.cert(self.day_between(date(2027, 1, 4), date(2027, 12, 28)), loc, pname, pkind, dkind)]
        if status == "valid":
            last = self.day_between(date(2023, 12, 1), AS_OF)
        elif status == "expired":
            last = self.day_between(date(2019, 6, 1), date(2023, 11, 29))
        else:
            last = self.day_between(date(2020, 1, 1), date(2026, 6, 30))
        c = self.cert(last, loc, pname, pkind, dkind)
        until = implicit_until(last)
        if status == "valid" and r.random() < 0.15:
            # an explicit valid_until: the same date written out, or a shorter term
            c["valid_until"] = until if r.random() < 0.5 else self.day_between(max(AS_OF, last), until)
        elif status == "expired" and r.random() < 0.15:
            c["valid_until"] = until if r.random() < 0.5 else self.day_between(last + timedelta(days=365), until)
        elif status == "revoked":
            end = min(until, AS_OF)
            rdate = self.day_between(min(last + timedelta(days=60), end), end)
            c["revoked"] = {"date": rdate, "decision": f"{r.randint(100, 4999)}/QĐ-UBND",
                            "reason": r.choice(REVOKE_REASONS)}
        certs = [c]
        if r.random() < (0.35 if status == "valid" else 0.25):
            # an earlier rating, renewed (công nhận lại) by the one above
            back = r.randint(0, 150) if status != "valid" else r.randint(-60, 150)
            prev = add_months(last, -36) - timedelta(days=back)
            if prev >= date(2019, 1, 2) and prev < last:
                certs.insert(0, self.cert(prev, loc, pname, pkind, dkind))
        return certs

    # -- products -----------------------------------------------------------
    def make_products(self, producers, sp_by_province, all_sps):
        r = self.rng
        n, p = self.n_products, len(producers)
        owner = list(range(p)) + [r.randrange(p) for _ in range(n - p)]
        r.shuffle(owner)
        counters: dict[tuple[str, int], int] = {}
        used_names: set[tuple[int, str]] = set()
        products = []
        for pi in owner:
            prod = producers[pi]
            prov = prod["prov"]
            pname, abbr, pkind, region, _, _, specs = prov
            loc = prod["loc"]
            x = r.random()
            if x < 0.6:
                family = prod["family"]
            elif x < 0.85:
                family = r.choice(FAMILIES_BY_CATEGORY[FAMILIES[prod["family"]][0]])
            else:
                cat = self.weighted(CATEGORIES, CATEGORY_W)
                family = r.choice(FAMILIES_BY_CATEGORY[cat])
            (category, subgroup, base, base_en, _, skup, packs, (plo, phi), shelf, raw, _) = FAMILIES[family]
            y = r.random()
            placename = loc[2] if y < 0.5 else (loc[4] if y < 0.8 else pname)
            name = f"{base} {placename}"
            name_en = f"{fold(placename)} {base_en}"
            if (pi, name) in used_names:
                q = r.randrange(len(QUALIFIERS))
                name, name_en = f"{name} {QUALIFIERS[q]}", f"{QUALIFIERS_EN[q]} {name_en}"
                k = 2
                while (pi, name) in used_names:
                    name, k = f"{base} {placename} {QUALIFIERS[q]} {k}", k + 1
            used_names.add((pi, name))

            status = self.weighted(STATUSES, STATUS_W)
            self.stats[status] += 1
            certs = self.certifications(status, loc, pname, pkind, loc[3])
            first = certs[0]["issued"]
            key = (abbr, first.year)
            counters[key] = counters.get(key, 0) + r.randint(1, 3)
            code = f"{abbr}-{first.year}-{counters[key]:05d}"

            L = [f"code: {code}", f"name: {ys(name)}", f"category: {category}", f"subgroup: {ys(subgroup)}",
                 f"producer: {prod['slug']}", "location:", f"  province: {ys(pname)}"]
            if loc[1]:
                L.append(f"  district: {ys(loc[1])}")
            L.append(f"  commune: {ys(loc[2])}")
            desc = None
            if r.random() < 0.7:
                if category == "handicraft":
                    desc = f"Sản phẩm làm thủ công hoàn toàn từ {raw} bởi nghệ nhân ở {loc[2]}, {pname}."
                elif category == "ornamental":
                    desc = f"{base} được chăm sóc tại nhà vườn ở {loc[2]}, {pname}, phù hợp trưng bày dịp Tết và làm quà tặng."
                elif category == "tourism":
                    desc = f"Trải nghiệm {raw} cùng người dân {loc[2]}, {pname}, thưởng thức ẩm thực và văn hóa địa phương."
                else:
                    desc = r.choice([
                        f"{base} làm từ {raw} tại {loc[2]}, {pname}, theo quy trình truyền thống kết hợp công nghệ hiện đại.",
                        f"{base} mang hương vị đặc trưng của vùng {placename}, đóng gói tiện lợi, có tem truy xuất nguồn gốc."])
                L.append(f"description: {ys(desc)}")
            L.append("certifications:")
            for c in certs:
                L.append(f"  - decision: {c['decision']}")
                if c["certificate"]:
                    L.append(f"    certificate: {c['certificate']}")
                L += [f"    issued: {c['issued'].isoformat()}", f"    issuer: {ys(c['issuer'])}",
                      f"    level: {c['level']}", f"    stars: {c['stars']}"]
                if c["valid_until"]:
                    L.append(f"    valid_until: {c['valid_until'].isoformat()}")
                if c["revoked"]:
                    rv = c["revoked"]
                    L += ["    revoked:", f"      date: {rv['date'].isoformat()}",
                          f"      decision: {rv['decision']}", f"      reason: {ys(rv['reason'])}"]
            nvar = self.weighted(N_VARIANTS, N_VARIANTS_W)
            chosen = sorted(r.sample(range(len(packs)), min(nvar, len(packs))))
            if chosen:
                L.append("variants:")
                for j in chosen:
                    L += [f"  - sku: {skup}-{packs[j][0]}", f"    label: {ys(packs[j][1])}"]
            if category != "tourism" and r.random() < (0.9 if category in ("food", "beverage", "herbal") else 0.5):
                pub = first - timedelta(days=r.randint(30, 400))
                L += ["standard:", f"  number: TCCS {r.randint(1, 12):02d}:{pub.year}/{prod['std']}",
                      f"  published: {pub.isoformat()}"]
            if r.random() < 0.85:
                pmin = r.randint(plo, phi) * 1000
                pmin = max(5000, pmin // 5000 * 5000)
                pmax = pmin if len(chosen) < 2 and r.random() < 0.3 else pmin * r.randint(12, 30) // 10 // 5000 * 5000
                L.append(f"price: {{min: {pmin}, max: {max(pmin, pmax)}}}")
            if shelf and r.random() < 0.9:
                L.append(f"shelf_life: {ys(shelf[1])}")
            nch = self.weighted(N_CHANNELS, N_CHANNELS_W)
            if nch:
                types = []
                while len(types) < nch:
                    t = self.weighted(CHANNEL_TYPES, CHANNEL_WEIGHTS)
                    if t not in types:
                        types.append(t)
                L.append("channels:")
                h = prod["handle"]
                for t in types:
                    url = {"shopee": f"https://shopee.vn/{h}", "lazada": f"https://www.lazada.vn/shop/{prod['slug']}",
                           "tiki": f"https://tiki.vn/cua-hang/{prod['slug']}", "tiktok": f"https://www.tiktok.com/@{h}",
                           "facebook": f"https://www.facebook.com/{h}",
                           "zalo": f"https://zalo.me/{prod['phone'].replace(' ', '')}",
                           "website": prod["website"] or f"https://{h}.vn/",
                           "other": f"https://postmart.vn/shop/{prod['slug']}"}[t]
                    L += [f"  - type: {t}", f"    url: {url}"]
            nsp = self.weighted(N_SPS, N_SPS_W)
            if nsp:
                pool = sp_by_province.get(pname, [])
                picks: list[str] = []
                for _ in range(nsp * 3):
                    if len(picks) == nsp:
                        break
                    s = r.choice(pool) if pool and r.random() < 0.7 else r.choice(all_sps)
                    if s not in picks:
                        picks.append(s)
                L.append(f"sales_points: [{', '.join(picks)}]")
            if self.n_lots:
                L.append("batches:")
                L += self.batches(status, certs, prod["lotfmt"], skup, shelf)
            if r.random() < 0.5:
                tr = ["translations:", "  en:", f"    name: {ys(cap(name_en))}"]
                if desc and r.random() < 0.4:
                    tr.append(f"    description: {ys(f'{cap(base_en)} from {fold(loc[2])}, {fold(pname)}, made by a local OCOP producer.')}")
                if self.english:   # drawn either way, so a vi-only catalog holds the same products
                    L += tr
            products.append((code, "\n".join(L) + "\n"))
        return products

    def batches(self, status, certs, fmt, skup, shelf):
        r = self.rng
        first, last = certs[0], certs[-1]
        if status == "pending":
            lo, hi = date(2026, 3, 1), AS_OF
        else:
            lo = max(first["issued"] - timedelta(days=90), date(2018, 10, 1))
            end = last["valid_until"] or implicit_until(last["issued"])
            if last["revoked"]:
                end = last["revoked"]["date"]
            hi = min(end, AS_OF)
            if hi <= lo:
                hi = lo + timedelta(days=30)
        span = hi.toordinal() - lo.toordinal() + 1
        n = self.n_lots
        if span >= n:
            days = sorted(r.sample(range(lo.toordinal(), hi.toordinal() + 1), n))
        else:
            days = sorted(r.randint(lo.toordinal(), hi.toordinal()) for _ in range(n))
        out, seen = [], set()
        for i, o in enumerate(days):
            d = date.fromordinal(o)
            if fmt == 0:
                lot = f"L{d.year}-{d.month:02d}"
            elif fmt == 1:
                lot = f"LSX{d.year % 100:02d}{d.month:02d}{d.day:02d}"
            elif fmt == 2:
                lot = f"{d.year % 100:02d}{d.month:02d}-{i + 1:02d}"
            elif fmt == 3:
                lot = f"SX-{d.year}-{i + 1:03d}"
            else:
                lot = f"{skup}{d.year % 100:02d}{d.month:02d}{d.day:02d}"
            base, k = lot, 2
            while lot.lower() in seen:
                lot, k = f"{base}-{k}", k + 1
            seen.add(lot.lower())
            out += [f"  - lot: {lot}", f"    produced: {d.isoformat()}"]
            if shelf and r.random() < 0.9:
                out.append(f"    expires: {(d + timedelta(days=shelf[0])).isoformat()}")
            if r.random() < 0.97:
                out.append(f"    quantity: {100 + 50 * int(r.random() * 99)}")
        return out

    def producer_file(self, p) -> str:
        pname, _, _, _, _, _, _ = p["prov"]
        loc = p["loc"]
        L = ["---", f"name: {ys(p['name'])}", f"type: {p['type']}", f"representative: {ys(p['rep'])}",
             "location:", f"  province: {ys(pname)}"]
        if loc[1]:
            L.append(f"  district: {ys(loc[1])}")
        L += [f"  commune: {ys(loc[2])}", f"address: {ys(p['address'])}", f"phone: {p['phone']}"]
        if p["email"]:
            L.append(f"email: {p['email']}")
        if p["website"]:
            L.append(f"website: {p['website']}")
        L.append("---")
        return "\n".join(L) + "\n\n" + p["story"] + "\n"


SITE_YAML = """title: Danh mục sản phẩm OCOP
base_url: https://ocop.example.gov.vn/
languages: [{languages}]
theme: default
"""

GENERATED = [("site.yaml",), ("products", ".yaml"), ("content/producers", ".md"), ("content/sales-points", ".md")]


def positive(text: str) -> int:
    v = int(text)
    if v < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return v


def lots_arg(text: str) -> int:
    v = int(text)
    if not 0 <= v <= 500:
        raise argparse.ArgumentTypeError("must be between 0 and 500")
    return v


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Generate a deterministic synthetic OCOP catalog (SPEC format).")
    ap.add_argument("out", metavar="OUT_DIR", help="folder to write (missing or empty, unless --force)")
    ap.add_argument("--products", type=positive, required=True, metavar="N", help="number of products")
    ap.add_argument("--lots", type=lots_arg, default=5, metavar="K", help="production lots per product (default 5)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--producers", type=positive, metavar="P", help="number of producers (default ceil(N/3))")
    ap.add_argument("--sales-points", type=positive, metavar="S", help="number of sales points (default max(6, N // 20))")
    ap.add_argument("--languages", default="vi,en", metavar="L,L",
                    help="site languages, default first (default vi,en; vi alone gives Hugo's page set)")
    ap.add_argument("--force", action="store_true",
                    help="write into a non-empty folder, replacing the files a previous run made there")
    a = ap.parse_args(argv)

    out = Path(a.out)
    if out.exists() and not out.is_dir():
        print(f"generate_catalog: {out} exists and is not a folder", file=sys.stderr)
        return 2
    if out.is_dir() and any(out.iterdir()):
        if not a.force:
            print(f"generate_catalog: {out} is not empty; refusing to write into it (use --force to replace "
                  f"site.yaml, products/*.yaml, content/producers/*.md and content/sales-points/*.md there)",
                  file=sys.stderr)
            return 2
        for spec in GENERATED:
            if len(spec) == 1:
                (out / spec[0]).unlink(missing_ok=True)
            elif (out / spec[0]).is_dir():
                for f in (out / spec[0]).iterdir():
                    if f.is_file() and f.name.endswith(spec[1]):
                        f.unlink()

    t0 = time.perf_counter()  # for the summary only; nothing written depends on it
    n_prod = a.producers or math.ceil(a.products / 3)
    n_sps = a.sales_points or max(6, a.products // 20)
    g = Gen(a.products, a.lots, a.seed, n_prod, n_sps)
    g.english = "en" in a.languages.split(",")
    sps, sp_by_province = g.make_sales_points()
    all_sps = [s for s, _ in sps]
    producers = g.make_producers()
    products = g.make_products(producers, sp_by_province, all_sps)

    t1 = time.perf_counter()
    for sub in ("products", "content/producers", "content/sales-points"):
        (out / sub).mkdir(parents=True, exist_ok=True)

    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)

    def write(path: str, text: str):
        # plain os calls: ~2x faster than open() for tens of thousands of small files
        fd = os.open(path, flags, 0o644)
        try:
            os.write(fd, unicodedata.normalize("NFC", text).encode("utf-8"))
        finally:
            os.close(fd)

    write(os.path.join(out, "site.yaml"), SITE_YAML.format(languages=", ".join(a.languages.split(","))))
    pdir, cdir, sdir = (os.path.join(out, *sub.split("/")) for sub in
                        ("products", "content/producers", "content/sales-points"))
    for code, text in sorted(products):
        write(os.path.join(pdir, code + ".yaml"), text)
    for p in sorted(producers, key=lambda p: p["slug"]):
        write(os.path.join(cdir, p["slug"] + ".md"), g.producer_file(p))
    for slug, text in sorted(sps):
        write(os.path.join(sdir, slug + ".md"), text)

    s = g.stats
    print(f"{out}: {a.products} products ({s['valid']} valid, {s['expired']} expired, {s['revoked']} revoked, "
          f"{s['pending']} pending as of {AS_OF}), {len(producers)} producers, {len(sps)} sales points, "
          f"{a.products * a.lots} lots in {time.perf_counter() - t0:.2f} s "
          f"({t1 - t0:.2f} s generating, {time.perf_counter() - t1:.2f} s writing files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
