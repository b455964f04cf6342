"""Campaigns as files: a YAML file describes a whole campaign (docs/campaign-file.md).

    campaign_file_load(text=...)       validate everything, then create or update idempotently
    campaign_export(slug=...)          the file back, loading to the same campaign
    campaign_clone(slug=..., new_slug=...)   a new draft copy (for campaigns that already have entries)
"""

from campaigns.campaign_file.apply import LoadResult, campaign_file_load
from campaigns.campaign_file.clone import campaign_clone
from campaigns.campaign_file.export import campaign_export, campaign_file_dict
from campaigns.campaign_file.issues import CampaignFileError, Issue
from campaigns.campaign_file.validate import campaign_file_validate, decode

__all__ = [
    "CampaignFileError", "Issue", "LoadResult", "campaign_clone", "campaign_export", "campaign_file_dict",
    "campaign_file_load", "campaign_file_validate", "decode",
]
