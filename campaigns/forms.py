"""Forms of the family pages. Validation of substance lives in services; forms check shape only."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.consent import current_texts
from campaigns.models import Child, Library
from campaigns.selectors import provinces
from campaigns.services import MAX_CHILD_AGE, PHONE_RE, normalise_phone


class AccessibleErrorsMixin:
    """Marks fields with errors aria-invalid and points aria-describedby at the error, then the help."""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            field = self.fields[name]
            auto_id = self[name].auto_id
            described = [f"{auto_id}_error"] + ([f"{auto_id}_helptext"] if field.help_text else [])
            field.widget.attrs.update({"aria-invalid": "true", "aria-describedby": " ".join(described)})


class GuardianRegisterForm(AccessibleErrorsMixin, forms.Form):
    phone = forms.CharField(
        label=_("手机号"), max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}),
        help_text=_("登录时使用，不会公开"),
    )
    display_name = forms.CharField(
        label=_("称呼（选填）"), max_length=60, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}), help_text=_("例如：王女士"),
    )
    password1 = forms.CharField(
        label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少 8 位，不能全是数字，不要用常见密码"),
    )
    password2 = forms.CharField(
        label=_("再次输入密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    accept_privacy = forms.BooleanField(label=_("我已阅读并同意上面的儿童个人信息保护规则"), required=True)

    def clean_phone(self):
        phone = normalise_phone(self.cleaned_data["phone"])
        if not PHONE_RE.match(phone):
            raise forms.ValidationError(_("请输入 11 位中国大陆手机号，例如 13800000000"))
        return phone

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("两次输入的密码不一致"))
        return data


class PhoneLoginForm(AccessibleErrorsMixin, AuthenticationForm):
    username = forms.CharField(
        label=_("手机号或用户名"), max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _("手机号或密码不正确，请重新输入"),
        "inactive": _("这个账号已停用"),
    }


def birth_year_choices() -> list[tuple[int, int]]:
    this_year = timezone.localdate().year
    return [(year, year) for year in range(this_year, this_year - MAX_CHILD_AGE - 1, -1)]


class ChildForm(AccessibleErrorsMixin, forms.Form):
    """Name, public nickname, birth year and library. The library is picked in two steps, province
    then library; without JavaScript the “show libraries” button re-renders the form for the province."""

    display_name = forms.CharField(label=_("孩子姓名"), max_length=40, help_text=_("只在评审结果中按您的同意公开"))
    nickname = forms.CharField(label=_("昵称"), max_length=40, help_text=_("公开页面只显示昵称，例如：小明"))
    birth_year = forms.TypedChoiceField(label=_("出生年份"), coerce=int, choices=())
    province = forms.ChoiceField(label=_("省份"), choices=(), required=False)
    library = forms.ModelChoiceField(label=_("所属图书馆"), queryset=Library.objects.all(),
                                     help_text=_("孩子常去或就近的公共图书馆"))

    def __init__(self, *args, with_consents: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["birth_year"].choices = [("", "—")] + birth_year_choices()
        self.fields["province"].choices = [("", _("请选择省份"))] + [(p, p) for p in provinces()]
        self.with_consents = with_consents
        if with_consents:
            for purpose, text in current_texts().items():
                self.fields[f"consent_{purpose}"] = forms.BooleanField(
                    label=text.title(), required=False,
                    widget=forms.CheckboxInput(attrs={"aria-describedby": f"consent-{purpose}-text"}))

    @classmethod
    def initial_for(cls, child: Child) -> dict:
        return {"display_name": child.display_name, "nickname": child.nickname, "birth_year": child.birth_year,
                "province": child.library.province, "library": child.library}

    def chosen_province(self) -> str:
        if self.is_bound:
            province = self.data.get(self.add_prefix("province"), "")
            if not province and self.data.get(self.add_prefix("library")):
                library = Library.objects.filter(pk=self.data.get(self.add_prefix("library"))).first() \
                    if str(self.data.get(self.add_prefix("library"))).isdigit() else None
                province = library.province if library else ""
            return province
        province = self.initial.get("province") or ""
        return province

    def consent_wanted(self) -> dict[str, bool]:
        return {purpose: bool(self.cleaned_data.get(f"consent_{purpose}")) for purpose in current_texts()}

    def consent_fields(self):
        return [(purpose, text, self[f"consent_{purpose}"]) for purpose, text in current_texts().items()]


class ConsentForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for purpose, text in current_texts().items():
            self.fields[purpose] = forms.BooleanField(
                label=text.title(), required=False,
                widget=forms.CheckboxInput(attrs={"aria-describedby": f"consent-{purpose}-text"}))

    def rows(self):
        return [(purpose, text, self[purpose]) for purpose, text in current_texts().items()]
