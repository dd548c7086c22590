"""Rendered fragments of a page kept in the cache, under a version that every write of their figures moves.

A page whose figures are expensive (the dashboard: tallies, compliance over the roster, ~700 linked
numbers) renders each block once per scope, period, filters and *version*, then serves the stored HTML.
The version is one value in the cache (``VERSION_KEY % name``): ``bump(name)`` replaces it with a random
one no stored fragment has (one write, whether or not the former value was still there), so every
stored fragment of that name is unreachable at once (and expires after ``TIMEOUT``). A write outside a
transaction bumps at once; a write inside one bumps once its transaction commits (until then other
readers see the state from before it, and whatever they store under the old version becomes
unreachable with the commit). A reader inside the writing transaction itself (a test, a service that
reads what it wrote) bumps the pending version first, so it does not read blocks stored before the
write. A cache that does not answer never stops a page or a write: the page renders without it.

The template side is ``{% load fragments %}{% fragment "name" %}…{% endfragment %}``
(``collaborators/templatetags/fragments.py``): the context's ``fragment_key`` (see ``key``) names the
scope; without it the block renders every time.
"""

import hashlib
import logging
import uuid

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

# A safety net for writes that bypass the signals (a bulk UPDATE by hand): no fragment outlives this.
TIMEOUT = 300
# The version of everything counted from the reports, people and units: the dashboard's blocks and the
# units page's figures (moved by summaries/receivers.py and the tally service).
FIGURES = "figures"
# The version of the choice lists that filter forms offer (units, topics, focus policies): moved only by
# the writes of those rows (reports/receivers.py), so a report written or reviewed does not make every
# viewer's filter form render again.
CHOICES = "choices"
# The version of the rumours each unit's collaborators may report as heard too (the report form's list):
# moved by the writes of rumours and of the units they are listed for (reports/receivers.py) and by a
# rumour's recount (its latest sighting orders the list).
RUMOURS = "rumours"
VERSION_KEY = "fragments:version:%s"


def version(name: str) -> str | None:
    """The current version of ``name``'s fragments (None when the cache does not answer)."""
    key = VERSION_KEY % name
    _apply_pending(name)
    try:
        value = cache.get(key)
        if value is None:  # never set, or evicted: a value no stored fragment has
            cache.add(key, _fresh(), timeout=None)
            value = cache.get(key)
    except Exception:  # noqa: BLE001 - no cache: render every time
        logger.debug("Fragment cache not available: %s renders in full", name)
        return None
    return value


def key(name: str, *parts) -> str | None:
    """The prefix of ``name``'s fragments for one scope (``parts``: unit, period, filters, language…)."""
    current = version(name)
    if current is None:
        return None
    return ":".join(["fragments", name, str(current), _scope(parts)])


# Keys past this length name their scope by a digest: a list of ids (the rumours of a page) would
# otherwise pass the 250 characters Django's cache warns about.
SCOPE_CHARS = 160


def _scope(parts) -> str:
    scope = ":".join(str(part) for part in parts)
    if len(scope) > SCOPE_CHARS:
        scope = hashlib.sha256(scope.encode()).hexdigest()
    return scope


def read_under(*names: str, parts: tuple | None = None):
    """For fragments that depend on several names' rows: ``make(*parts)`` gives a key under the current
    versions of all ``names`` (None when the cache does not answer), read in one round trip with the value
    kept at ``parts`` (one per scope, whatever the versions) if it was kept under the current versions:
    ``(make, value or None, keep)``, where ``keep(value)`` keeps a value there under those versions. A page
    served whole from the cache (the report form) costs one round trip instead of two: its key need not
    wait for the versions."""
    version_keys = [VERSION_KEY % name for name in names]
    for name in names:
        _apply_pending(name)
    label = "+".join(names)
    kept_key = ":".join(["fragments", label, "kept", _scope(parts)]) if parts else None
    try:
        found = cache.get_many([*version_keys, kept_key] if kept_key else version_keys)
        for version_key in version_keys:
            if found.get(version_key) is None:  # never set, or evicted: a value no stored fragment has
                cache.add(version_key, _fresh(), timeout=None)
                found[version_key] = cache.get(version_key)
    except Exception:  # noqa: BLE001 - no cache: render every time
        logger.debug("Fragment cache not available: %s render in full", ", ".join(names))
        return (lambda *parts: None), None, (lambda value: None)
    current = tuple(str(found[version_key]) for version_key in version_keys)
    kept = found.get(kept_key) if kept_key else None
    value = kept[1] if isinstance(kept, tuple) and len(kept) == 2 and kept[0] == current else None

    def keep(value) -> None:
        if kept_key:
            store(kept_key, (current, value))

    return (lambda *parts: ":".join(["fragments", label, *current, _scope(parts)])), value, keep


def bump(name: str) -> None:
    """Make every stored fragment of ``name`` stale: at once outside a transaction, else when it commits.

    Once per savepoint level of a transaction (its writes share one commit: a report sent writes the
    report, its tallies and its reporting fact, one bump); a level rolled back takes its bump with it,
    as it takes its writes. A reader in the same transaction bumps first (``_apply_pending``), once
    after each write."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _bump(name)
        return
    current = set(connection.savepoint_ids)
    for sids, func in _pending(connection, name):
        if sids == current:
            func.applied = False  # a reader in the transaction may have stored blocks since: bump again first
            return

    def after_commit():
        _bump(name)

    after_commit.fragment_name = name
    after_commit.applied = False  # bumped ahead of the commit by a reader in the transaction
    transaction.on_commit(after_commit)


def _pending(connection, name: str) -> list:
    """(savepoint ids, callback) of ``name``'s bumps waiting for the commit of ``connection``'s transaction."""
    return [
        (sids, func) for sids, func, *_rest in connection.run_on_commit if getattr(func, "fragment_name", None) == name
    ]


def _apply_pending(name: str) -> None:
    """A reader inside a transaction that wrote ``name``'s rows: the version moves before it reads, so it
    neither reads nor stores blocks of the state before the write under the version other readers use."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block or not connection.run_on_commit:
        return
    waiting = [func for _sids, func in _pending(connection, name) if not func.applied]
    if waiting:
        _bump(name)
        for func in waiting:
            func.applied = True


def get_many(keys: list[str]) -> dict:
    try:
        return cache.get_many(keys)
    except Exception:  # noqa: BLE001
        return {}


def get(full_key: str):
    try:
        return cache.get(full_key)
    except Exception:  # noqa: BLE001
        return None


def store(full_key: str, value) -> None:
    try:
        cache.set(full_key, value, timeout=TIMEOUT)
    except Exception:  # noqa: BLE001
        logger.debug("Fragment %s not stored: the cache did not answer", full_key)


def filter_fields_html(*, name: str, scope: tuple, data, render) -> str:
    """A list's filter-form fields as HTML, kept under the choice lists' version (``CHOICES``) for one
    language, viewer's ``scope`` (role, unit…), day (units that ended drop out of the lists) and the
    filters as given (``data``, a QueryDict: the same filters give the same fields and the same errors).
    ``render()`` makes the HTML when it is not stored (or the cache does not answer). Rendering a filter
    form's unit picker and choice lists is a large part of a list page's time, and its HTML changes only
    when a unit, topic or focus policy is written."""
    from django.utils import timezone, translation

    digest = hashlib.sha256(data.urlencode().encode()).hexdigest()
    full_key = key(CHOICES, name, translation.get_language(), *scope, timezone.localdate().isoformat(), digest)
    return _kept(full_key, render)


def rows_html(*, name: str, scope: tuple, data, page: int, moment: str, render) -> str:
    """A list page's rows as HTML, kept under the figures' version (``FIGURES``: every write of a report,
    a person, a unit, a topic… moves it) for one language, viewer's ``scope``, filters as given (``data``, a
    QueryDict), ``page`` and ``moment`` (what time changes in the rows without a write: the minute when a
    row turns overdue, the day when "this period" moves). ``render()`` makes the HTML when it is not
    stored (or the cache does not answer). A list read again before the next write reads and renders no
    row: rendering the rows is most of a list's time, and writes come a few a minute in a city."""
    from django.utils import translation

    digest = hashlib.sha256(data.urlencode().encode()).hexdigest()
    full_key = key(FIGURES, name, translation.get_language(), *scope, page, digest, moment)
    return _kept(full_key, render)


def _kept(full_key: str | None, render) -> str:
    """The HTML stored at ``full_key``, else ``render()``'s, stored there (no key: the cache did not answer)."""
    html = get(full_key) if full_key else None
    if html is None:
        html = render()
        if full_key:
            store(full_key, html)
    return html


def _fresh() -> str:
    return uuid.uuid4().hex


def _bump(name: str) -> None:
    try:
        cache.set(VERSION_KEY % name, _fresh(), timeout=None)
    except Exception:  # noqa: BLE001 - the fragments expire after TIMEOUT anyway
        logger.warning("Could not invalidate the %s fragments: the cache did not answer", name)
