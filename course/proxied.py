"""runserver behind a JupyterHub's proxy: ``python -m course.proxied PREFIX manage.py runserver …``.

On a hub (or Binder) the learner's browser cannot reach the hub's 127.0.0.1; jupyter-server-proxy
forwards ``/user/NAME/proxy/PORT/…`` to ``127.0.0.1:PORT/…``, taking the prefix off the path and
saying it in ``X-Forwarded-Prefix``. For a request that carries that header with this server's
prefix, :class:`BehindProxy` tells Django what the browser sees, as a production proxy set-up does:

- the prefix becomes the request's ``SCRIPT_NAME``, so every link Django writes (``reverse()``, the
  admin's) starts with it, but for a redirect's ``Location``, where the proxy puts it itself;
  ``STATIC_URL``, which Django reads once per process, starts with it too (the static file handler
  knows no ``SCRIPT_NAME``: it serves by the full path);
- the scheme is the one the browser used (``X-Forwarded-Proto``), and the hub's address, which the
  proxy passes on as the ``Host``, is an allowed host: CSRF's origin check then compares the
  browser's ``Origin`` with the hub's real address, so a form posted from another site still fails.

A request without the header (the kernel's own ``Browser``, on 127.0.0.1) is served exactly as by a
plain runserver, and the project's files are not changed. The wrapper goes around the handler
runserver builds (static files included), through the one name runserver calls to serve.
"""

from __future__ import annotations

import contextlib
import os
import runpy
import sys
from urllib.parse import urlsplit


class BehindProxy:
    """The WSGI application ``handler`` as the browser sees it through the proxy at ``prefix``."""

    def __init__(self, handler, prefix: str):
        from django.conf import settings

        self.handler, self.prefix = handler, prefix
        # Django reads STATIC_URL once per process: it is the proxy's (/user/NAME/proxy/PORT/static/),
        # and the static file handler runserver built is told so.
        self.static = urlsplit(settings.STATIC_URL).path  # /static/
        settings.STATIC_URL = f"{prefix}{self.static}"
        if hasattr(handler, "get_base_url"):
            handler.base_url = urlsplit(handler.get_base_url())

    def __call__(self, environ, start_response):
        if environ.get("HTTP_X_FORWARDED_PREFIX") == self.prefix:
            from django.conf import settings

            if environ.get("PATH_INFO", "").startswith(self.static):
                environ["PATH_INFO"] = f"{self.prefix}{environ['PATH_INFO']}"  # as STATIC_URL says
            else:
                environ["SCRIPT_NAME"] = self.prefix
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[0].strip()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
            host = environ.get("HTTP_HOST", "").rsplit(":", 1)[0]
            allowed = settings.ALLOWED_HOSTS or [".localhost", "127.0.0.1", "[::1]"]  # DEBUG's default
            if host and host not in allowed:
                settings.ALLOWED_HOSTS = [*allowed, host]
            return self.handler(environ, self._redirects(start_response))
        return self.handler(environ, start_response)

    def _redirects(self, start_response):
        """``start_response`` with the prefix taken off a redirect's ``Location``: jupyter-server-proxy
        puts it in front of every ``Location`` that is a path, Django's own included."""

        def respond(status, headers, exc_info=None):
            headers = [(name, value[len(self.prefix):] if name.lower() == "location"
                        and value.startswith(f"{self.prefix}/") else value) for name, value in headers]
            return start_response(status, headers, exc_info)

        return respond


def owner(port: int, to: int) -> int | None:
    """The uid of the socket at 127.0.0.1:``port`` connected to 127.0.0.1:``to`` on this machine, from
    Linux's /proc/net/tcp; None if there is none (or no /proc). Both ends are needed: Linux gives
    the same local port to connections of other users that go elsewhere."""
    local, remote = (f"0100007F:{number:04X}" for number in (port, to))  # 127.0.0.1, as Linux writes it
    with contextlib.suppress(OSError), open("/proc/net/tcp", encoding="ascii") as table:
        for line in table.read().splitlines()[1:]:
            fields = line.split()
            if fields[1:3] == [local, remote]:
                return int(fields[7])
    return None


def owner_only(server_cls):
    """``server_cls`` answering only connections from this Unix user's own processes.

    On a hub whose learners share one machine's network (JupyterHub's LocalProcessSpawner), another
    learner's kernel can connect to 127.0.0.1:PORT as well, and every learner's admin has the same
    course password. The learner's own kernel and their Jupyter server (the proxy) run as them.
    """

    class OwnerOnly(server_cls):
        def verify_request(self, request, client_address) -> bool:
            return owner(client_address[1], self.server_address[1]) in (None, os.getuid())

    return OwnerOnly


def main(argv: list[str]) -> None:
    """Run ``manage.py`` with ``argv[1:]`` as its arguments, its runserver serving through ``BehindProxy``
    and to this Unix user only."""
    prefix, script, *arguments = argv
    from django.core.management.commands import runserver

    serve = runserver.run

    def run(addr, port, wsgi_handler, server_cls, **options):
        serve(addr, port, BehindProxy(wsgi_handler, prefix), server_cls=owner_only(server_cls), **options)

    runserver.run = run
    sys.argv = [script, *arguments]
    sys.path.insert(0, ".")  # as `python manage.py` puts the project's folder first
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
