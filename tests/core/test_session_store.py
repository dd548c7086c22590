"""The database session store writes each state of a session once per request (core/sessions/db.py)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.sessions.db import SessionStore


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"] and "SELECT" not in q["sql"]]


@pytest.mark.django_db(transaction=True)
def test_a_state_already_committed_is_not_written_again_and_a_rolled_back_save_counts_as_not_written():
    store = SessionStore()
    store["seen"] = 1
    store.create()
    with CaptureQueriesContext(connection) as queries:
        store.save()  # the same data: nothing to write
    assert _writes(queries) == []

    store["seen"] = 2
    with pytest.raises(RuntimeError), transaction.atomic():
        store.save()
        raise RuntimeError("the transaction that wrote it fails")
    assert SessionStore(store.session_key).load()["seen"] == 1
    with CaptureQueriesContext(connection) as queries:
        store.save()  # written again: the rolled-back write did not count
    assert len(_writes(queries)) == 1
    assert SessionStore(store.session_key).load()["seen"] == 2

    store["seen"] = 3
    with transaction.atomic():
        store.save()
    with CaptureQueriesContext(connection) as queries:
        store.save()  # committed with its transaction
    assert _writes(queries) == []
    assert SessionStore(store.session_key).load()["seen"] == 3


@pytest.mark.django_db(transaction=True)
def test_a_new_value_inside_a_stored_dict_is_written():
    store = SessionStore()
    store["list"] = {"a": [1]}
    store.create()
    store["list"]["a"].append(2)  # changed in place: the store kept a copy of what it wrote
    store.save()
    assert SessionStore(store.session_key).load()["list"] == {"a": [1, 2]}


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_a_session_is_written_by_one_update_without_a_savepoint():
    store = SessionStore()
    store["seen"] = 1
    store.create()
    store["seen"] = 2
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        store.save()
    statements = [q["sql"] for q in queries.captured_queries]
    assert not [sql for sql in statements if "SAVEPOINT" in sql]
    assert len(_writes(queries)) == 1
    assert SessionStore(store.session_key).load()["seen"] == 2


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_a_session_ended_meanwhile_raises_update_error_and_the_transaction_goes_on():
    from django.contrib.sessions.backends.base import UpdateError
    from django.contrib.sessions.models import Session

    store = SessionStore()
    store["seen"] = 1
    store.create()
    Session.objects.filter(session_key=store.session_key).delete()  # signed out in another tab
    store["seen"] = 2
    with transaction.atomic():
        with pytest.raises(UpdateError):
            store.save()
        store2 = SessionStore()
        store2["other"] = 1
        store2.create()  # the transaction is still usable
    assert SessionStore(store2.session_key).load()["other"] == 1
    assert not Session.objects.filter(session_key=store.session_key).exists()
