"""Faults around the commands a lesson runs and the code Django loaded: a command interrupted
mid-way, a project file changed after Django loaded it, a cell failing in a deleted folder."""

from __future__ import annotations

import shutil
import time

import pytest
from test_faults_workspace import OPEN, one_line

from course.series import lesson

pytestmark = pytest.mark.faults

# A command that prints, then works on for a while: interrupted half-way.
SLOW = ('from course.shell import manage\nmanage("shell", "-c", '
        '"import time; print(\'started\', flush=True); time.sleep(30); print(\'finished\')")')


def test_an_interrupted_command_shows_what_it_did_says_so_in_one_line_and_reruns(kernels):
    kernel = kernels()
    assert "ready" in kernel.run(OPEN.format(lesson("migrating_each_alias").stem))[0]
    started, sent = kernel.send(SLOW), time.monotonic()
    time.sleep(3)
    kernel.interrupt()  # Kernel > Interrupt
    printed, error = kernel.result(started)
    assert time.monotonic() - sent < 15  # the command stopped; the cell did not wait for it
    one_line(error, "CommandInterrupted", "manage.py shell -c", "was interrupted and stopped; what it "
             "printed until then is above. Rerun this cell to run it to the end.")
    assert printed.endswith("\nstarted\n"), printed  # and no traceback of the command's own
    assert kernel.run('manage("check")') == ("$ python manage.py check\nSystem check identified no issues "
                                             "(0 silenced).\n", "")


def test_a_project_file_changed_after_django_loaded_it_asks_for_a_restart(kernels):
    kernel = kernels()
    assert "ready" in kernel.run(OPEN.format(lesson("migrating_each_alias").stem))[0]
    setup = 'from course.kernel import setup_django\nsetup_django("core.settings.multi")'
    assert kernel.run(setup) == ("", "")
    assert kernel.run(setup) == ("", "")  # the same code: a rerun is harmless
    assert kernel.run('open("core/db_routers.py", "a").write("# a fix\\n")')[1] == ""
    one_line(kernel.run(setup)[1], "RestartKernel", "core/db_routers.py changed since Django loaded",
             "restart the kernel")


def test_a_cell_failing_because_its_folder_was_deleted_says_to_rerun_the_first_cell(kernels, tmp_path):
    kernel = kernels()
    routers = lesson("routers").stem
    assert "ready" in kernel.run(OPEN.format(routers))[0]
    shutil.rmtree(tmp_path / "work" / routers)
    printed, error = kernel.run('%%writefile core/db_routers.py\nclass Router:\n    pass\n')
    assert "FileNotFoundError" in error  # IPython's own magic, with its own error
    assert (f"/work/{routers}/, has been deleted: rerun this notebook's first cell, which restores the "
            "project folder.]\n") in printed, printed
