"""The answers the checks of the lesson ``pytest`` are tried on (see __init__.py)."""

from __future__ import annotations

from . import RIGHT, SOLUTION

PYTEST_FILE = '''%%writefile acmeapp/replica_authors.py
import pytest
from django.contrib.auth.models import User

from acmeapp.models import Post


{mark}
def test_an_author_finds_her_post_on_the_replica():
    lin = User.objects.create_user("lin")
    Post.objects.create(title="One", author=lin)
    assert Post.objects.filter(author=lin).count() == {count}
'''

TUTORIAL_INI = "%%writefile tutorial.ini\n{header}\n{options}\n"
MULTI = "DJANGO_SETTINGS_MODULE = core.settings.multi"


def tutorial_ini(options: str, header: str = "[pytest]") -> str:
    """The exercise's cell writing tutorial.ini with ``header`` and ``options`` (one per line)."""
    return TUTORIAL_INI.format(header=header, options=options)


CASES = {
    "check_tutorial_pytest_ini": [
        (SOLUTION, RIGHT),
        (tutorial_ini("addopts = --ds=core.settings.multi\npython_files = test_*.py model.py"), RIGHT),
        (tutorial_ini(MULTI), "pytest collected no test: no pattern"),
        (tutorial_ini(f"{MULTI}\npython_files = model.py, test_*.py"), "separates its patterns with spaces"),
        (tutorial_ini(f"{MULTI}\npython_files = model.py", header=""), "no section header defined"),
        (tutorial_ini(f"{MULTI}\npython_files = model.py", header="[tool:pytest]"),
         "pytest reads only the section [pytest]"),
        (tutorial_ini("python_files = model.py"), "tutorial.ini names no Django settings"),
        (tutorial_ini("DJANGO_SETTINGS_MODULE = core/settings/multi.py\npython_files = model.py"),
         "pytest-django cannot import the settings core/settings/multi.py"),
        (tutorial_ini('DJANGO_SETTINGS_MODULE = "core.settings.multi"\npython_files = model.py'),
         "An ini file takes its values without quotes"),
        (tutorial_ini("DJANGO_SETTINGS_MODULE = core.settings\npython_files = model.py"),
         "core.settings is not a settings module of the project"),
    ],
    "check_collection_prediction": [
        (SOLUTION, RIGHT),
        ('PREDICT_COLLECTED = ["tests.py", "test_posts.py"]', RIGHT),
        ('PREDICT_COLLECTED = {"acmeapp\\\\tests.py", "acmeapp\\\\test_posts.py"}', RIGHT),
        ('PREDICT_COLLECTED = {"acmeapp/tests.py"}', "It also collects test_posts.py"),
        ('PREDICT_COLLECTED = {"acmeapp/tests.py", "acmeapp/test_posts.py", "acmeapp/replica_pytest.py", '
         '"acmeapp/replica_tests.py"}', "does not collect replica_pytest.py, replica_tests.py"),
        ('PREDICT_COLLECTED = "acmeapp/tests.py"', "Give PREDICT_COLLECTED as a set"),
        ('PREDICT_COLLECTED = {"acmeapp/test_exercise.py"}', "the candidates are"),
    ],
    "check_pytest_file_passes": [
        (SOLUTION, RIGHT),
        (PYTEST_FILE.format(mark="@pytest.mark.django_db(transaction=True, databases=("
                                 "'acmeapp_replica', 'acmeapp_db', 'auth_db'))", count=1), RIGHT),
        (PYTEST_FILE.format(mark="@pytest.mark.django_db(databases=['acmeapp_db'])", count=1),
         "still has the stub's mark: the test sent queries to 'auth_db'"),
        (PYTEST_FILE.format(mark="@pytest.mark.django_db(databases=['acmeapp_db', 'auth_db'])", count=1),
         "sent queries to 'acmeapp_replica'"),
        (PYTEST_FILE.format(mark="@pytest.mark.django_db(databases=['acmeapp_db', 'auth_db', "
                                 "'acmeapp_replica'])", count=1), "database table is locked"),
        (PYTEST_FILE.format(mark="", count=1), "no django_db mark"),
        (PYTEST_FILE.format(mark="@pytest.mark.django_db(databases=['auth_db', 'acmeap_db'])", count=1),
         "names 'acmeap_db'"),
        (PYTEST_FILE.format(mark="@pytest.mark.django_db(databases='__all__', transaction=True)", count=1),
         "The empty 'default'"),
        (PYTEST_FILE.format(mark="@pytest.mark.django_db(databases=['auth_db', 'acmeapp_db', "
                                 "'acmeapp_replica'], transaction=True)", count=2),
         "Change only the django_db mark"),
        (PYTEST_FILE.format(mark="@pytest.mark.django_db(databases=['auth_db'", count=1), "not valid Python"),
    ],
}
