#!/usr/bin/env python3
"""Time ``ocop-site import`` of a province-size sheet (3,000 rows, the largest province's list).

    python benchmarks/bench_import.py                 # 3,000 rows, 3 runs of each step
    python benchmarks/bench_import.py --rows 500 --repeat 1

Generates (seed 1) an annex-style ``.xlsx`` with openpyxl: merged title rows, a two-row header
(Địa chỉ over Xã/Phường, Huyện, Tỉnh), real communes and districts of Thanh Hóa, products of the
six groups, stars written in the ways offices write them (``4``, ``4 sao``, ``Bốn sao``, a
score), the decision and its date in one cell, about a thousand producers. Then times, each as
``python build.py import`` in a fresh process (start-up included), into a site folder holding only
``site.yaml``:

1. the **first import** (every product and producer new: 3,000 records and their stubs written);
2. the **same file again** (a no-op: every row matched to its record, nothing written);
3. a **renewal** sheet (the same rows with a new decision: 3,000 certifications appended).

Reports the median of ``--repeat`` runs of each step (each run starts from a fresh site), as wall
clock and as the CPU time of the import process (user + system): on a shared machine the wall
clock mostly measures the others' load.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

GROUPS = [("Thực phẩm", ["Mật ong", "Bánh", "Nem chua", "Gạo", "Nước mắm", "Miến"]),
          ("Đồ uống", ["Rượu", "Chè", "Nước ép"]), ("Thảo dược", ["Tinh dầu", "Cao dược liệu", "Trà thảo dược"]),
          ("Thủ công mỹ nghệ", ["Cói", "Mây tre đan", "Gốm"]), ("Sinh vật cảnh", ["Lan", "Cây cảnh"]),
          ("Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch", ["Homestay", "Điểm du lịch"])]
KINDS = ["Hợp tác xã", "HTX", "Công ty TNHH", "Hộ kinh doanh", "Tổ hợp tác"]
WORDS = ["Xanh", "Sạch", "Hồng Phát", "An Khang", "Thành Công", "Phú Quý", "Đồng Tâm", "Bình Minh", "Tân Tiến",
         "Hợp Nhất", "Quê Hương", "Đất Việt", "Hương Sen", "Ngọc Lan"]
STARS = [lambda n: n, lambda n: f"{n} sao", lambda n: ["Ba sao", "Bốn sao", "Năm sao"][n - 3],
         lambda n: {3: 62, 4: 78, 5: 93}[n]]


def units(province: str = "Thanh Hóa") -> list[tuple[str, str]]:
    data = json.loads((REPO / "ocop_site" / "data" / "pre2025_units.json").read_text(encoding="utf-8"))
    found = next(p for p in data["provinces"] if p["name"] == province)
    return [(commune, district) for district, communes in found["districts"].items() for commune in communes]


def make_sheet(path: Path, rows: int, renewal: bool = False, seed: int = 1) -> None:
    from openpyxl import Workbook

    rng = random.Random(seed)
    places = units()
    producers = [(f"{rng.choice(KINDS)} {rng.choice(WORDS)} {places[i % len(places)][0]}", places[i % len(places)])
                 for i in range(max(rows // 3, 1))]
    wb = Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    ws.append(["ỦY BAN NHÂN DÂN TỈNH THANH HÓA"])
    ws.append(["DANH SÁCH SẢN PHẨM ĐƯỢC CÔNG NHẬN OCOP"])
    ws.merge_cells("A1:I1")
    ws.merge_cells("A2:I2")
    ws.append([])
    ws.append(["STT", "Tên sản phẩm", "Chủ thể", "Địa chỉ", None, None, "Nhóm", "Hạng sao", "Quyết định công nhận"])
    ws.merge_cells("D4:F4")
    ws.append([None, None, None, "Xã/Phường", "Huyện", "Tỉnh", None, None, None])
    for n in range(rows):
        producer, (commune, district) = producers[n % len(producers)]
        group, subgroups = GROUPS[n % len(GROUPS)]
        stars = 3 + (n * 7 + 3) % 3
        day = datetime(2026 if renewal else 2023, 1 + n % 12, 1 + n % 28)
        decision = f"{(9000 if renewal else 1000) + n // 100}/QĐ-UBND ngày {day:%d/%m/%Y}"
        ws.append([n + 1, f"{subgroups[n % len(subgroups)]} {rng.choice(WORDS)} số {n + 1}", producer, commune,
                   district, "Thanh Hóa", group, STARS[n % len(STARS)](stars), decision])
    wb.save(path)


def run_import(sheet: Path, site: Path) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds of the process): on a shared machine the second is the steadier."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, str(REPO / "build.py"), "import", str(sheet), "--source", str(site),
                           "--issuer", "UBND tỉnh Thanh Hóa", "--prefix", "TH"], capture_output=True, text=True,
                          timeout=1200)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    if done.returncode != 0:
        raise SystemExit(f"import failed ({done.returncode}):\n{done.stderr[-3000:]}")
    print("   ", done.stderr.strip().splitlines()[-1])
    return seconds, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary one)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="ocop-import-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    sheet, renewal = work / "annex.xlsx", work / "renewal.xlsx"
    start = time.perf_counter()
    make_sheet(sheet, args.rows)
    make_sheet(renewal, args.rows, renewal=True)
    print(f"sheets of {args.rows:,} rows made in {time.perf_counter() - start:.1f} s ({sheet.stat().st_size:,} bytes)")
    empty = work / "empty"
    shutil.rmtree(empty, ignore_errors=True)
    empty.mkdir()
    (empty / "site.yaml").write_text("title: Bench\nbase_url: https://ocop.example.gov.vn/\n", encoding="utf-8")
    steps: dict[str, list[tuple[float, float]]] = {"first import": [], "same file again": [], "renewal": []}
    for _ in range(args.repeat):
        site = work / "site"
        shutil.rmtree(site, ignore_errors=True)
        shutil.copytree(empty, site)
        steps["first import"].append(run_import(sheet, site))
        steps["same file again"].append(run_import(sheet, site))
        steps["renewal"].append(run_import(renewal, site))
    products = len(list((work / "site" / "products").glob("*.yaml")))
    producers = len(list((work / "site" / "content" / "producers").glob("*.md")))
    print(f"\n{args.rows:,} rows → {products:,} products, {producers:,} producers; median of {args.repeat}:")
    print(f"  {'':16s} {'wall clock':>10s} {'CPU':>8s}")
    for step, times in steps.items():
        wall, cpu = statistics.median(t for t, _ in times), statistics.median(c for _, c in times)
        print(f"  {step:16s} {wall:8.2f} s {cpu:6.2f} s   (wall: {', '.join(f'{t:.2f}' for t, _ in times)})")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
