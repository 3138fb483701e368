"""The answers the checks of the lesson ``moving_data`` are tried on (see __init__.py)."""

from __future__ import annotations

from . import RIGHT, SOLUTION

AUTH = '"auth.user", "auth.group", "admin.logentry"'
LIVE = '"--settings=core.settings.single"'
PG = '"--settings=core.settings.postgres"'


def move(auth_options: str, post_options: str = "", load_posts: bool = True) -> str:
    """Start over, then dump and load with these options (each a comma-separated list of arguments)."""
    return "\n".join([
        "empty_databases()",
        f'manage("dumpdata", {AUTH}, {auth_options} "-o", "auth.json", {LIVE})',
        f'manage("dumpdata", "acmeapp", {post_options} "-o", "posts.json", {LIVE})',
        f'manage("loaddata", "auth.json", "--database=auth_db", {PG})',
        *([f'manage("loaddata", "posts.json", "--database=acmeapp_db", {PG})'] if load_posts else []),
    ])


CASES = {
    "check_loaded": [
        (SOLUTION, RIGHT),
        (move('"--natural-foreign", "--natural-primary",'), "auth_db holds every user, but with other ids"),
        (move(""), "The group permissions differ from the live site's"),
        (move('"--natural-foreign",', load_posts=False), "acmeapp_db holds no post yet"),
        (move('"--natural-foreign",', '"--natural-foreign",'), "CommandFailed: "),
        (SOLUTION, RIGHT),  # the lesson goes on from the databases the right move leaves
    ],
    "check_copy_rows": [
        (SOLUTION, RIGHT),
        ("def copy_rows(model, source, target, chunk=1000):\n"
         "    rows = model._base_manager.using(source).order_by('pk').iterator(chunk_size=chunk)\n"
         "    with transaction.atomic(using=target):\n"
         "        model._base_manager.using(target).bulk_create(rows, batch_size=chunk)",
         "Every post arrived, but the next one cannot be created (duplicate key value violates unique "
         "constraint \"acmeapp_post_pkey\")"),

        ("def copy_rows(model, source, target, chunk=1000):\n"
         "    rows = model._base_manager.using(source).order_by('pk')[:10]\n"
         "    model._base_manager.using(target).bulk_create(rows)",
         "acmeapp_db holds 10 posts after copy_rows(); the live site 1,000"),
        ("def copy_rows(model, source, target, chunk=1000):\n"
         "    rows = model._base_manager.using(source).order_by('pk').iterator(chunk_size=chunk)\n"
         "    model._base_manager.using(source).bulk_create(rows, batch_size=chunk)",
         "copy_rows(Post, 'live', 'acmeapp_db') raised IntegrityError"),
        (SOLUTION, RIGHT),  # the lesson goes on from the posts the right copy leaves
    ],
    "check_tidy_title": [
        (SOLUTION, RIGHT),
        ("def tidy_title(sender, instance, **kwargs):\n"
         "    if not kwargs['raw']:\n"
         "        sender._base_manager.db_manager(kwargs['using']).filter(pk=instance.pk).update(\n"
         "            title=instance.title.strip())", RIGHT),
        ("def tidy_title(sender, instance, using, **kwargs):\n"
         "    Post.objects.using(using).filter(pk=instance.pk).update(title=instance.title.strip())",
         "A raw save (loaddata's) had its title changed"),
        ("def tidy_title(sender, instance, using, raw, **kwargs):\n"
         "    if not raw:\n"
         "        Post.objects.filter(pk=instance.pk).update(title=instance.title.strip())",
         "A post saved on live kept the spaces around its title"),
        ("def tidy_title(sender, instance, raw, **kwargs):\n"
         "    if not raw:\n"
         "        Post.objects.filter(pk=instance.pk).update(title=instance.title.strip())",
         "A post saved on live kept the spaces around its title"),
        ("def tidy_title(sender, instance, using, raw):\n"
         "    if not raw:\n"
         "        Post.objects.using(using).filter(pk=instance.pk).update(title=instance.title.strip())",
         "post_save refuses tidy_title (Signal receivers must accept keyword arguments (**kwargs).)"),
    ],
}
