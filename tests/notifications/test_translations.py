"""The translation catalogs: the committed .mo files say what their .po files say, and no
translation names a diagnosis (texts and invites never do, in any language)."""

import gettext
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

LOCALE = Path(settings.LOCALE_PATHS[0])
OTHER_LANGUAGES = [code for code, _ in settings.LANGUAGES if code != "en"]


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_the_compiled_catalog_matches_its_source_and_translates_everything(language):
    folder = LOCALE / language / "LC_MESSAGES"
    with (folder / "django.po").open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = gettext.GNUTranslations((folder / "django.mo").open("rb"))
    for message in catalog:
        if not message.id:
            continue
        assert message.string, f"{language}: {message.id!r} is not translated"
        assert not message.fuzzy, f"{language}: {message.id!r} is marked fuzzy"
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        key = f"{message.context}\x04{msgid}" if message.context else msgid
        string = message.string if isinstance(message.string, str) else message.string[0]
        assert compiled._catalog.get(key) == string, f"{language}: recompile {msgid!r}"


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_no_translation_names_a_diagnosis(language):
    words = ("cancer", "cáncer", "tumor", "metást", "metast", "oncolog", "radiaci", "cerebr")
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as source:
        strings = " ".join(str(m.string).lower() for m in read_po(source, locale=language))
    assert strings.strip()
    assert not any(word in strings for word in words)
