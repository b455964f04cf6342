"""gunicorn's settings: `python -m gunicorn -c python:config.gunicorn -b HOST:PORT config.wsgi`.

Sync workers by default: each serves one request at a time with its own persistent database
connection (CONN_MAX_AGE), and a proxy in front buffers slow clients (docs/deploy.md). WEB_THREADS > 1
switches to gthread workers (keep-alive connections, threads sharing a process). bench/serving.py
measures both: see docs/benchmarks.md for the figures that chose the default."""

import os

workers = int(os.environ.get("WEB_WORKERS") or os.cpu_count() or 2)
threads = int(os.environ.get("WEB_THREADS") or 1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("WEB_TIMEOUT") or 60)  # uploads of a few MB from a slow phone
graceful_timeout = 10
keepalive = 5
accesslog = os.environ.get("WEB_ACCESS_LOG") or None  # "-" for stdout
errorlog = "-"
loglevel = os.environ.get("WEB_LOG_LEVEL", "warning")
