"""What a campaign file may refer to: the library tree and the poem catalogue."""

import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from campaigns.models import Library
from campaigns.sections import Participation
from campaigns.typed import partial
from events.models import Poem

POEMS_JSON = Path(settings.BASE_DIR) / "campaigns" / "examples" / "poems.json"


@dataclass(frozen=True)
class LibraryRef:
    code: str
    level: str
    path: str


@dataclass
class Catalog:
    libraries: dict[str, LibraryRef]
    poems: set[str]

    @classmethod
    def from_database(cls) -> "Catalog":
        libraries = {code: LibraryRef(code, level, path)
                     for code, level, path in Library.objects.values_list("code", "level", "path")}
        poems = set(Poem.objects.values_list("key", flat=True)) | {p["id"] for p in poem_catalogue()}
        return cls(libraries=libraries, poems=poems)

    def participants(self, section: Participation | dict) -> set[str]:
        """Codes of the libraries a `libraries:` section selects (union of codes, levels and subtrees)."""
        if isinstance(section, dict):
            section = partial(Participation, section, {}) or Participation()
        if section.all:
            return set(self.libraries)
        codes = {c for c in section.codes or [] if c in self.libraries}
        levels = set(section.levels or [])
        roots = [self.libraries[c].path for c in section.subtrees or [] if c in self.libraries]
        for ref in self.libraries.values():
            if ref.level in levels or any(ref.path.startswith(root) for root in roots):
                codes.add(ref.code)
        return codes


def poem_catalogue(path: Path = POEMS_JSON) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))
