"""Data migration: posts saved without a body get the text "(no text yet)"."""

from django.db import migrations


def fill_empty_bodies(apps, schema_editor):
    alias = schema_editor.connection.alias  # the database being migrated
    Post = apps.get_model('acmeapp', 'Post')  # the historical model, as of this migration
    Post.objects.using(alias).filter(body='').update(body='(no text yet)')


class Migration(migrations.Migration):

    dependencies = [
        ('acmeapp', '0002_post_author'),
    ]

    operations = [
        migrations.RunPython(fill_empty_bodies, migrations.RunPython.noop),
    ]
