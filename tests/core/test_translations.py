"""Vietnamese first: every string of the code and of the third-party pages people see has its Vietnamese,
compiled; the interface addresses people as "đồng chí"."""

import os
import re
import shutil
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import polib
import pytest
from django.utils.translation import trans_real

from tests.prerequisites import missing_prerequisite

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "vi" / "LC_MESSAGES"


def test_every_string_is_translated_to_vietnamese_and_none_is_fuzzy():
    po = polib.pofile(str(LOCALE / "django.po"))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert len(po.translated_entries()) > 500
    assert untranslated == []
    assert fuzzy == []


def test_the_compiled_catalogue_matches_the_source():
    po = polib.pofile(str(LOCALE / "django.po"))
    mo = polib.mofile(str(LOCALE / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0) for e in mo}
    for entry in po.translated_entries():
        expected = entry.msgstr or entry.msgstr_plural.get(0)
        assert compiled.get((entry.msgctxt, entry.msgid)) == expected, entry.msgid


# --- every string the app shows, extracted from the code, is Vietnamese at run time -----------------------

ROOT = Path(__file__).resolve().parents[2]
# What makemessages skips in the project (as CONTRIBUTING.md runs it): not the app's own strings.
NOT_SOURCE = {".venv", ".git", "static", "bench", "tests", "locale", "locale_vendor", "media", "node_modules"}
# The third-party apps whose pages people see (the admin of a superuser) and their strings' domains.
THIRD_PARTY = {
    "django.contrib.admin": ("django", "djangojs"),
    "django.contrib.auth": ("django",),
    "django.contrib.contenttypes": ("django",),
    "axes": ("django",),
    "simple_history": ("django",),
    "django_celery_beat": ("django",),
    "treebeard": ("django",),
}


def _require_xgettext():
    if shutil.which("xgettext") is None:
        missing_prerequisite("xgettext (gettext) is not installed")


def _extract(source: Path, work: Path, domain: str = "django") -> list[polib.POEntry]:
    """The msgids of the code under ``source``, by Django's own makemessages run on a copy (so the
    catalogue in the tree is never touched)."""
    copy = work / source.name
    shutil.copytree(
        source,
        copy,
        ignore=lambda directory, names: [
            n for n in names if (Path(directory) == ROOT and n in NOT_SOURCE) or n == "locale" or n.endswith(".pyc")
        ],
    )
    (copy / "locale").mkdir()
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "vi", "-d", domain, "--no-location", "--no-wrap"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    return [e for e in polib.pofile(str(copy / "locale" / "vi" / "LC_MESSAGES" / f"{domain}.po")) if e.msgid]


def _missing(entries, domain: str = "django") -> list[str]:
    """The entries that the Vietnamese the app runs with (every catalogue merged, ours first) lacks."""
    catalogue = trans_real.DjangoTranslation("vi", domain=domain)._catalog if domain != "django" else None
    if catalogue is None:
        catalogue = trans_real.translation("vi")._catalog
    missing = []
    for entry in entries:
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        found = catalogue.get((key, 0)) if entry.msgid_plural else catalogue.get(key)
        if not found:
            missing.append(f"{entry.msgctxt + ' | ' if entry.msgctxt else ''}{entry.msgid}")
    return missing


def test_every_string_in_the_code_has_its_vietnamese(tmp_path):
    _require_xgettext()
    entries = _extract(ROOT, tmp_path)
    assert len(entries) > 1000
    missing = _missing(entries)
    assert missing == [], f"{len(missing)} strings without Vietnamese (translate them in locale/vi): {missing}"


@pytest.mark.parametrize("package", sorted(THIRD_PARTY))
def test_the_admin_and_third_party_pages_are_vietnamese(tmp_path, package):
    _require_xgettext()
    source = Path(find_spec(package).origin).parent
    for domain in THIRD_PARTY[package]:
        entries = _extract(source, tmp_path / domain, domain)
        missing = _missing(entries, domain)
        assert missing == [], f"{package} ({domain}): {missing} (add them to locale_vendor/vi)"


def test_the_interface_addresses_people_as_dong_chi():
    po = polib.pofile(str(LOCALE / "django.po"))
    familiar = [
        e.msgid
        for e in po.translated_entries()
        if re.search(r"\bbạn\b", " ".join([e.msgstr, *e.msgstr_plural.values()]), re.I)
    ]
    assert familiar == []
    assert sum("đồng chí" in (e.msgstr or "").lower() for e in po.translated_entries()) > 50


def test_djangos_own_words_to_people_say_dong_chi_too():
    """Django's Vietnamese says "bạn" (the password rules on the app's own pages, the admin): the
    third-party catalogue replaces those sentences."""
    catalogue = trans_real.translation("vi")._catalog
    for app in ("admin", "auth"):
        source = Path(find_spec(f"django.contrib.{app}").origin).parent / "locale" / "vi" / "LC_MESSAGES" / "django.po"
        for entry in polib.pofile(str(source)):
            if not re.search(r"\bbạn\b", " ".join([entry.msgstr, *entry.msgstr_plural.values()]), re.I):
                continue
            shown = catalogue.get((entry.msgid, 0)) if entry.msgid_plural else catalogue.get(entry.msgid)
            assert shown and not re.search(r"\bbạn\b", shown, re.I), (entry.msgid, shown)


def test_the_third_party_catalogue_is_complete_and_compiled():
    vendor = ROOT / "locale_vendor" / "vi" / "LC_MESSAGES"
    for domain in ("django", "djangojs"):
        po = polib.pofile(str(vendor / f"{domain}.po"))
        assert po.untranslated_entries() == [] and po.fuzzy_entries() == []
        compiled = {
            (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0) for e in polib.mofile(str(vendor / f"{domain}.mo"))
        }
        for entry in po:
            assert compiled.get((entry.msgctxt, entry.msgid)) == (entry.msgstr or entry.msgstr_plural.get(0))


def _project_apps() -> set[str]:
    """The labels of the project's own apps: those INSTALLED_APPS loads from this repository (not from the
    virtualenv, which may sit inside it), so a new app is checked without being listed here too."""
    from django.apps import apps

    labels = set()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(ROOT) and path.relative_to(ROOT).parts[0] not in NOT_SOURCE:
            labels.add(config.label)
    return labels


# Not ours to name: the primary key ("ID"), the tree's bookkeeping columns (django-treebeard) and the columns
# django-simple-history adds to the historical copies.
NOT_NAMED_HERE = {"id", "path", "depth", "numchild", "history_id", "history_date", "history_change_reason"}
NOT_NAMED_HERE |= {"history_type", "history_user", "m2m_history_id", "history", "history_relation"}


def test_every_model_and_field_of_the_project_has_a_vietnamese_name():
    """A field without a verbose_name shows its English attribute name ("created at", "search text") as the
    label in the admin and the forms, and a model without one gives English permission names."""
    from django.apps import apps
    from django.utils.functional import Promise
    from django.utils.translation import override

    project_apps = _project_apps()
    # Their models' and fields' names are what the admin, the forms, the filters and the permission names show
    # (not the through tables django-simple-history writes, "HistoricalX_people").
    assert {"collaborators", "reports", "summaries"} <= project_apps
    unnamed = []
    for model in apps.get_models():
        if model._meta.app_label not in project_apps or model._meta.auto_created or "_" in model.__name__:
            continue
        for attribute in ("verbose_name", "verbose_name_plural"):
            if not isinstance(getattr(model._meta, attribute), Promise) and not model.__name__.startswith("Historical"):
                unnamed.append(f"{model._meta.label} ({attribute})")
        for field in model._meta.get_fields():
            if field.auto_created and not field.concrete or field.name in NOT_NAMED_HERE:
                continue
            if not isinstance(field.verbose_name, Promise):
                unnamed.append(f"{model._meta.label}.{field.name}")
                continue
            with override("vi"):
                shown = str(field.verbose_name)
            with override("en"):
                source = str(field.verbose_name)
            if shown == source and re.fullmatch(r"[A-Za-z ]+", shown):
                unnamed.append(f"{model._meta.label}.{field.name} (no Vietnamese for {shown!r})")
    assert unnamed == []
