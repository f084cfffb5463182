"""Rebuild the commune reference: lines/reference/communes.csv, the source extracts of
lines/reference/sources/ and lines/reference/postcode_names.csv, in one command.

Sources: the npm packages @etalab/decoupage-administratif (code MIT, data Licence Ouverte / Etalab),
which carries INSEE's Code officiel géographique with La Poste's postcodes, and codes-postaux (MIT,
Base Adresse Nationale; INSEE's COG with the libellés d'acheminement of DGFiP's FIMOCT). Usage:

    python scripts/build_communes.py                  # downloads the pinned versions with `npm pack`
    python scripts/build_communes.py --package DIR --codes-postaux DIR   # or reads unpacked packages
    python scripts/build_communes.py --offline        # postcode_names.csv from the committed extracts

communes.csv keeps current communes and the municipal arrondissements of Paris, Lyon and Marseille;
former (delegated, associated) communes are no place a line is installed any more, but their names
still lead to their commune nouvelle: they go, trimmed, to the extract that postcode_names.csv is
built from (lines.postcode_names), with La Poste's names. The test suite rebuilds postcode_names.csv
from the committed extracts and fails when it differs from the committed file.
"""

import argparse
import csv
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # lines.postcode_names: no Django

from lines import postcode_names

PACKAGE = "@etalab/decoupage-administratif@6.0.0"
CODES_POSTAUX = "codes-postaux@4.1.2"
OUTPUT = Path(__file__).resolve().parent.parent / "lines" / "reference" / "communes.csv"
KEPT_TYPES = {"commune-actuelle", "arrondissement-municipal"}


def read_package_communes(package_dir: Path) -> list[dict]:
    with open(package_dir / "data" / "communes.json", encoding="utf-8") as f:
        return json.load(f)


def download_package(workdir: Path, package: str = PACKAGE) -> Path:
    """`package` (name@version) unpacked in `workdir` by `npm pack`: scripts/build_naf.py too."""
    workdir.mkdir(parents=True, exist_ok=True)
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


def write_postcode_names() -> None:
    rows = postcode_names.build_from_sources()
    postcode_names.POSTCODE_NAMES_CSV.write_text(postcode_names.render_csv(rows), encoding="utf-8")
    print(f"{len(rows)} postcode names written to {postcode_names.POSTCODE_NAMES_CSV}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", type=Path, help="an unpacked copy of @etalab/decoupage-administratif")
    parser.add_argument("--codes-postaux", type=Path, help="an unpacked copy of codes-postaux")
    parser.add_argument(
        "--offline", action="store_true", help="rebuild postcode_names.csv from the extracts only"
    )
    args = parser.parse_args()
    if args.offline:
        write_postcode_names()
        return
    with tempfile.TemporaryDirectory() as tmp:
        package_dir = args.package or download_package(Path(tmp) / "cog")
        communes = read_package_communes(package_dir)
        codes_dir = args.codes_postaux or download_package(Path(tmp) / "laposte", CODES_POSTAUX)
        laposte = json.loads((codes_dir / "codes-postaux.json").read_text(encoding="utf-8"))
        laposte += [
            entry
            for entry in json.loads((codes_dir / "codes-postaux-full.json").read_text(encoding="utf-8"))
            if entry.get("codeAncienneCommune")
        ]
    with open(OUTPUT, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["code", "name", "departement", "parent", "postcodes"])
        writer.writeheader()
        count = 0
        for row in rows(communes):
            writer.writerow(row)
            count += 1
    print(f"{count} communes written to {OUTPUT}")
    postcode_names.SOURCES_DIR.mkdir(exist_ok=True)
    postcode_names.write_gzip_csv(
        postcode_names.LAPOSTE_EXTRACT,
        postcode_names.LAPOSTE_FIELDS,
        postcode_names.laposte_extract_rows(laposte),
    )
    postcode_names.write_gzip_csv(
        postcode_names.FORMER_EXTRACT,
        postcode_names.FORMER_FIELDS,
        postcode_names.former_extract_rows(communes),
    )
    print(f"source extracts written to {postcode_names.SOURCES_DIR}")
    write_postcode_names()


if __name__ == "__main__":
    main()
