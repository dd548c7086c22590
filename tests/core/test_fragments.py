"""Fragment versions move when their rows are written: at once outside a transaction, at the commit inside
one, and before a reader inside the writing transaction reads (core/fragments.py)."""

import pytest
from django.core.cache import cache
from django.db import transaction

from core import fragments

NAME = "test-fragments"


def _stored() -> str | None:
    """The version as another process reads it (without the pending bumps of this connection)."""
    return cache.get(fragments.VERSION_KEY % NAME)


@pytest.fixture
def writes(monkeypatch):
    calls = []
    real = fragments._bump

    def counted(name):
        calls.append(name)
        real(name)

    monkeypatch.setattr(fragments, "_bump", counted)
    return calls


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_version_moves_at_once(writes):
    before = fragments.version(NAME)
    fragments.bump(NAME)
    assert _stored() != before
    assert writes == [NAME]


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_version_moves_once_at_the_commit_for_all_its_writes(writes):
    before = fragments.version(NAME)
    with transaction.atomic():
        fragments.bump(NAME)
        fragments.bump(NAME)  # the report, its tallies, its reporting fact: one bump
        assert _stored() == before  # other readers see the state before the write until the commit
        assert writes == []
    assert _stored() != before
    assert writes == [NAME]


@pytest.mark.django_db(transaction=True)
def test_a_transaction_rolled_back_moves_nothing(writes):
    before = fragments.version(NAME)
    with pytest.raises(RuntimeError), transaction.atomic():
        fragments.bump(NAME)
        raise RuntimeError
    assert _stored() == before
    assert writes == []


@pytest.mark.django_db(transaction=True)
def test_a_reader_inside_the_writing_transaction_reads_under_a_new_version_and_the_commit_moves_it_again(writes):
    before = fragments.version(NAME)
    with transaction.atomic():
        fragments.bump(NAME)
        inside = fragments.version(NAME)
        assert inside != before  # not the blocks stored before the write
        assert fragments.read_under(NAME)[0]("x").split(":")[2] == inside  # the same for several names' keys
        assert writes == [NAME]
    assert _stored() not in (before, inside)  # what the reader stored from the uncommitted state is left
    assert writes == [NAME, NAME]


@pytest.mark.django_db(transaction=True)
def test_a_savepoint_rolled_back_takes_its_bump_but_not_the_outer_one(writes):
    before = fragments.version(NAME)
    with transaction.atomic():
        fragments.bump(NAME)
        with pytest.raises(RuntimeError), transaction.atomic():
            fragments.bump(NAME)
            raise RuntimeError
    assert _stored() != before
    assert writes == [NAME]


@pytest.mark.django_db(transaction=True)
def test_a_write_after_a_reader_in_the_same_transaction_moves_the_version_again_for_the_next_reader(writes):
    with transaction.atomic():
        fragments.bump(NAME)
        first = fragments.version(NAME)
        assert fragments.version(NAME) == first  # no write since: the stored blocks serve
        fragments.bump(NAME)
        assert fragments.version(NAME) != first
    assert writes == [NAME, NAME, NAME]  # two readers' bumps, one at the commit


def test_a_value_kept_under_versions_is_read_with_them_and_not_after_a_bump(db):
    make, value, keep = fragments.read_under(NAME, "other", parts=("page", 1))
    assert value is None
    keep("the page")
    make_again, value, _keep = fragments.read_under(NAME, "other", parts=("page", 1))
    assert value == "the page" and make_again("x") == make("x")
    assert fragments.read_under(NAME, "other", parts=("page", 2))[1] is None  # another person's
    fragments.bump("other")
    assert fragments.read_under(NAME, "other", parts=("page", 1))[1] is None  # kept under the old versions


@pytest.mark.django_db
def test_a_long_scope_is_named_by_a_digest_that_keeps_scopes_apart():
    """A page's list of ids would pass the 250 characters Django's cache warns about (CacheKeyWarning)."""
    import warnings

    from django.core.cache.backends.base import CacheKeyWarning

    one = fragments.key(NAME, "rumour-units", "0001", ",".join(str(n) for n in range(1000, 1060)))
    other = fragments.key(NAME, "rumour-units", "0001", ",".join(str(n) for n in range(1000, 1061)))
    short = fragments.key(NAME, "rumour-units", "0001", "7")
    assert len(one) < 250 and len(other) < 250
    assert one != other
    assert short.endswith("rumour-units:0001:7")  # a short scope stays readable
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        fragments.store(one, [1])
        assert fragments.get(one) == [1]
        assert fragments.get(other) is None
