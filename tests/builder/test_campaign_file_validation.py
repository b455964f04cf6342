"""Validation: the whole file is checked first, every problem is reported with its line and field path
(Chinese and English), and nothing is written when there is any."""

from textwrap import dedent, indent

import pytest
from django.core.management import CommandError, call_command

from builder.campaign_file import CampaignFileError, campaign_file_load, campaign_file_validate
from campaigns.models import Campaign, CampaignLibrary, Stage
from events.models import Event, Poem
from tests.builder.campaign_file_helpers import MINIMAL, line_of, small_tree  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_tree")]

BROKEN = dedent("""\
    slug: broken-2027
    title: 有很多错误的活动
    lead_library: NLCC
    timezone: Asia/Shanghai
    stages:
      - kind: publishd
        starts: 2026-11-01 09:00
      - kind: entries_open
        starts: 2026-12-01 09:00
        ends: 2026-11-30 09:00
    libraries:
      codes: [P-HN]
      levels: [county, town]
    age_groups:
      - key: kids
        label: 儿童组
        min_age: 6
        max_age: 12
    events:
      - slug: recite
        kind: recitation
        title: 诵读
        age_groups: [kid]
        entries:
          media: [audio]
          limits:
            max_seconds: -3
          poems: [jingyesi, jingyes]
      - slug: quiz
        kind: quiz
        title: 答题
        quiz:
          bank: poetry-2027
          questions: 10
          draw:
            - difficulty: 1
              count: 4
          scoring:
            formula: kahoot
      - slug: essay
        kind: essay
        title: 征文
        entries:
          media: [essay]
          limits:
            max_chars: 3000
            max_seconds: 60
          colour: red
    judging:
      rounds:
        - key: final
          event: recit
          title: 终评
          scope: national
          rubric:
            - key: a
              label: 发音准确
              weight: 30
            - key: b
              label: 节奏韵律
              weight: 60
    scoring:
      formula: 0.7 * panel + 0.3 * likes
    awards:
      - key: top
        title: 一等奖
        count: 0
        event: essay
    pushes:
      - key: daily
        title: 每日推送
        schedule:
          daily_at: "20:00"
          from: 2027-02-12
          to: 2027-02-05
        articles:
          - title: 今日答题
            content: <p>来答题</p>
""")


def expected(fragment: str, path: str, message: str, occurrence: int = 1) -> tuple[int, str, str]:
    return line_of(BROKEN, fragment, occurrence), path, message


EXPECTED = [
    expected("lead_library: NLCC", "lead_library", "no library with code 'NLCC' (did you mean 'NLC'?)"),
    expected("kind: publishd", "stages[0].kind", "did you mean 'published'?"),
    expected("ends: 2026-11-30", "stages[1].ends", "must be after starts"),
    expected("levels: [county, town]", "libraries.levels[1]", "must be one of: national, provincial, city, county"),
    expected("age_groups: [kid]", "events[0].age_groups[0]", "no age group with key 'kid' (did you mean 'kids'?)"),
    expected("max_seconds: -3", "events[0].entries.limits.max_seconds", "must be a positive number"),
    expected("poems: [jingyesi, jingyes]", "events[0].entries.poems[1]", "no poem 'jingyes' in the catalogue"),
    expected("draw:", "events[1].quiz.draw", "the counts add up to 4 but questions is 10"),
    expected("formula: kahoot", "events[1].quiz.scoring.formula", "kahoot scoring needs time_limit.per_question_seconds"),
    expected("max_seconds: 60", "events[2].entries.limits.max_seconds", "applies only to audio, video media"),
    expected("colour: red", "events[2].entries.colour", "unknown key 'colour'"),
    expected("event: recit", "judging.rounds[0].event", "no event with slug 'recit' (did you mean 'recite'?)"),
    expected("rubric:", "judging.rounds[0].rubric", "the weights must add up to 100 (they add up to 90)"),
    expected("formula: 0.7 * panel", "scoring.formula", "the formula uses likes but there is no likes section"),
    expected("count: 0", "awards[0].count", "must be a positive whole number"),
    expected("to: 2027-02-05", "pushes[0].schedule.to", "must not be before from"),
]


def test_every_error_is_reported_at_once_with_line_and_path():
    with pytest.raises(CampaignFileError) as caught:
        campaign_file_load(text=BROKEN)
    issues = caught.value.issues
    for line, path, message in EXPECTED:
        matching = [i for i in issues if i.path == path]
        assert matching, f"no error for {path}; got {[str(i) for i in issues]}"
        assert any(i.line == line and message in i.message_en for i in matching), (path, [str(i) for i in matching])
    assert all(i.message_zh and i.message_en for i in issues)
    assert len(issues) == len(EXPECTED)  # nothing reported twice, nothing spurious
    assert [i.line for i in issues] == sorted(i.line for i in issues)


def test_message_names_line_and_field_in_chinese_and_english():
    text = MINIMAL.replace("max_seconds: 120", "max_seconds: -5")
    with pytest.raises(CampaignFileError) as caught:
        campaign_file_validate(text=text)
    [issue] = caught.value.issues
    line = line_of(text, "max_seconds: -5")
    assert str(issue) == f"line {line}, events[0].entries.limits.max_seconds: 必须是正数 (must be a positive number)"


def test_nothing_is_written_when_the_file_has_an_error():
    text = MINIMAL.replace("  - slug: recite", "  - slug: Recite!")
    with pytest.raises(CampaignFileError):
        campaign_file_load(text=text)
    assert not Campaign.objects.exists() and not Stage.objects.exists() and not CampaignLibrary.objects.exists()
    assert not Event.objects.exists() and not Poem.objects.exists()


def test_load_command_prints_every_error_and_exits_non_zero(tmp_path, capsys):
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(CommandError, match=f"{len(EXPECTED)} 处错误"):
        call_command("loadcampaign", str(path))
    err = capsys.readouterr().err
    assert f"line {line_of(BROKEN, 'max_seconds: -3')}, events[0].entries.limits.max_seconds: 必须是正数" in err
    assert err.count(str(path)) == len(EXPECTED)
    assert not Campaign.objects.exists()


def _issue(text: str):
    with pytest.raises(CampaignFileError) as caught:
        campaign_file_validate(text=text)
    return caught.value.issues


CASES = [
    # (what, replace this, with that, path, line fragment, English message fragment)
    ("text where a number belongs", "max_seconds: 120", "max_seconds: two minutes",
     "events[0].entries.limits.max_seconds", "max_seconds: two", "must be a positive number"),
    ("a number where text belongs", "title: 古诗诵读", "title: 2027",
     "events[0].title", "title: 2027", "must be text"),
    ("an unknown enum value", "kind: recitation", "kind: recital",
     "events[0].kind", "kind: recital", "did you mean 'recitation'?"),
    ("an impossible date", "starts: 2026-11-01 09:00", "starts: 2026-02-30 09:00",
     "stages[0].starts", "2026-02-30", "must be a date and time like 2027-02-05 20:00"),
    ("an unknown time zone", "lead_library: NLC", "lead_library: NLC\ntimezone: Asia/Beijing",
     "timezone", "Asia/Beijing", "is not a valid time zone name"),
    ("a stage kind twice", "  - kind: entries_open", "  - kind: published",
     "stages[1].kind", "kind: published", "'published' is used twice", 2),
    ("stages out of order", "starts: 2026-11-10 09:00", "starts: 2026-10-10 09:00",
     "stages[1].starts", "2026-10-10", "the entries_open stage cannot start before the published stage"),
    ("an unknown library code", "codes: [NLC, P-HN]", "codes: [NLC, P-HNN]",
     "libraries.codes[1]", "P-HNN", "no library with code 'P-HNN' (did you mean 'P-HN'?)"),
    ("an unknown subtree", "codes: [NLC, P-HN]", "subtrees: [C-XX-YY]",
     "libraries.subtrees[0]", "C-XX-YY", "no library with code 'C-XX-YY'"),
    ("all with a list", "codes: [NLC, P-HN]", "all: true\n  levels: [city]",
     "libraries.all", "all: true", "all: true cannot be combined with levels"),
    ("an empty selection", "codes: [NLC, P-HN]", "all: false",
     "libraries", "libraries:", "write all: true, or list at least one of codes, levels, subtrees"),
    ("age range upside down", "max_age: 12", "max_age: 5",
     "age_groups[0].max_age", "max_age: 5", "must not be less than min_age"),
    ("a missing required key", "    title: 古诗诵读\n", "",
     "events[0].title", "- slug: recite", "title is required"),
    ("an unknown key with a hint", "    age_groups: [kids]", "    age_group: [kids]",
     "events[0].age_group", "age_group:", "unknown key 'age_group' (did you mean 'age_groups'?)"),
    ("media the kind cannot take", "media: [audio]", "media: [audio, image]",
     "events[0].entries.media[1]", "media: [audio, image]", "accepts only audio, video"),
    ("wechat voice without audio", "media: [audio]", "media: [video]\n      channels: [web, wechat_voice]",
     "events[0].entries.channels", "channels:", "wechat_voice needs audio"),
    ("min above max", "max_seconds: 120", "max_seconds: 120\n        min_seconds: 200",
     "events[0].entries.limits.max_seconds", "max_seconds: 120", "must be greater than min_seconds"),
    ("closes before opens", "poems: [jingyesi, chunxiao]",
     "poems: [jingyesi, chunxiao]\n      opens: 2026-12-01 09:00\n      closes: 2026-11-01 09:00",
     "events[0].entries.closes", "closes: 2026-11-01", "must be after opens"),
    ("a quiz section on a recitation", "    entries:", "    quiz:\n      bank: b\n      questions: 5\n    entries:",
     "events[0].quiz", "    quiz:", "a recitation event cannot have an quiz section"),
    ("two slugs alike", "events:\n", "events:\n  - slug: recite\n    kind: essay\n    title: 征文\n    entries:\n      media: [essay]\n",
     "events[1].slug", "- slug: recite", "'recite' is used twice", 2),
    ("a duplicate key", "title: 小小诵读会", "title: 小小诵读会\ntitle: 又一个标题",
     "title", "又一个标题", "duplicate key (already on line 2)"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_each_kind_of_error_names_its_line_and_field(case):
    what, old, new, path, fragment, message, *occurrence = case
    assert old in MINIMAL, what
    text = MINIMAL.replace(old, new, 1)
    issues = _issue(text)
    line = line_of(text, fragment, *(occurrence or [1]))
    assert any(i.path == path and i.line == line and message in i.message_en for i in issues), \
        [str(i) for i in issues]


QUIZ_FILE = MINIMAL + indent(dedent("""\
      - slug: quiz
        kind: quiz
        title: 诗词答题
        quiz:
          bank: poetry-2027
          questions: 10
          draw:
            - difficulty: 1
              tag: 唐诗
              count: 10
          time_limit:
            per_question_seconds: 20
          attempts:
            per_day: 3
            per_campaign: 2
          scoring:
            formula: fixed
            bonus_per_second: 30
          tie_break: [score, fastest]
          explanations: sometimes
"""), "  ")


def test_quiz_settings_are_checked():
    issues = {i.path: i for i in _issue(QUIZ_FILE)}
    assert "either difficulty or tag" in issues["events[1].quiz.draw[0]"].message_en
    assert "must not be less than per_day" in issues["events[1].quiz.attempts.per_campaign"].message_en
    assert "used only by time_bonus" in issues["events[1].quiz.scoring.bonus_per_second"].message_en
    assert "must be one of: score, total_time, finished_at" in issues["events[1].quiz.tie_break[1]"].message_en
    assert issues["events[1].quiz.explanations"].line == line_of(QUIZ_FILE, "explanations: sometimes")


JUDGED = MINIMAL + dedent("""\
    judging:
      rounds:
        - key: final
          event: recite
          title: 终评
          scope: nation
          rubric:
            - key: voice
              label: 发音准确
              weight: 100
              min: 10
              max: 5
          advance:
            top: 10
            top_percent: 20
    likes:
      event: recite
      per_voter_per_entry_per_day: 5
      per_voter_per_day: 2
    scoring:
      formula: 0.7 * panel + 0.3 * likes ** 2
    awards:
      - key: gold
        title: 小状元
        count: 10
        event: recital
    wechat:
      keywords:
        报名: signup
    pushes:
      - key: hello
        title: 开始啦
        audience:
          tags: 家长
        schedule:
          at: 2026-11-15 10:00
          daily_at: "20:00"
        articles:
          - title: 开始啦
            content: <p>来参加</p>
            link: ftp://example.org/
""")


def test_rounds_likes_scoring_awards_wechat_and_pushes_are_checked():
    issues = {i.path: i for i in _issue(JUDGED)}
    assert "did you mean 'national'?" in issues["judging.rounds[0].scope"].message_en
    assert issues["judging.rounds[0].rubric[0].max"].message_en == "must be greater than min"
    assert "write one of top" in issues["judging.rounds[0].advance"].message_en
    assert "not be less than per_voter_per_entry_per_day" in issues["likes.per_voter_per_day"].message_en
    assert "may only use numbers" in issues["scoring.formula"].message_en
    assert "no event with slug 'recital'" in issues["awards[0].event"].message_en
    assert "must be one of: quiz, register" in issues["wechat.keywords.报名"].message_en
    assert "unknown key 'tags' (did you mean 'tag'?)" in issues["pushes[0].audience.tags"].message_en
    assert "write at (one push), or daily_at" in issues["pushes[0].schedule"].message_en
    assert "http(s)://" in issues["pushes[0].articles[0].link"].message_en
    assert issues["awards[0].event"].line == line_of(JUDGED, "event: recital")


@pytest.mark.parametrize("text, line, message", [
    ("slug: a\ntitle: [unclosed\n", 3, "YAML syntax error"),
    ("", 1, "the file is empty"),
    ("- just\n- a list\n", 1, "must be a mapping"),
    ("slug: a\nbase: &base\n  x: 1\nother: *base\n", 4, "anchors and aliases"),
])
def test_unreadable_files_are_refused_with_a_line(text, line, message):
    [issue] = _issue(text)
    assert issue.line == line and message in issue.message_en


def test_yaml_is_read_the_strict_way():
    """`20:00` stays a time (YAML 1.1 reads 1200), `no` stays text, only true/false are booleans."""
    text = MINIMAL + dedent("""\
        pushes:
          - key: daily
            title: 每日推送
            schedule:
              daily_at: 20:00
              from: 2027-02-05
              to: 2027-02-07
            articles:
              - title: no
                content: <p>今日答题</p>
    """)
    valid = campaign_file_validate(text=text)
    push = valid.data["pushes"][0]
    assert push["schedule"] == {"daily_at": "20:00", "from": "2027-02-05", "to": "2027-02-07"}
    assert push["articles"][0]["title"] == "no"
    issues = _issue(MINIMAL.replace("    entries:\n", "    entries:\n      per_child: yes\n"))
    assert any(i.path == "events[0].entries.per_child" and "positive whole number" in i.message_en for i in issues)


def test_dates_are_read_in_the_campaign_time_zone():
    text = MINIMAL.replace("lead_library: NLC", "lead_library: NLC\ntimezone: Asia/Urumqi")
    valid = campaign_file_validate(text=text)
    assert valid.data["stages"][0]["starts"] == "2026-11-01T09:00:00+06:00"
    valid = campaign_file_validate(text=MINIMAL.replace("starts: 2026-11-01 09:00", "starts: 2026-11-01T09:00+00:00"))
    assert valid.data["stages"][0]["starts"] == "2026-11-01T09:00:00+00:00"  # an explicit offset wins
    campaign = campaign_file_load(text=MINIMAL).campaign
    assert campaign.stages.get(kind="published").starts_at.isoformat() == "2026-11-01T01:00:00+00:00"


METHODS = MINIMAL + dedent("""\
    judging:
      rounds:
        - key: prelim
          event: recite
          title: 初评（比较式）
          scope: national
          method: comparative
          comparisons_per_entry: 12
          advance:
            top: 10
        - key: final
          event: recite
          title: 终评
          scope: national
          method: rubric
""")


def test_a_comparative_round_needs_no_rubric_but_a_rubric_round_does():
    issues = {i.path: i for i in _issue(METHODS)}
    assert "judging.rounds[0].rubric" not in issues
    assert "needs a rubric" in issues["judging.rounds[1].rubric"].message_en
    assert issues["judging.rounds[1].rubric"].message_zh.startswith("量表评分轮次必须写 rubric")
