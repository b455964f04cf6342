"""Cost of the family and campaign pages, in process, against a trivial JSON endpoint measured in the
same run (the django-ninja ping at /api/v1/events/ping).

Seeds a temporary SQLite database with the real 459-library tree, a campaign all of them take part
in, 2,000 registrations and a guardian with two children; then alternates rounds of GETs (baseline,
page, baseline, page, …) and prints the median time per request, the ratio to the baseline and the
number of SQL queries per page (which must not grow with the number of libraries or registrations).
Goal: every page ≤ 100 × the trivial endpoint (a page renders a full template; the baseline renders
nothing) and ≤ 20 queries, independent of the 459 libraries and 2,000 registrations.

    .venv/bin/python -m bench.families
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TMP = tempfile.mkdtemp(prefix="bench-families-")
os.environ["SQLITE_PATH"] = str(Path(TMP) / "db.sqlite3")
os.environ["MEDIA_ROOT"] = str(Path(TMP) / "media")
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
PER_ROUND = int(os.environ.get("BENCH_REQUESTS", "20"))
BASELINE = "/api/v1/events/ping"
GOAL_RATIO = 100
GOAL_QUERIES = 20


def seed():
    from campaigns import services
    from campaigns.library_import import libraries_import
    from campaigns.models import Child, Library, Registration, User
    from tests.campaigns.family_helpers import make_campaign, this_year

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    libraries_import(path=ROOT / "campaigns" / "examples" / "libraries.csv")
    libraries = {lib.code: lib for lib in Library.objects.all()}
    campaign = make_campaign(libraries, slug="bench-families")
    crowd = User.objects.create(username="crowd", phone="13000000000")
    codes = list(libraries)
    children = Child.objects.bulk_create([
        Child(guardian=crowd, display_name=f"孩子{i}", nickname=f"小{i}", birth_year=this_year() - 8,
              library=libraries[codes[i % len(codes)]]) for i in range(2000)])
    Registration.objects.bulk_create([Registration(campaign=campaign, child=c, library=c.library) for c in children])
    guardian = User.objects.create_user(username="13900000001", phone="13900000001", password="Bench-2027!")
    for name, code in (("小明", "C-HN-CS"), ("小红", "X-HN-CSX")):
        child = services.child_create(guardian=guardian, display_name="王" + name, nickname=name,
                                      birth_year=this_year() - 8, library=libraries[code],
                                      consents={"judging": True, "gallery": True})
        services.registration_create(campaign=campaign, child=child, library=libraries[code])
    return campaign, guardian


def timed(client: Client, url: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - t0)
        assert response.status_code == 200, (url, response.status_code)
    return times


def main() -> None:
    campaign, guardian = seed()
    client = Client()
    client.force_login(guardian)
    pages = {
        "home": "/",
        "campaign page": f"/c/{campaign.slug}/",
        "campaign page, province list": f"/c/{campaign.slug}/?province=湖南",
        "branch page": f"/c/{campaign.slug}/lib/C-HN-CS/",
        "branch QR code (SVG)": f"/c/{campaign.slug}/lib/C-HN-CS/qr.svg",
        "family page": "/family/",
        "child form (459 libraries)": "/family/children/add/",
        "family data export": "/family/export/",
    }
    for url in [BASELINE, *pages.values()]:  # warm up templates and caches
        timed(client, url, 2)
    base: list[float] = []
    results: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(ROUNDS):
        for name, url in pages.items():
            base.extend(timed(client, BASELINE, PER_ROUND))
            results[name].extend(timed(client, url, PER_ROUND))
    base_ms = statistics.median(base) * 1000
    print(f"baseline {BASELINE}: {base_ms:.2f} ms median over {len(base)} requests")
    print(f"{'page':<32}{'median ms':>10}{'× baseline':>12}{'queries':>9}")
    ok = True
    for name, url in pages.items():
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        ms = statistics.median(results[name]) * 1000
        ratio = ms / base_ms
        ok &= ratio <= GOAL_RATIO and len(queries) <= GOAL_QUERIES
        print(f"{name:<32}{ms:>10.2f}{ratio:>12.1f}{len(queries):>9}")
    print(f"goal: every page ≤ {GOAL_RATIO} × baseline and ≤ {GOAL_QUERIES} queries — "
          f"{'GOAL MET' if ok else 'GOAL NOT MET'}")


if __name__ == "__main__":
    main()
