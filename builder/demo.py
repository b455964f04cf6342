"""Demo data of the builder: the two example campaigns, loaded from their files (idempotent), the demo family
taking part in them, and a draft campaign for org-hn to continue in the browser (basics, schedule,
participation, a reading-notes essay with its judging, awards and WeChat done, step by step as the forms
save them; the quiz and publishing left to do; an existing draft is left alone)."""

from django.conf import settings
from django.db import transaction

from builder import services
from builder.campaign_file import campaign_file_load
from campaigns import family_demo
from campaigns.models import Campaign, Library, User

EXAMPLES = settings.BASE_DIR / "builder" / "examples"
EXAMPLE_CAMPAIGNS = ["wangluo-shuxiang-2027.yaml", "tongyin-2027.yaml"]
DRAFT_SLUG = "hn-summer-2028"
DRAFT_TITLE = "2028 湖南暑期阅读答题"


NOTES = "reading-notes"
DRAFT_STEPS = {
    "schedule": {"stages": [
        {"kind": "entries_open", "starts": "2028-07-01 09:00", "ends": "2028-08-16 00:00"},
        {"kind": "likes_open", "starts": "2028-08-16 09:00", "ends": "2028-08-23 00:00"},
        {"kind": "judging", "starts": "2028-08-23 09:00", "ends": "2028-08-30 00:00"},
        {"kind": "results", "starts": "2028-08-30 09:00", "ends": "2028-09-01 00:00"},
        {"kind": "archived", "starts": "2028-09-01 00:00"}]},
    "events": {"events": [{
        "slug": NOTES, "kind": "essay", "title": "我的暑假读书笔记", "age_groups": ["kids", "teens"],
        "description": "读完一本书，写下你的读书笔记（2000 字以内）。",
        "entries": {"media": ["essay"], "limits": {"max_chars": 2000}, "consent_required": ["judging"]}}]},
    "judging": {
        "judging": {"official_score": "calibrated", "rounds": [{
            "key": "provincial", "event": NOTES, "title": "全省评审", "scope": "province", "judges_per_entry": 3,
            "same_city_conflict": True, "opens": "2028-08-23 09:00", "closes": "2028-08-30 00:00",
            "rubric": [{"key": "content", "label": "内容与感悟", "weight": 40, "priority": 1},
                       {"key": "language", "label": "语言表达", "weight": 30, "priority": 2},
                       {"key": "reading", "label": "阅读深度", "weight": 30, "priority": 3}]}]},
        "likes": {"event": NOTES, "per_voter_per_day": 10},
        "scoring": {"formula": "0.8 * panel + 0.2 * likes"}},
    "awards": {"awards": [
        {"key": "first", "title": "一等奖", "count": 10, "event": NOTES, "scope": "province"},
        {"key": "second", "title": "二等奖", "count": 30, "event": NOTES, "scope": "province"},
        {"key": "organisation", "title": "优秀组织奖", "count": 5, "kind": "organisation", "scope": "province"}]},
    "wechat": {
        "wechat": {"keywords": {"暑期答题": "quiz", "读书笔记": "register", "我的作品": "my_entries"},
                   "buttons": [{"name": "暑期答题", "action": "quiz"},
                               {"name": "读书笔记", "sub_buttons": [{"name": "参加征文", "action": "register"},
                                                                {"name": "我的作品", "action": "my_entries"}]},
                               {"name": "活动主页", "url": f"/c/{DRAFT_SLUG}/"}]},
        "pushes": [
            {"key": "launch", "title": "2028 湖南暑期阅读答题开始啦", "schedule": {"at": "2028-06-20 10:00"},
             "articles": [{"title": "暑假读好书：湖南暑期阅读活动开始", "author": "湖南图书馆",
                           "content": "<p>答题、读书笔记，和全省的小读者一起过一个书香暑假。</p>",
                           "link": f"/c/{DRAFT_SLUG}/"}]},
            {"key": "notes-daily", "title": "暑假每日一读·{day}",
             "schedule": {"daily_at": "20:00", "from": "2028-07-01", "to": "2028-07-07"},
             "audience": {"tag": "家长"},
             "articles": [{"title": "{day}｜今天读什么", "content": "<p>今天推荐一本好书，读完写下你的读书笔记。</p>",
                           "link": f"/c/{DRAFT_SLUG}/"}]}]},
}


def load(stdout) -> None:
    _examples(stdout)
    _draft(stdout)


@transaction.atomic
def _examples(stdout) -> None:
    for name in EXAMPLE_CAMPAIGNS:  # idempotent: a second load changes nothing
        result = campaign_file_load(text=(EXAMPLES / name).read_text(encoding="utf-8"))
        stdout.write(f"活动 Campaign {result.campaign.slug}: {'; '.join(result.changes) or 'unchanged'}")
    family_demo.load(stdout)


def _draft(stdout) -> None:
    if Campaign.objects.filter(slug=DRAFT_SLUG).exists():
        stdout.write(f"草稿 Draft {DRAFT_SLUG}: unchanged")
        return
    organizer = User.objects.filter(username="org-hn").first()
    if organizer is None:
        return
    hunan = Library.objects.get(code="P-HN")
    campaign = services.builder_create(user=organizer, slug=DRAFT_SLUG, title=DRAFT_TITLE, lead=hunan)
    data = services.file_port.export_dict(campaign)
    data.update({
        "title_en": "Hunan Summer Reading Quiz 2028",
        "theme": "暑假读好书：湖南省各级公共图书馆联合举办的少儿阅读知识答题。",
        "age_groups": [{"key": "kids", "label": "少儿组（6–12 岁）", "min_age": 6, "max_age": 12},
                       {"key": "teens", "label": "青少年组（13–17 岁）", "min_age": 13, "max_age": 17}],
        "stages": [*data["stages"],
                   {"kind": "published", "starts": "2028-06-20 09:00", "ends": "2028-09-01 00:00"},
                   {"kind": "archived", "starts": "2028-09-01 00:00"}],
    })
    campaign = services.builder_save(user=organizer, data=data, campaign=campaign, step="schedule")
    for step, sections in DRAFT_STEPS.items():  # each step saved (and audited) as its form would save it
        data = services.file_port.export_dict(campaign)
        if step == "schedule":
            data["stages"] = [s for s in data["stages"] if s["kind"] != "archived"] + sections["stages"]
        else:
            data.update(sections)
        campaign = services.builder_save(user=organizer, data=data, campaign=campaign, step=step)
    stdout.write(f"草稿 Draft {DRAFT_SLUG}: created for org-hn (/builder/c/{DRAFT_SLUG}/events/)")
