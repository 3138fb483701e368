"""The answers the checks of the lesson ``queries_across_databases`` are tried on (see __init__.py)."""

from __future__ import annotations

from . import RIGHT, SOLUTION

STAFF = 'def posts_by_staff():\n    {body}\n'

CASES = {
    "check_query_predictions": [
        (SOLUTION, RIGHT),
        (lambda solution: solution.replace('"ada.post_set.all()": "works"', '"ada.post_set.all()": "fails"'),
         "Not what Django did: ada.post_set.all() works."),
        (lambda solution: solution.replace('"fails"', '"fail"', 1), "write 'works' or 'fails'"),
        ('PREDICT_QUERIES = {"Post.objects.filter(author=ada)": "works"}',
         "Give PREDICT_QUERIES as the dict"),
    ],
    "check_delete_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_DELETE = "deleted with her"', "Django says 'author_id keeps her id'. Post.author has "
                                                "on_delete=models.DO_NOTHING"),
        ('PREDICT_DELETE = "None"', "is not one of the choices"),
    ],
    "check_relation_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_RELATION = "allowed: AuthRouter answers True"',
         "Django says 'ValueError: the routers prevent this relation'. Before asking, Django gives the "
         "unsaved post the database it will be written to"),
        ('PREDICT_RELATION = "allowed: the new post has no database yet"', "(db_for_write: acmeapp_db)"),
        ('PREDICT_RELATION = "ValueError"', "is not one of the choices"),
    ],
    "check_limits_prediction": [
        (SOLUTION, RIGHT),
        (lambda solution: solution.replace('999": "works"', '999": "fails"'),
         "Not what Django did: Post.objects.create(title='Ghost', author_id=999) works."),
        (lambda solution: solution.replace("Ada'))\": \"fails\"", "Ada'))\": \"works\""),
         "Not what Django did: list(User.objects.filter(post__title='Hello from Ada')) fails."),
        (lambda solution: solution.replace('"works"', "True"), "write 'works' or 'fails'"),
        ("""PREDICT_LIMITS = {"list(Post.objects.order_by('author__username'))": "fails"}""",
         "Give PREDICT_LIMITS as the dict"),
    ],
    "check_posts_by_staff": [
        (SOLUTION, RIGHT),
        (STAFF.format(body="return Post.objects.filter(author__is_staff=True)"),
         "posts_by_staff() is still the stub"),
        (STAFF.format(body="ids = [user.pk for user in User.objects.filter(is_staff=True)]\n"
                           "    return [post for post in Post.objects.filter(author_id__in=ids)]"), RIGHT),
        (STAFF.format(body="return Post.objects.filter(author__in=User.objects.filter(is_staff=True))"),
         "makes acmeapp_db read auth_user"),
        (STAFF.format(body="Post.objects.filter(author__is_staff=True)"), "is its `return` missing?"),
        (STAFF.format(body="return Post.objects.filter(author__in=User.objects.using('auth_db')"
                           ".filter(is_staff=True))"), "Django refuses"),
        (STAFF.format(body="return Post.objects.filter(author_id__in=staf)"),
         "raised NameError: name 'staf' is not defined (line 2 of your cell"),
        (STAFF.format(body="return Post.objects.all()"), "the staff users wrote 1"),
        (STAFF.format(body="return Post.objects.filter(title='Notes by kim')"),
         "wrong once the check added a staff user"),
        (STAFF.format(body="return Post.objects.filter(author_id=kim.pk)"), "wrong once the check added"),
        (STAFF.format(body="return [p for p in Post.objects.all() if p.author and p.author.is_staff]"),
         "Ada's orphan"),
        (STAFF.format(body="return Post.objects.filter(author_id__in=[kim.pk])"
                           ".values_list('title', flat=True)"),
         "return the posts themselves"),
    ],
}
