"""Run a command only as long as the process that started it lives, on any operating system.

``python -m course.lifeline COMMAND…`` starts COMMAND and reads its own standard input, a pipe
whose other end the parent (the notebook's kernel) holds. However the parent ends (a normal exit,
a crash, a killed kernel), the operating system closes that end; the read returns and COMMAND is
stopped. Closing the pipe on purpose stops it too. If COMMAND exits first, so does this process,
with its exit code. Linux, macOS and Windows alike; nothing polls.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading


def stop(child: subprocess.Popen, timeout: float = 10.0) -> None:
    """Terminate ``child`` and wait for it; kill it if it does not exit within ``timeout``."""
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def main(command: list[str]) -> int:
    """Run ``command`` until it exits or standard input closes; return its exit code."""
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    stdin = sys.stdin.fileno()

    def watch() -> None:
        # Unbuffered reads until end of file: the parent closed the pipe or ended. (No sys.stdin
        # here: a daemon thread holding its lock would stop the interpreter from exiting.)
        while os.read(stdin, 1024):
            pass
        stop(child)

    threading.Thread(target=watch, daemon=True).start()
    try:
        return child.wait()
    finally:
        stop(child)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
