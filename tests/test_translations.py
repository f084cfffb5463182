"""The English translation is complete and compiled."""

import ast
import gettext
import re
from pathlib import Path

from django.conf import settings
from django.test import Client
from django.utils import translation

PO_FILE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


def untranslated_messages():
    entries = PO_FILE.read_text(encoding="utf-8").split("\n\n")[1:]  # the first entry is the header
    missing = []
    for entry in entries:
        if entry.lstrip().startswith("#~"):
            continue  # obsolete
        msgid = "".join(re.findall(r'^msgid ((?:".*"\n?)+)', entry, re.M)[0:1])
        for msgstr in re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', entry, re.M):
            if not "".join(re.findall(r'"(.*)"', msgstr)):
                missing.append(msgid.strip())
    return missing


def test_every_message_has_an_english_translation():
    assert untranslated_messages() == []


def _po_string(block):
    return "".join(ast.literal_eval(f'"{part}"') for part in re.findall(r'"(.*)"', block))


def test_the_compiled_catalogue_matches_the_translations():
    """The committed .mo is what `make messages` compiles from the .po."""
    with open(PO_FILE.with_suffix(".mo"), "rb") as mo_file:
        compiled = gettext.GNUTranslations(mo_file)
    for entry in PO_FILE.read_text(encoding="utf-8").split("\n\n")[1:]:
        single = re.search(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', entry, re.M)
        if single and not entry.lstrip().startswith("#~"):
            msgid, msgstr = _po_string(single.group(1)), _po_string(single.group(2))
            assert compiled.gettext(msgid) == msgstr, f"{msgid!r}: run `make messages`"
    with translation.override("en"):
        assert translation.gettext("Modifier les coordonnées") == "Edit contact details"


def test_a_page_switches_to_english(db, django_user_model):
    user = django_user_model.objects.create_user("eve", password="x")
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    page = client.get("/telephonie/").content.decode()
    assert "Number or label" in page and "No service on your accounts." in page
