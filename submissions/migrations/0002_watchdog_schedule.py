"""The watchdog: a django-q2 Schedule that re-queues entries stuck in received/processing."""

from django.db import migrations

WATCHDOG = "submissions.tasks.watchdog"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    if not Schedule.objects.filter(func=WATCHDOG).exists():
        Schedule.objects.create(
            name="作品处理看门狗 entries watchdog", func=WATCHDOG, schedule_type="I", minutes=1, repeats=-1,
        )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=WATCHDOG).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("submissions", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
