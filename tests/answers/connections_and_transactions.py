"""The answers the checks of the lesson ``connections_and_transactions`` are tried on (see __init__.py)."""

from __future__ import annotations

from . import RIGHT, SOLUTION

PERSISTENT = '''%%writefile core/settings/persistent.py
import copy

from .postgres import *  # noqa: F403

DATABASES = copy.deepcopy(DATABASES)  # noqa: F405

for alias in {aliases}:
{body}
'''


def persistent(body: str, aliases: str = "('auth_db', 'acmeapp_db')") -> str:
    """A core/settings/persistent.py whose loop over ``aliases`` runs ``body`` (indented here)."""
    return PERSISTENT.format(aliases=aliases, body="\n".join("    " + line for line in body.splitlines()))


CASES = {
    "check_persistent_connections": [
        (SOLUTION, RIGHT),
        (persistent("DATABASES[alias].update(CONN_MAX_AGE=None, CONN_HEALTH_CHECKS=True)"), RIGHT),
        (persistent("pass"), "core.settings.persistent is still the stub: CONN_MAX_AGE is still 0"),
        (persistent("DATABASES[alias]['CONN_MAX_AGE'] = 60"),
         "auth_db kept its connection, but when the server closed it (as a restart or an idle timeout does) "
         "the next request failed"),
        (persistent("DATABASES[alias]['CONN_MAX_AGE'] = 60\nDATABASES[alias]['CONN_HEALTH_CHECKS'] = True",
                    aliases="('acmeapp_db',)"),
         "auth_db still closes its connection at the end of each request"),
        (persistent("DATABASES[alias]['CONN_MAX_AGE'] = 60\nDATABASES[alias]['CONN_HEALTH_CHECKS'] = True\n"
                    "DATABASES[alias]['OPTIONS'] = {'pool': True}"),
         "auth_db has a pool (OPTIONS['pool']) and CONN_MAX_AGE 60: Django refuses the two together "
         "(ImproperlyConfigured: Pooling doesn't support persistent connections.)"),
        (persistent("DATABASES[alias]['OPTIONS'] = {'pool': True}"), "auth_db has a pool (OPTIONS['pool'])"),
        (persistent("DATABASES[alias]['CONN_MAX_AGE'] = 60\nDATABASES[alias]['CONN_HEALTH_CHECKS'] = True\n"
                    "DATABASES[alias]['NAME'] = 'nowhere'"), "auth_db does not connect under"),
    ],
    "check_titles_sql": [
        (SOLUTION, RIGHT),
        ('def titles_sql():\n'
         '    with connections["acmeapp_db"].cursor() as cursor:\n'
         '        cursor.execute("SELECT title FROM acmeapp_post ORDER BY 1")\n'
         '        return [row[0] for row in cursor.fetchall()]', RIGHT),
        ('def titles_sql():\n    return []', "titles_sql() still returns an empty list"),
        ('def titles_sql():\n'
         '    with connection.cursor() as cursor:\n'
         '        cursor.execute("SELECT title FROM acmeapp_post ORDER BY title")\n'
         '        return [row[0] for row in cursor.fetchall()]',
         "titles_sql() asked the alias 'default', which is empty here (line 2 of your cell: "
         "`with connection.cursor() as cursor:`)"),
        ('def titles_sql():\n'
         '    with connections["acmeapp_db"].cursor() as cursor:\n'
         '        cursor.execute("SELECT title FROM acmeapp_post ORDER BY title")\n'
         '        return cursor.fetchall()', "titles_sql() returns a tuple per row"),
        ('def titles_sql():\n'
         '    with connections["acmeapp_db"].cursor() as cursor:\n'
         '        cursor.execute("SELECT title FROM acmeapp_post ORDER BY id")\n'
         '        return [row[0] for row in cursor.fetchall()]',
         "titles_sql() returns every title, but not sorted"),
        ('def titles_sql():\n    return list(Post.objects.order_by("title").values_list("title", flat=True))',
         "titles_sql() gets the titles through the ORM"),
        ('def titles_sql():\n'
         '    with connections["auth_db"].cursor() as cursor:\n'
         '        cursor.execute("SELECT title FROM acmeapp_post ORDER BY title")\n'
         '        return [row[0] for row in cursor.fetchall()]',
         "titles_sql() ran its SQL where acmeapp_post is not (line 3 of your cell: "),
    ],
    "check_publish": [
        (SOLUTION, RIGHT),
        ('def publish(title, outbox):\n'
         '    Post.objects.create(title=title, body="")\n'
         '    transaction.on_commit(lambda: outbox.append(title), using="acmeapp_db")', RIGHT),
        ('def publish(title, outbox):\n    pass', "publish() is still the stub: it saves no post"),
        ('def publish(title, outbox):\n'
         '    Post.objects.create(title=title, body="")\n'
         '    transaction.on_commit(lambda: outbox.append(title))',
         "publish() raised ImproperlyConfigured (line 3 of your cell: "
         "`transaction.on_commit(lambda: outbox.append(title))`)"),
        ('def publish(title, outbox):\n'
         '    Post.objects.create(title=title, body="")\n'
         '    transaction.on_commit(lambda: outbox.append(title), using="auth_db")',
         "The transaction of acmeapp_db that saved the post rolled back, and yet the title went out"),
        ('def publish(title, outbox):\n'
         '    Post.objects.create(title=title, body="")\n'
         '    outbox.append(title)',
         "The transaction of acmeapp_db that saved the post rolled back, and yet the title went out"),
        ('def publish(title, outbox):\n'
         '    transaction.on_commit(lambda: outbox.append(title), using="acmeapp_db")',
         "publish() saved no post"),
        ('def publish(title, outbox):\n'
         '    with transaction.atomic():\n'
         '        Post.objects.create(title=title, body="")\n'
         '        transaction.on_commit(lambda: outbox.append(title), using="acmeapp_db")',
         "publish() raised ImproperlyConfigured (line 2 of your cell: `with transaction.atomic():`)"),
    ],
    "check_append_line": [
        (SOLUTION, RIGHT),
        ('from django.db.models import Value\nfrom django.db.models.functions import Concat\n\n\n'
         'def append_line(pk, line):\n'
         '    Post.objects.filter(pk=pk).update(body=Concat("body", Value(line + "\\n")))', RIGHT),
        ('def append_line(pk, line):\n    pass', "append_line() is still the stub"),
        ('def append_line(pk, line):\n'
         '    post = Post.objects.get(pk=pk)\n'
         '    post.body += line + "\\n"\n'
         '    post.save()', r"A line was lost: the body is now 'one\ntwo\n', without 'other'"),
        ('def append_line(pk, line):\n'
         '    with transaction.atomic(using="auth_db"):\n'
         '        post = Post.objects.select_for_update().get(pk=pk)\n'
         '        post.body += line + "\\n"\n'
         '        post.save()',
         "append_line(pk, 'one') raised TransactionManagementError (line 3 of your cell: "
         "`post = Post.objects.select_for_update().get(pk=pk)`): select_for_update cannot be used outside "
         "of a transaction. The lock is taken on the connection of the alias that holds the row"),
        ('def append_line(pk, line):\n'
         '    with transaction.atomic():\n'
         '        post = Post.objects.select_for_update().get(pk=pk)\n'
         '        post.body += line + "\\n"\n'
         '        post.save()', "append_line(pk, 'one') raised ImproperlyConfigured (line 2 of your cell: "
         "`with transaction.atomic():`)"),
        ('def append_line(pk, line):\n'
         '    with transaction.atomic(using="acmeapp_db"):\n'
         '        post = Post.objects.select_for_update().get(pk=pk)\n'
         '        post.body += line\n'
         '        post.save()',
         r"append_line(pk, 'one') on an empty body left 'one': it should add the line and"),
        ('def append_line(pk, line):\n'
         '    with transaction.atomic(using="acmeapp_db"):\n'
         '        post = Post.objects.select_for_update(nowait=True).get(pk=pk)\n'
         '        post.body += line + "\\n"\n'
         '        post.save()', "append_line(pk, 'two') raised OperationalError (line 3 of your cell: "),
    ],
}
