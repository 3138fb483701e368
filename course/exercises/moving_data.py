"""The checks of 16 · Moving data between databases (``notebooks/16_moving_data.ipynb``).

They compare the learner's move with the live site, ``db.sqlite3``, read from the file itself: the
PostgreSQL databases after their ``loaddata``, the rows ``copy_rows`` wrote, and what a signal
receiver changed in each database.
"""

from __future__ import annotations

from course import sqlite
from course.exercises.judges import Correct, Incorrect, call, django_ready, is_stub, judged, raised

__all__ = ["check_copy_rows", "check_loaded", "check_tidy_title"]

LIVE = "db.sqlite3"
# What must arrive, as (name, database, SQL): the same SQL reads the live file and the PostgreSQL
# database. Content types and permissions are compared by their natural keys, never by id.
_MOVED = [
    ("users", "auth", "SELECT id, username FROM auth_user ORDER BY id"),
    ("groups", "auth", "SELECT id, name FROM auth_group ORDER BY id"),
    ("group permissions", "auth",
     "SELECT g.name, p.codename, ct.app_label, ct.model FROM auth_group_permissions AS gp "
     "JOIN auth_group AS g ON g.id = gp.group_id JOIN auth_permission AS p ON p.id = gp.permission_id "
     "JOIN django_content_type AS ct ON ct.id = p.content_type_id ORDER BY 1, 2, 3, 4"),
    ("user permissions", "auth",
     "SELECT up.user_id, p.codename, ct.app_label, ct.model FROM auth_user_user_permissions AS up "
     "JOIN auth_permission AS p ON p.id = up.permission_id "
     "JOIN django_content_type AS ct ON ct.id = p.content_type_id ORDER BY 1, 2, 3, 4"),
    ("group memberships", "auth",
     "SELECT ug.user_id, g.name FROM auth_user_groups AS ug JOIN auth_group AS g ON g.id = ug.group_id "
     "ORDER BY 1, 2"),
    ("admin log entries", "auth",
     "SELECT l.id, l.user_id, ct.app_label, ct.model, l.object_id FROM django_admin_log AS l "
     "LEFT JOIN django_content_type AS ct ON ct.id = l.content_type_id ORDER BY l.id"),
    ("posts", "acmeapp", "SELECT id, title, author_id FROM acmeapp_post ORDER BY id"),
]


def _rows(table) -> list[tuple]:
    return [tuple(row) for row in table.rows]


@judged
def check_loaded(pg) -> Correct:
    """The PostgreSQL databases hold the live site's users, groups, admin log and posts, with the
    same ids and the same content types and permissions (by natural key), and their sequences are
    past the ids loaded."""
    users = _rows(pg.sql("auth", _MOVED[0][2]))
    live_users = _rows(sqlite.query(LIVE, _MOVED[0][2]))
    if not users:
        raise Incorrect("auth_db still holds no user: dump auth.user, auth.group and admin.logentry with the "
                        "live settings, and load that file with loaddata --database=auth_db.")
    if users != live_users:
        if sorted(name for _, name in users) == sorted(name for _, name in live_users):
            raise Incorrect(f"auth_db holds every user, but with other ids (the highest is {users[-1][0]:,}; "
                            f"on the live site {live_users[-1][0]:,}): --natural-primary left the users' ids "
                            "out of the dump, and the posts, which point at users by id, would now name "
                            "someone else. Dump users with their ids; to load again, run empty_databases() "
                            "first.")
        raise Incorrect(f"auth_db holds {len(users):,} users; the live site {len(live_users):,}. To start "
                        "over, run empty_databases(), then your commands once.")
    posts = _rows(pg.sql("acmeapp", "SELECT COUNT(*) FROM acmeapp_post"))[0][0]
    if not posts:
        raise Incorrect("acmeapp_db holds no post yet: dump acmeapp with the live settings and load it with "
                        "loaddata --database=acmeapp_db. Posts point at users by id: a dump with "
                        "--natural-foreign writes usernames instead, which acmeapp_db cannot look up (it "
                        "has no auth_user).")
    for name, database, query in _MOVED:
        moved, live = _rows(pg.sql(database, query)), _rows(sqlite.query(LIVE, query))
        if moved != live:
            missing = len(set(live) - set(moved))
            raise Incorrect(f"The {name} differ from the live site's: {missing:,} of its {len(live):,} are "
                            f"missing or changed in {database}, which holds {len(moved):,}. Content types "
                            "and permissions have other ids there: refer to them with --natural-foreign, and "
                            "keep every other id. To start over, run empty_databases() first.")
    for database, table in (("auth", "auth_user"), ("acmeapp", "acmeapp_post")):
        highest = _rows(pg.sql(database, f"SELECT MAX(id) FROM {table}"))[0][0]
        sequence = _rows(pg.sql(database, "SELECT last_value FROM pg_sequences WHERE sequencename = "
                                          f"'{table}_id_seq'"))
        if not sequence or (sequence[0][0] or 0) < highest:
            raise Incorrect(f"The rows are right, but the sequence of {table} is still behind its highest id "
                            f"({highest:,}): the next insert would fail. loaddata resets it itself; run "
                            "sqlsequencereset's SQL if you loaded another way.")
    return Correct(f"auth_db and acmeapp_db hold the live site's {len(users):,} users, groups, permissions, "
                   f"admin log and {posts:,} posts, with their ids; content types and permissions matched by "
                   "natural key.", {"users": len(users), "posts": posts})


def _post():
    """The model Post, once Django is set up in this kernel."""
    django_ready()
    from acmeapp.models import Post

    return Post


@judged
def check_copy_rows(copy_rows) -> Correct:
    """``copy_rows(Post, "live", "acmeapp_db")`` copies every post, ids included, and leaves the
    sequence past them, so that the next post can be created."""
    from django.db import IntegrityError, connections, transaction

    Post = _post()
    if is_stub(copy_rows):
        raise Incorrect("copy_rows() is still the stub: it copies nothing.")
    with connections["acmeapp_db"].cursor() as cursor:
        cursor.execute("TRUNCATE acmeapp_post RESTART IDENTITY")
    print("acmeapp_post emptied (and its sequence set back to 1); copy_rows(Post, 'live', 'acmeapp_db')…")
    call("copy_rows(Post, 'live', 'acmeapp_db')", copy_rows, Post, "live", "acmeapp_db")
    fields = ("pk", "title", "body", "author_id")
    live = list(Post._base_manager.using("live").order_by("pk").values_list(*fields))
    copied = list(Post._base_manager.using("acmeapp_db").order_by("pk").values_list(*fields))
    if not copied:
        raise Incorrect("acmeapp_db holds no post after copy_rows(): write to the alias target "
                        "(.using(target) on the target's manager).")
    if len(copied) != len(live):
        raise Incorrect(f"acmeapp_db holds {len(copied):,} posts after copy_rows(); the live site "
                        f"{len(live):,}. Copy every row exactly once.")
    if copied != live:
        same = [a[1:] for a in live] == [b[1:] for b in copied]
        raise Incorrect("The posts arrived with other ids: keep each row's primary key (bulk_create keeps "
                        "the ids the objects hold)." if same else
                        "Some posts differ from the live site's: copy the rows as they are.")
    try:
        with transaction.atomic(using="acmeapp_db"):
            Post.objects.create(title="Check: after the copy", body="")
            raise _Undo
    except _Undo:
        pass
    except IntegrityError as error:
        raise Incorrect("Every post arrived, but the next one cannot be created "
                        f"({str(error).splitlines()[0]}): the sequence still starts at 1. Reset it on the "
                        "target after the copy "
                        "(connections[target].ops.sequence_reset_sql(no_style(), [model])).") from None
    return Correct(f"copy_rows() copied all {len(live):,} posts with their ids, and the next post gets a new "
                   "id.",
                   {"posts": len(live)})


class _Undo(Exception):
    """Raised inside a transaction to roll it back."""


@judged
def check_tidy_title(tidy_title) -> Correct:
    """``tidy_title``, connected to ``post_save``, strips the title in the database the post was saved to,
    touches no other, and does nothing on a raw save."""
    from django.db.models.signals import post_save

    Post = _post()
    names = set(getattr(getattr(tidy_title, "__code__", None), "co_varnames", ())) | set(
        getattr(getattr(tidy_title, "__code__", None), "co_consts", ()) or ())
    if callable(tidy_title) and not names & {"using", "raw"}:
        raise Incorrect("tidy_title is still the stub: it updates the post where the routers send Post, "
                        "whatever database it was saved to. Take the alias Django passes as using.")
    pks = (2, 3, 4)
    before = {alias: dict(Post._base_manager.using(alias).filter(pk__in=pks).values_list("pk", "title"))
              for alias in ("live", "acmeapp_db")}
    if any(len(titles) < len(pks) for titles in before.values()):
        raise Incorrect("This check needs posts 2 to 4 in both live and acmeapp_db: run the cells above it "
                        "first, in order (copy_rows() fills acmeapp_db).")
    try:
        post_save.connect(tidy_title, sender=Post, weak=False, dispatch_uid="check_tidy_title")
    except ValueError as error:
        raise Incorrect(f"post_save refuses tidy_title ({error}): end its parameters with **kwargs, since "
                        "Django passes more arguments than it uses, and may add some.") from None
    try:
        for alias, pk in (("live", 2), ("acmeapp_db", 3)):
            post = Post._base_manager.using(alias).get(pk=pk)
            post.title = f"  {before[alias][pk]}  "
            try:
                post.save(using=alias)
            except Exception as error:
                raise raised(f"tidy_title, after post.save(using={alias!r})", error) from None
        raw = Post._base_manager.using("acmeapp_db").get(pk=4)
        raw.title = f"  {before['acmeapp_db'][4]}  "
        try:
            raw.save_base(raw=True, using="acmeapp_db")  # as loaddata saves a fixture's row
        except Exception as error:
            raise raised("tidy_title, after a raw save (as loaddata does)", error) from None
        after = {alias: dict(Post._base_manager.using(alias).filter(pk__in=pks).values_list("pk", "title"))
                 for alias in ("live", "acmeapp_db")}
    finally:
        post_save.disconnect(sender=Post, dispatch_uid="check_tidy_title")
        for alias, titles in before.items():  # the posts as they were
            for pk, title in titles.items():
                Post._base_manager.using(alias).filter(pk=pk).update(title=title)
    if after["live"][2] != before["live"][2]:
        raise Incorrect(f"A post saved on live kept the spaces around its title ({after['live'][2]!r}): "
                        "strip it in the database it was saved to, .using(using).")
    if after["acmeapp_db"][2] != before["acmeapp_db"][2] or after["live"][3] != before["live"][3]:
        raise Incorrect("A save on one database changed a post of the other one, which only shares its id: "
                        "write with .using(using) only.")
    if after["acmeapp_db"][3] != before["acmeapp_db"][3]:
        raise Incorrect("A post saved on acmeapp_db kept the spaces around its title "
                        f"({after['acmeapp_db'][3]!r}).")
    if after["acmeapp_db"][4] != f"  {before['acmeapp_db'][4]}  ":
        raise Incorrect("A raw save (loaddata's) had its title changed: return at once when raw is true, so "
                        "that a fixture's rows arrive as they were dumped.")
    return Correct("tidy_title strips the title where the post was saved, touches the other database never, "
                   "and leaves raw saves alone.", {"aliases": ["live", "acmeapp_db"], "raw": "untouched"})
