"""Participation: libraries chosen by code, level and subtree resolve against the real 459-library tree;
each participating library gets one branch whose join code survives reloads."""

import pytest

from builder.campaign_file import campaign_file_load
from campaigns.models import Library
from tests.builder.campaign_file_helpers import MINIMAL

pytestmark = pytest.mark.django_db


def _load(selection: str):
    return campaign_file_load(text=MINIMAL.replace("  codes: [NLC, P-HN]\n", selection)).campaign


def _codes(campaign) -> set[str]:
    return set(campaign.branches.values_list("library__code", flat=True))


def test_all_means_every_library(libraries):
    campaign = _load("  all: true\n")
    assert campaign.branches.count() == 459 == len(libraries)
    assert campaign.participation == {"all": True}


@pytest.mark.parametrize("selection, expected", [
    ("  codes: [NLC, P-HE, X-HN-CSX]\n", lambda: {"NLC", "P-HE", "X-HN-CSX"}),
    ("  levels: [provincial]\n", lambda: set(Library.objects.filter(level="provincial").values_list("code", flat=True))),
    ("  subtrees: [P-HN]\n", lambda: set(Library.objects.filter(path__startswith="/NLC/P-HN/").values_list("code", flat=True))),
    ("  codes: [NLC]\n  levels: [provincial]\n  subtrees: [C-HN-CS]\n", lambda: (
        {"NLC"} | set(Library.objects.filter(level="provincial").values_list("code", flat=True))
        | set(Library.objects.filter(path__startswith="/NLC/P-HN/C-HN-CS/").values_list("code", flat=True)))),
])
def test_codes_levels_and_subtrees_resolve_to_the_right_libraries(libraries, selection, expected):
    campaign = _load(selection)
    assert _codes(campaign) == expected()


def test_selection_sizes_match_the_tree(libraries):
    assert len(_codes(_load("  levels: [provincial]\n"))) == 32
    hunan = _codes(_load("  subtrees: [P-HN]\n"))
    assert "P-HN" in hunan and "C-HN-CS" in hunan and "X-HN-CSX" in hunan and "P-HE" not in hunan
    assert all(Library.objects.get(code=c).province == "湖南" for c in hunan)


def test_join_codes_stay_when_the_selection_changes(libraries):
    campaign = _load("  subtrees: [C-HN-CS]\n")
    codes = dict(campaign.branches.values_list("library__code", "join_code"))
    assert codes and len(set(codes.values())) == len(codes)
    _load("  subtrees: [C-HN-CS]\n  codes: [P-HE]\n")  # no entries yet: libraries may come and go
    grown = dict(campaign.branches.values_list("library__code", "join_code"))
    assert set(grown) == set(codes) | {"P-HE"}
    assert all(grown[code] == join for code, join in codes.items())
    _load("  codes: [C-HN-CS]\n")
    assert dict(campaign.branches.values_list("library__code", "join_code")) == {"C-HN-CS": codes["C-HN-CS"]}
