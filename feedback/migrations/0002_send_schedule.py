"""Schedule the sweep that sends the invitations of surveys that have opened (every 10 minutes)."""

from django.db import migrations

FUNC = "feedback.tasks.surveys_send"


def add_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    if not Schedule.objects.filter(func=FUNC).exists():
        Schedule.objects.create(name="满意度调查邀请 Send survey invitations", func=FUNC,
                                schedule_type="I", minutes=10, repeats=-1)


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=FUNC).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(add_schedule, remove_schedule)]
