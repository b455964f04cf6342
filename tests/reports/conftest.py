"""A hand-counted campaign around New Year's Eve 2027 (除夕 = 2027-02-05, Asia/Shanghai).

Every number the tests assert is counted by hand from the rows below; times are UTC and the
comment gives the Shanghai day. Children: c1, c2 (X-HN-CSX county), c3 (C-HN-CS city),
c4 (C-HN-ZZ city), c5 (C-HE-SJZ city), c6 (P-HN provincial)."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


REPORT_LIBRARIES = {"NLC", "P-HN", "P-HE", "C-HN-CS", "X-HN-CSX", "C-HN-ZZ", "C-HE-SJZ", "X-HE-PS"}


@pytest.fixture
def libraries(db, corpus):
    """The rows of the real library tree these tests use (a 459-row import per test is too slow)."""
    from campaigns.library_import import libraries_import
    from campaigns.models import Library

    source = corpus / "data" / "libraries.csv"
    lines = source.read_text(encoding="utf-8").splitlines()
    kept = [lines[0]] + [line for line in lines[1:] if line.split(",")[0] in REPORT_LIBRARIES]
    libraries_import(path=source, content="\n".join(kept).encode())
    return {lib.code: lib for lib in Library.objects.all()}


@pytest.fixture
def nye(libraries, make_user):
    from campaigns.models import Campaign, CampaignLibrary, Child, Registration, Stage
    from events.models import Event, QuizAttempt, QuizResult
    from judging.models import Assignment, Judge, Like, Result, Round
    from submissions.models import Entry

    L = libraries
    campaign = Campaign.objects.create(slug="nye-2027", title="网络书香过大年", lead_library=L["NLC"],
                                       timezone="Asia/Shanghai")
    Stage.objects.create(campaign=campaign, kind="entries_open", starts_at=utc(2027, 1, 20), ends_at=utc(2027, 2, 20))
    for code in ["P-HN", "C-HN-CS", "X-HN-CSX", "C-HN-ZZ", "P-HE", "C-HE-SJZ"]:
        CampaignLibrary.objects.create(campaign=campaign, library=L[code])
    quiz = Event.objects.create(campaign=campaign, slug="quiz", kind="quiz", title="知识答题", position=1)
    recite = Event.objects.create(campaign=campaign, slug="recite", kind="recitation", title="诵读", position=2)
    photo = Event.objects.create(campaign=campaign, slug="photo", kind="photo", title="年味摄影", position=3)

    guardian = make_user("guardian", phone="13800000009")
    homes = {"c1": "X-HN-CSX", "c2": "X-HN-CSX", "c3": "C-HN-CS", "c4": "C-HN-ZZ", "c5": "C-HE-SJZ", "c6": "P-HN"}
    c = {key: Child.objects.create(guardian=guardian, display_name=f"孩子{key}", nickname=f"小{key}",
                                   birth_year=2017, library=L[code]) for key, code in homes.items()}

    def register(key, at):
        reg = Registration.objects.create(campaign=campaign, child=c[key], library=L[homes[key]])
        Registration.objects.filter(pk=reg.pk).update(created_at=at)

    register("c1", utc(2027, 2, 5, 15, 59, 59))  # 02-05 23:59:59 — the last second of 除夕
    register("c2", utc(2027, 2, 5, 16, 0, 0))  # 02-06 00:00:00 — already 初一
    register("c3", utc(2027, 2, 4, 10))  # 02-04
    register("c4", utc(2027, 2, 5, 2))  # 02-05
    register("c5", utc(2027, 2, 5, 12))  # 02-05
    register("c6", utc(2027, 2, 3, 1))  # 02-03

    tokens = iter(range(1000))

    def attempt(key, at, *, practice=False, score=0):
        return QuizAttempt.objects.create(
            event=quiz, child=c[key], library=L[homes[key]], token=f"t{next(tokens)}", practice=practice,
            status="finished", local_date=(at + timedelta(hours=8)).date(), started_at=at,
            deadline=at + timedelta(minutes=10), finished_at=at + timedelta(minutes=1), question_count=10,
            answered_count=10, correct_count=5, score=score, total_time_ms=40000)

    a1 = attempt("c1", utc(2027, 2, 5, 14), score=200)  # 02-05 22:00
    a2 = attempt("c1", utc(2027, 2, 5, 15, 30), score=250)  # 02-05 23:30
    a3 = attempt("c3", utc(2027, 2, 5, 16, 30), score=180)  # 02-06 00:30
    a4 = attempt("c5", utc(2027, 2, 5, 13), score=300)  # 02-05 21:00
    attempt("c4", utc(2027, 2, 5, 3), practice=True, score=999)  # practice: never counted
    for key, best, ms in (("c1", a2, 41000), ("c3", a3, 50000), ("c5", a4, 30000)):
        QuizResult.objects.create(event=quiz, child=c[key], library=L[homes[key]], best_attempt=best, score=best.score,
                                  total_time_ms=ms, finished_at=best.finished_at, attempts=2 if key == "c1" else 1,
                                  completed=key != "c3")
    assert a1.pk

    def entry(key, event, kind, at, *, status="ready", moderation="approved"):
        e = Entry.objects.create(event=event, child=c[key], library=L[homes[key]], kind=kind, status=status,
                                 moderation=moderation)
        Entry.objects.filter(pk=e.pk).update(created_at=at)
        return e

    e1 = entry("c1", recite, "audio", utc(2027, 2, 5, 10))  # 02-05 18:00
    entry("c2", recite, "audio", utc(2027, 2, 6, 2), moderation="pending")  # 02-06 10:00, to moderate
    entry("c3", recite, "audio", utc(2027, 2, 5, 7), status="replaced")  # superseded: not counted
    e3 = entry("c3", recite, "audio", utc(2027, 2, 5, 8), moderation="pending")  # 02-05 16:00, to moderate
    entry("c4", recite, "audio", utc(2027, 2, 5, 9), status="rejected", moderation="pending")  # refused: not counted
    e5 = entry("c5", photo, "image", utc(2027, 2, 4, 12))  # 02-04 20:00

    def like(e, n, at, voided=False):
        Like.objects.create(entry=e, voter_hash=f"v{n}", day=(at + timedelta(hours=8)).date(), created_at=at,
                            voided=voided)

    like(e1, 1, utc(2027, 2, 5, 11))  # 02-05
    like(e1, 2, utc(2027, 2, 5, 12))  # 02-05
    like(e1, 3, utc(2027, 2, 5, 13), voided=True)  # fraud-voided: not counted
    like(e5, 4, utc(2027, 2, 6, 1))  # 02-06

    rnd = Round.objects.create(campaign=campaign, event=recite, key="final", title="全国终评", status="open",
                               opens_at=utc(2027, 2, 10), closes_at=utc(2027, 2, 20))
    judge_user = make_user("judge-a", display_name="评委甲")
    judge = Judge.objects.create(user=judge_user, library=L["P-HE"])
    judge_b = Judge.objects.create(user=make_user("judge-b", display_name="评委乙"), library=L["P-HE"])
    Assignment.objects.create(round=rnd, entry=e1, judge=judge, state="submitted")
    Assignment.objects.create(round=rnd, entry=e3, judge=judge, state="pending")
    Assignment.objects.create(round=rnd, entry=e5, judge=judge_b, state="submitted")
    Assignment.objects.create(round=rnd, entry=e5, judge=judge, state="withdrawn")  # not counted
    Result.objects.create(round=rnd, entry=e1, scope_key="national", award_key="zhuangyuan", award_title="诵读小状元")
    Result.objects.create(round=rnd, entry=e5, scope_key="national", award_key="daren", award_title="诵读小达人")
    Result.objects.create(round=rnd, entry=e3, scope_key="national")  # no award

    return SimpleNamespace(campaign=campaign, libraries=L, children=c, events={"quiz": quiz, "recite": recite},
                           round=rnd, judge=judge)


@pytest.fixture
def nye_visits(nye):
    """Visits: A and B on 除夕, A again just after midnight (a new day, so a new hash), C on 初一."""
    from reports.services import visits_rollup
    from reports.visits import hit_record

    a = {"ip": "10.0.0.1", "user_agent": "Mozilla/5.0 (iPhone) WeChat"}
    b = {"ip": "10.0.0.2", "user_agent": "Mozilla/5.0 (Android)"}
    cc = {"ip": "10.0.0.3", "user_agent": "Mozilla/5.0 (Windows)"}
    slug = nye.campaign.slug
    hit_record(slug=slug, code="", at=utc(2027, 2, 5, 15), **a)  # campaign page, 02-05 23:00
    hit_record(slug=slug, code="", at=utc(2027, 2, 5, 15, 1), **a)
    hit_record(slug=slug, code="X-HN-CSX", at=utc(2027, 2, 5, 15, 59, 59), **a)  # 02-05 23:59:59
    hit_record(slug=slug, code="X-HN-CSX", at=utc(2027, 2, 5, 16, 0, 1), **a)  # 02-06 00:00:01
    hit_record(slug=slug, code="X-HN-CSX", at=utc(2027, 2, 5, 3), **b)  # 02-05
    hit_record(slug=slug, code="C-HN-CS", at=utc(2027, 2, 5, 4), **b)  # 02-05
    hit_record(slug=slug, code="C-HE-SJZ", at=utc(2027, 2, 6, 1), **cc)  # 02-06
    hit_record(slug="no-such-campaign", code="", at=utc(2027, 2, 5, 1), **cc)  # dropped by the rollup
    hit_record(slug=slug, code="NO-SUCH-LIB", at=utc(2027, 2, 5, 1), **cc)  # dropped by the rollup
    visits_rollup()
    return nye
