"""The builder's steps, in order, and which part of the campaign file each one edits."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    key: str
    label_zh: str
    label_en: str
    sections: tuple[str, ...]  # top-level keys of the campaign file this step edits


STEPS = [
    Step("basics", "基本信息", "Basics",
         ("slug", "title", "title_en", "theme", "rules", "lead_library", "timezone", "retention_days", "age_groups")),
    Step("schedule", "日程", "Schedule", ("stages",)),
    Step("participation", "参与馆", "Participation", ("libraries",)),
    Step("events", "活动项目", "Events", ("events",)),
    Step("judging", "评审", "Judging", ("judging", "likes", "scoring")),
    Step("awards", "奖项与证书", "Awards and certificates", ("awards",)),
    Step("wechat", "微信", "WeChat", ("wechat", "pushes")),
    Step("review", "检查", "Review", ()),
    Step("publish", "发布", "Publish", ()),
]
STEP_KEYS = [s.key for s in STEPS]
_BY_SECTION = {section: step.key for step in STEPS for section in step.sections}


def step_of(path: str) -> str:
    """The step where the field at `path` ("events[0].quiz.draw") is edited; unknown paths go to basics."""
    head = path.split(".")[0].split("[")[0]
    return _BY_SECTION.get(head, "basics")


def issue_belongs(path: str, step: str) -> bool:
    return step_of(path) == step
