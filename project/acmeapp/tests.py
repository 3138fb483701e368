from django.test import TestCase

from acmeapp.models import Post


class PostModelTests(TestCase):
    # The aliases this test may query; Django creates a test database for each.
    databases = {'acmeapp_db'}

    def test_str_is_the_title(self):
        post = Post.objects.create(title="Hello", body="First post")
        self.assertEqual(str(post), "Hello")
        self.assertEqual(Post.objects.count(), 1)
