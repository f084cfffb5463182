"""Rebuild lines/reference/naf.csv, the APE/NAF codes a SIRET holder may have (NAF rév. 2, 2008).

Source: the npm package @socialgouv/codes-naf (code Apache-2.0), which carries INSEE's NAF rév. 2
nomenclature (data Licence Ouverte / Etalab). Usage:

    python scripts/build_naf.py                  # downloads the pinned version with `npm pack`
    python scripts/build_naf.py --package DIR    # or reads an unpacked package

Keeps the 732 sub-classes (`62.01Z`), the level an APE code is given at. NAF 2025 replaces it on
1 January 2027: point PACKAGE at a version carrying it, rebuild, and keep both while codes of the
two coexist (lines.naf reads every file `naf*.csv` of the folder).
"""

import argparse
import csv
import json
import re
import tempfile
from pathlib import Path

from build_communes import download_package  # scripts/ is on the path when run as a script

PACKAGE = "@socialgouv/codes-naf@1.1.1"
OUTPUT = Path(__file__).resolve().parent.parent / "lines" / "reference" / "naf.csv"
SUBCLASS = re.compile(r"[0-9]{2}\.[0-9]{2}[A-Z]")


def rows(entries: list[dict]):
    for entry in sorted(entries, key=lambda e: e["id"]):
        if SUBCLASS.fullmatch(entry["id"]):
            yield {"code": entry["id"].replace(".", ""), "label": " ".join(entry["label"].split())}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", type=Path, help="an unpacked copy of the npm package")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        package_dir = args.package or download_package(Path(tmp), PACKAGE)
        entries = json.loads((package_dir / "index.json").read_text(encoding="utf-8"))
    with open(OUTPUT, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["code", "label"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows(entries))
    print(f"{OUTPUT}: written")


if __name__ == "__main__":
    main()
