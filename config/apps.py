from django.apps import AppConfig


class ConfigConfig(AppConfig):
    name = "config"
    verbose_name = "站点 Site"
