"""The English catalog (locale/en/LC_MESSAGES/django.po): complete, placeholders intact, and used.

Source strings are Chinese (LANGUAGE_CODE "zh-hans"); English comes from the catalog. The .mo files are
git-ignored, so the module compiles them itself (heatservice.i18n, as `make install` does) before any
test reads a translation, whatever order the tests run in.
"""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation

from complaints.models import Deadline, Status, Ticket
from heatservice.i18n import compile_all
from stations.models import Station

PO_PATH = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogs():
    """Compile .po to .mo if missing or stale, then read the catalogs afresh: re-entering LOCALE_PATHS
    makes Django drop the translations it may have cached before the .mo existed."""
    compile_all(Path(settings.BASE_DIR))
    with override_settings(LOCALE_PATHS=list(settings.LOCALE_PATHS)):
        yield


def _entries() -> list[polib.POEntry]:
    return [entry for entry in polib.pofile(str(PO_PATH)) if not entry.obsolete]


@pytest.mark.parametrize(
    ("label", "english", "chinese"),
    [
        pytest.param(lambda: Status.RECEIVED.label, "Received", "已受理", id="status-received"),
        pytest.param(lambda: Deadline.Kind.REPLY.label, "Reply", "答复", id="deadline-kind-reply"),
        pytest.param(lambda: Station._meta.verbose_name, "Heating station", "供热所", id="station-verbose-name"),
        pytest.param(
            lambda: Station._meta.verbose_name_plural, "Heating stations", "供热所", id="station-verbose-name-plural"
        ),
        pytest.param(lambda: Ticket._meta.verbose_name_plural, "Tickets", "工单", id="ticket-verbose-name-plural"),
    ],
)
def test_labels_follow_the_active_language(label, english, chinese):
    with translation.override("en"):
        assert str(label()) == english
    with translation.override("zh-hans"):
        assert str(label()) == chinese


def test_formatted_message_keeps_its_placeholders_in_english():
    with translation.override("en"):
        text = translation.gettext("您的工单 %(number)s 已受理,提取码 %(code)s。") % {
            "number": "GD202612070001",
            "code": "123456",
        }
    assert text == "Your ticket GD202612070001 has been received. Query code: 123456."


def test_catalog_is_not_empty_and_header_is_not_fuzzy():
    po = polib.pofile(str(PO_PATH))
    assert po.metadata.get("Language") == "en"
    assert not po.metadata_is_fuzzy
    assert len(_entries()) > 300


def test_every_msgid_has_an_english_msgstr_with_the_same_placeholders():
    problems = []
    for entry in _entries():
        if entry.msgid_plural:
            strings = list(entry.msgstr_plural.values()) or [""]
            expected = set(PLACEHOLDER.findall(entry.msgid + entry.msgid_plural))
        else:
            strings = [entry.msgstr]
            expected = set(PLACEHOLDER.findall(entry.msgid))
        for text in strings:
            if not text.strip():
                problems.append(f"empty msgstr: {entry.msgid!r}")
            elif set(PLACEHOLDER.findall(text)) != expected:
                problems.append(f"placeholders differ: {entry.msgid!r} -> {text!r}")
            elif CJK.search(text):
                problems.append(f"Chinese left in msgstr: {entry.msgid!r} -> {text!r}")
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid!r}")
    assert not problems, "\n".join(problems)
