"""Shared by the builder's views: who may enter, which campaign, how a refusal is shown."""


from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from campaigns.auth import organizer_required as campaigns_organizer_required
from campaigns.models import Campaign
from campaigns.selectors import user_can_manage_campaign

organizer_required = campaigns_organizer_required("组织者才能创建和编辑活动 Only organizers can build campaigns")


def managed_campaign(request, slug: str) -> Campaign:
    campaign = get_object_or_404(Campaign.objects.select_related("lead_library").prefetch_related("stages"), slug=slug)
    if not user_can_manage_campaign(request.user, campaign):
        raise PermissionDenied("这个活动不在您的管理范围内 This campaign is outside your libraries")
    return campaign


def datetime_input(value: str | None) -> str:
    """"2028-07-01 09:00" (file form) → "2028-07-01T09:00" (an <input type=datetime-local> value)."""
    return (value or "").replace(" ", "T")[:16]


def datetime_field(value: str | None) -> str | None:
    """An <input type=datetime-local> value back to the file form; empty → None."""
    value = (value or "").strip()
    return value.replace("T", " ")[:16] if value else None


def number(value: str | None):
    """A form number as int or float when it reads as one; otherwise the text, for the file's own message."""
    value = (value or "").strip()
    if value == "":
        return None
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            continue
    return value
