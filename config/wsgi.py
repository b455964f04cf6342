"""HTTP: every page, API call, upload and the WeChat callback, served by gunicorn (config/gunicorn.py).
WebSockets (/ws/) are served by config/asgi.py; see docs/deploy.md for the topology."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from config.production import refuse_development_defaults  # noqa: E402

refuse_development_defaults()  # no development secrets in production (docs/deploy.md)
