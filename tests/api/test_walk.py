"""The scope walk of the API with personal access tokens: every /api/v1/ URL, as each actor holding a token
of every scope, answers what the same person gets with the browser's session (the walk's table), and the
other union's objects answer like missing ones."""

import pytest
from django.db import transaction

from tests.api.conftest import ALL_SCOPES, api_client, token_for
from tests.clock import frozen_clock
from tests.test_scope_walk import (
    ACTORS,
    TABLE,
    kwargs_for,
    matches,
    outcome,
    post_data,
    shows_secret,
    url_for,
    url_patterns,
    world,  # noqa: F401 - the fixture: both unions' objects of every kind
)

pytestmark = pytest.mark.django_db
_clock = frozen_clock()  # the walk's world builds its dates from "now"


def api_urls():
    return [(key, pattern, route) for key, pattern, route in url_patterns() if key.startswith("api:")]


def call(client, method, url, data):
    with transaction.atomic():
        response = client.get(url) if method == "get" else client.post(url, data)
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize("actor_name", [name for name in ACTORS if name != "anonymous"])
def test_a_token_reaches_what_its_person_reaches_and_no_more(actor_name, world, settings):  # noqa: F811
    settings.API_TOKEN_RATE = "100000/minute"
    actor = world.actors[actor_name]
    column = ACTORS.index(actor_name)
    client = api_client(token_for(actor, ALL_SCOPES))
    failures = []
    for key, pattern, route in api_urls():
        kind, get_spec, post_spec = TABLE[key]
        for method, spec in (("get", get_spec), ("post", post_spec)):
            expected = spec.split()[column]
            url = url_for(key, pattern, route, kwargs_for(kind, world.ours))
            response = call(client, method, url, post_data(world.ours, actor))
            got = outcome(response, admin_url=False)
            where = f"{method.upper()} {key}"
            if not matches(got, expected):
                failures.append(f"{where} ({url}): {got}, expected {expected}")
            if actor_name == "other_staff":
                continue  # the other union's own staff: their objects are in scope
            if shows_secret(response):
                failures.append(f"{where}: shows the other union's object")
            if kind is None:
                continue
            theirs = call(client, method, url_for(key, pattern, route, kwargs_for(kind, world.theirs)), {})
            missing_kwargs = kwargs_for(kind, world.theirs, missing=True)
            missing = call(client, method, url_for(key, pattern, route, missing_kwargs), {})
            if theirs.status_code != missing.status_code:
                failures.append(
                    f"{where}: the other union's object {theirs.status_code}, a missing one {missing.status_code}"
                )
            if shows_secret(theirs):
                failures.append(f"{where}: shows the other union's object")
    assert not failures, f"With {actor_name}'s token:\n" + "\n".join(failures)
