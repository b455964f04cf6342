"""WeChat error codes explained to organizers: what happened and what to do, Chinese first."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Explanation:
    code: int
    zh: str
    en: str
    retry: bool = False  # worth retrying automatically later

    def __str__(self) -> str:
        return f"[{self.code}] {self.zh} / {self.en}"


EXPLANATIONS = {
    -1: Explanation(-1, "连接微信服务器失败，系统会稍后自动重试。", "Could not reach WeChat; the system retries later.", True),
    -3: Explanation(-3, "等待获取 access_token 超时，请稍后重试。", "Timed out waiting for the access token; try again.", True),
    40001: Explanation(40001, "access_token 无效：可能有其他系统（第三方平台、编辑器）在用同一 AppID 获取 token。请在公众号后台停用它们，或改用稳定版接口。",
                       "The access token was refused: another system may be fetching tokens for the same AppID. Disable it or use the stable token.", True),
    -4: Explanation(-4, "推送的目标标签在公众号中不存在，请在 用户管理 → 标签 中核对名称或填写标签 ID。",
                    "The audience tag does not exist in the account: check its name or use the tag id."),
    40007: Explanation(40007, "媒体文件已过期或不存在（微信只保留 3 天），请家长重新发送语音。",
                       "The media expired or does not exist (WeChat keeps it 3 days); ask the family to send the voice again."),
    40164: Explanation(40164, "服务器 IP 不在公众号的 IP 白名单中：请在 公众号后台 → 设置与开发 → 基本配置 → IP白名单 加入本服务器的出口 IP。",
                       "This server's IP is not whitelisted: add its outgoing IP under Settings & development → Basic configuration → IP whitelist."),
    41001: Explanation(41001, "缺少 access_token，请检查 AppID 与 AppSecret 设置。", "Missing access token: check WECHAT_APP_ID and WECHAT_APP_SECRET."),
    40125: Explanation(40125, "AppSecret 不正确，请在公众号后台重置并更新 WECHAT_APP_SECRET。", "Invalid AppSecret: reset it in the console and update WECHAT_APP_SECRET."),
    42001: Explanation(42001, "access_token 已过期，系统已自动刷新一次。", "The access token expired; it was refreshed once automatically.", True),
    43004: Explanation(43004, "该用户未关注公众号，无法发送。", "The user does not follow the account."),
    43101: Explanation(43101, "用户未订阅该通知（或已拒绝），改为站内通知。", "The user has not accepted this subscribe message; the in-site notice is used."),
    45009: Explanation(45009, "今日接口调用次数已达上限：请明天再试，或在公众号后台 → 开发 → 接口权限 使用“清零”（每月 10 次）。",
                       "Daily API quota reached: try tomorrow, or reset the quota in the console (10 times a month)."),
    45011: Explanation(45011, "调用太频繁（每分钟限额），系统会在一分钟后自动重试。", "Too many calls per minute; the system retries in a minute.", True),
    45028: Explanation(45028, "本月（服务号）或今日（订阅号）群发次数已用完，请改期发送。",
                       "No mass-send quota left (this month for service accounts, today for subscription accounts); reschedule."),
    45047: Explanation(45047, "客服消息已超过下行条数限制。", "The customer-service message limit was reached."),
    45065: Explanation(45065, "24 小时内已有相同 clientmsgid 的群发，已避免重复发送。",
                       "A mass send with the same client message id ran in the last 24 h; not sent twice."),
    47003: Explanation(47003, "模板参数不正确：请检查消息模板的字段设置。", "Template fields are wrong: check the message template's fields."),
    40037: Explanation(40037, "模板 ID 无效：请在 消息模板 中填写公众号后台里的模板 ID。", "Invalid template id: enter the id from the console in Message templates."),
    48001: Explanation(48001, "公众号没有该接口权限（未认证或类型不符，如订阅号无网页授权/模板消息）：请完成微信认证，或在设置中选择正确的账号类型。",
                       "The account is not authorised for this API (not certified, or a subscription account): certify it or set WECHAT_ACCOUNT_TYPE correctly."),
    53503: Explanation(53503, "草稿未通过发布检查，请修改内容后重新发布。", "The draft failed the publish check; edit it and publish again."),
}


def explain(code: int | None, message: str = "") -> Explanation:
    if code is None:
        return Explanation(0, "未知错误。", "Unknown error.")
    return EXPLANATIONS.get(int(code)) or Explanation(
        int(code), f"微信返回错误 {code}：{message}", f"WeChat returned error {code}: {message}"
    )


PUBLISH_STATUS = {
    0: ("发布成功", "published"),
    1: ("发布中", "publishing"),
    2: ("原创声明失败", "originality check failed"),
    3: ("常规失败", "failed"),
    4: ("平台审核不通过", "refused by review"),
    5: ("成功后用户删除所有文章", "deleted by the account"),
    6: ("成功后系统封禁所有文章", "blocked by the platform"),
}
