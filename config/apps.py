import sys

from django.apps import AppConfig


class ConfigConfig(AppConfig):
    name = "config"
    verbose_name = "站点 Site"

    def ready(self) -> None:
        if sys.argv[1:2] == ["qcluster"]:
            # The task worker forks its processes: no database connection or pool may cross a fork.
            from config import forks

            forks.install()
