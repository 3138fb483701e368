from django.conf import settings
from django.db import models


class Post(models.Model):
    """A post of the blog, written by a user."""

    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    # Users live in another database (auth_db): no database constraint can point there, and
    # Django cannot cascade a delete across databases (see notebook 09).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
    )

    def __str__(self):
        return self.title
