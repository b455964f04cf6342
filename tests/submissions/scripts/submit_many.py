"""Submit one entry per file, each for its own child, through entry_submit (which enqueues the
processing task in django-q2's ORM queue). Prints {"entries": [ids]}."""

import json
import sys

import django

if __name__ == "__main__":
    django.setup()
    from django.core.files.base import ContentFile

    from campaigns.models import Child, ConsentRecord, User
    from events.models import Event, Poem
    from submissions.services import entry_submit
    from tests.submissions.scripts.setup import build

    ids = build()
    event, poem = Event.objects.get(pk=ids["event"]), Poem.objects.get(pk=ids["poem"])
    guardian, first = User.objects.get(pk=ids["user"]), Child.objects.get(pk=ids["child"])
    entries = []
    for i, path in enumerate(sys.argv[1:]):
        child = first if i == 0 else Child.objects.create(guardian=guardian, display_name=f"孩子{i}",
                                                          nickname=f"小{i}", birth_year=2017, library=first.library)
        if i:  # the event asks for the guardian's consent to judging (the campaign file's default)
            ConsentRecord.objects.create(child=child, purpose="judging", granted=True, text_version="t",
                                         recorded_by=guardian)
        with open(path, "rb") as fh:
            entry = entry_submit(event=event, child=child, poem=poem, channel="upload", idempotency_key=f"k{i}",
                                 uploaded_file=ContentFile(fh.read(), name=path.rsplit("/", 1)[-1]),
                                 submitted_by=guardian)
        entries.append(entry.pk)
    print(json.dumps({"entries": entries}))
