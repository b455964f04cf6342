"""Helpers for the campaign-file tests: the example files, a small valid file, and row snapshots."""

from textwrap import dedent

import pytest
from django.conf import settings

from campaigns.models import AgeGroup, Campaign, CampaignLibrary, Stage

EXAMPLES = settings.BASE_DIR / "builder" / "examples"
EXAMPLE_FILES = {"wangluo-shuxiang-2027": "wangluo-shuxiang-2027.yaml", "tongyin-2027": "tongyin-2027.yaml"}

MINIMAL = dedent("""\
    slug: mini-2027
    title: 小小诵读会
    lead_library: NLC
    stages:
      - kind: published
        starts: 2026-11-01 09:00
      - kind: entries_open
        starts: 2026-11-10 09:00
        ends: 2026-12-31 00:00
    libraries:
      codes: [NLC, P-HN]
    age_groups:
      - key: kids
        label: 儿童组（6–12 岁）
        min_age: 6
        max_age: 12
    events:
      - slug: recite
        kind: recitation
        title: 古诗诵读
        age_groups: [kids]
        entries:
          media: [audio]
          limits:
            max_seconds: 120
          poems: [jingyesi, chunxiao]
""")


def example_text(slug: str) -> str:
    return (EXAMPLES / EXAMPLE_FILES[slug]).read_text(encoding="utf-8")


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing `fragment` (so tests don't hard-code line numbers)."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if fragment in line]
    assert len(found) >= occurrence, f"{fragment!r} not in the text"
    return found[occurrence - 1]


def snapshot(campaign: Campaign) -> dict:
    """Every row the loader writes for a campaign, with ids and timestamps (a no-op reload keeps all)."""
    from events.models import Event

    return {
        "campaign": Campaign.objects.filter(pk=campaign.pk).values().get(),
        "stages": list(Stage.objects.filter(campaign=campaign).order_by("kind").values()),
        "age_groups": list(AgeGroup.objects.filter(campaign=campaign).order_by("key").values()),
        "branches": sorted(CampaignLibrary.objects.filter(campaign=campaign).values_list("library__code", "join_code", "pk")),
        "events": list(Event.objects.filter(campaign=campaign).order_by("slug").values()),
        "event_links": sorted((e.slug, sorted(e.age_groups.values_list("key", flat=True)),
                               sorted(e.poems.values_list("key", flat=True)))
                              for e in Event.objects.filter(campaign=campaign)),
    }


SMALL_TREE_CSV = """code,name,level,parent_code,province
NLC,国家图书馆,national,,北京
P-HN,湖南图书馆,provincial,NLC,湖南
C-HN-CS,长沙图书馆,city,P-HN,湖南
X-HN-CSX,长沙县图书馆,county,C-HN-CS,湖南
P-HE,河北省图书馆,provincial,NLC,河北
"""


@pytest.fixture
def small_tree(db):
    """Five libraries of the real tree: enough for validation tests, much faster than all 459."""
    from campaigns.library_import import libraries_import

    libraries_import(path="small.csv", content=SMALL_TREE_CSV.encode())
