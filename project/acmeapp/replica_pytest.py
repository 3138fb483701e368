"""The replica test of notebook 11 for pytest: pytest --ds=core.settings.replica acmeapp/replica_pytest.py"""

import pytest

from acmeapp.models import Post


# transaction=True: the mirror reads committed data only (like a TransactionTestCase).
@pytest.mark.django_db(databases=['acmeapp_db', 'acmeapp_replica'], transaction=True)
def test_a_new_post_can_be_read_back():
    Post.objects.create(title="Fresh")
    assert Post.objects.filter(title="Fresh").exists()
