"""Tests of the primary/replica set-up.

Run them with: python manage.py test acmeapp.replica_tests --settings=core.settings.replica
"""

from django.test import TransactionTestCase

from acmeapp.models import Post


class ReplicaTests(TransactionTestCase):
    # A mirror reads committed data only: no TestCase, whose transaction is never committed.
    databases = {'acmeapp_db', 'acmeapp_replica'}

    def test_a_new_post_can_be_read_back(self):
        Post.objects.create(title="Fresh")
        self.assertTrue(Post.objects.filter(title="Fresh").exists())
