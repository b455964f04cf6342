"""Schedule the sweep that closes quiz attempts left open past their deadline (every minute)."""

from django.db import migrations

FUNC = "events.tasks.quiz_close_expired"


def add_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    if not Schedule.objects.filter(func=FUNC).exists():
        Schedule.objects.create(name="答题超时自动交卷 Close expired quiz attempts", func=FUNC,
                                schedule_type="I", minutes=1, repeats=-1)


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=FUNC).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0002_quizzes"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(add_schedule, remove_schedule)]
