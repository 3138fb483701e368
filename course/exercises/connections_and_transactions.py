"""The checks of 15 · Connections and transactions per alias
(``notebooks/15_connections_and_transactions.ipynb``).

Each runs the learner's answer against the lesson's embedded PostgreSQL: requests simulated as
Django's handler makes them, transactions that commit and roll back, a second connection that holds
a row lock.
"""

from __future__ import annotations

import threading

from course.exercises.judges import Correct, Incorrect, django_ready, is_stub, judged, raised, your_line
from course.exercises.probes import settings_report

__all__ = ["check_append_line", "check_persistent_connections", "check_publish", "check_titles_sql"]

# Three requests per alias, as Django's handler makes them; between the second and the third the
# server closes the connection (as a restart or an idle timeout would). Prints JSON on its last line.
_REQUESTS = """
import json, os
import psycopg
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connections

URLS = {'auth_db': 'AUTH_DATABASE_URL', 'acmeapp_db': 'ACMEAPP_DATABASE_URL'}
found = {}
for alias, variable in URLS.items():
    db = settings.DATABASES[alias]
    pids, errors = [], []
    for request in range(3):
        request_started.send(sender=None)
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute('SELECT pg_backend_pid()')
                pids.append(cursor.fetchone()[0])
        except Exception as error:
            pids.append(None)
            errors.append((f'{type(error).__name__}: {error}'.splitlines() or [''])[0])
        request_finished.send(sender=None)
        if request == 1 and pids[1] is not None:
            with psycopg.connect(os.environ[variable], autocommit=True) as other:
                other.execute('SELECT pg_terminate_backend(%s)', [pids[1]])
    found[alias] = {'max_age': db.get('CONN_MAX_AGE'), 'health': db.get('CONN_HEALTH_CHECKS'),
                    'pool': bool(db.get('OPTIONS', {}).get('pool')), 'pids': pids, 'errors': errors}
print(json.dumps(found))
"""


@judged
def check_persistent_connections(module: str = "core.settings.persistent") -> Correct:
    """Under ``module`` each alias keeps one connection across requests, and opens a new one when the
    server has closed it (health checks), without a pool."""
    found = settings_report(module, _REQUESTS)
    if all(f["max_age"] == 0 and not f["health"] and not f["pool"] for f in found.values()):
        raise Incorrect(f"{module} is still the stub: CONN_MAX_AGE is still 0 on both aliases, so each "
                        "request opens a connection of its own and closes it at its end.")
    for alias, f in found.items():
        if f["pool"]:
            if f["errors"]:
                raise Incorrect(f"{alias} has a pool (OPTIONS['pool']) and CONN_MAX_AGE {f['max_age']}: "
                                f"Django refuses the two together ({f['errors'][0]}). This exercise asks for "
                                "persistent connections without a pool: the pool comes next.")
            raise Incorrect(f"{alias} has a pool (OPTIONS['pool']): this exercise asks for persistent "
                            "connections without one (CONN_MAX_AGE). The pool comes in the next section.")
        if f["max_age"] == 0:
            raise Incorrect(f"{alias} still closes its connection at the end of each request (CONN_MAX_AGE "
                            "is 0): set it on both aliases, in the loop.")
        if f["errors"] and f["pids"][0] is None:
            raise Incorrect(f"{alias} does not connect under {module}: {f['errors'][0]}")
        if f["pids"][0] != f["pids"][1]:
            raise Incorrect(f"{alias} opened a new connection for the second request although "
                            f"CONN_MAX_AGE is {f['max_age']!r}: give it a number of seconds (60) or None.")
        if not f["health"]:
            raise Incorrect(f"{alias} kept its connection, but when the server closed it (as a restart or "
                            "an idle timeout does) the next request failed: "
                            f"{f['errors'][0] if f['errors'] else 'no new connection'}. Turn on "
                            "CONN_HEALTH_CHECKS, so that Django tests a kept connection at its first use "
                            "in each request, and opens a new one if the old one is gone.")
        if f["errors"]:
            raise Incorrect(f"{alias}'s third request failed after the server closed its connection: "
                            f"{f['errors'][0]}")
    ages = sorted({repr(f["max_age"]) for f in found.values()})
    return Correct(f"under {module} each alias served two requests on one connection, and the third on a new "
                   "one after the server had closed the old one (health checks).",
                   {"CONN_MAX_AGE": ages, "CONN_HEALTH_CHECKS": True})


def _posts():
    """The model Post, once Django is set up in this kernel."""
    django_ready()
    from acmeapp.models import Post

    return Post


@judged
def check_titles_sql(titles_sql) -> Correct:
    """``titles_sql()`` returns every post's title, sorted, read with raw SQL on the posts' database."""
    from django.core.exceptions import ImproperlyConfigured
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    Post = _posts()
    truth = list(Post.objects.order_by("title").values_list("title", flat=True))
    with CaptureQueriesContext(connections["acmeapp_db"]) as ran:
        try:
            answer = titles_sql()
        except ImproperlyConfigured as error:
            raise Incorrect(f"titles_sql() asked the alias 'default', which is empty here{your_line(error)}: "
                            f"ImproperlyConfigured: {error} django.db.connection is connections['default']: "
                            "take the connection of the alias the routers choose for Post, "
                            "connections[router.db_for_read(Post)].") from None
        except Exception as error:
            if "does not exist" in str(error):
                first = str(error).splitlines()[0]
                raise Incorrect(f"titles_sql() ran its SQL where acmeapp_post is not{your_line(error)}: "
                                f"{type(error).__name__}: {first}. Take the connection of the alias the "
                                "routers choose for Post: connections[router.db_for_read(Post)].") from None
            raise raised("titles_sql()", error) from None
    if answer == [] and truth:
        raise Incorrect("titles_sql() still returns an empty list: run the query on a cursor and return "
                        "its titles.")
    if not isinstance(answer, list):
        raise Incorrect(f"titles_sql() returned {type(answer).__name__}: return a list of titles.")
    if answer and all(isinstance(row, tuple) for row in answer):
        raise Incorrect("titles_sql() returns a tuple per row, as fetchall() gives them: return each row's "
                        "first item, the title itself.")
    mine = [q["sql"] for q in ran.captured_queries]
    if mine and all('"acmeapp_post"."' in sql for sql in mine):
        raise Incorrect("titles_sql() gets the titles through the ORM: write the SQL yourself, on a cursor "
                        "of the right connection.")
    if sorted(answer) == truth and answer != truth:
        raise Incorrect("titles_sql() returns every title, but not sorted: let the database sort them "
                        "(ORDER BY title).")
    if answer != truth:
        raise Incorrect(f"titles_sql() returns {len(answer)} titles; acmeapp_db holds {len(truth)} posts. "
                        "Select the title of every row of acmeapp_post.")
    return Correct(f"titles_sql() reads the {len(truth)} titles with its own SQL, from acmeapp_db.",
                   {"titles": len(truth)})


class _RolledBack(Exception):
    """Raised inside a transaction to roll it back, as a failed request would."""


def _exists(title: str) -> bool:
    return _posts().objects.filter(title=title).exists()


@judged
def check_publish(publish) -> Correct:
    """``publish(title, outbox)`` saves a post, and puts its title in ``outbox`` only once the posts'
    transaction commits: never when it rolls back, at once without a transaction."""
    from django.core.exceptions import ImproperlyConfigured
    from django.db import transaction

    Post = _posts()
    titles = ["Check: rolled back", "Check: committed", "Check: no transaction"]
    Post.objects.filter(title__in=titles).delete()

    def publishing(title, outbox):
        try:
            publish(title, outbox)
        except ImproperlyConfigured as error:
            raise Incorrect(f"publish() raised ImproperlyConfigured{your_line(error)}: {error} Without "
                            "using=, transaction.atomic() and transaction.on_commit() are about the alias "
                            "'default', which is empty here: name the posts' alias, whose transaction must "
                            "commit.") from None
        except Exception as error:
            raise raised(f"publish({title!r}, outbox)", error) from None

    if is_stub(publish):
        raise Incorrect("publish() is still the stub: it saves no post and sends nothing.")
    try:
        outbox = []
        try:
            with transaction.atomic(using="acmeapp_db"):
                publishing(titles[0], outbox)
                if not _exists(titles[0]):
                    raise Incorrect("publish() saved no post: create it (Post.objects.create(…)), then "
                                    "register the sending.")
                raise _RolledBack
        except _RolledBack:
            pass
        if outbox:
            raise Incorrect("The transaction of acmeapp_db that saved the post rolled back, and yet the "
                            "title went out: the callback ran at once. on_commit() runs it when the "
                            "transaction of the alias you name commits; with no transaction open on that "
                            "alias (another alias, or no on_commit at all) it runs at once.",
                            {"rolled back": outbox})
        outbox = []
        with transaction.atomic(using="acmeapp_db"):
            publishing(titles[1], outbox)
            early = list(outbox)
        if early:
            raise Incorrect("The title went out before the transaction of acmeapp_db committed: register "
                            "the sending with transaction.on_commit(…, using=…) on the posts' alias.")
        if outbox != [titles[1]]:
            raise Incorrect(f"After the commit the outbox holds {outbox!r}: it should hold the title, once.")
        outbox = []
        publishing(titles[2], outbox)
        if outbox != [titles[2]] or not _exists(titles[2]):
            raise Incorrect("Without a transaction (autocommit), publish() should save the post and send the "
                            f"title at once; the outbox holds {outbox!r}.")
    finally:
        Post.objects.filter(title__in=titles).delete()
    return Correct("the title goes out after the commit of acmeapp_db, never when it rolls back, at once "
                   "without a transaction.", {"rolled back": [], "committed": [titles[1]]})


def _in_thread(function, *args) -> tuple[threading.Thread, list]:
    """Start ``function(*args)`` in a thread of its own (its own connections, closed at its end);
    return the thread and the list that receives the exception it raised, if any."""
    from django.db import connections

    failed = []

    def run():
        try:
            function(*args)
        except BaseException as error:  # reported by the check
            failed.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, failed


@judged
def check_append_line(append_line) -> Correct:
    """``append_line(pk, line)`` adds a line to a post's body, and waits for a row lock that another
    transaction holds on the post, so that neither line is lost."""
    from django.db import connections, transaction

    Post = _posts()
    post = Post.objects.create(title="Check: append_line", body="")
    try:
        try:
            append_line(post.pk, "one")
        except Exception as error:
            raise _append_failed("append_line(pk, 'one')", error) from None
        post.refresh_from_db()
        if "one" not in post.body:
            raise Incorrect("append_line() is still the stub: the post's body did not change.")
        if post.body != "one\n":
            raise Incorrect(f"append_line(pk, 'one') on an empty body left {post.body!r}: it should add the "
                            "line and a newline, 'one\\n'.")
        thread, failed = None, []
        with transaction.atomic(using="acmeapp_db"):  # another request holds the post's row lock
            held = Post.objects.select_for_update().get(pk=post.pk)
            thread, failed = _in_thread(append_line, post.pk, "two")
            waited = _waits_for_lock(thread)
            held.body += "other\n"
            held.save(update_fields=["body"])
        thread.join(timeout=15)
        if thread.is_alive():
            raise Incorrect("append_line() still runs 15 s after the other transaction committed.")
        if failed:
            raise _append_failed("append_line(pk, 'two')", failed[0])
        post.refresh_from_db()
        lost = [line for line in ("other", "two") if line not in post.body]
        if lost:
            raise Incorrect(f"A line was lost: the body is now {post.body!r}, without {lost[0]!r}. "
                            "append_line() read the body while another transaction held the post's row lock, "
                            "then saved its own version over the other's. Read the post with "
                            "select_for_update(), inside atomic() on the posts' alias: it then waits for the "
                            "lock, and reads the body as the other transaction left it.")
        if not waited:
            raise Incorrect("append_line() kept both lines, but never waited for the row lock another "
                            "transaction held: lock the row with select_for_update().")
    finally:
        Post.objects.filter(pk=post.pk).delete()
        connections["acmeapp_db"].close()
    return Correct("append_line() waited for the other transaction's row lock, then added its line: none "
                   "is lost.", {"waited": True, "lines kept": 2})


def _append_failed(shown: str, error: Exception) -> Incorrect:
    """What to say when the learner's ``append_line`` raised ``error``; alias mistakes get their reason."""
    from django.core.exceptions import ImproperlyConfigured
    from django.db.transaction import TransactionManagementError

    if isinstance(error, Incorrect):
        return error
    if isinstance(error, TransactionManagementError):
        return Incorrect(f"{shown} raised TransactionManagementError{your_line(error)}: {error} The lock is "
                         "taken on the connection of the alias that holds the row, acmeapp_db: the atomic() "
                         "around it must be on that alias (router.db_for_write(Post)).")
    if "could not obtain lock" in str(error):
        first = str(error).splitlines()[0]
        return Incorrect(f"{shown} raised {type(error).__name__}{your_line(error)}: {first}. "
                         "With nowait=True, select_for_update() fails at once when another transaction holds "
                         "the lock: leave nowait out, so that it waits for the lock.")
    if isinstance(error, ImproperlyConfigured):
        return Incorrect(f"{shown} raised ImproperlyConfigured{your_line(error)}: {error} atomic() "
                         "without using= opens a transaction on 'default', which is empty here: name the "
                         "posts' alias.")
    return raised(shown, error)


def _waits_for_lock(thread: threading.Thread, timeout: float = 3.0) -> bool:
    """Whether ``thread`` comes to wait for a lock on acmeapp's database within ``timeout`` seconds
    (False as soon as it ends without)."""
    import time

    from django.db import connections

    deadline = time.monotonic() + timeout
    name = connections["acmeapp_db"].settings_dict["NAME"]
    with connections["auth_db"].cursor() as cursor:  # another database of the same server sees it all
        while thread.is_alive() and time.monotonic() < deadline:
            cursor.execute("SELECT COUNT(*) FROM pg_stat_activity "
                           "WHERE datname = %s AND wait_event_type = 'Lock'", [name])
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False
