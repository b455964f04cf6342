"""Campaigns as files: a YAML file describes a whole campaign (docs/campaign-file.md). Public API
(names kept stable for the builder's pages and the API):

    CampaignFile                           the whole campaign, a pydantic model composed of each app's part
                                           (per-section models: campaigns.sections, events.sections,
                                           judging.sections, wechat.sections)
    campaign_file_validate(text=... | data=...) -> ValidFile (.model: CampaignFile, .data: stored form)
                                           or CampaignFileError: .issues, each with line, path, zh, en
    campaign_file_apply(valid_or_model)    create or update the campaign; refuses structural edits once
                                           it has entries (CampaignFileError suggesting a clone)
    campaign_file_load(text=...)           validate + apply (loadcampaign)
    campaign_file_model(campaign)          a stored campaign as a CampaignFile
    campaign_file_dict(campaign)           ... in the file form (a dict ready for YAML)
    campaign_export(slug=...)              ... as YAML text (exportcampaign), loading to the same campaign
    campaign_clone(slug=..., new_slug=...) a new draft copy (clonecampaign)
    structural_changes(campaign, valid)    which paths of a new version would be refused once entries exist
    dump_file(model, tz) / dump(data)      a model in the file form / a file-form dict as YAML text
"""

from builder.campaign_file.apply import LoadResult, campaign_file_apply, campaign_file_load
from builder.campaign_file.clone import campaign_clone
from builder.campaign_file.export import campaign_export, campaign_file_dict, campaign_file_model
from builder.campaign_file.issues import CampaignFileError, Issue
from builder.campaign_file.models import CampaignFile
from builder.campaign_file.structure import structural_changes
from builder.campaign_file.validate import ValidFile, campaign_file_validate, decode
from builder.campaign_file.yaml_io import dump
from campaigns.typed import dump_file

__all__ = [
    "CampaignFile", "CampaignFileError", "Issue", "LoadResult", "ValidFile", "campaign_clone", "campaign_export",
    "campaign_file_apply", "campaign_file_dict", "campaign_file_load", "campaign_file_model",
    "campaign_file_validate", "decode", "dump", "dump_file", "structural_changes",
]
