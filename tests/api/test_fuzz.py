"""Property-based checks: schemathesis reads the served schema and sends generated requests to a live server
holding two unions' objects of every kind (the scope walk's world), as a collaborator and as staff, each with
a token of every scope. Any 500, or any response that does not match the schema, fails the test."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.conftest import ALL_SCOPES, token_for
from tests.clock import frozen_clock
from tests.test_scope_walk import world  # noqa: F401 - the fixture: both unions' objects of every kind

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
_clock = frozen_clock()  # the walk's world builds its dates from "now"
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"


def run_schemathesis(base_url: str, key: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            f"{base_url}/api/v1/schema/",
            "--checks",
            CHECKS,
            "--phases",
            "examples,fuzzing",
            "--max-examples",
            "12",
            "--seed",
            "20261206",
            "--request-timeout",
            "20",
            "--header",
            f"Authorization: Bearer {key}",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("actor", ["collaborator", "staff"])
def test_generated_requests_find_no_server_error_and_no_answer_outside_the_schema(
    actor,
    live_server,
    world,  # noqa: F811 - the fixture imported above
    settings,
):
    settings.API_TOKEN_RATE = settings.API_SESSION_RATE = "100000/minute"
    key = token_for(world.actors[actor], ALL_SCOPES)
    result = run_schemathesis(live_server.url, key)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-2000:]
    assert "passed" in result.stdout
