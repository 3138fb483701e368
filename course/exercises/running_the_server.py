"""The checks of 07 · Running the server (``notebooks/07_running_the_server.ipynb``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from course import sqlite
from course.exercises.judges import Correct, Incorrect, chosen, judged
from course.exercises.probes import has_rows

__all__ = ["check_admin_log_query", "check_rows_prediction", "check_superuser", "check_after_stop_prediction"]


@judged
def check_admin_log_query(path: str, sql: str, title: str = "Hello from the admin") -> Correct:
    """``sql`` run on the SQLite file ``path`` finds the admin's log entry for the post ``title``."""
    if not path and not sql:
        raise Incorrect("ANSWER_FILE and ANSWER_SQL are still empty, as in the stub: fill in both, a SQLite "
                        "file name and a SELECT.")
    if not path or not sql:
        raise Incorrect("Fill in both ANSWER_FILE (a SQLite file name) and ANSWER_SQL (a SELECT).")
    _saved_by_the_admin()
    try:
        result = sqlite.query(path, sql)
    except FileNotFoundError as error:
        raise Incorrect(str(error)) from None
    except sqlite.QueryFailed as failed:
        error = failed.original
        if isinstance(error, sqlite3.ProgrammingError | sqlite3.Warning):  # e.g. two statements
            raise Incorrect(f"Your query could not run on {path} ({error}): write one SELECT.") from None
        hint = ""
        if "django_admin_log" in str(error):
            hint = (f": {path} has no admin log; the log is a model of the app 'admin', which "
                    "AuthRouter sends to auth_db")
        raise Incorrect(f"Your query failed on {path} ({error}){hint}.") from None
    if not any(title in map(str, row) for row in result.rows):
        if Path(path).name != "auth_db.sqlite3":
            raise Incorrect(f"{path} holds no row about {title!r}: the admin writes its log where the "
                            "routers send the app 'admin' (look at AuthRouter.route_app_labels).")
        raise Incorrect(f"Your query returned {len(result.rows)} row(s), none mentioning {title!r}: the log "
                        "names the post in one of its columns; select that column, and no WHERE that "
                        "filters the row out.")
    return Correct(f"the admin's log entry for {title!r} is in {path}, though the post is in "
                   "acmeapp_db.sqlite3.", {"file": path, "rows": len(result.rows)})


_ROWS = {"session": "django_session", "admin log entry": "django_admin_log", "post": "acmeapp_post"}
_FILES = ("auth_db.sqlite3", "acmeapp_db.sqlite3", "db.sqlite3")
_NOTHING_SAVED = ("The admin wrote nothing: no {what} in any file. Did the login above land on /admin/ "
                  "(not on the login page again), and did saving the post show its message? If not, the "
                  "superuser's check above says what to fix; then rerun the cells from `server = "
                  "DevServer()` down.")


def _saved_by_the_admin() -> None:
    """Raise if the admin saved nothing (a failed login, say): the checks that read its rows can't judge."""
    if not any(Path(f).is_file() and has_rows(f, "django_admin_log") for f in _FILES):
        raise Incorrect(_NOTHING_SAVED.format(what="log entry"))


@judged
def check_rows_prediction(answer) -> Correct:
    """In which SQLite file each row written by the login and the admin's save now is."""
    if not isinstance(answer, dict) or set(answer) != set(_ROWS):
        raise Incorrect(f"Give PREDICTED_FILES as a dict with the keys {', '.join(map(repr, _ROWS))}, "
                        "each set to a file name.")
    truth = {}
    for kind, table in _ROWS.items():
        found = [f for f in _FILES if Path(f).is_file() and has_rows(f, table)]
        truth[kind] = found[0] if found else "(nowhere)"
    listed = ", ".join(map(repr, _FILES))
    empty = [k for k, v in answer.items() if v is None]
    if len(empty) == len(_ROWS):
        raise Incorrect(f"PREDICTED_FILES is still empty: set each value to one of {listed}.")
    for kind, file in answer.items():
        if file not in _FILES:
            raise Incorrect(f"PREDICTED_FILES[{kind!r}] = {file!r} is not one of {listed}.")
    _saved_by_the_admin()
    wrong = [f"the {kind} is in {truth[kind]}, not {answer[kind]}" for kind in _ROWS
             if answer[kind] != truth[kind]]
    if wrong:
        text = "; ".join(wrong)
        raise Incorrect(text[0].upper() + text[1:] + ". Each row goes where the routers send its model's "
                        "app: sessions and admin are AuthRouter's, acmeapp is AcmeAppRouter's.")
    return Correct("; ".join(f"the {kind} is in {file}" for kind, file in truth.items()) + ".",
                   {"answer": answer, "expected": truth})


def _password_matches(encoded: str, password: str) -> bool:
    """Whether Django's ``pbkdf2_sha256$iterations$salt$hash`` ``encoded`` is that of ``password``."""
    import base64
    import hashlib
    import hmac

    algorithm, iterations, salt, digest = encoded.split("$", 3)
    if algorithm != "pbkdf2_sha256":
        return True  # another hasher: leave the proof to the login below
    mine = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(iterations))
    return hmac.compare_digest(base64.b64encode(mine).decode(), digest)


@judged
def check_superuser(password: str, username: str = "admin", path: str = "auth_db.sqlite3") -> Correct:
    """``username`` is a superuser in ``path`` whose password is ``password``."""
    again = ("To create it again, rerun the notebook's first cell (it rebuilds the project folder from "
             "the earlier notebooks), then your corrected cell.")
    if not Path(path).is_file():
        raise Incorrect(f"No {path} here: run the notebook's first cell, then your cell.")
    rows = sqlite.query(path, "SELECT is_superuser, is_staff, password FROM auth_user WHERE username = ?",
                        (username,)).rows
    if not rows:
        others = sqlite.query(path, "SELECT username FROM auth_user ORDER BY username").column("username")
        if others:
            raise Incorrect(f"{path} has the user(s) {', '.join(map(repr, others))} but none named "
                            f"{username!r}: create {username!r}, exactly so spelled. {again}")
        raise Incorrect(f"There is still no user {username!r} in {path}. Did your command run without an "
                        "error? It must name the alias where auth's tables are (--database=…), and "
                        "--noinput keeps createsuperuser from asking questions a notebook cannot answer.")
    is_superuser, is_staff, encoded = rows[0]
    if not (is_superuser and is_staff):
        raise Incorrect(f"{username!r} is in {path} but is not a superuser: use createsuperuser. {again}")
    if encoded.startswith("!"):
        raise Incorrect(f"{username!r} has no usable password: with --noinput, createsuperuser takes it "
                        "from the environment variable DJANGO_SUPERUSER_PASSWORD, and manage() passes "
                        f"variables with env={{…}}. Nothing was set, so nobody can log in. {again}")
    if not _password_matches(encoded, str(password)):
        raise Incorrect(f"{username!r} has a password, but not PASSWORD ({password!r}): pass "
                        f"DJANGO_SUPERUSER_PASSWORD=PASSWORD in env. {again}")
    return Correct(f"{username!r} is a superuser in {path}, with PASSWORD as its password.",
                   {"user": username, "file": path, "superuser": True, "password matches": True})


_AFTER_STOP = ("the admin's login page", "an error page from Django", "no connection at all")


@judged
def check_after_stop_prediction(answer, server) -> Correct:
    """What a request to the stopped ``server``'s address gets, asked for real."""
    import requests

    answer = chosen("PREDICT_AFTER_STOP", answer, _AFTER_STOP)
    if server.running:  # the cell above was skipped: do what it does
        print("(The server was still running: the check stopped it, as the cell above does.)")
        server.stop()
    try:
        response = requests.get(f"{server.url}/admin/login/", timeout=5)
        truth = _AFTER_STOP[1] if response.status_code >= 400 else _AFTER_STOP[0]
    except requests.ConnectionError:
        truth = _AFTER_STOP[2]
    if answer != truth:
        raise Incorrect(f"You predicted {answer!r}; the request got {truth!r}. stop() ends the process "
                        "of runserver: nothing listens on its port any more, so not even Django can answer.")
    return Correct(f"{truth}: the process is gone and nothing listens on its port.",
                   {"answer": answer, "expected": truth})
