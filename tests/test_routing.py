"""Unit tests of ``course.routing``: Django's own answer for where each model goes."""

from __future__ import annotations

import json
import sys
import textwrap

from course import workspace


def test_routing_of_the_finished_project():
    """The answer key routes as the series says (checked in a subprocess: settings load once)."""
    import subprocess

    code = textwrap.dedent(
        """
        import json, os, sys
        sys.path.insert(0, "project")
        os.environ["DJANGO_SETTINGS_MODULE"] = "core.settings.multi"
        import django; django.setup()
        from course.routing import routing_table
        table = routing_table()
        print(json.dumps(dict(zip(table.column("model"), table.column("writes to")))))
        try:
            routing_table(aliases=["auth"])
        except ValueError as e:
            print(e)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=workspace.REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    writes, error = out.stdout.splitlines()
    assert json.loads(writes) == {
        "acmeapp.Post": "acmeapp_db",
        "admin.LogEntry": "auth_db",
        "auth.Group": "auth_db",
        "auth.Permission": "auth_db",
        "auth.User": "auth_db",
        "contenttypes.ContentType": "auth_db",
        "sessions.Session": "auth_db",
    }
    assert "Unknown database alias 'auth'" in error and "'auth_db'" in error
