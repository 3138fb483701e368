"""The checks of 10 · Queries across databases (``notebooks/10_queries_across_databases.ipynb``)."""

from __future__ import annotations

from course.exercises.judges import Correct, Incorrect, choice, django_ready, judged, raised, your_line

__all__ = ["check_query_predictions", "check_delete_prediction", "check_posts_by_staff"]


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
    from django.db import DatabaseError

    from acmeapp.models import Post

    if not isinstance(answer, dict) or set(answer) != set(_QUERIES):
        raise Incorrect("Give PREDICT_QUERIES as the dict of the cell, with each value set to "
                        "'works' or 'fails'.")
    if all(value is None for value in answer.values()):
        raise Incorrect("PREDICT_QUERIES is still empty: set each value to 'works' or 'fails'.")
    for label, value in answer.items():
        if value not in ("works", "fails"):
            raise Incorrect(f"PREDICT_QUERIES[{label!r}] = {value!r}: write 'works' or 'fails'.")
    ada = User.objects.filter(username="ada").first()
    if ada is None:
        raise Incorrect("Ada is gone (the cells below delete her): this prediction needs her. Rerun the "
                        "notebook from the top to try it in order.")
    truth = {}
    for label, run in _QUERIES.items():
        try:
            run(ada, Post)
            truth[label] = "works"
        except DatabaseError:
            truth[label] = "fails"
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
