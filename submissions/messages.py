"""What families are told about their entries (notification titles and bodies), Chinese first."""


def notification_for(entry, kind: str) -> tuple[str, str]:
    who = entry.child.nickname
    event = entry.event.title
    if kind == "entry_submitted_on_behalf":
        library = entry.library.name if entry.library_id else ""
        return (f"图书馆代{who}提交了作品 · A library submitted an entry for your child",
                f"《{event}》：{library}的工作人员代您提交了{who}的作品，如有疑问请联系图书馆。"
                f"Staff of {library} submitted an entry for “{event}” on your behalf; contact the library "
                "if you did not ask for it.")
    if kind == "entry_received":
        return (f"已收到{who}的作品 · Entry received",
                f"《{event}》：作品已收到，正在处理。We received the entry for “{event}” and are processing it.")
    if kind == "entry_accepted":
        return (f"{who}的作品已通过检查 · Entry accepted",
                f"《{event}》：作品已处理完成，可以在家庭页面查看。The entry for “{event}” is ready.")
    if entry.status == "disqualified":
        return (f"{who}的作品被取消资格 · Entry disqualified", f"《{event}》：{entry.message_zh} {entry.message_en}")
    return (f"{who}的作品未通过检查 · Entry refused",
            f"《{event}》：{entry.message_zh} 请修改后重新提交。{entry.message_en}")
