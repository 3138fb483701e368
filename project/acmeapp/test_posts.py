import pytest
from django.contrib.auth.models import User

from acmeapp.models import Post


@pytest.mark.django_db(databases=['acmeapp_db'])
def test_str_is_the_title():
    post = Post.objects.create(title="Hello", body="First post")
    assert str(post) == "Hello"
    assert Post.objects.count() == 1


@pytest.mark.django_db(databases=['auth_db', 'acmeapp_db'])
def test_a_post_has_an_author_in_the_other_database():
    ada = User.objects.create_user("ada")
    Post.objects.create(title="By Ada", author=ada)
    assert list(ada.post_set.values_list("title", flat=True)) == ["By Ada"]
