"""Panels later apps add to the campaign page and the branch pages (e.g. reading's collective goal),
without campaigns importing them. In your AppConfig.ready():

    from campaigns.page_panels import register_campaign_panel
    register_campaign_panel("reading-goal", template="reading/goal_panel.html",
                            context=lambda campaign, library=None: {...} or None)

`context(campaign, library)` returns the template's context, or None to show nothing; `library` is the
branch's library on a branch page and None on the campaign page."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    context: Callable


_panels: dict[str, Panel] = {}


def register_campaign_panel(key: str, *, template: str, context: Callable) -> None:
    _panels[key] = Panel(key=key, template=template, context=context)


def unregister_campaign_panel(key: str) -> None:
    _panels.pop(key, None)


def campaign_panels(campaign, library=None) -> list[dict]:
    """[{template, context}] of the panels that have something to show."""
    out = []
    for panel in sorted(_panels.values(), key=lambda p: p.key):
        context = panel.context(campaign, library)
        if context is not None:
            out.append({"template": panel.template, "context": context})
    return out
