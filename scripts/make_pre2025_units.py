"""Regenerate ocop_site/data/pre2025_units.json: Vietnam's administrative units before the 2025 reform.

The current units (34 provinces, 3,321 communes since 1 July 2025) come from the
installed ``vietnam-provinces`` package at run time. Its releases that also
carry the pre-2025 units (``vietnam_provinces.legacy``, from 2026.1) require
Python 3.12, while ocop-site supports 3.11; so the few facts needed from them —
the 63 former provinces, their districts and communes, and which current
province each former one became part of (Resolution 202/2025/QH15) — are
extracted once into a small JSON file that ships with the package.

Communes were also merged before 2025 (rounds of 2019–2021 and of 1 January 2025), and an OCOP
record written in 2021 names the commune of its time; so the communes and districts of older
releases (0.2: list of 2020-02-25, 0.4.3: list of 2021-02-03) are added to their province.

Usage (the module's own Python requirement is only declared; it imports on 3.11)::

    pip download --no-deps --python-version 3.12 --only-binary=:all: -d /tmp/vp 'vietnam-provinces==2026.9.0'
    pip download --no-deps -d /tmp/vp02 'vietnam-provinces==0.2'
    pip download --no-deps -d /tmp/vp043 'vietnam-provinces==0.4.3'
    for d in /tmp/vp /tmp/vp02 /tmp/vp043; do (cd $d && unzip -q -o vietnam_provinces-*.whl); done
    python scripts/make_pre2025_units.py /tmp/vp /tmp/vp02 /tmp/vp043 > ocop_site/data/pre2025_units.json

The output is deterministic: same package, same bytes.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

_TYPE = re.compile(r"^(Tỉnh|Thành phố|Quận|Huyện|Thị xã|Xã|Phường|Thị trấn) ")


def short(name: str) -> str:
    """'Tỉnh Hà Giang' → 'Hà Giang', 'Thị trấn Cái Rồng' → 'Cái Rồng'; 'Phường 1' stays as is."""
    stripped = _TYPE.sub("", name)
    return name if stripped.isdigit() else stripped


def main(folder: str, *older: str) -> None:
    sys.path.insert(0, folder)
    import vietnam_provinces
    from vietnam_provinces._ward_conversion_2025 import OLD_TO_NEW as WARDS_OLD_TO_NEW
    from vietnam_provinces.legacy._lookup import DISTRICT_MAPPING, PROVINCE_MAPPING, WARD_MAPPING

    # The current province of each former one: where most of its communes went (the resolution
    # merged whole provinces; the conversion table has one stray entry, Tân An's Phường 4).
    votes: dict[int, Counter] = {}
    for entry in WARDS_OLD_TO_NEW.values():
        for new in entry.new_wards:
            votes.setdefault(entry.old_ward.province_code, Counter())[new.province_code] += 1

    provinces = {}
    for code, p in PROVINCE_MAPPING.items():
        provinces[int(code)] = {"code": int(code), "name": short(p.name),
                                "current": votes[int(code)].most_common(1)[0][0], "districts": {}}
    district_of = {}
    for d in DISTRICT_MAPPING.values():
        district_of[int(d.code)] = (int(d.province_code), short(d.name))
        provinces[int(d.province_code)]["districts"].setdefault(short(d.name), [])
    for w in WARD_MAPPING.values():
        pcode, dname = district_of[int(w.district_code)]
        communes = provinces[pcode]["districts"][dname]
        if short(w.name) not in communes:
            communes.append(short(w.name))
    sources = [f"vietnam-provinces {vietnam_provinces.__version__} (vietnam_provinces.legacy)"]
    for other in older:
        data = json.loads((Path(other) / "vietnam_provinces" / "data" / "nested-divisions.json").read_text("utf-8"))
        version = next(Path(other).glob("vietnam_provinces-*.dist-info")).name.split("-")[1].removesuffix(".dist")
        sources.append(f"vietnam-provinces {version}")
        for p in data:
            for d in p["districts"]:
                communes = provinces[int(p["code"])]["districts"].setdefault(short(d["name"]), [])
                communes += [short(w["name"]) for w in d["wards"] if short(w["name"]) not in communes]

    out = ['{"source": ' + json.dumps(
        "units before 1 July 2025 from the National Statistics Office lists packaged by " + ", ".join(sources)
        + "; current = code of the province each became part of", ensure_ascii=False)
        + ',', ' "provinces": [']
    rows = []
    for code in sorted(provinces):
        p = provinces[code]
        p["districts"] = {k: sorted(v) for k, v in sorted(p["districts"].items())}
        rows.append("  " + json.dumps(p, ensure_ascii=False, separators=(",", ":")))
    out.append(",\n".join(rows))
    out.append(" ]}")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(*sys.argv[1:])
