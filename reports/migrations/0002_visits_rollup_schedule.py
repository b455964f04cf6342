"""The per-minute visit rollup (django-q2 Schedule) and the rollup lock row."""

from django.db import migrations


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    RollupLock = apps.get_model("reports", "RollupLock")
    Schedule.objects.update_or_create(
        name="reports.visits_rollup",
        defaults={"func": "reports.tasks.visits_rollup_task", "schedule_type": "I", "minutes": 1, "repeats": -1},
    )
    RollupLock.objects.get_or_create(name="visits")


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name="reports.visits_rollup").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create, remove)]
