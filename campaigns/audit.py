"""Append to the shared audit log. Rows are never updated or deleted by the application."""

from campaigns.models import AuditEvent


def audit_record(*, action: str, obj=None, object_type: str = "", object_id: str = "", actor=None,
                 campaign=None, **data) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AuditEvent.objects.create(
        action=action, object_type=object_type, object_id=object_id,
        actor=actor if (actor is not None and getattr(actor, "is_authenticated", False)) else None,
        campaign=campaign, data=data,
    )
