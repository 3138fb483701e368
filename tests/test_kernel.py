"""Unit tests of ``course.kernel``: Django set up inside the notebook's kernel."""

from __future__ import annotations

import pytest


def test_setup_django_names_a_settings_module_not_written_yet(tmp_path, monkeypatch):
    from course.kernel import MissingSettings, setup_django

    monkeypatch.chdir(tmp_path)
    (tmp_path / "manage.py").write_text("")
    with pytest.raises(MissingSettings, match=r"core/settings/moving.py does not exist yet.*%%writefile"):
        setup_django("core.settings.moving")
