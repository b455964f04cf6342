"""The poem catalogue (campaigns/examples/poems.json) imported into events.Poem by key, idempotently."""

from pathlib import Path

from builder.campaign_file.catalog import POEMS_JSON, poem_catalogue
from events.models import Poem


def poems_import(*, path: Path = POEMS_JSON) -> int:
    """Create or update every poem of the file; returns how many rows changed."""

    existing = {poem.key: poem for poem in Poem.objects.all()}
    changed = 0
    for item in poem_catalogue(path):
        fields = {"title": item["title"], "author": item["author"], "dynasty": item.get("dynasty", ""),
                  "lines": item["lines"], "grade": item.get("grade")}
        poem = existing.get(item["id"])
        if poem is None:
            poem = Poem(key=item["id"], **fields)
            poem.full_clean()
            poem.save()
            changed += 1
        elif any(getattr(poem, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(poem, name, value)
            poem.full_clean()
            poem.save()
            changed += 1
    return changed
