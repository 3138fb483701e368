"""The checks of 10 · Queries across databases (``notebooks/10_queries_across_databases.ipynb``)."""

from __future__ import annotations

from course.exercises.judges import Correct, Incorrect, choice, django_ready, judged, raised, your_line

__all__ = ["check_query_predictions", "check_delete_prediction", "check_relation_prediction",
           "check_limits_prediction", "check_posts_by_staff"]


STUB_QUERY = "returnPost.objects.filter(author__is_staff=True)"  # the stub's query, without its spaces


def _is_stub(function) -> bool:
    """Whether ``function`` still holds the exercise's stub query (its source, spaces aside)."""
    import inspect

    try:
        return STUB_QUERY in "".join(inspect.getsource(function).split())
    except (OSError, TypeError):  # no source to read (defined where IPython keeps none)
        return False


def _staff_posts_answer(posts_by_staff) -> list:
    """Call the learner's ``posts_by_staff()`` and return its posts; explain any error it raises."""
    from django.contrib.auth.models import User
    from django.db import OperationalError

    try:
        result = posts_by_staff()
        if result is None:
            raise Incorrect("posts_by_staff() returned None: is its `return` missing?")
        return list(result)
    except OperationalError as error:
        if "auth_user" not in str(error):
            raise Incorrect(f"posts_by_staff() failed: {error}{your_line(error)}.") from None
        if _is_stub(posts_by_staff):
            raise Incorrect(f"posts_by_staff() is still the stub, the query for one database: it makes "
                            f"acmeapp_db read auth_user ({error}). Rewrite it for two databases: how many "
                            "queries do you need, and on which databases?") from None
        raise Incorrect(f"posts_by_staff() makes acmeapp_db read auth_user ({error}), through a join or "
                        "a subquery; but that table lives in auth_db, and one SQL statement cannot "
                        "span two databases. How many queries do you need, and on which "
                        "databases?") from None
    except ValueError as error:  # Django's own message for an explicit using() in a subquery
        raise Incorrect(f"Django refuses: {error} A queryset of another database cannot become part "
                        "of this query, even with using().") from None
    except User.DoesNotExist:
        raise Incorrect("posts_by_staff() followed post.author for a post whose author was deleted "
                        "(Ada's orphan): compare the column author_id with the staff users' ids "
                        "instead of following the relation.") from None
    except Incorrect:
        raise
    except Exception as error:
        raise raised("posts_by_staff()", error) from None


def _staff_posts_problem(answer: list) -> str:
    """What is wrong with ``answer`` as the posts of the staff users now in the databases, or ``""``."""
    from django.contrib.auth.models import User

    from acmeapp.models import Post

    if not all(isinstance(post, Post) for post in answer):
        shown = repr(answer[:3])[:-1] + (", …]" if len(answer) > 3 else "]")
        return (f"posts_by_staff() returned {shown}: return the posts themselves (Post objects), "
                "not ids or titles.")
    staff = list(User.objects.filter(is_staff=True).values_list("pk", flat=True))
    expected = set(Post.objects.filter(author_id__in=staff).values_list("pk", flat=True))
    found = {post.pk for post in answer}
    if found == expected:
        return ""
    titles = ", ".join(sorted(repr(post.title) for post in answer)) or "none"
    wrong = f"{len(answer)} post(s)" if len(found) != len(expected) else "other posts"
    return (f"posts_by_staff() returned {wrong} ({titles}); the staff users wrote {len(expected)}: "
            "filter the users on is_staff, then the posts on author_id.")


def _works_or_fails(name: str, answer, runs: dict) -> None:
    """Raise ``Incorrect`` unless ``answer`` is the cell's dict of the labels of ``runs``, each set to
    'works' or 'fails'."""
    if not isinstance(answer, dict) or set(answer) != set(runs):
        raise Incorrect(f"Give {name} as the dict of the cell, with each value set to 'works' or 'fails'.")
    if all(value is None for value in answer.values()):
        raise Incorrect(f"{name} is still empty: set each value to 'works' or 'fails'.")
    for label, value in answer.items():
        if value not in ("works", "fails"):
            raise Incorrect(f"{name}[{label!r}] = {value!r}: write 'works' or 'fails'.")


def _outcomes(runs: dict, *args) -> dict:
    """Each label of ``runs`` with 'works' or 'fails': what its code, called with ``args``, did."""
    from django.db import DatabaseError

    found = {}
    for label, run in runs.items():
        try:
            run(*args)
            found[label] = "works"
        except DatabaseError:
            found[label] = "fails"
    return found


_QUERIES = {  # label: (code, run it); the user 'ada' and her post exist when the check runs
    "Post.objects.filter(author=ada)": lambda ada, Post: list(Post.objects.filter(author=ada)),
    "ada.post_set.all()": lambda ada, Post: list(ada.post_set.all()),
    "Post.objects.filter(author__username='ada')":
        lambda ada, Post: list(Post.objects.filter(author__username="ada")),
    "Post.objects.select_related('author')": lambda ada, Post: list(Post.objects.select_related("author")),
}


@judged
def check_query_predictions(answer) -> Correct:
    """Which of four queries on posts and their authors work across the two databases."""
    django_ready()
    from django.contrib.auth.models import User

    from acmeapp.models import Post

    _works_or_fails("PREDICT_QUERIES", answer, _QUERIES)
    ada = User.objects.filter(username="ada").first()
    if ada is None:
        raise Incorrect("Ada is gone (the cells below delete her): this prediction needs her. Rerun the "
                        "notebook from the top to try it in order.")
    truth = _outcomes(_QUERIES, ada, Post)
    wrong = [f"{label} {truth[label]}" for label in _QUERIES if answer[label] != truth[label]]
    if wrong:
        raise Incorrect("Not what Django did: " + "; ".join(wrong) + ". A query works when it reads one "
                        "table, or one database's tables; a join needs both tables in one database.")
    return Correct("the two queries on author_id work (one table each); the two joins need auth_user in "
                   "acmeapp_db.", {"answer": answer, "expected": truth})


_ON_DELETE = {"CASCADE": "deleted with her", "SET_NULL": "author_id becomes None",
              "DO_NOTHING": "author_id keeps her id"}


@judged
def check_delete_prediction(answer) -> Correct:
    """What deleting a user does to her posts, from ``Post.author``'s ``on_delete``."""
    django_ready()
    from acmeapp.models import Post

    on_delete = Post._meta.get_field("author").remote_field.on_delete.__name__
    truth = _ON_DELETE.get(on_delete, on_delete)
    compared = choice("PREDICT_DELETE", answer, tuple(_ON_DELETE.values()), truth,
                      f"Post.author has on_delete=models.{on_delete}: Django does not look for the posts at "
                      "all, and no database constraint stops the delete either (db_constraint=False).")
    return Correct(f"{truth}: on_delete=models.{on_delete}.", compared)


_RELATION = ("allowed: AuthRouter answers True", "allowed: the new post has no database yet",
             "ValueError: the routers prevent this relation")


@judged
def check_relation_prediction(answer, router, user) -> Correct:
    """What assigning ``user`` as the author of a new post does with ``router`` in front of the project's
    routers: tried for real, under ``override_settings``, then judged."""
    django_ready()
    from django.conf import settings
    from django.test import override_settings

    from acmeapp.models import Post

    try:
        with override_settings(DATABASE_ROUTERS=[router(), *settings.DATABASE_ROUTERS]):
            Post(title=f"By {user.username}").author = user
    except ValueError:
        truth = _RELATION[2]
    except Exception as error:
        raise raised("The assignment", error) from None
    else:
        raise Incorrect(f"With {router.__name__} in front, the assignment was allowed: that is not the "
                        "router of the cell above. Rerun that cell, then this one.")
    compared = choice("PREDICT_RELATION", answer, _RELATION, truth,
                      "Before asking, Django gives the unsaved post the database it will be written to "
                      "(db_for_write: acmeapp_db); then it asks the routers in order, and the first answer "
                      "that is not None decides: SameDatabaseOnly's, which compares two databases.")
    return Correct(f"{truth}: the first router's answer decides, and the post already counts as "
                   "acmeapp_db's.", compared)


_LIMITS = {  # label: what the check runs; the user 'ada' is deleted, her post stays, when it runs
    "Post.objects.create(title='Ghost', author_id=999)  # no user 999":
        lambda Post, User: Post.objects.create(title="Ghost", author_id=999).delete(),
    "list(Post.objects.order_by('author__username'))":
        lambda Post, User: list(Post.objects.order_by("author__username")),
    "list(User.objects.filter(post__title='Hello from Ada'))":
        lambda Post, User: list(User.objects.filter(post__title="Hello from Ada")),
}


@judged
def check_limits_prediction(answer) -> Correct:
    """Which of three statements Django runs across the two databases, with ``db_constraint=False``:
    each tried for real (the post it creates is deleted again)."""
    django_ready()
    from django.contrib.auth.models import User

    from acmeapp.models import Post

    _works_or_fails("PREDICT_LIMITS", answer, _LIMITS)
    truth = _outcomes(_LIMITS, Post, User)
    wrong = [f"{label.split('  #')[0]} {truth[label]}" for label in _LIMITS if answer[label] != truth[label]]
    if wrong:
        raise Incorrect("Not what Django did: " + "; ".join(wrong) + ". No database checks author_id any "
                        "more, and a statement that needs the other database's table fails, from either "
                        "side.")
    return Correct("nothing checks author_id, and a join fails from either side.",
                   {"answer": answer, "expected": truth})


@judged
def check_posts_by_staff(posts_by_staff) -> Correct:
    """``posts_by_staff()`` returns the posts of staff users, with one query per database: on the
    notebook's data, then with one more staff user and post, which the check removes again."""
    import uuid

    from django.contrib.auth.models import User

    from acmeapp.models import Post

    if not callable(posts_by_staff):
        raise Incorrect(f"Pass the function itself, posts_by_staff, not {posts_by_staff!r}.")
    found = _staff_posts_answer(posts_by_staff)
    problem = _staff_posts_problem(found)
    if problem:
        raise Incorrect(problem)
    extra = User.objects.create_user(f"check-{uuid.uuid4().hex[:8]}", is_staff=True)
    post = Post.objects.create(title=f"Checked with {extra.username}", author=extra)
    try:
        problem = _staff_posts_problem(_staff_posts_answer(posts_by_staff))
    finally:
        post.delete()
        extra.delete()
    if problem:
        raise Incorrect(f"Right for the notebook's users, wrong once the check added a staff user "
                        f"{extra.username!r} with a post: {problem}")
    return Correct("posts_by_staff() finds the posts of staff users, whoever they are, with one query per "
                   "database.", {"titles": sorted(post.title for post in found)})
