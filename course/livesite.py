"""The live site of notebook 14, the single-database project after a year in production, and
a fresh start of its split.

``build()`` fills ``db.sqlite3`` (the file notebook 01 migrated, with ``core.settings.single``)
with a site's worth of rows, the same on every run (a seeded ``random.Random``): users, some of
them deleted since (their ids leave gaps), two groups with permissions, posts with authors,
sessions and admin log entries. It writes the rows with SQL, as the site's history would have
left them, in well under a second. One piece of that history matters for the lesson: the site
installed ``acmeapp`` before Django's own apps, so its content types (and their permissions) are
numbered in another order than a freshly migrated database numbers them. The course's own history
numbers them as ``migrate`` does everywhere (the order of INSTALLED_APPS), the same in every file;
real sites' histories differ (apps installed in another order, a model added later), and ``build``
imitates one, and says so.
"""

from __future__ import annotations

import random
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from course import background, sqlite
from course.errors import CourseError

SEED = 14
USERS_CREATED = 2400  # every sixth one was deleted later: 2,000 users remain
POSTS = 5000
SESSIONS = 300
LOG_ENTRIES = 1500
ADMIN_PASSWORD = "course-local-only"  # the superuser's, as in notebook 07
FIRST = ("ada alan barbara claude dennis edsger frances grace guido ida james john ken "
         "linus margaret niklaus radia rasmus sophie tim yukihiro anita brian carol donald").split()
LAST = ("lovelace turing liskov shannon ritchie dijkstra allen hopper rossum rhodes gosling "
        "backus thompson torvalds hamilton wirth perlman lerdorf wilson lee matsumoto borg "
        "kernighan knuth").split()
WORDS = ("database router alias query migration table index replica primary shard cache "
         "session model field schema fixture backup restore split merge join key value").split()
LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789"
SPLIT_FILES = ("split_auth_db.sqlite3", "split_acmeapp_db.sqlite3")  # core.settings.split
START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


class NotMigrated(CourseError):
    """The file to fill is missing or is not the project's migrated single database."""


def _when(rng: random.Random) -> str:
    """A moment of the site's year, as Django stores a datetime in SQLite."""
    moment = START + timedelta(minutes=rng.randrange(365 * 24 * 60))
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _password(password: str) -> str:
    """``password`` hashed as Django's PBKDF2 hasher does, with the few iterations of an old site
    (Django accepts the hash and upgrades it at the next login)."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    return PBKDF2PasswordHasher().encode(password, "livesite14salt", iterations=1000)


def _renumber_content_types(db: sqlite3.Connection) -> dict[str, tuple[int, int]]:
    """Number the content types, and their permissions, as if acmeapp had been installed first;
    return each renumbered model's ids (``app_label.model``: (before, after))."""
    types = db.execute("SELECT id, app_label, model FROM django_content_type ORDER BY id").fetchall()
    order = sorted(types, key=lambda t: (t[1] != "acmeapp", t[0]))
    new_id = {old: new for new, (old, _, _) in enumerate(order, start=1)}
    perms = db.execute("SELECT id, content_type_id, codename, name FROM auth_permission").fetchall()
    perms.sort(key=lambda p: (new_id[p[1]], p[0]))
    db.execute("DELETE FROM auth_permission")
    db.execute("DELETE FROM django_content_type")
    db.executemany("INSERT INTO django_content_type (id, app_label, model) VALUES (?, ?, ?)",
                   [(new_id[old], app, model) for old, app, model in types])
    db.executemany("INSERT INTO auth_permission (id, content_type_id, codename, name) VALUES (?, ?, ?, ?)",
                   [(k, new_id[ct], code, name) for k, (_, ct, code, name) in enumerate(perms, start=1)])
    return {f"{app}.{model}": (old, new_id[old]) for old, app, model in types if old != new_id[old]}


def _ids(db: sqlite3.Connection, sql: str) -> dict:
    return dict(db.execute(sql).fetchall())


def _fill(db: sqlite3.Connection, rng: random.Random, scale: float) -> None:
    users, kept, taken = [], [], {}
    posts_made, sessions, log_entries = (round(n * scale) for n in (POSTS, SESSIONS, LOG_ENTRIES))
    for uid in range(1, round(USERS_CREATED * scale) + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        taken[first, last] = taken.get((first, last), 0) + 1
        suffix = taken[first, last] if taken[first, last] > 1 else ""
        username = "admin" if uid == 1 else f"{first}.{last}{suffix}"
        staff = uid == 1 or uid % 97 == 0
        password = _password(ADMIN_PASSWORD) if uid == 1 else "!" + "".join(
            rng.choices(LETTERS, k=40))  # unusable, as Django writes it
        users.append((uid, password, _when(rng), uid == 1, username, last.title(), f"{username}@example.com",
                      staff, True, _when(rng), first.title()))
        if uid == 1 or uid % 6:
            kept.append(uid)
    users = [u for u in users if u[0] in set(kept)]
    db.executemany("INSERT INTO auth_user (id, password, last_login, is_superuser, username, last_name, "
                   "email, is_staff, is_active, date_joined, first_name) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", users)
    staff = [u[0] for u in users if u[7]]

    perm = _ids(db, "SELECT ct.model || '.' || p.codename, p.id FROM auth_permission p "
                    "JOIN django_content_type ct ON ct.id = p.content_type_id")
    db.executemany("INSERT INTO auth_group (id, name) VALUES (?, ?)", [(1, "editors"), (2, "moderators")])
    grants = {1: ["post.add_post", "post.change_post", "post.delete_post", "post.view_post"],
              2: ["post.change_post", "post.view_post", "user.view_user", "logentry.view_logentry"]}
    db.executemany("INSERT INTO auth_group_permissions (group_id, permission_id) VALUES (?, ?)",
                   [(g, perm[name]) for g, names in grants.items() for name in names])
    members = [(uid, 1) for uid in staff if uid != 1] + [(uid, 2) for uid in rng.sample(kept[1:], 40)]
    db.executemany("INSERT INTO auth_user_groups (user_id, group_id) VALUES (?, ?)", members)
    db.executemany("INSERT INTO auth_user_user_permissions (user_id, permission_id) VALUES (?, ?)",
                   [(uid, perm["post.view_post"]) for uid in rng.sample(kept[1:], 30)])

    posts = []
    for pid in range(1, posts_made + 1):
        title = f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} notes #{pid}"
        body = " ".join(rng.choices(WORDS, k=rng.randrange(8, 30))).capitalize() + "."
        author = None if rng.random() < 0.05 else rng.choice(kept)
        posts.append((pid, title, body, author))
    db.executemany("INSERT INTO acmeapp_post (id, title, body, author_id) VALUES (?, ?, ?, ?)", posts)

    db.executemany("INSERT INTO django_session (session_key, session_data, expire_date) VALUES (?, ?, ?)",
                   [("".join(rng.choices(LETTERS, k=32)), "".join(rng.choices(LETTERS, k=60)),
                     f"2099-01-{rng.randrange(1, 29):02d} 12:00:00") for _ in range(sessions)])

    post_type = _ids(db, "SELECT model, id FROM django_content_type")["post"]
    messages = {1: '[{"added": {}}]', 2: '[{"changed": {"fields": ["Body"]}}]', 3: ""}
    entries = []
    for lid in range(1, log_entries + 1):
        _, title, _, _ = posts[rng.randrange(posts_made)]
        flag = rng.choice((1, 2, 2, 2, 3))
        entries.append((lid, _when(rng), str(title.rsplit("#", 1)[1]), title, flag, messages[flag],
                        post_type, rng.choice(staff)))
    entries.sort(key=lambda e: e[1])
    db.executemany("INSERT INTO django_admin_log (id, action_time, object_id, object_repr, action_flag, "
                   "change_message, content_type_id, user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   [(k, *e[1:]) for k, e in enumerate(entries, start=1)])


def build(path: str | Path = "db.sqlite3", scale: float = 1) -> None:
    """Fill the migrated, empty single database at ``path`` with the live site's rows; print a summary.

    ``scale`` shrinks the site: 0.2 gives a fifth of the users, posts, sessions and log entries, for
    a lesson whose commands save row by row. Refuses (and changes nothing) if the file is missing,
    not migrated, or already holds users.
    """
    if not 0.05 <= scale <= 1:
        raise ValueError(f"scale must be between 0.05 and 1, not {scale!r}")
    path = Path(path)
    if not path.is_file():
        raise NotMigrated(f"No {path.as_posix()} here: run this notebook's first cell, which restores the "
                          "project with notebook 01's single database.")
    db = sqlite3.connect(path)
    try:
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"auth_user", "acmeapp_post", "django_content_type"} <= names:
            raise NotMigrated(f"{path.as_posix()} is not the project's migrated single database: rerun this "
                              "notebook's first cell, then the migrate cell below it.")
        columns = {row[1] for row in db.execute("PRAGMA table_info(acmeapp_post)")}
        if "author_id" not in columns:
            raise NotMigrated(f"{path.as_posix()} lacks acmeapp's latest migrations (no author_id): run the "
                              "cell above, migrate --settings=core.settings.single, first.")
        if db.execute("SELECT COUNT(*) FROM auth_user").fetchone()[0]:
            raise NotMigrated(f"{path.as_posix()} already holds users, so it is left alone. To start the "
                              "lesson again, rerun this notebook's first cell.")
        with db:
            renumbered = _renumber_content_types(db)
            _fill(db, random.Random(SEED), scale)
    finally:
        db.close()
    counts = {t: sqlite.query(path, f"SELECT COUNT(*) FROM {t}").rows[0][0]
              for t in ("auth_user", "acmeapp_post", "django_admin_log")}
    print(f"{path.as_posix()} is now the live site: {counts['auth_user']:,} users, "
          f"{counts['acmeapp_post']:,} posts, {counts['django_admin_log']:,} admin log entries, and more.")
    if "acmeapp.post" in renumbered:
        before, after = renumbered["acmeapp.post"]
        print(f"Its content types are numbered as if acmeapp had been installed before Django's apps: "
              f"acmeapp.post is {after} here (migrate had numbered it {before}, as it does in the split's "
              "files).")


def start_split(settings: str = "core.settings.split") -> None:
    """Start the split again from nothing: delete the split's two SQLite files (only those), then
    ``migrate`` each alias into new ones (both at once), showing the commands."""
    from course.shell import manage_side_by_side

    if background.stop_all("dev server"):
        print("Stopped the dev server, which used the files about to be deleted: to go on, rerun the cells "
              "from `server = DevServer(…)` down.")
    if "django.db" in sys.modules and sys.modules["django.conf"].settings.configured:
        sys.modules["django.db"].connections.close_all()  # else they would write to the deleted files
    for name in SPLIT_FILES:
        if Path(name).exists():
            Path(name).unlink()
            print(f"Deleted {name}")
    # Two files, two databases: the two migrations need not wait for each other.
    manage_side_by_side(*[("migrate", f"--database={alias}", f"--settings={settings}", "-v", "0")
                          for alias in ("auth_db", "acmeapp_db")])
