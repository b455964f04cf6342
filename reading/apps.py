from django.apps import AppConfig


class ReadingConfig(AppConfig):
    """Reading check-in (阅读打卡), the campaign's points ledger, badges, offline check-in codes and the
    collective goal. Above judging in the layers: it listens to quizzes, entries and likes (signals) and
    shows itself on lower apps' pages through their registries."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "reading"
    verbose_name = "阅读打卡 Reading"

    def ready(self):
        from reading import hooks

        hooks.connect()
