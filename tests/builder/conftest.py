"""Builder tests: the shipped library tree (campaigns/examples/libraries.csv), organizers and a quiz bank."""

import pytest
from django.conf import settings

from campaigns.models import Library, OrganizerRole, User

BANK_CSV = "id,type,stem,option_a,option_b,answer,difficulty,tags\n" + "".join(
    f"q{i},single,第 {i} 题：{i} + 1 等于几？,{i + 1},{i + 2},A,{1 + i % 3},{'诗词' if i % 2 else '节日'}\n"
    for i in range(1, 31))


@pytest.fixture
def tree(db):
    from campaigns.library_import import libraries_import

    libraries_import(path=settings.BASE_DIR / "campaigns" / "examples" / "libraries.csv")
    return {lib.code: lib for lib in Library.objects.all()}


def organizer(username: str, library: Library) -> User:
    user = User.objects.create_user(username=username, password="pw-shuxiang-1")
    OrganizerRole.objects.create(user=user, library=library)
    return user


@pytest.fixture
def org_hn(tree):
    return organizer("org-hn", tree["P-HN"])


@pytest.fixture
def hn_client(client, org_hn):
    client.force_login(org_hn)
    return client


@pytest.fixture
def bank(tree):
    from events.bank_import import questions_import
    from events.models import QuestionBank

    bank = QuestionBank.objects.create(slug="hn-summer", title="湖南暑期题库", owner=tree["P-HN"])
    questions_import(bank=bank, data=BANK_CSV.encode(), filename="bank.csv")
    return bank
