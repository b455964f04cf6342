"""The consent texts, in one place. Each text has a version; a ConsentRecord stores the version the
guardian saw. To change a text, add a new version (never edit a published one) and point
CURRENT_VERSION at it: records keep pointing at the words that were actually shown.

Children under 14 (PIPL art. 28/31; CAC 儿童个人信息网络保护规定 art. 2, 9, 10) take part only with
the guardian's consent for judging; the gallery and name-publication purposes are optional."""

from dataclasses import dataclass

from django.utils.translation import get_language

from campaigns.models import ConsentRecord

CONSENT_AGE = 14  # below this age a child takes part only with the guardian's judging consent


@dataclass(frozen=True)
class ConsentText:
    purpose: str
    title_zh: str
    title_en: str
    text_zh: str
    text_en: str
    required: bool

    def title(self) -> str:
        return self.title_en if (get_language() or "").startswith("en") else self.title_zh

    def text(self) -> str:
        return self.text_en if (get_language() or "").startswith("en") else self.text_zh


_RETENTION_ZH = "活动结束后按活动规定的保存期限删除；您可随时在“我的家庭”页面撤回同意、导出或删除孩子的资料。"
_RETENTION_EN = ("Deleted after the retention period the campaign declares; you can withdraw consent, "
                 "download or delete your child's data at any time on the “my family” page.")

CONSENT_TEXTS: dict[str, dict[str, ConsentText]] = {
    "2026-11": {
        ConsentRecord.Purpose.JUDGING: ConsentText(
            purpose=ConsentRecord.Purpose.JUDGING,
            title_zh="作品参加评审",
            title_en="Entries may be judged",
            text_zh=("我同意孩子提交的作品（录音、图片、文字或视频）及其年龄段、所属图书馆由本活动的评审专家匿名评审。"
                     "评委看不到孩子的姓名和图书馆。未满14周岁的儿童须经监护人同意方可参加活动。" + _RETENTION_ZH),
            text_en=("I agree that my child's entries (recordings, pictures, texts or videos), age group and library "
                     "are reviewed anonymously by the campaign's judges, who never see the child's name or library. "
                     "Children under 14 take part only with their guardian's consent. " + _RETENTION_EN),
            required=True,
        ),
        ConsentRecord.Purpose.GALLERY: ConsentText(
            purpose=ConsentRecord.Purpose.GALLERY,
            title_zh="作品在公开展示区展示",
            title_en="Entries shown in the public gallery",
            text_zh=("我同意孩子的作品以昵称和所属图书馆在活动的公开展示区展示，供公众欣赏和点赞。不同意时作品仍可参加评审，"
                     "但不参与公开点赞。" + _RETENTION_ZH),
            text_en=("I agree that my child's entries are shown in the campaign's public gallery under the child's "
                     "nickname and library, where the public can listen and like them. Without this consent entries "
                     "can still be judged but take no part in public likes. " + _RETENTION_EN),
            required=False,
        ),
        ConsentRecord.Purpose.PUBLISH_NAME: ConsentText(
            purpose=ConsentRecord.Purpose.PUBLISH_NAME,
            title_zh="获奖名单公布姓名",
            title_en="Name published with results",
            text_zh=("我同意孩子获奖时在获奖名单和证书中公布其姓名。不同意时名单中只显示昵称。" + _RETENTION_ZH),
            text_en=("I agree that my child's name is published in the list of winners and on certificates if the "
                     "child wins an award. Without this consent only the nickname is shown. " + _RETENTION_EN),
            required=False,
        ),
    },
}
CURRENT_VERSION = "2026-11"

# The family's privacy rules, shown (and accepted) when the guardian opens an account.
PRIVACY_NOTICE_ZH = (
    "本平台为公共图书馆的阅读活动收集监护人手机号以及孩子的姓名、昵称、出生年份和所属图书馆，仅用于活动报名、评审和结果公布。"
    "孩子的资料属于敏感个人信息：公开页面只显示昵称；每项用途单独征得您的同意，可随时撤回；您可随时导出或删除全部资料。"
)
PRIVACY_NOTICE_EN = (
    "For public libraries' reading campaigns this platform collects the guardian's phone number and the child's "
    "name, nickname, birth year and library, used only for registration, judging and publishing results. "
    "A child's data is sensitive: public pages show only the nickname; each purpose needs your separate consent, "
    "which you can withdraw at any time; you can download or delete all data at any time."
)


def current_texts() -> dict[str, ConsentText]:
    return CONSENT_TEXTS[CURRENT_VERSION]


def consent_text(purpose: str, version: str = CURRENT_VERSION) -> ConsentText:
    return CONSENT_TEXTS[version][purpose]


def privacy_notice() -> str:
    return PRIVACY_NOTICE_EN if (get_language() or "").startswith("en") else PRIVACY_NOTICE_ZH
