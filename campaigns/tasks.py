"""Scheduled tasks of the campaigns app (django-q2). Tasks take ids or nothing and are idempotent."""


def retention_purge_task() -> int:
    """Daily: purge the children's data of campaigns past their retention period (campaigns/retention.py)."""
    from campaigns.retention import retention_purge

    return sum(report.total for report in retention_purge())
