"""An HTTP client for the dev server, as a browser would use it: a ``requests`` session (it keeps the
cookies, session and CSRF), Django's CSRF token sent with every form, and the admin's pages read
with Beautiful Soup."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlsplit

import requests
from bs4 import BeautifulSoup

from course.errors import CourseError


class ServerGone(CourseError):
    """Nothing answers at the browser's address: the dev server was stopped."""


@dataclass
class Page:
    """What one request returned: status (4xx and 5xx included), final path (after redirects), HTML."""

    status: int
    path: str
    html: str

    @cached_property
    def _soup(self) -> BeautifulSoup:
        """The page parsed once, when a property first reads it."""
        return BeautifulSoup(self.html, "html.parser")

    @property
    def title(self) -> str:
        """The page's ``<title>``."""
        title = self._soup.title
        return title.get_text(strip=True) if title else ""

    @property
    def messages(self) -> list[str]:
        """The Django messages shown on the page (the admin's ``ul.messagelist``)."""
        found = self._soup.select("ul.messagelist li")  # a message may hold a link: no spaces added
        return [" ".join(element.get_text().split()) for element in found]

    @property
    def errors(self) -> list[str]:
        """Form errors on the page: the admin's note above the form and each field's error list."""
        found = self._soup.select("p.errornote, ul.errorlist")
        return [" ".join(element.get_text(" ", strip=True).split()) for element in found]

    def __repr__(self) -> str:
        return f"<Page {self.status} {self.path} {self.title!r}>"


class Browser:
    """GET and POST forms against one server, like a browser with cookies would."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()

    def _open(self, path: str, data: dict | None = None) -> Page:
        try:
            if data is None:
                response = self.session.get(self.base_url + path, timeout=30)
            else:
                response = self.session.post(self.base_url + path, data=data, timeout=30)
        except requests.ConnectionError:
            raise ServerGone(f"Nothing answers at {self.base_url}: the dev server is stopped (a cell failed, "
                             "or it was stopped on purpose). Rerun the cells from `server = DevServer()` "
                             "down: a new server, a new Browser, a new login.") from None
        return Page(response.status_code, urlsplit(response.url).path, response.text)

    def get(self, path: str) -> Page:
        """GET ``path`` and follow redirects."""
        return self._open(path)

    def post_form(self, path: str, data: dict) -> Page:
        """GET the form at ``path`` (for the CSRF cookie), then POST ``data`` with the token."""
        self.get(path)
        token = self.session.cookies.get("csrftoken", "")
        return self._open(path, {"csrfmiddlewaretoken": token, **data})

    def login(self, username: str, password: str) -> Page:
        """Log in through the admin login form; the page you land on tells whether it worked."""
        return self.post_form(
            "/admin/login/?next=/admin/", {"username": username, "password": password, "next": "/admin/"}
        )
