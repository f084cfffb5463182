"""The sync's batch, staged in SQL: one temporary table holding, for each scheduled record of the
batch, the change to send (add / update / withdraw), its listing as a directory shows it, the
revision read, and `problem`, the reason a directory would refuse it (NULL when none).

Publishers and the status flips then work set-based on that table, with no per-record Python:
that is what keeps the sync near the database's own speed at millions of records.

The listing columns here are the SQL twin of directory.listing.listing_for (the panel's
preview): tests/directory/test_staging.py checks that both give the same listing, on SQLite and
on PostgreSQL, across legal forms and display options. The search key of a listing name stays in
Python (directory.listing.name_search_key), applied by the annuaire publisher to the staged names.
The same rows, for every service, are what directory.drift compares the publishers with.
"""

from django.db import connection
from django.utils import translation
from django.utils.translation import gettext

from lines.models import ContactDetails
from lines.phone import LAYOUTS
from telecom_panel.csv_safety import neutralised_sql

from .listing import ADVERTISING_PATTERN
from .models import Delivery, Publication

TABLE = "sync_staged_batch"


def _street_type_labels_sql(column: str) -> str:
    labels = ContactDetails.street_type_labels().items()
    cases = " ".join(f"WHEN '{value}' THEN '{label}'" for value, label in labels)
    return f"CASE {column} {cases} ELSE '' END"


def _national_number_sql(column: str) -> str:
    """`+33199000101` -> `01 99 00 01 01`; overseas `+262262123456` -> `0262 12 34 56`; a number
    outside the plan as it is. Generated from lines.phone.LAYOUTS, the layouts Service.national_number
    applies in Python, so that the two cannot disagree."""
    cases = []
    for layout in LAYOUTS:
        code, start = layout.country_code, len(layout.country_code) + 1
        conditions = [
            f"length({column}) = {len(code) + layout.significant_digits}",
            f"substr({column}, 1, {len(code)}) = '{code}'",
            f"substr({column}, {start}, 1) <> '0'",
        ]
        if layout.starts_with:
            conditions.append(
                f"substr({column}, {start}, {len(layout.starts_with)}) = '{layout.starts_with}'"
            )
        national = f"'{layout.trunk}' || substr({column}, {start})"
        pieces, offset = [], 1
        for size in layout.groups:
            pieces.append(f"substr({national}, {offset}, {size})")
            offset += size
        display = " || ' ' || ".join(pieces)
        cases.append(f"WHEN {' AND '.join(conditions)} THEN {display}")
    return f"CASE {' '.join(cases)} ELSE {column} END"


def _advertising_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"{column} ~* '{ADVERTISING_PATTERN}'"
    return f"{column} REGEXP '(?i){ADVERTISING_PATTERN}'"  # Django registers REGEXP on SQLite


# The columns a listing is made of, as the `Listing` table and the staged tables name them; their
# digest (digest_sql) is how a check tells whether a publisher holds a listing's current content.
LISTING_COLUMNS = (
    "number", "national_number", "name", "activity", "line_designation", "street", "postcode", "city",
    "departement", "marketing_accepted", "reverse_search",
)  # fmt: skip
BOOLEAN_COLUMNS = ("marketing_accepted", "reverse_search")


def digest_sql(alias: str) -> str:
    """MD5 of a listing's columns (on SQLite, Django registers MD5): equal digests, equal listings."""
    separator = "chr(31)" if connection.vendor == "postgresql" else "char(31)"
    parts = [
        f"CASE WHEN {alias}.{column} THEN '1' ELSE '0' END"
        if column in BOOLEAN_COLUMNS
        else f"COALESCE({alias}.{column}, '')"
        for column in LISTING_COLUMNS
    ]
    return f"md5({f' || {separator} || '.join(parts)})"


def _listing_rows_sql(*, batch: bool) -> str:
    """Every publication's listing as a directory shows it, with its state and the reason a
    directory would refuse it; `batch`: only the scheduled ones of an id range (two parameters,
    repeated on every table so that the planner reads each one by an index range)."""
    publication = Publication._meta.db_table
    individual = "cd.legal_form = 'individual'"
    city_only = f"({individual} AND p.address_display = 'city')"
    street_parts = " || ' ' || ".join(
        [
            "COALESCE(CAST(cd.street_number AS TEXT), '')",
            "cd.street_number_suffix",
            _street_type_labels_sql("cd.street_type"),
            "cd.street_name",
        ]
    )
    street = f"trim(replace(replace(replace({street_parts}, '  ', ' '), '  ', ' '), '  ', ' '))"
    street = (
        f"{street} || CASE WHEN cd.address_complement <> '' THEN ', ' || cd.address_complement ELSE '' END"
    )
    first_name = (
        "CASE WHEN p.name_display = 'initial' AND cd.first_name <> '' "
        "THEN substr(cd.first_name, 1, 1) || '.' ELSE cd.first_name END"
    )
    name = (
        f"CASE WHEN {individual} THEN trim(cd.last_name || ' ' || {first_name}) "
        "ELSE trim(cd.company_name || ' ' || cd.designation_complement) END"
    )
    # CPCE R.10 3°: the initial only when no other listing of the commune prints alike; the SQL
    # twin of directory.services.initial_homonym (read its docstring for who is a homonym). One
    # index lookup per record (lines_contactdetails' commune + initial_name_key), for a record
    # that has the option only. A record that became ambiguous since its edit was accepted (two
    # edits racing, an address corrected into the commune) is refused here, with its reason.
    # Only a record on its way is checked: one the directories accepted (synced) stays accepted
    # until it changes, so the drift check (stage_every_listing) never takes it back because a
    # later record raced it; that later one is refused when its own batch is staged.
    homonym = f"""EXISTS (
        SELECT 1 FROM lines_contactdetails o
        JOIN {publication} op ON op.service_id = o.service_id
        JOIN lines_service os ON os.id = o.service_id
        WHERE o.commune_id = cd.commune_id AND o.initial_name_key = cd.initial_name_key
          AND o.legal_form = 'individual' AND op.listed AND op.status <> 'error'
          AND os.billing_account_id <> s.billing_account_id AND o.first_name <> cd.first_name
          AND (op.name_display = 'initial' OR length(o.first_name) = 1
               OR (length(o.first_name) = 2 AND substr(o.first_name, 2, 1) = '.')))"""
    initial_option = f"p.status = 'scheduled' AND {individual} AND p.name_display = 'initial' AND cd.initial_name_key <> ''"
    with translation.override("fr"):
        missing_details = gettext("Coordonnées manquantes : la fiche ne peut pas être publiée.")
        missing_name = gettext("Nom ou dénomination manquant.")
        advertising = gettext(
            "La désignation de la ligne ne peut contenir ni adresse web, ni e-mail, ni numéro."
        )
        homonymy = gettext(
            "Homonymie : une autre fiche de la commune paraît sous le même nom avec l'initiale du prénom "
            "(article R.10 du CPCE). Choisissez le prénom complet."
        )
    quoted = {key: value.replace("'", "''") for key, value in
              {"details": missing_details, "name": missing_name, "advertising": advertising,
               "homonymy": homonymy}.items()}  # fmt: skip
    in_range = "AND {column} > %s AND {column} <= %s" if batch else ""
    rows = f"""
        SELECT p.service_id AS service_id,
               p.revision AS revision,
               p.status AS status,
               p.listed AS listed,
               p.in_directory AS in_directory,
               p.name_display AS name_display,
               cd.legal_form AS legal_form,
               CASE WHEN NOT p.listed THEN 'withdraw' WHEN p.in_directory THEN 'update' ELSE 'add' END AS action,
               s.number AS number,
               {_national_number_sql("s.number")} AS national_number,
               {name} AS name,
               CASE WHEN cd.legal_form = 'professional' THEN cd.profession ELSE '' END AS activity,
               p.line_designation AS line_designation,
               CASE WHEN {city_only} THEN '' ELSE {street} END AS street,
               CASE WHEN {city_only} THEN '' ELSE cd.postcode END AS postcode,
               cd.city AS city,
               commune.search_name AS city_search,
               cd.departement AS departement,
               p.marketing_accepted AS marketing_accepted,
               p.reverse_search AS reverse_search,
               CASE
                   WHEN NOT p.listed THEN NULL
                   WHEN cd.service_id IS NULL THEN '{quoted["details"]}'
                   WHEN trim({name}) = '' THEN '{quoted["name"]}'
                   WHEN {_advertising_sql("p.line_designation")} THEN '{quoted["advertising"]}'
                   WHEN {initial_option} AND {homonym} THEN '{quoted["homonymy"]}'
               END AS problem
        FROM {publication} p
        JOIN lines_service s ON s.id = p.service_id {in_range.format(column="s.id")}
        LEFT JOIN lines_contactdetails cd
            ON cd.service_id = p.service_id {in_range.format(column="cd.service_id")}
        LEFT JOIN lines_commune commune ON commune.code = cd.commune_id
        WHERE {"p.status = 'scheduled' " + in_range.format(column="p.service_id") if batch else "TRUE"}
    """
    # A listing that nobody should see has no digest: it can match nothing a publisher holds.
    return f"SELECT x.*, CASE WHEN x.listed AND x.problem IS NULL THEN {digest_sql('x')} END AS digest FROM ({rows}) x"


def stage_batch(cursor, *, after_id: int, last_id: int):
    """(Re)create the staged table for the scheduled records with after_id < service_id <= last_id."""
    cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {TABLE} AS {_listing_rows_sql(batch=True)}", [after_id, last_id] * 3
    )


def stage_every_listing(cursor, table: str):
    """(Re)create `table` with every publication's current listing (directory.drift): the same
    columns as the staged batch, for all services whatever their status."""
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(f"CREATE TEMPORARY TABLE {table} AS {_listing_rows_sql(batch=False)}")


def drop_staged_batch(cursor):
    cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


# The export's columns, in order (README, "Directory export format").
EXPORT_COLUMNS = (
    "action", "listing_id", "number", "national_number", "name", "activity", "line_designation", "street",
    "postcode", "city", "departement", "opposes_marketing", "opposes_reverse_search",
)  # fmt: skip


def sent_sql(table: str = TABLE) -> str:
    """The staged records a publisher must hold after the batch: listed and accepted (the rest,
    withdrawn or refused, it must not hold)."""
    return f"{table}.problem IS NULL AND {table}.action <> 'withdraw'"


def staged_range(column: str) -> str:
    """`column` within the staged batch's id range: repeated on a joined table, it lets the
    planner read that table by an index range instead of scanning all of it for every batch."""
    return f"{column} >= (SELECT min(service_id) FROM {TABLE}) AND {column} <= (SELECT max(service_id) FROM {TABLE})"


def export_rows_sql(publisher: str) -> str:
    """The staged batch as `publisher`'s export rows, given what it was sent before
    (directory.models.Delivery): accepted listings as `add`, or `update` where it holds one;
    `withdraw` where it may hold one (it was sent one, or the record is `in_directory`) and the
    record is no longer listed or is now refused. A withdrawal carries its listing id only:
    nothing else of an unlisted subscriber ever leaves the operator.

    Every listing cell is neutralised against spreadsheet formulas here, in the SQL that both
    databases run (COPY on PostgreSQL, Python's csv on SQLite write what it gives): a cell that
    begins with `=`, `+`, `-`, `@`, TAB or CR gets a `'` before it, a signed run of digits (the
    E.164 `number`) excepted (telecom_panel.csv_safety). The staged listing itself, its digest
    and our own directory keep the values as typed."""
    sent = sent_sql("t")

    def listed_only(expression):
        return f"CASE WHEN {sent} THEN {expression} END"

    def flag(column):
        return listed_only(f"CASE WHEN t.{column} THEN 'false' ELSE 'true' END")

    columns = [
        f"CASE WHEN {sent} THEN CASE WHEN d.digest IS NULL THEN 'add' ELSE 'update' END ELSE 'withdraw' END",
        "CAST(t.service_id AS TEXT)",
        *(listed_only(neutralised_sql(f"t.{column}")) for column in EXPORT_COLUMNS[2:11]),
        flag("marketing_accepted"),
        flag("reverse_search"),
    ]
    return (
        f"SELECT {', '.join(columns)} FROM {TABLE} t "
        f"LEFT JOIN {Delivery._meta.db_table} d ON d.publisher = '{publisher}' AND d.service_id = t.service_id "
        f"AND {staged_range('d.service_id')} "
        # in_directory: some publisher may hold it (sent before this record existed, say).
        f"WHERE ({sent}) OR d.service_id IS NOT NULL OR t.in_directory ORDER BY t.service_id"
    )
