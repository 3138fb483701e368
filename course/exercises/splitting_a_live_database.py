"""The checks of 14 · Capstone: splitting a live database (``notebooks/14_splitting_a_live_database.ipynb``),
and ``split_problems``: what is wrong with a split, read from its three files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from course import sqlite
from course.exercises.judges import Correct, Incorrect, call, choice, chosen, django_ready, is_stub, judged

__all__ = ["check_copy_prediction", "check_split", "check_orphans_sql", "check_login_prediction", "LIVE",
           "AUTH", "ACME", "ORPHANS_TRUTH", "split_problems"]


LIVE, AUTH, ACME = "db.sqlite3", "split_auth_db.sqlite3", "split_acmeapp_db.sqlite3"


def _natural_types(path: str) -> dict[int, str]:
    """Content type id -> ``app_label.model`` in the SQLite file ``path``."""
    return dict(sqlite.query(path, "SELECT id, app_label || '.' || model FROM django_content_type").rows)


def _model_ready(name: str) -> None:
    """Raise ``Incorrect`` unless Django is set up with the move's settings (both sides reachable)."""
    django_ready()
    from django.conf import settings

    if "live" not in settings.DATABASES:
        raise Incorrect(f"{name} needs Django set up with core.settings.moving (it reads 'live' and writes "
                        "the split files): run the cell that calls setup_django first.")


@judged
def check_copy_prediction(answer) -> Correct:
    """What ``entry.save(using='auth_db')`` does with live log entries copied as they are."""
    _model_ready("This check")
    from django.contrib.admin.models import LogEntry
    from django.db import transaction

    choices = ("an error", "copied, about the same models", "copied, about other models")
    answer = chosen("PREDICT_COPY", answer, choices)
    live_types, split_types = _natural_types(LIVE), _natural_types(AUTH)

    class Undo(Exception):
        pass

    seen, failed = [], None
    try:
        with transaction.atomic(using="auth_db"):
            for entry in LogEntry.objects.using("live").order_by("pk")[:3]:
                entry.save(using="auth_db")
                copied = LogEntry.objects.using("auth_db").get(pk=entry.pk)
                seen.append((entry.pk, live_types[entry.content_type_id],
                             split_types[copied.content_type_id]))
            raise Undo  # roll the copies back: the split stays as it was
    except Undo:
        pass
    except Exception as error:
        failed = error
    if failed is not None:
        truth, why = "an error", f"the copy raised {type(failed).__name__}: {failed}"
    else:
        same = all(before == after for _, before, after in seen)
        truth = choices[1] if same else choices[2]
        why = "; ".join(f"entry {pk} is about {before} on the live site, {after} once copied"
                        for pk, before, after in seen)
    print(f"Copied the first {len(seen)} log entries with entry.save(using='auth_db'), then rolled back: "
          f"{why}.")
    compared = choice("PREDICT_COPY", answer, choices, truth,
                      "save() copies content_type_id as a number, and the same number names another model in "
                      "another database: nothing fails, and the admin log now talks about the wrong things.")
    return Correct("saved as they are, the entries keep their numbers and change their meaning: no error "
                   "warns you.", compared)


def _log_entries(path: str, types: dict[int, str]) -> list[tuple]:
    """The admin log entries of the SQLite file ``path``, sorted, each naming its model by ``types``."""
    rows = sqlite.query(path, "SELECT action_time, user_id, object_id, object_repr, action_flag, "
                              "change_message, "
                              "content_type_id FROM django_admin_log").rows
    return sorted((*row[:6], types.get(row[6], f"content type {row[6]} (missing)")) for row in rows)


@judged
def check_split(move_log_entries) -> Correct:
    """The capstone's check: ``move_log_entries()`` copies every admin log entry into auth_db, about the
    same model as before; then the whole split, read from the three files, is complete: every row
    kept, each table in one file, no orphaned author, permissions and log entries about the same
    models as on the live site."""
    _model_ready("This check")
    from django.contrib.admin.models import LogEntry
    from django.db import transaction

    if is_stub(move_log_entries):
        raise Incorrect("move_log_entries() is still the stub: it does nothing yet, so auth_db would hold no "
                        "log entry. Write its body: read the entries from 'live', write them to 'auth_db'.")
    LogEntry.objects.using("auth_db").all().delete()  # each try starts from an empty admin log
    before = [p for p in split_problems() if not p.startswith("django_admin_log")]
    if before:
        raise Incorrect(f"Before move_log_entries() can be judged, the copy above it is not right "
                        f"({len(before)} problem(s)):\n- " + "\n- ".join(before)
                        + "\nRun every cell above this exercise, once and in order; if one of them went "
                        "wrong, rerun the cell that calls livesite.start_split(), then the cells below it, "
                        "down to this exercise.")
    print("Running move_log_entries() in one transaction of auth_db (one commit, however many rows it "
          "saves), then comparing the three files…")
    with transaction.atomic(using="auth_db"):  # a row-by-row copy would otherwise commit, and wait, per row
        call("move_log_entries()", move_log_entries)
    live = _log_entries(LIVE, _natural_types(LIVE))
    split = _log_entries(AUTH, _natural_types(AUTH))
    if not split:
        raise Incorrect("auth_db holds no log entry after move_log_entries() (the live site has "
                        f"{len(live):,}). "
                        "Read them with .using('live') and write them with .using('auth_db') (or "
                        "bulk_create on LogEntry.objects.using('auth_db')).")
    if len(split) != len(live):
        raise Incorrect(f"auth_db holds {len(split):,} log entries; the live site has {len(live):,}. "
                        "Copy each "
                        "one exactly once.")
    moved = [a for a, b in zip(live, split, strict=True) if a[:6] == b[:6] and a[6] != b[6]]
    wrong = sum(1 for a, b in zip(live, split, strict=True) if a != b)
    if wrong:
        example = next(((a, b) for a, b in zip(live, split, strict=True) if a != b))
        if moved:
            raise Incorrect(f"{wrong:,} of the {len(live):,} entries are about another model than on the "
                            f"live site: '{example[0][3]}' is about {example[0][6]} there, "
                            f"{example[1][6]} in auth_db. Give each entry the id that auth_db's "
                            "ContentType has for the same natural key, the key of its live content type: "
                            "entry.content_type would follow the relation through the routers, into "
                            "auth_db, so start from entry.content_type_id.")
        raise Incorrect(f"{wrong:,} of the {len(live):,} entries differ from the live site's (for example "
                        f"'{example[0][3]}'). Change nothing but content_type_id.")
    problems = split_problems()
    if problems:
        raise Incorrect(f"The log entries are right, but the split is not ({len(problems)} problem(s)):\n- "
                        + "\n- ".join(problems)
                        + "\nTo copy again from empty files, rerun the cell that calls "
                        "livesite.start_split(), then the cells below it.")
    rows = sum(sqlite.query(LIVE, f"SELECT COUNT(*) FROM {t}").rows[0][0]
               for t in set(sqlite.tables(LIVE)) - _NOT_DATA)
    return Correct(f"all {len(live):,} log entries are about the same model as on the live site, and the "
                   f"split is complete: all {rows:,} rows kept, each table in one file, no author orphaned, "
                   "every permission granted as before.", {"log entries": len(live), "rows": rows})


_ORPHANS_STUB = "SELECT COUNT(*) FROM acmeapp_post AS p"  # the exercise's stub, its whitespace collapsed
ORPHANS_TRUTH = ("SELECT COUNT(*) FROM acmeapp_post p WHERE p.author_id IS NOT NULL "
                 "AND p.author_id NOT IN (SELECT id FROM auth.auth_user)")


def _count(sql: str, acmeapp: str, auth: str, shown: str) -> int:
    """The single number the learner's ``sql`` returns on the two files (``Incorrect`` otherwise)."""
    try:
        result = sqlite.query(acmeapp, sql, attach={"auth": auth})
    except sqlite.QueryFailed as failed:
        hint = (" The users' file is attached under the schema name auth: auth.auth_user."
                if "no such table" in str(failed.original) and "auth." not in str(failed.original) else "")
        raise Incorrect(f"SQLite refused ORPHANS_SQL {shown}: {failed.original}.{hint}") from None
    if len(result.rows) != 1 or len(result.headers) != 1:
        raise Incorrect(f"ORPHANS_SQL returns {len(result.rows)} row(s) of {len(result.headers)} column(s) "
                        f"{shown}; it must return one number: SELECT COUNT(*) FROM …")
    return result.rows[0][0]


def _orphans_hint(theirs: int, truth: int, distinct: int) -> str:
    """What a wrong count of orphaned posts most likely means (see ``check_orphans_sql``)."""
    posts = sqlite.query(ACME, "SELECT COUNT(*) AS n, COUNT(author_id) AS authored FROM acmeapp_post").rows[0]
    if theirs == posts[0]:
        return "It counts every post: keep only those whose author_id names no user (a WHERE clause)."
    if theirs == truth + posts[0] - posts[1]:
        return (f"The other {posts[0] - posts[1]:,} have no author at all (author_id IS NULL): they are not "
                "orphans.")
    if theirs == posts[1] - truth:
        return ("It counts the posts whose author exists: an inner JOIN keeps only those. Look for the posts "
                "whose author_id is in no row of auth.auth_user.")
    if theirs == distinct:
        return "It counts the missing authors, once each: count the posts instead."
    if theirs < truth:
        return ("It counts too few: does the subquery look at the post of the outer query "
                "(u.id = p.author_id)?")
    return ("It counts too many: a post is an orphan when its author_id is set and no row of auth.auth_user "
            "has that id; count each such post once.")


@judged
def check_orphans_sql(sql) -> Correct:
    """``sql``, run on acmeapp's file with auth's attached as ``auth``, counts the posts whose author is
    missing: on the real split, and on a copy of auth's file with some users deleted."""
    import shutil
    import tempfile

    if not isinstance(sql, str) or not sql.strip():
        raise Incorrect("ORPHANS_SQL must be a string holding one SELECT.")
    if " ".join(sql.split()) == _ORPHANS_STUB:
        raise Incorrect("ORPHANS_SQL is still the stub: it counts every post. Finish it: keep only the posts "
                        "whose author_id names no user of auth.auth_user.")
    if ";" in sql.strip().rstrip(";"):
        raise Incorrect("ORPHANS_SQL holds more than one statement: write one SELECT.")
    for path in (AUTH, ACME):
        sqlite.connect(path).close()  # a missing file says which cell to run
    real = _count(sql, ACME, AUTH, "on the split")
    with tempfile.TemporaryDirectory() as tmp:
        broken = Path(tmp) / "auth.sqlite3"
        shutil.copyfile(AUTH, broken)
        con = sqlite3.connect(broken)
        with con:
            con.execute("DELETE FROM auth_user WHERE id IN "
                        "(SELECT id FROM auth_user ORDER BY id LIMIT 40 OFFSET 100)")
        con.close()
        theirs, truth = _count(sql, ACME, broken, "on a copy with 40 users deleted"), _count(
            ORPHANS_TRUTH, ACME, broken, "")
        distinct = _count(ORPHANS_TRUTH.replace("COUNT(*)", "COUNT(DISTINCT p.author_id)"), ACME, broken, "")
    if theirs != truth:
        raise Incorrect(f"On a copy of auth's file with 40 users deleted, ORPHANS_SQL counts {theirs:,}; "
                        f"{truth:,} posts are orphaned. " + _orphans_hint(theirs, truth, distinct))
    real_truth = _count(ORPHANS_TRUTH, ACME, AUTH, "")
    if real != real_truth:
        raise Incorrect(f"On the split, ORPHANS_SQL counts {real:,}; {real_truth:,} posts are orphaned.")
    return Correct(f"ORPHANS_SQL counts the orphaned posts: {truth:,} on a copy with 40 users deleted, "
                   f"{real:,} on the split.", {"on the split": real, "with 40 users deleted": truth})


_NOT_DATA = {"django_migrations", "sqlite_sequence", "django_content_type", "auth_permission"}
_KEYS = {  # the columns that identify a row across files; content type and permission ids are mapped
    "auth_user": "id, username, email, first_name, last_name, is_staff, is_superuser, is_active, date_joined",
    "auth_group": "id, name",
    "auth_user_groups": "user_id, group_id",
    "django_session": "session_key, session_data, expire_date",
    "acmeapp_post": "id, title, body, author_id",
}


def _rows(path: str, table: str) -> list[tuple]:
    """The rows of ``table`` in the SQLite file ``path``, by the columns that identify them (``_KEYS``)."""
    return sorted(map(tuple, sqlite.query(path, f"SELECT {_KEYS[table]} FROM {table}").rows))


def _permissions(path: str, table: str, owner: str) -> list[tuple]:
    """The permissions granted in ``table`` of the SQLite file ``path``: (``owner``, app.codename)."""
    sql = (f"SELECT t.{owner}, ct.app_label || '.' || p.codename FROM {table} t "
           "JOIN auth_permission p ON p.id = t.permission_id "
           "JOIN django_content_type ct ON ct.id = p.content_type_id")
    return sorted(map(tuple, sqlite.query(path, sql).rows))


def split_problems(live: str = LIVE, auth: str = AUTH, acme: str = ACME) -> list[str]:
    """What is wrong with the split of ``live`` into ``auth`` and ``acme``, read from the three files."""
    for path in (live, auth, acme):
        sqlite.connect(path).close()
    files = {auth: "split_auth_db", acme: "split_acmeapp_db"}
    found = {path: set(sqlite.tables(path)) for path in files}
    problems = []
    for table in sorted(set(sqlite.tables(live)) - _NOT_DATA):
        count = sqlite.query(live, f"SELECT COUNT(*) FROM {table}").rows[0][0]
        holders = [path for path in files if table in found[path]]
        filled = [path for path in holders if sqlite.query(path, f"SELECT COUNT(*) FROM {table}").rows[0][0]]
        if len(holders) > 1:
            both = " and ".join(files[p] for p in holders)
            problems.append(f"{table} is a table in both files ({both}): the "
                            "routers' allow_migrate must keep each app's tables in one database")
        if not filled:
            problems.append(f"{table}: {count:,} rows on the live site, none in the split (lost)")
            continue
        held = sqlite.query(filled[0], f"SELECT COUNT(*) FROM {table}").rows[0][0]
        if held != count:
            problems.append(f"{table}: {count:,} rows on the live site, {held:,} in {files[filled[0]]}"
                            + (" (rows lost)" if held < count else " (rows copied twice?)"))
        elif table in _KEYS and _rows(live, table) != _rows(filled[0], table):
            theirs = set(_rows(filled[0], table))
            first = next(r for r in _rows(live, table) if r not in theirs)
            problems.append(f"{table}: as many rows as on the live site, but not the same ones: the live "
                            f"row {first[:3]} is not in {files[filled[0]]} (ids must be kept: other rows "
                            "point to them)")
    if "acmeapp_post" in found[acme] and "auth_user" in found[auth]:
        orphans = sqlite.query(acme, ORPHANS_TRUTH, attach={"auth": auth}).rows[0][0]
        if orphans:
            problems.append(f"{orphans:,} posts have an author_id that names no user in split_auth_db "
                            "(orphaned authors): keep the users' ids when you copy them")
    if "django_content_type" in found[auth]:
        types = list(_natural_types(auth).values())
        if sorted(types) != sorted(set(_natural_types(live).values())):
            problems.append("split_auth_db's content types are not one per model of the project: let migrate "
                            "create them, and copy none")
        links = (("auth_group_permissions", "group_id"), ("auth_user_user_permissions", "user_id"))
        for table, owner in links:
            theirs = _permissions(auth, table, owner)
            if theirs and len(theirs) == len(_permissions(live, table, owner)) and (
                    _permissions(live, table, owner) != theirs):
                problems.append(f"{table}: permissions granted on the live site are not the same ones in "
                                "split_auth_db (content type or permission ids copied as numbers): map them "
                                "by "
                                "natural key")
        entries = _log_entries(auth, _natural_types(auth))
        if entries and len(entries) == len(_log_entries(live, _natural_types(live))) and (
                _log_entries(live, _natural_types(live)) != entries):
            problems.append("django_admin_log: entries are about other models than on the live site (content "
                            "type ids copied as numbers): map them by natural key")
    return problems


_LOGIN = ("split_auth_db", "split_acmeapp_db", "both")


@judged
def check_login_prediction(answer, server, password: str = "course-local-only",
                           settings: str = "core.settings.split") -> Correct:
    """Which of the split's files a login through the admin writes to: log in again, and compare.

    Uses ``server`` while it runs; a server stopped by a failed cell is replaced, for the check only,
    by one of its own.
    """
    from course.server import DevServer

    answer = chosen("PREDICT_LOGIN", answer, _LOGIN)  # before any server is started for it
    if server is not None and server.running:
        return _login_writes(answer, server, password)
    print("(The dev server is stopped, so the check starts one of its own, and stops it.)")
    with DevServer(settings=settings) as own:
        return _login_writes(answer, own, password)


def _login_writes(answer: str, server, password: str) -> Correct:
    """Log in through ``server`` and judge ``answer``, a valid choice, by the split files it changed."""
    import hashlib

    from course.browser import Browser

    files = {"split_auth_db": AUTH, "split_acmeapp_db": ACME}

    def digests() -> dict[str, str]:
        return {name: hashlib.sha256(Path(path).read_bytes()).hexdigest() for name, path in files.items()}

    before = digests()
    page = Browser(server.url).login("admin", password)
    if page.path != "/admin/":
        raise Incorrect(f"The login did not work (it ended on {page.path}): rerun the cells from "
                        "`server = DevServer(…)` down, then this one.")
    changed = [name for name, digest in digests().items() if digest != before[name]]
    print(f"Logged in as admin again; the files that changed: {', '.join(changed) or 'none'}.")
    truth = "both" if len(changed) == 2 else (changed[0] if changed else "none")
    compared = choice("PREDICT_LOGIN", answer, _LOGIN, truth,
                      "A login writes the user's last_login and a new session: auth and sessions live in "
                      "auth_db; no post is read or written.")
    return Correct("a login writes only to split_auth_db (the user's last_login, a session); "
                   "split_acmeapp_db is untouched.", compared)
