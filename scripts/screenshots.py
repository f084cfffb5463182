"""Take the README's screenshots of the main pages from a running panel with the demo data.

make run &                      # or any server with `manage.py load_demo` data
.venv/bin/python scripts/screenshots.py http://127.0.0.1:8000 docs/screenshots
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
PAGES = [
    ("telephonie", "/telephonie/"),
    ("mon-numero", "/telephonie/33199000107/"),
    ("coordonnees", "/telephonie/33261910201/coordonnees/"),
    ("coordonnees-erreur", "/telephonie/33199000104/coordonnees/"),
    ("modifier", "/telephonie/33199000102/coordonnees/modifier/"),
    ("historique", "/telephonie/33261910201/historique/"),
    ("annuaire", "/annuaire/?nom=dupont"),
]


def main(base_url: str, folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(base_url=base_url, locale="fr-FR", viewport={"width": 1200, "height": 900})
        page.goto("/connexion/")
        page.screenshot(path=folder / "connexion.png")
        page.fill("#id_username", "demo")
        page.fill("#id_password", "demo")
        page.click("button.primary")
        for name, path in PAGES:
            page.goto(path)
            page.screenshot(path=folder / f"{name}.png", full_page=True)
        browser.close()
    print(f"{len(PAGES) + 1} screenshots in {folder}")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
