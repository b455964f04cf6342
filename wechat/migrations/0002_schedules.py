"""django-q2 schedules of the WeChat adapter: due pushes, and the inbound drain as a watchdog."""

from django.db import migrations

SCHEDULES = {
    "wechat.tasks.pushes_send_due": "微信推送 WeChat pushes due",
    "wechat.tasks.inbound_drain": "微信消息处理看门狗 WeChat inbound drain",
}


def create_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for func, name in SCHEDULES.items():
        if not Schedule.objects.filter(func=func).exists():
            Schedule.objects.create(name=name, func=func, schedule_type="I", minutes=1, repeats=-1)


def delete_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func__in=list(SCHEDULES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("wechat", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedules, delete_schedules)]
