"""Fixtures for the WeChat adapter: the fake WeChat API in a thread, account settings, a campaign
with an open recitation event, a guardian whose WeChat is linked, and a task runner."""

import importlib
from datetime import timedelta

import pytest
from django.utils import timezone

from wechat.fake_api.server import FakeWeChat

APP_ID = "wx1234567890abcdef"
SECRET = "test-secret-0123456789"
TOKEN = "campaign_token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
OPENID = "oAbCd1234567890EfGhIjKlMnOpQ"


@pytest.fixture(autouse=True)
def _live_config_fresh(request):
    """Each test builds its own campaigns; the snapshot lives in Django's cache (Redis outlives a test)."""
    if "db" not in request.fixturenames and not request.node.get_closest_marker("django_db"):
        yield
        return
    from wechat.selectors import live_config_clear

    live_config_clear()
    yield
    live_config_clear()


@pytest.fixture(autouse=True)
def wechat_settings(settings):
    settings.WECHAT_APP_ID = APP_ID
    settings.WECHAT_APP_SECRET = SECRET
    settings.WECHAT_TOKEN = TOKEN
    settings.WECHAT_ENCODING_AES_KEY = AES_KEY
    settings.WECHAT_ACCOUNT_TYPE = "service"
    settings.SITE_URL = "http://testserver"
    settings.WECHAT_API_BASE = "http://127.0.0.1:9"  # nothing listens: a test that needs the API asks for fake_wechat
    return settings


@pytest.fixture
def fake_wechat(settings):
    with FakeWeChat(app_id=APP_ID, secret=SECRET) as fake:
        settings.WECHAT_API_BASE = fake.url
        yield fake


SMALL_TREE = [  # (code, name, level, parent): enough of the federation for these tests, built in milliseconds
    ("NLC", "国家图书馆", "national", None),
    ("P-HN", "湖南图书馆", "provincial", "NLC"),
    ("C-HN-CS", "长沙图书馆", "city", "P-HN"),
    ("X-HN-CSX", "长沙县图书馆", "county", "C-HN-CS"),
    ("P-HE", "河北省图书馆", "provincial", "NLC"),
]


@pytest.fixture
def libraries(db):
    from campaigns.models import Library

    made: dict = {}
    for code, name, level, parent in SMALL_TREE:
        parent_lib = made.get(parent)
        path = (parent_lib.path if parent_lib else "/") + f"{code}/"
        made[code] = Library.objects.create(code=code, name=name, level=level, parent=parent_lib, path=path,
                                            province="湖南" if "HN" in code else "")
    return made


class TaskQueue:
    """Collects config.tasks.enqueue calls; `run()` executes them (and those they enqueue) in order."""

    def __init__(self):
        self.pending: list[tuple[str, tuple]] = []
        self.done: list[tuple[str, tuple, object]] = []

    def __call__(self, func_path, *args, **options):
        self.pending.append((func_path, args))

    def names(self) -> list[str]:
        return [name for name, _ in self.pending]

    def run(self, only_prefix: str = "") -> list:
        results = []
        while True:
            batch = [t for t in self.pending if t[0].startswith(only_prefix)]
            if not batch:
                return results
            for task in batch:
                self.pending.remove(task)
                module, func = task[0].rsplit(".", 1)
                with self.capture(execute=True):  # tasks commit: their on_commit callbacks run
                    result = getattr(importlib.import_module(module), func)(*task[1])
                self.done.append((task[0], task[1], result))
                results.append(result)


@pytest.fixture
def tasks(monkeypatch, django_capture_on_commit_callbacks):
    queue = TaskQueue()
    monkeypatch.setattr("config.tasks.async_task", queue)
    queue.capture = django_capture_on_commit_callbacks
    return queue


@pytest.fixture
def campaign(libraries):
    from campaigns.models import Campaign, CampaignLibrary, Stage
    from events.models import Event, Poem

    now = timezone.now()
    campaign = Campaign.objects.create(
        slug="tongyin-test", title="童音诵古韵", lead_library=libraries["NLC"],
        config={"wechat": {"keywords": {"答题": "quiz", "报名": "register", "我的作品": "my_entries"}}},
    )
    for code in ("C-HN-CS", "X-HN-CSX", "P-HN"):
        CampaignLibrary.objects.create(campaign=campaign, library=libraries[code])
    Stage.objects.create(campaign=campaign, kind="published", starts_at=now - timedelta(days=10))
    Stage.objects.create(campaign=campaign, kind="entries_open", starts_at=now - timedelta(days=5),
                         ends_at=now + timedelta(days=5))
    recitation = Event.objects.create(
        campaign=campaign, slug="recite", kind="recitation", title="古诗诵读", position=1,
        settings={"entries": {"media": ["audio"], "channels": ["web", "wechat_voice"], "per_child": 1,
                              "limits": {"min_seconds": 3, "max_seconds": 180}}},
    )
    jingyesi = Poem.objects.create(key="jingyesi", title="静夜思", author="李白", dynasty="唐",
                                   lines=["床前明月光", "疑是地上霜", "举头望明月", "低头思故乡"], grade=1)
    chunxiao = Poem.objects.create(key="chunxiao", title="春晓", author="孟浩然", dynasty="唐",
                                   lines=["春眠不觉晓", "处处闻啼鸟", "夜来风雨声", "花落知多少"], grade=1)
    recitation.poems.add(jingyesi, chunxiao)
    Event.objects.create(campaign=campaign, slug="quiz", kind="quiz", title="诗词答题", position=0)
    return campaign


@pytest.fixture
def guardian(make_user, libraries):
    from campaigns.models import Child, ConsentRecord

    user = make_user("13900000009", phone="13900000009", display_name="李女士")
    child = Child.objects.create(guardian=user, display_name="李小花", nickname="小花", birth_year=timezone.now().year - 8,
                                 library=libraries["C-HN-CS"])
    for purpose in ConsentRecord.Purpose.values:
        ConsentRecord.objects.create(child=child, purpose=purpose, granted=True, text_version="t", recorded_by=user)
    user.child = child
    return user


@pytest.fixture
def follower(guardian):
    from wechat.models import Follower

    return Follower.objects.create(openid=OPENID, subscribed=True, user=guardian)
