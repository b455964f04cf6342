"""Pages of the lowest layer: home, campaign and branch pages, guardian accounts and the family page.
Views stay thin: reads from selectors, writes through services, refusals shown as bilingual messages."""

import json
import logging
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from campaigns import public_pages, selectors, services
from campaigns.audit import audit_record
from campaigns.consent import current_texts, privacy_notice
from campaigns.family_registry import family_sections
from campaigns.forms import ChildForm, ConsentForm, GuardianRegisterForm, PhoneLoginForm
from campaigns.models import Campaign, Library, Notice, Registration
from campaigns.page_panels import campaign_panels
from config.errors import UserFacingError
from config.params import int_param
from config.qr import qr_svg

logger = logging.getLogger(__name__)
SIGNUP_PHONE_KEY = "signup_phone"  # the number just signed up with, filled in on the login page
JOIN_SESSION_KEY = "joined_branches"  # {campaign id: library id} of the QR codes a visitor came through


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


# --- home and campaign pages ----------------------------------------------------------------------


def home(request):
    return render(request, "campaigns/home.html", {"page": public_pages.home_page()})


def _campaign(slug: str) -> Campaign:
    return get_object_or_404(Campaign.objects.select_related("lead_library").prefetch_related("stages", "age_groups"),
                             slug=slug)


def campaign_page(request, slug: str):
    version, campaign = public_pages.campaign_row(slug)
    if campaign is None:
        raise Http404("no such campaign")
    page, participants = public_pages.campaign_page(version, campaign, request.GET.get("province", ""))
    return render(request, "campaigns/campaign.html", {
        "campaign": campaign,
        "page": page,
        "participants": participants,
        "ws_path": f"/ws/c/{campaign.slug}/participants/",
        "panels": campaign_panels(campaign),
    })


def branch_page(request, slug: str, code: str):
    version, rows = public_pages.branch_row(slug, code)
    if rows is None:
        raise Http404("no such branch")
    campaign, branch = rows
    join_url = request.build_absolute_uri(reverse("campaign_join", args=[campaign.slug, branch.join_code]))
    page, participants, branch_participants = public_pages.branch_page(version, campaign, branch, join_url)
    return render(request, "campaigns/branch.html", {
        "campaign": campaign,
        "library": branch.library,
        "page": page,
        "participants": participants,
        "branch_participants": branch_participants,
        "can_manage": selectors.user_can_manage_library(request.user, branch.library) if request.user.is_authenticated else False,
        "ws_path": f"/ws/c/{campaign.slug}/participants/",
        "panels": campaign_panels(campaign, branch.library),
    })


@require_safe  # GET and HEAD (link checkers, chat previews)
def branch_qr(request, slug: str, code: str):
    campaign = _campaign(slug)
    branch = selectors.branch_of(campaign, code)
    if branch is None:
        raise Http404("no such branch")
    join_url = request.build_absolute_uri(reverse("campaign_join", args=[campaign.slug, branch.join_code]))
    response = HttpResponse(qr_svg(join_url).encode(), content_type="image/svg+xml")
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="join-{campaign.slug}-{branch.library.code}.svg"'
    response["Cache-Control"] = "public, max-age=3600"
    return response


def campaign_join(request, slug: str, join_code: str):
    """A visitor scanned a branch's QR code: remember the branch for their registration."""
    campaign = _campaign(slug)
    branch = selectors.branch_by_join_code(join_code)
    if branch is None or branch.campaign_id != campaign.pk:
        raise Http404("no such join code")
    joined = dict(request.session.get(JOIN_SESSION_KEY, {}))
    joined[str(campaign.pk)] = branch.library_id
    request.session[JOIN_SESSION_KEY] = joined
    messages.info(request, _("欢迎通过%(library)s参加活动") % {"library": branch.library.name})
    return redirect("campaign_register", slug=campaign.slug)


def _joined_library_id(request, campaign: Campaign) -> int | None:
    return request.session.get(JOIN_SESSION_KEY, {}).get(str(campaign.pk))


@login_required
@require_http_methods(["GET", "POST"])
def campaign_register(request, slug: str):
    campaign = _campaign(slug)
    joined = _joined_library_id(request, campaign)
    children = list(selectors.children_of(request.user))
    if request.method == "POST":
        child_id = int_param(request.POST.get("child"))
        child = selectors.child_of(request.user, child_id) if child_id is not None else None
        if child is None:
            messages.error(request, _("请选择要报名的孩子"))
        else:
            library = selectors.attribution_library(campaign, child, joined)
            try:
                if library is None:
                    raise UserFacingError(
                        "library_not_participating",
                        f"{child.library.name}及其上级图书馆都没有参加“{campaign.title}”，请扫描参加活动的图书馆的二维码报名",
                        f"Neither {child.library.name} nor a library above it takes part: scan a participating library's QR code",
                    )
                services.registration_create(campaign=campaign, child=child, library=library, actor=request.user)
            except UserFacingError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("%(name)s已报名，计入%(library)s") % {"name": child.nickname,
                                                                             "library": library.name})
                return redirect(safe_next(request, reverse("family")))
    rows = []
    for child in children:
        registration = selectors.registration_of(campaign, child)
        library = registration.library if registration else selectors.attribution_library(campaign, child, joined)
        rows.append({"child": child, "registration": registration, "library": library,
                     "age": selectors.child_age_for(campaign, child),
                     "judging_consent": selectors.child_has_consent(child, "judging")})
    joined_library = Library.objects.filter(pk=joined).first() if joined else None
    return render(request, "campaigns/campaign_register.html", {
        "campaign": campaign, "rows": rows, "joined_library": joined_library,
        "age_groups": list(campaign.age_groups.all()),
        "can_register": any(row["registration"] is None for row in rows),
    })


@login_required
def branch_participants(request, slug: str, code: str):
    """Organizers only: who registered through this library and the libraries below it."""
    campaign = _campaign(slug)
    branch = selectors.branch_of(campaign, code)
    if branch is None:
        raise Http404("no such branch")
    if not selectors.user_can_manage_library(request.user, branch.library):
        raise PermissionDenied("not your library")
    registrations = selectors.scope_queryset(
        Registration.objects.filter(campaign=campaign, library__path__startswith=branch.library.path),
        request.user, "library",
    ).select_related("child", "library").order_by("library__path", "created_at")
    year = selectors.campaign_reference_year(campaign)
    return render(request, "campaigns/branch_participants.html", {
        "campaign": campaign, "branch": branch, "library": branch.library, "registrations": registrations,
        "rows": [(r, r.child.age_in(year)) for r in registrations],
    })


# --- accounts -------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Phone (or staff username) + password; failures are throttled by django-axes (campaigns/auth.py).
    After sign-up the phone comes prefilled (from the session: a phone number stays out of URLs and logs)."""

    template_name = "campaigns/login.html"
    authentication_form = PhoneLoginForm

    def get_initial(self):
        initial = super().get_initial()
        phone = self.request.session.get(SIGNUP_PHONE_KEY, "")
        if services.PHONE_RE.match(phone):
            initial["username"] = phone
        return initial


login_view = LoginView.as_view()
logout_view = auth_views.LogoutView.as_view()

_FIELD_OF_ERROR = {"phone_invalid": "phone", "password_weak": "password1"}


@require_http_methods(["GET", "POST"])
def register(request):
    """Sign-up answers the same for a new phone number and a registered one (services.guardian_register):
    a redirect to the login page (the phone filled in from the session) and one message for both; a new account is not
    logged in by itself, since logging it in would tell the two apart. The journey goes on after logging in,
    to adding a child."""
    if request.user.is_authenticated:
        return redirect(safe_next(request, reverse("family")))
    form = GuardianRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.guardian_register(phone=form.cleaned_data["phone"], password=form.cleaned_data["password1"],
                                       display_name=form.cleaned_data["display_name"])
        except UserFacingError as error:
            form.add_error(_FIELD_OF_ERROR.get(error.code), str(error))
        else:
            messages.info(request, _("注册已提交。请用这个手机号和刚才设置的密码登录，然后添加孩子的资料；"
                                     "如果这个手机号以前注册过，请用原来的密码登录。"))
            target = safe_next(request, "")
            add_child = reverse("child_add")
            after = f"{add_child}?{urlencode({'next': target})}" if target else add_child
            request.session[SIGNUP_PHONE_KEY] = form.cleaned_data["phone"]
            return redirect(f"{reverse('login')}?{urlencode({'next': after})}")
    return render(request, "campaigns/register.html", {
        "form": form, "privacy_notice": privacy_notice(), "next": safe_next(request, ""),
    })


# --- the family page ------------------------------------------------------------------------------


@login_required
def family(request):
    children = list(selectors.children_of(request.user).prefetch_related("consents"))
    texts = current_texts()
    registrations = list(selectors.registrations_of_family(request.user))
    child_rows = []
    for child in children:
        current = selectors.child_consents(child)
        child_rows.append({
            "child": child,
            "consents": [{"purpose": p, "text": t, "record": current.get(p),
                          "granted": bool(current.get(p) and current[p].granted)} for p, t in texts.items()],
            "registrations": [r for r in registrations if r.child_id == child.pk],
        })
    context = {
        "child_rows": child_rows,
        "registrations": registrations,
        "notices": selectors.notices_of(request.user)[:50],
        "unread": selectors.notices_of(request.user).filter(read_at__isnull=True).count(),
    }
    sections = []
    for section in family_sections():
        # A later app's section must never take the page down: consent withdrawal, export and
        # deletion live here. A failing section is logged and shown as unavailable.
        try:
            html = render_to_string(section.template, {**context, **section.context(request, children)},
                                    request=request)
        except Exception:
            logger.exception("family section %s failed", section.key)
            html = None
        sections.append({"key": section.key, "title": section.title, "html": html})
    context["sections"] = sections
    return render(request, "campaigns/family.html", context)


def _library_picker_context(form: ChildForm) -> dict:
    province = form.chosen_province()
    if form.is_bound:
        selected = form.data.get(form.add_prefix("library"), "")
    else:
        initial = form.initial.get("library")
        selected = getattr(initial, "pk", initial) or ""
    libraries = Library.objects.order_by("path").values_list("pk", "name", "province", "level")
    groups: dict[str, list] = {}
    for pk, name, prov, level in libraries:
        groups.setdefault(prov or "—", []).append({"pk": pk, "name": name, "level": level})
    shown = {province: groups.get(province, [])} if province in groups else groups
    # Built in Python: 459 <option>s through the template engine cost more than the rest of the page.
    options = "".join(
        f'<optgroup label="{escape(prov)}">' + "".join(
            f'<option value="{lib["pk"]}"{" selected" if str(lib["pk"]) == str(selected) else ""}>'
            f'{escape(lib["name"])}</option>' for lib in libs) + "</optgroup>"
        for prov, libs in shown.items()
    )
    return {
        "library_options": mark_safe(options),  # every value above is escaped
        "library_data": [[pk, name, prov] for pk, name, prov, _level in libraries],
        "chosen_province": province,
    }


def _child_form_page(request, form: ChildForm, *, child=None):
    return render(request, "campaigns/child_form.html", {
        "form": form, "child": child, "next": safe_next(request, ""), **_library_picker_context(form),
    })


@login_required
@require_http_methods(["GET", "POST"])
def child_add(request):
    if request.method == "POST" and "pick_province" in request.POST:
        # No-JS library picker: show the chosen province's libraries, keep what was typed, no errors yet.
        return _child_form_page(request, ChildForm(initial=request.POST.dict(), with_consents=True))
    if request.method == "POST":
        form = ChildForm(request.POST, with_consents=True)
        if form.is_valid():
            try:
                child = services.child_create(
                    guardian=request.user, display_name=form.cleaned_data["display_name"],
                    nickname=form.cleaned_data["nickname"], birth_year=form.cleaned_data["birth_year"],
                    library=form.cleaned_data["library"], consents=form.consent_wanted(),
                )
            except UserFacingError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("已添加%(name)s") % {"name": child.nickname})
                return redirect(safe_next(request, reverse("family")))
        return _child_form_page(request, form)
    initial = {"province": request.GET.get("province", "")}
    return _child_form_page(request, ChildForm(initial=initial, with_consents=True))


@login_required
@require_http_methods(["GET", "POST"])
def child_edit(request, child_id: int):
    child = selectors.child_of(request.user, child_id)
    if child is None:
        raise Http404("no such child")
    if request.method == "POST" and "pick_province" in request.POST:
        return _child_form_page(request, ChildForm(initial=request.POST.dict()), child=child)
    if request.method == "POST":
        form = ChildForm(request.POST)
        if form.is_valid():
            try:
                services.child_update(
                    child=child, actor=request.user, display_name=form.cleaned_data["display_name"],
                    nickname=form.cleaned_data["nickname"], birth_year=form.cleaned_data["birth_year"],
                    library=form.cleaned_data["library"],
                )
            except UserFacingError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("已保存%(name)s的资料") % {"name": child.nickname})
                return redirect("family")
        return _child_form_page(request, form, child=child)
    return _child_form_page(request, ChildForm(initial=ChildForm.initial_for(child)), child=child)


@login_required
@require_http_methods(["GET", "POST"])
def child_delete(request, child_id: int):
    child = selectors.child_of(request.user, child_id)
    if child is None:
        raise Http404("no such child")
    if request.method == "POST":
        nickname = child.nickname
        services.child_delete(child=child, actor=request.user)
        messages.success(request, _("已删除%(name)s的资料及其全部作品") % {"name": nickname})
        return redirect("family")
    return render(request, "campaigns/child_delete.html", {
        "child": child,
        "registrations": selectors.registrations_of_family(request.user).filter(child=child),
        "consent_count": child.consents.count(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def child_consent(request, child_id: int):
    child = selectors.child_of(request.user, child_id)
    if child is None:
        raise Http404("no such child")
    current = selectors.child_consents(child)
    if request.method == "POST":
        if request.POST.get("withdraw"):
            wanted = {request.POST["withdraw"]: False}
        else:
            form = ConsentForm(request.POST)
            form.is_valid()
            wanted = {purpose: bool(form.cleaned_data.get(purpose)) for purpose in current_texts()}
        try:
            changed = services.consents_update(child=child, wanted=wanted, actor=request.user)
        except UserFacingError as error:
            messages.error(request, str(error))
        else:
            if changed:
                messages.success(request, _("已记录%(name)s的同意设置") % {"name": child.nickname})
            else:
                messages.info(request, _("同意设置没有变化"))
        return redirect(safe_next(request, reverse("family")))
    form = ConsentForm(initial={p: bool(r.granted) for p, r in current.items()})
    return render(request, "campaigns/consent.html", {"child": child, "form": form, "current": current,
                                                      "next": safe_next(request, "")})


@login_required
@require_GET
def family_export(request):
    data = selectors.family_export(request.user)
    audit_record(action="family_exported", obj=request.user, actor=request.user)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="shuxiang-family-{stamp}.json"'
    return response


@login_required
@require_POST
def notice_read(request, notice_id: int):
    notice = get_object_or_404(Notice, pk=notice_id, user=request.user)
    services.notice_mark_read(notice=notice, user=request.user)
    if notice.url and url_has_allowed_host_and_scheme(notice.url, allowed_hosts={request.get_host()}):
        return redirect(notice.url)
    return redirect("family")


def _pref_target(request) -> str:
    target = request.POST.get("next") or "/"
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else "/"


@require_http_methods(["GET", "POST"])
def elder_mode(request):
    """长辈模式 (China's 适老化 rules): larger type and targets, simpler pages, more quiz time.
    GET shows the switch (the WeChat menu links here); POST turns it on or off (on=1/0, else toggles)."""
    if request.method == "GET":
        return render(request, "campaigns/elder_mode.html", {"next": request.GET.get("next", "/")})
    wanted = request.POST.get("on")
    on = wanted == "1" if wanted in ("0", "1") else request.COOKIES.get("elder_mode") != "1"
    response = HttpResponseRedirect(_pref_target(request))
    response.set_cookie("elder_mode", "1" if on else "0", max_age=365 * 24 * 3600, samesite="Lax")
    return response


@require_POST
def large_text(request):
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    on = request.COOKIES.get("large_text") != "1"
    response.set_cookie("large_text", "1" if on else "0", max_age=365 * 24 * 3600, samesite="Lax")
    return response
