"""The answers the checks of the lesson ``testing`` are tried on (see __init__.py)."""

from __future__ import annotations

from . import RIGHT, SOLUTION

AUTHOR_TESTS = '''%%writefile acmeapp/test_exercise.py
from django.contrib.auth.models import User
from django.test import TestCase

from acmeapp.models import Post


class AuthorTests(TestCase):
    {databases}

    def test_user_and_post(self):
        User.objects.create_user("ada", password="not-a-real-password")
        Post.objects.create(title="By Ada")
        self.assertEqual(User.objects.count(), 1)
        self.assertEqual(Post.objects.count(), {count})
'''

CASES = {
    "check_test_run_prediction(PREDICT_OUTCOME": [
        (SOLUTION, RIGHT),
        ('PREDICT_OUTCOME = "passes"', "Django says 'Circular dependency'. Before any test runs"),
        ('PREDICT_OUTCOME = "circular dependency"', "is not one of the choices"),
    ],
    "check_test_run_prediction(PREDICT_ALL": [
        (SOLUTION, RIGHT),
        ('PREDICT_ALL = "passes"', "Django says 'ENGINE error'. '__all__' includes the empty 'default'"),
    ],
    "check_test_module_passes": [
        (SOLUTION, RIGHT),
        (AUTHOR_TESTS.format(databases="", count=1),
         "AuthorTests still has no databases attribute, as in the stub. AuthorTests sent queries to"),
        (AUTHOR_TESTS.format(databases="databases = ['acmeapp_db', 'auth_db']", count=1), RIGHT),
        (AUTHOR_TESTS.format(databases="databases = {'acmeapp_db'}", count=1),
         "sent queries to 'auth_db', which AuthorTests.databases does not list"),
        (AUTHOR_TESTS.format(databases="databases = {'auth_db', 'acmeap_db'}", count=1),
         "names 'acmeap_db', which settings.DATABASES does not define"),
        (AUTHOR_TESTS.format(databases="databases = 'auth_db'", count=1), "is a string"),
        (AUTHOR_TESTS.format(databases="databases = '__all__'", count=1), "The empty 'default'"),
        (AUTHOR_TESTS.format(databases="databases = {'auth_db', 'acmeapp_db'}", count=2),
         "not for a multi-database reason: AssertionError: 1 != 2"),
    ],
}
