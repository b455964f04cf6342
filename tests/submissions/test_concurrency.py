"""Two (here four) concurrent submissions for the same child and event leave exactly one live entry;
concurrent retries with one idempotency key make one entry. Real threads, each with its own
connection: on PostgreSQL in this process, on SQLite against a file database in a subprocess."""

import json

import pytest
from django.conf import settings

from tests.submissions.scripts.common import FileProject

pytestmark = pytest.mark.slow  # subprocesses / threads on a file database: `make test-fast` leaves it out


def check(outcome: dict) -> None:
    distinct, same = outcome["distinct"], outcome["same_key"]
    assert all(kind == "ok" for kind, _ in distinct["results"]), distinct
    assert distinct["live"] == 1
    assert distinct["total"] == 4 and distinct["replaced"] == 3  # every submission kept in the history
    assert all(kind == "ok" for kind, _ in same["results"]), same
    assert len({entry_id for _, entry_id in same["results"]}) == 1  # one entry for one key
    assert same["live"] == 1 and same["total"] == 5


@pytest.mark.skipif(settings.DATABASE_IS_POSTGRES, reason="PostgreSQL runs the in-process variant below")
def test_concurrent_submissions_on_sqlite_file(template_db, tmp_path, corpus):
    project = FileProject(template_db, tmp_path / "p")
    ids = project.script("tests.submissions.scripts.setup")
    outcome = project.script("tests.submissions.scripts.race", json.dumps(ids),
                             str(corpus / "audio" / "jingyesi_16k_mono.wav"))
    check(outcome)


@pytest.mark.skipif(not settings.DATABASE_IS_POSTGRES, reason="needs DATABASE_URL=postgres://…")
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_on_postgresql(corpus):
    from tests.submissions.scripts.race import race
    from tests.submissions.scripts.setup import build

    ids = build()
    audio = (corpus / "audio" / "jingyesi_16k_mono.wav").read_bytes()
    kwargs = dict(event_id=ids["event"], child_id=ids["child"], user_id=ids["user"], poem_id=ids["poem"], audio=audio)
    check({"distinct": race(**kwargs), "same_key": race(**kwargs, same_key=True)})
