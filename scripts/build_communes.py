"""Rebuild lines/reference/communes.csv from the official commune list.

Source: the npm package @etalab/decoupage-administratif (code MIT, data Licence Ouverte / Etalab),
which carries INSEE's Code officiel géographique with La Poste's postcodes. Usage:

    python scripts/build_communes.py                  # downloads the pinned version with `npm pack`
    python scripts/build_communes.py --package DIR    # or reads an unpacked package

Keeps current communes and the municipal arrondissements of Paris, Lyon and Marseille; drops
former (delegated, associated) communes, which are not places a line can be installed any more.
"""

import argparse
import csv
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "@etalab/decoupage-administratif@6.0.0"
OUTPUT = Path(__file__).resolve().parent.parent / "lines" / "reference" / "communes.csv"
KEPT_TYPES = {"commune-actuelle", "arrondissement-municipal"}


def read_package_communes(package_dir: Path) -> list[dict]:
    with open(package_dir / "data" / "communes.json", encoding="utf-8") as f:
        return json.load(f)


def download_package(workdir: Path, package: str = PACKAGE) -> Path:
    """`package` (name@version) unpacked in `workdir` by `npm pack`: scripts/build_naf.py too."""
    subprocess.run(["npm", "pack", package, "--silent"], cwd=workdir, check=True, capture_output=True)
    (tarball,) = workdir.glob("*.tgz")
    with tarfile.open(tarball) as tar:
        tar.extractall(workdir, filter="data")
    return workdir / "package"


def rows(communes: list[dict]):
    for commune in sorted(communes, key=lambda c: c["code"]):
        if commune["type"] not in KEPT_TYPES:
            continue
        yield {
            "code": commune["code"],
            "name": commune["nom"],
            "departement": commune["departement"],
            "parent": commune.get("commune", "") if commune["type"] == "arrondissement-municipal" else "",
            "postcodes": " ".join(sorted(set(commune.get("codesPostaux", [])))),
        }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", type=Path, help="an unpacked copy of the npm package")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        package_dir = args.package or download_package(Path(tmp))
        communes = read_package_communes(package_dir)
    with open(OUTPUT, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["code", "name", "departement", "parent", "postcodes"])
        writer.writeheader()
        count = 0
        for row in rows(communes):
            writer.writerow(row)
            count += 1
    print(f"{count} communes written to {OUTPUT}")


if __name__ == "__main__":
    main()
