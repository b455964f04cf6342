"""Fixtures of the quiz tests: a small library tree, a campaign with a quiz event and a bank."""

from datetime import timedelta

import pytest
from django.utils import timezone

BANK_ROWS = [
    # id, type, stem, a, b, c, d, answer, difficulty, tags, explanation
    *[(f"E{i:02d}", "single", f"简单题 {i}", "甲", "乙", "丙", "丁", "ABCD"[i % 4], 1, "唐诗|李白", f"解析简单{i}")
      for i in range(1, 11)],
    *[(f"M{i:02d}", "single", f"中等题 {i}", "甲", "乙", "丙", "丁", "ABCD"[i % 4], 2, "宋诗", f"解析中等{i}")
      for i in range(1, 8)],
    *[(f"H{i:02d}", "multiple", f"难题 {i}", "甲", "乙", "丙", "丁", "AC", 3, "图书馆", f"解析难{i}")
      for i in range(1, 4)],
    ("T01", "truefalse", "判断题", "正确", "错误", "", "", "B", 1, "唐诗", "解析判断"),
]


def make_bank_csv(rows=BANK_ROWS) -> bytes:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "type", "stem", "option_a", "option_b", "option_c", "option_d", "answer", "difficulty",
                     "tags", "explanation"])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.fixture
def tree(db):
    from campaigns.models import Library

    def lib(code, name, level, parent, province=""):
        path = (parent.path if parent else "/") + code + "/"
        return Library.objects.create(code=code, name=name, level=level, parent=parent, province=province, path=path)

    nlc = lib("NLC", "国家图书馆", "national", None)
    hn = lib("P-HN", "湖南图书馆", "provincial", nlc, "湖南")
    cs = lib("C-HN-CS", "长沙图书馆", "city", hn, "湖南")
    csx = lib("X-HN-CSX", "长沙县图书馆", "county", cs, "湖南")
    he = lib("P-HE", "河北省图书馆", "provincial", nlc, "河北")
    sjz = lib("C-HE-SJZ", "石家庄图书馆", "city", he, "河北")
    return {lib.code: lib for lib in [nlc, hn, cs, csx, he, sjz]}


QUIZ = {
    "bank": "poems", "questions": 5,
    "draw": [{"difficulty": 1, "count": 2}, {"difficulty": 2, "count": 2}, {"difficulty": 3, "count": 1}],
    "time_limit": {"per_question_seconds": 20},
    "attempts": {"per_day": 1, "per_campaign": 3},
    "scoring": {"formula": "time_bonus", "points": 100, "multiple_partial": "proportional"},
    "explanations": "after_each", "practice": True,
}


@pytest.fixture
def quiz_factory(tree):
    from campaigns.models import AgeGroup, Campaign, Stage
    from events.bank_import import questions_import
    from events.models import Event, QuestionBank

    def make(quiz=None, *, slug="spring", age=(6, 12)):
        campaign = Campaign.objects.create(slug=slug, title="网络书香过大年", lead_library=tree["NLC"],
                                           timezone="Asia/Shanghai")
        Stage.objects.create(campaign=campaign, kind="published", starts_at=timezone.now() - timedelta(days=400))
        bank = QuestionBank.objects.filter(slug="poems").first()
        if bank is None:
            bank = QuestionBank.objects.create(slug="poems", title="诗词题库", owner=tree["NLC"])
            questions_import(bank=bank, data=make_bank_csv(), filename="bank.csv")
        event = Event.objects.create(campaign=campaign, slug="quiz", kind="quiz", title="诗词答题",
                                     settings={"quiz": {**QUIZ, **(quiz or {})}})
        if age:
            group = AgeGroup.objects.create(campaign=campaign, key="kids", label="6–12 岁", min_age=age[0],
                                            max_age=age[1])
            event.age_groups.add(group)
        return event

    return make


@pytest.fixture
def quiz_event(quiz_factory):
    return quiz_factory()


@pytest.fixture
def family(db, tree, make_user):
    """A guardian with children in several libraries (all aged 9 in 2027)."""
    from campaigns.models import Child

    guardian = make_user("guardian", phone="13800000009")

    def child(nickname, code, year=2018, user=guardian):
        return Child.objects.create(guardian=user, display_name=f"王{nickname}", nickname=nickname,
                                    birth_year=year, library=tree[code])

    return {"guardian": guardian, "child": child}


def answer_letter(aq, correct=True) -> str:
    """The letter(s) a child would click, as shown (correct or a wrong one)."""
    from events.models import OPTION_LETTERS

    if correct:
        return "".join(sorted(OPTION_LETTERS[aq.option_order.index(c)] for c in aq.question.answer))
    wrong = [c for c in aq.option_order if c not in aq.question.answer][0]
    return OPTION_LETTERS[aq.option_order.index(wrong)]


async def close_db_connections():
    """Async tests run ORM calls in a worker thread whose connection would outlive the test
    (CONN_MAX_AGE) and keep PostgreSQL from dropping the test database."""
    from channels.db import database_sync_to_async
    from django.db import connections

    await database_sync_to_async(connections.close_all)()
