"""Demo data of the lowest layer: the library tree, organizers and a family (builder/demo.py loads the
example campaigns and registers the family's children)."""

from django.conf import settings
from django.db import transaction

from campaigns.library_import import libraries_import
from campaigns.models import Child, ConsentRecord, Library, OrganizerRole, User
from config.demo_accounts import DEMO_PASSWORD

LIBRARIES_CSV = settings.BASE_DIR / "campaigns" / "examples" / "libraries.csv"
ORGANIZERS = {"org-nlc": "NLC", "org-hn": "P-HN", "org-hn-cs": "C-HN-CS", "org-hn-csx": "X-HN-CSX", "org-he": "P-HE"}


def _user(username: str, **fields) -> User:
    user, created = User.objects.get_or_create(username=username, defaults=fields)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


@transaction.atomic
def load(stdout) -> None:
    libraries_import(path=LIBRARIES_CSV)
    admin = _user("admin", is_staff=True, is_superuser=True, display_name="平台管理员")
    if not admin.is_superuser:
        User.objects.filter(pk=admin.pk).update(is_superuser=True, is_staff=True)
    for username, code in ORGANIZERS.items():
        user = _user(username, is_staff=True, display_name=f"{Library.objects.get(code=code).name} 组织者")
        OrganizerRole.objects.get_or_create(user=user, library=Library.objects.get(code=code))
    guardian = _user("13800000001", phone="13800000001", display_name="王女士")
    for name, nickname, year, code in [("王小明", "小明", 2017, "C-HN-CS"), ("王小红", "小红", 2019, "X-HN-CSX")]:
        child, created = Child.objects.get_or_create(
            guardian=guardian, display_name=name,
            defaults={"nickname": nickname, "birth_year": year, "library": Library.objects.get(code=code)},
        )
        if created:
            for purpose in ConsentRecord.Purpose.values:
                ConsentRecord.objects.create(child=child, purpose=purpose, granted=True, text_version="2026-11",
                                             recorded_by=guardian)
    stdout.write(f"图书馆 Libraries: {Library.objects.count()}; 组织者 organizers: {len(ORGANIZERS)}")
