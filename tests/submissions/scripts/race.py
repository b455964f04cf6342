"""Concurrent submissions for the same child and event from real threads (each with its own
database connection). `python -m tests.submissions.scripts.race IDS_JSON AUDIO_FILE` prints the outcome."""

import json
import sys
import threading

import django


def race(*, event_id: int, child_id: int, user_id: int, poem_id: int, audio: bytes, threads: int = 4,
         same_key: bool = False) -> dict:
    from django.core.files.base import ContentFile
    from django.db import connection

    from campaigns.models import Child, User
    from config.errors import UserFacingError
    from events.models import Event, Poem
    from submissions.models import Entry
    from submissions.services import entry_submit

    barrier = threading.Barrier(threads)
    results: list = []

    def submit(i: int) -> None:
        try:
            event, child = Event.objects.get(pk=event_id), Child.objects.get(pk=child_id)
            user, poem = User.objects.get(pk=user_id), Poem.objects.get(pk=poem_id)
            barrier.wait(timeout=30)
            key = "same-key" if same_key else f"key-{i}"
            entry = entry_submit(event=event, child=child, uploaded_file=ContentFile(audio, name=f"r{i}.wav"),
                                 channel="api", idempotency_key=key, submitted_by=user, poem=poem)
            results.append(("ok", entry.pk))
        except UserFacingError as exc:
            results.append(("refused", exc.code))
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results.append(("error", repr(exc)))
        finally:
            connection.close()

    workers = [threading.Thread(target=submit, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    entries = Entry.objects.filter(event_id=event_id, child_id=child_id)
    return {
        "results": results,
        "live": entries.exclude(status__in=Entry.NOT_LIVE).count(),
        "total": entries.count(),
        "replaced": entries.filter(status="replaced").count(),
    }


if __name__ == "__main__":
    django.setup()
    ids = json.loads(sys.argv[1])
    with open(sys.argv[2], "rb") as fh:
        audio = fh.read()
    out = {"distinct": race(event_id=ids["event"], child_id=ids["child"], user_id=ids["user"], poem_id=ids["poem"],
                            audio=audio)}
    out["same_key"] = race(event_id=ids["event"], child_id=ids["child"], user_id=ids["user"], poem_id=ids["poem"],
                           audio=audio, same_key=True)
    print(json.dumps(out))
