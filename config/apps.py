import sys

from django.apps import AppConfig


class ConfigConfig(AppConfig):
    name = "config"
    verbose_name = "站点 Site"

    def ready(self) -> None:
        from django.core import checks

        from config import production

        checks.register(production.check_deploy, checks.Tags.security, deploy=True)
        production.refuse_if_serving()  # qcluster, runall, runserver; the ASGI/WSGI modules check too
        if sys.argv[1:2] == ["qcluster"]:
            # The task worker forks its processes: no database connection or pool may cross a fork.
            from config import forks

            forks.install()
