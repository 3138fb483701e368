"""A tiny HTTP client (standard library only) that keeps cookies and sends Django's CSRF token."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from http.cookiejar import CookieJar
from urllib.error import URLError
from urllib.parse import urlencode, urlsplit
from urllib.request import HTTPCookieProcessor, Request, build_opener

from course.errors import CourseError


class ServerGone(CourseError):
    """Nothing answers at the browser's address: the dev server was stopped."""


@dataclass
class Page:
    """What one request returned: status, final path (after redirects), and the HTML."""

    status: int
    path: str
    html: str

    @property
    def title(self) -> str:
        """The page's ``<title>``."""
        match = re.search(r"<title>(.*?)</title>", self.html, re.S)
        return unescape(match.group(1).strip()) if match else ""

    @property
    def messages(self) -> list[str]:
        """The Django messages shown on the page (``<li class="success">…</li>``)."""
        found = re.findall(r'<li class="(?:success|info|warning|error)">(.*?)</li>', self.html, re.S)
        return [unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in found]

    @property
    def errors(self) -> list[str]:
        """Form errors on the page (``<p class="errornote">`` and ``<ul class="errorlist">``)."""
        found = re.findall(
            r'<(?:p|ul) class="(?:errornote|errorlist)[^"]*"[^>]*>(.*?)</(?:p|ul)>', self.html, re.S
        )
        return [" ".join(unescape(re.sub(r"<[^>]+>", " ", m)).split()) for m in found]

    def __repr__(self) -> str:
        return f"<Page {self.status} {self.path} {self.title!r}>"


class Browser:
    """GET and POST forms against one server, like a browser with cookies would."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.cookies = CookieJar()
        self._opener = build_opener(HTTPCookieProcessor(self.cookies))

    def _open(self, path: str, data: dict | None = None) -> Page:
        body = urlencode(data).encode() if data is not None else None
        try:
            with self._opener.open(Request(self.base_url + path, data=body), timeout=30) as response:
                return Page(response.status, urlsplit(response.url).path, response.read().decode())
        except URLError as error:
            if not isinstance(getattr(error, "reason", None), ConnectionRefusedError):
                raise
            raise ServerGone(f"Nothing answers at {self.base_url}: the dev server is stopped (a cell failed, "
                             "or it was stopped on purpose). Rerun the cells from `server = DevServer()` "
                             "down: a new server, a new Browser, a new login.") from None

    def get(self, path: str) -> Page:
        """GET ``path`` and follow redirects."""
        return self._open(path)

    def post_form(self, path: str, data: dict) -> Page:
        """GET the form at ``path`` (for the CSRF cookie), then POST ``data`` with the token."""
        self.get(path)
        token = next((c.value for c in self.cookies if c.name == "csrftoken"), "")
        return self._open(path, {"csrfmiddlewaretoken": token, **data})

    def login(self, username: str, password: str) -> Page:
        """Log in through the admin login form; the page you land on tells whether it worked."""
        return self.post_form(
            "/admin/login/?next=/admin/", {"username": username, "password": password, "next": "/admin/"}
        )
