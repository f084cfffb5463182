"""Fill in the contact details of every line that has none, through the panel's API.

Shown on the panel's API help page (/compte/api/documentation/) as it is here. It uses only the
official OVHcloud client (`pip install ovh`), pointed at the panel's API:

    export TELECOM_PANEL_API=https://panel.example/1.0   # default: http://127.0.0.1:8000/1.0
    export OVH_APPLICATION_KEY=... OVH_APPLICATION_SECRET=...   # from "Créer une application"
    python example_script.py     # first run: asks for a consumer key, prints where to authorise it
    export OVH_CONSUMER_KEY=...
    python example_script.py     # fills the lines that lack contact details
"""

import os
import sys

import ovh
import ovh.client
import ovh.exceptions

# The company whose details go on every line that has none (DirectoryInfo properties).
COMPANY = {
    "legalForm": "corporation",
    "socialNomination": "Exemple SA",
    "siret": "73282932000074",
    "ape": "6201Z",
    "wayNumber": "12",
    "wayType": "rue",
    "wayName": "de la Paix",
    "postCode": "75002",
    "city": "Paris",
    "displayUniversalDirectory": False,
}

# What the script needs, and nothing more: list accounts and lines, read and write their details.
ACCESS_RULES = [
    {"method": "GET", "path": "/telephony"},
    {"method": "GET", "path": "/telephony/*"},
    {"method": "PUT", "path": "/telephony/*/service/*/directory"},
]


def make_client() -> ovh.Client:
    # The ovh client only takes endpoint names: point the "ovh-eu" name at the panel's API.
    ovh.client.ENDPOINTS["ovh-eu"] = os.environ.get("TELECOM_PANEL_API", "http://127.0.0.1:8000/1.0")
    return ovh.Client(
        endpoint="ovh-eu",
        application_key=os.environ["OVH_APPLICATION_KEY"],
        application_secret=os.environ["OVH_APPLICATION_SECRET"],
        consumer_key=os.environ.get("OVH_CONSUMER_KEY") or None,
    )


def request_consumer_key(client) -> None:
    answer = client.request_consumerkey(ACCESS_RULES)
    print("Ouvrez cette adresse, connectez-vous et cliquez sur « Autoriser » :")
    print(f"  {answer['validationUrl']}")
    print("Puis relancez le script avec la clé d'accès :")
    print(f"  export OVH_CONSUMER_KEY={answer['consumerKey']}")


def fill_missing_details(client) -> dict:
    """Fills every line whose details have no postcode; returns how many lines went which way."""
    summary = {"filled": 0, "complete": 0, "refused": 0}
    for billing_account in client.get("/telephony"):
        services = client.get(f"/telephony/{billing_account}/service")
        print(f"Compte {billing_account} : {len(services)} ligne(s)")
        for service in services:
            path = f"/telephony/{billing_account}/service/{service}/directory"
            details = client.get(path)
            if details["postCode"]:
                summary["complete"] += 1
                continue
            try:
                client.put(path, **COMPANY)
            except ovh.exceptions.BadParametersError as error:
                # The message names the property in brackets, then says what is wrong, in French;
                # the client adds the query's id (OVH-Query-ID) on a line of its own.
                summary["refused"] += 1
                details = str(error).replace("\n", "\n    ")
                print(f"  {service} : refusé, {details}")
            else:
                summary["filled"] += 1
                print(f"  {service} : coordonnées remplies")
    return summary


def main() -> int:
    missing = [name for name in ("OVH_APPLICATION_KEY", "OVH_APPLICATION_SECRET") if not os.environ.get(name)]
    if missing:
        print(f"Variable(s) d'environnement manquante(s) : {', '.join(missing)}")
        return 2
    client = make_client()
    if not os.environ.get("OVH_CONSUMER_KEY"):
        request_consumer_key(client)
        return 0
    try:
        summary = fill_missing_details(client)
    except (ovh.exceptions.InvalidCredential, ovh.exceptions.NotCredential):
        # Refused, expired or revoked (Accès API): only a new key helps.
        print("Cette clé d'accès n'est plus valable : retirez OVH_CONSUMER_KEY et relancez le script.")
        return 1
    print(
        f"Terminé : {summary['filled']} ligne(s) complétée(s), {summary['complete']} déjà renseignée(s), "
        f"{summary['refused']} refusée(s)."
    )
    return 1 if summary["refused"] else 0


if __name__ == "__main__":
    sys.exit(main())
