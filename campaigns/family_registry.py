"""Extension points that let later apps add to the family's page and data export without campaigns
importing them (dependencies point one way: campaigns ← events ← submissions ← ...).

In your app's AppConfig.ready():

    from campaigns.family_registry import register_family_section, register_export_section

    register_family_section(
        key="entries", title_zh="作品", title_en="Entries", order=20,
        template="submissions/family_entries.html",
        context=lambda request, children: {"entries": entries_of_children(children)},
    )
    register_export_section("entries", lambda user: [entry_as_dict(e) for e in entries_of_guardian(user)])
    register_child_delete_hook("entries", lambda child: delete_entry_files(child))

A section's template is rendered with the family page's context plus what `context` returns; the
export function returns JSON-serialisable data; delete hooks run (inside the deleting transaction)
before the Child row goes, for what a cascade cannot do (stored files, outside services)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import get_language


@dataclass(frozen=True)
class FamilySection:
    key: str
    title_zh: str
    title_en: str
    template: str
    context: Callable  # (request, children: list[Child]) -> dict
    order: int = 50

    @property
    def title(self) -> str:
        return self.title_en if (get_language() or "").startswith("en") else self.title_zh


_sections: dict[str, FamilySection] = {}
_exports: dict[str, Callable] = {}
_delete_hooks: dict[str, Callable] = {}


def register_family_section(*, key: str, title_zh: str, title_en: str, template: str, context: Callable,
                            order: int = 50) -> None:
    _sections[key] = FamilySection(key=key, title_zh=title_zh, title_en=title_en, template=template,
                                   context=context, order=order)


def unregister_family_section(key: str) -> None:
    _sections.pop(key, None)


def family_sections() -> list[FamilySection]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def register_export_section(key: str, func: Callable) -> None:
    """`func(user) -> JSON-serialisable data`, included under `key` in the family's data export."""
    _exports[key] = func


def unregister_export_section(key: str) -> None:
    _exports.pop(key, None)


def export_sections() -> dict[str, Callable]:
    return dict(_exports)


def register_child_delete_hook(key: str, func: Callable) -> None:
    """`func(child)` runs before a child's profile is deleted (the rows themselves cascade from Child)."""
    _delete_hooks[key] = func


def unregister_child_delete_hook(key: str) -> None:
    _delete_hooks.pop(key, None)


def child_delete_hooks() -> list[Callable]:
    return list(_delete_hooks.values())
