"""The builder's one door to the campaign file (load, validate, export, clone).

The builder edits a campaign as its file form — the dict a campaign file holds, dates as "YYYY-MM-DD HH:MM"
in the campaign's zone — so the same rules as `loadcampaign` judge every step. Everything the builder needs
from the campaign-file package passes through here."""

from builder.campaign_file import (
    CampaignFileError,
    Issue,
    LoadResult,
    campaign_clone,
    campaign_export,
    campaign_file_dict,
    campaign_file_load,
    campaign_file_validate,
    decode,
)
from builder.campaign_file.catalog import Catalog, poem_catalogue
from builder.campaign_file.issues import path_text
from builder.campaign_file.poems import poems_import
from builder.campaign_file.structure import check_edit_allowed
from builder.campaign_file.yaml_io import dump
from campaigns.models import Campaign
from campaigns.sections import LIBRARY_LEVELS, STAGE_KINDS
from campaigns.typed import format_datetime
from events.sections import CHANNELS, CONSENT_PURPOSES, EVENT_KINDS, MEDIA_BY_KIND

__all__ = [
    "CHANNELS", "CONSENT_PURPOSES", "EVENT_KINDS", "LIBRARY_LEVELS", "MEDIA_BY_KIND", "STAGE_KINDS",
    "format_datetime", "path_text", "poems_import",
    "Catalog", "CampaignFileError", "Issue", "LoadResult", "check_edit_allowed", "clone", "decode", "export_dict",
    "export_text", "load_dict", "load_text", "poem_catalogue", "validate_dict",
]


def export_dict(campaign: Campaign) -> dict:
    return campaign_file_dict(campaign)


def export_text(campaign: Campaign) -> str:
    return campaign_export(slug=campaign.slug)


def dict_text(data: dict) -> str:
    return dump(data)


def validate_dict(data: dict) -> None:
    """Raise CampaignFileError with every problem of the whole file `data`."""
    campaign_file_validate(text=dump(data))


def load_dict(data: dict) -> LoadResult:
    return campaign_file_load(text=dump(data))


def load_text(text: str) -> LoadResult:
    return campaign_file_load(text=text)


def validate_text(text: str):
    return campaign_file_validate(text=text)


def clone(*, slug: str, new_slug: str, title: str | None = None) -> LoadResult:
    return campaign_clone(slug=slug, new_slug=new_slug, title=title)


def validated(text: str):
    """(stored form, line_of(path)) of a valid file, or CampaignFileError with every problem."""
    valid = campaign_file_validate(text=text)
    return valid.data, valid.lines.line
