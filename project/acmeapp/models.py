from django.db import models


class Post(models.Model):
    """A post of the blog: the one model of the app."""

    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)

    def __str__(self):
        return self.title
