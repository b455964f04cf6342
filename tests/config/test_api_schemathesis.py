"""The API keeps its contract under fuzzing (docs/deploy.md, "The API's contract"): schemathesis reads
/api/v1/openapi.json and calls every operation in-process (WSGI, the real test database) with generated
valid and invalid input — anonymous and as an organizer, a guardian and a judge, each with live rows to
reach — and checks that no response is a 500 and that every response's status is listed for its path
with a body matching the listed schema.

Bounded for CI: `SCHEMATHESIS_EXAMPLES` examples per operation and phase (default 12), derandomized so a
run is repeatable; raise it (and set `SCHEMATHESIS_RANDOM=1` for new examples each run) to fuzz deeper by hand."""

import os
import secrets

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "12"))
RANDOM = bool(os.environ.get("SCHEMATHESIS_RANDOM"))
LOG = os.environ.get("SCHEMATHESIS_LOG")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROLES = ["anonymous", "organizer", "guardian", "judge"]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
LIVE: dict = {}  # the module's rows (real ids by parameter name), read while examples are drawn


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, library_tree_rows):
    """Built once per module and test process inside a transaction rolled back at the end; each test's own
    transaction (pytest-django) nests in it as a savepoint. Requests come through the WSGI handler, not
    Django's test client, so the connection is kept across them as the test client does (Django closes a
    connection in a transaction at the end of a request: on PostgreSQL that would drop the test's rows)."""
    from django.core import signals
    from django.db import close_old_connections, transaction

    from tests.config.api_world import insert_libraries, make_world

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            built = make_world(insert_libraries(library_tree_rows))
            LIVE.update(built["values"])
            yield built
            LIVE.clear()
            transaction.set_rollback(True)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def live_or_generated(values: dict):
    """Half the time each parameter that names a live row takes a real value; otherwise the generated one."""
    choices = {name: st.sampled_from([value, *LIVE[name]]) if name in LIVE else st.just(value)
               for name, value in values.items()}
    return st.fixed_dictionaries(choices)


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    return live_or_generated(path_parameters or {})


@schema.hook
def flatmap_body(context, body):
    return live_or_generated(body) if isinstance(body, dict) else st.just(body)


@schema.hook
def flatmap_query(context, query):
    return live_or_generated(query) if isinstance(query, dict) else st.just(query)


def session_for(user) -> tuple[dict, dict]:
    """The cookies and CSRF header a logged-in browser sends (Django's session and CSRF secret)."""
    if user is None:
        return {}, {}
    from django.test import Client

    client = Client()
    client.force_login(user)
    csrf = secrets.token_hex(16)  # a 32-character secret: the cookie and the header carry the same one
    return {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf}, {"X-CSRFToken": csrf}


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not RANDOM,
          suppress_health_check=list(HealthCheck))
def test_api_contract(case, role, world, db):
    cookies, headers = session_for(world["users"][role])
    response = case.call_and_validate(checks=CHECKS, cookies=cookies, headers=headers)
    if LOG:  # one line per request, for the run's figures (docs/deploy.md)
        with open(LOG, "a") as log:
            log.write(f"{role} {case.method} {case.path} {response.status_code}\n")
