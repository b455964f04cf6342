"""The page a refused form post gets (CSRF_FAILURE_VIEW): the site's own, bilingual, in the layout —
Django's default is a bare English page. The reason stays in the log, not on the page."""

import logging

from django.shortcuts import render

log = logging.getLogger(__name__)


def csrf_failure(request, reason: str = ""):
    log.warning("CSRF refused %s %s: %s", request.method, request.path, reason)
    return render(request, "403_csrf.html", status=403)
