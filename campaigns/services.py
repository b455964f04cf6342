"""Writes of the lowest layer: guardian accounts, child profiles, the consent ledger, registrations."""

import re

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns.audit import audit_record
from campaigns.consent import CONSENT_AGE, CONSENT_TEXTS, CURRENT_VERSION
from campaigns.family_registry import child_delete_hooks
from campaigns.live import broadcast_participants
from campaigns.models import Campaign, CampaignLibrary, Child, ConsentRecord, Library, Notice, Registration, User
from campaigns.notifications import Notification, notify
from campaigns.selectors import (
    campaign_stage_is_open,
    child_age_for,
    child_consents,
    child_has_consent,
)
from config.errors import UserFacingError

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
MAX_CHILD_AGE = 18


def normalise_phone(phone: str) -> str:
    phone = re.sub(r"[\s\-]", "", phone or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    return phone


def _validation_error(exc: ValidationError, code: str) -> UserFacingError:
    messages = " ".join(str(m) for m in exc.messages)
    return UserFacingError(code, f"资料有误：{messages}", f"Please correct: {messages}")


# --- accounts -------------------------------------------------------------------------------------


def _phone_taken(phone: str) -> User | None:
    return User.objects.filter(phone=phone).first() or User.objects.filter(username=phone).first()


@transaction.atomic
def guardian_register(*, phone: str, password: str, display_name: str = "") -> User | None:
    """A guardian's account: the phone number is the login; the password goes through Django's validators.

    Sign-up does not tell whether a phone number is registered (no account enumeration): for a number that
    already has an account nothing is created, `None` is returned and the caller answers exactly as for a new
    account ("log in with your password"); the account's owner gets a notice. Both paths hash the password
    once, so neither is faster. The password is checked first, so a weak one is refused alike for both."""
    phone = normalise_phone(phone)
    if not PHONE_RE.match(phone):
        raise UserFacingError("phone_invalid", "请输入 11 位中国大陆手机号，例如 13800000000",
                              "Enter an 11-digit mainland China mobile number, e.g. 13800000000")
    user = User(username=phone, phone=phone, display_name=display_name.strip()[:60])
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise UserFacingError("password_weak", "密码不符合要求：" + " ".join(exc.messages),
                              "The password is not accepted: " + " ".join(exc.messages)) from exc
    user.set_password(password)  # hashed on both paths: the same time whether or not the phone is taken
    existing = _phone_taken(phone)
    if existing is None:
        try:
            user.full_clean()
            with transaction.atomic():
                user.save()
        except IntegrityError:  # two sign-ups with the same phone at once: the other one won
            existing = _phone_taken(phone)
        except ValidationError as exc:
            raise _validation_error(exc, "account_invalid") from exc
    if existing is not None:
        _signup_attempt_noticed(existing)
        return None
    audit_record(action="guardian_registered", obj=user, actor=user)
    return user


def _signup_attempt_noticed(existing: User) -> None:
    audit_record(action="guardian_signup_existing_phone", obj=existing)
    notify(Notification(
        user_id=existing.pk, kind="signup_attempt", url="/accounts/login/",
        title="有人用您的手机号注册 Someone tried to sign up with your phone number",
        body="您的账号没有变化。如果是您本人，请直接用原来的密码登录。"
             "Your account is unchanged. If this was you, log in with your existing password."))


# --- children -------------------------------------------------------------------------------------


def _check_birth_year(birth_year: int) -> None:
    this_year = timezone.localdate().year
    if not (this_year - MAX_CHILD_AGE <= birth_year <= this_year):
        raise UserFacingError(
            "birth_year_invalid",
            f"出生年份应在 {this_year - MAX_CHILD_AGE} 到 {this_year} 之间",
            f"The birth year must be between {this_year - MAX_CHILD_AGE} and {this_year}",
        )


@transaction.atomic
def child_create(*, guardian: User, display_name: str, nickname: str, birth_year: int, library: Library,
                 consents: dict[str, bool] | None = None) -> Child:
    _check_birth_year(birth_year)
    child = Child(guardian=guardian, display_name=display_name.strip(), nickname=nickname.strip(),
                  birth_year=birth_year, library=library)
    try:
        child.full_clean()
    except ValidationError as exc:
        raise _validation_error(exc, "child_invalid") from exc
    child.save()
    audit_record(action="child_created", obj=child, actor=guardian)
    if consents:
        consents_update(child=child, wanted=consents, actor=guardian)
    return child


@transaction.atomic
def child_update(*, child: Child, actor: User, display_name: str, nickname: str, birth_year: int,
                 library: Library) -> Child:
    _check_birth_year(birth_year)
    child.display_name, child.nickname = display_name.strip(), nickname.strip()
    child.birth_year, child.library = birth_year, library
    try:
        child.full_clean()
    except ValidationError as exc:
        raise _validation_error(exc, "child_invalid") from exc
    child.save()
    audit_record(action="child_updated", obj=child, actor=actor)
    return child


@transaction.atomic
def child_delete(*, child: Child, actor: User) -> None:
    """Delete a child's profile and everything hanging from it (consents, registrations and later apps'
    entries cascade from Child; their delete hooks remove what a cascade cannot, e.g. stored files)."""
    child = Child.objects.select_for_update().get(pk=child.pk)
    campaign_ids = list(child.registrations.values_list("campaign_id", flat=True))
    for hook in child_delete_hooks():
        hook(child)
    child_id = child.pk
    child.delete()
    # The audit row names no personal data: only that a profile was deleted on request.
    audit_record(action="child_deleted", object_type="campaigns.child", object_id=str(child_id), actor=actor)
    for campaign_id in campaign_ids:
        broadcast_participants(campaign_id)


# --- consent --------------------------------------------------------------------------------------


def consent_record(*, child: Child, purpose: str, granted: bool, actor: User | None,
                   text_version: str = CURRENT_VERSION) -> ConsentRecord:
    """Append one grant or withdrawal to the ledger (rows are never updated)."""
    if purpose not in ConsentRecord.Purpose.values:
        raise UserFacingError("consent_purpose_unknown", f"未知的同意事项：{purpose}", f"Unknown consent purpose: {purpose}")
    if purpose not in CONSENT_TEXTS.get(text_version, {}):
        raise UserFacingError("consent_version_unknown", f"未知的同意书版本：{text_version}",
                              f"Unknown consent text version: {text_version}")
    record = ConsentRecord(child=child, purpose=purpose, granted=granted, text_version=text_version,
                           recorded_by=actor)
    record.full_clean()
    record.save()
    audit_record(action="consent_granted" if granted else "consent_withdrawn", obj=record, actor=actor,
                 child=child.pk, purpose=purpose, text_version=text_version)
    return record


@transaction.atomic
def consents_update(*, child: Child, wanted: dict[str, bool], actor: User | None,
                    text_version: str = CURRENT_VERSION) -> list[ConsentRecord]:
    """Record only what changes: a purpose already in the wanted state adds no row."""
    Child.objects.select_for_update().filter(pk=child.pk).first()  # one change of mind at a time
    current = child_consents(child)
    recorded = []
    for purpose, granted in wanted.items():
        now = current.get(purpose)
        if now is None and not granted:
            continue  # never given: nothing to withdraw
        if now is not None and now.granted == bool(granted):
            continue
        recorded.append(consent_record(child=child, purpose=purpose, granted=bool(granted), actor=actor,
                                       text_version=text_version))
    return recorded


# --- registration ---------------------------------------------------------------------------------


@transaction.atomic
def registration_create(*, campaign: Campaign, child: Child, library: Library, actor: User | None = None) -> Registration:
    """A child takes part in a campaign, counted for `library` (the branch they joined through).

    Refused with a bilingual UserFacingError when the library does not take part, the child's age
    fits none of the campaign's age groups, a child under 14 has no judging consent, or the
    campaign is archived. Registering twice returns the existing registration."""
    if campaign_stage_is_open(campaign, "archived"):
        raise UserFacingError("campaign_closed", f"“{campaign.title}”已结束归档，不能再报名",
                              f"“{campaign.title_en or campaign.title}” has ended and is archived", status=409)
    if not CampaignLibrary.objects.filter(campaign=campaign, library=library).exists():
        raise UserFacingError(
            "library_not_participating",
            f"{library.name}没有参加“{campaign.title}”，请选择参加活动的图书馆",
            f"{library.name} does not take part in “{campaign.title_en or campaign.title}”: choose a participating library",
        )
    age = child_age_for(campaign, child)
    groups = list(campaign.age_groups.all())
    if groups and not any(group.admits(age) for group in groups):
        ranges = "、".join(g.display for g in groups)
        ranges_en = ", ".join(f"{g.min_age}–{g.max_age}" for g in groups)
        raise UserFacingError(
            "age_not_eligible",
            f"{child.nickname}今年 {age} 岁，本活动面向：{ranges}",
            f"{child.nickname} is {age} this year; this campaign is for ages {ranges_en}",
        )
    if age < CONSENT_AGE and not child_has_consent(child, ConsentRecord.Purpose.JUDGING):
        raise UserFacingError(
            "consent_required",
            f"{child.nickname}未满14周岁，需要监护人同意“作品参加评审”后才能报名",
            f"{child.nickname} is under 14: a guardian must consent to “entries may be judged” before registering",
            status=403,
        )
    existing = Registration.objects.filter(campaign=campaign, child=child).first()
    if existing:
        return existing
    registration = Registration(campaign=campaign, child=child, library=library)
    registration.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:  # the same child registered twice at once: the first one counts
        return Registration.objects.get(campaign=campaign, child=child)
    audit_record(action="registration_created", obj=registration, actor=actor, campaign=campaign,
                 library=library.code)
    broadcast_participants(campaign.pk, library=library)
    return registration


# --- notices --------------------------------------------------------------------------------------


def notice_mark_read(*, notice: Notice, user: User) -> Notice:
    if notice.user_id != user.pk:
        raise UserFacingError("not_found", "没有这条通知", "No such notice", status=404)
    if notice.read_at is None:
        Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=timezone.now())
        notice.refresh_from_db()
    return notice
