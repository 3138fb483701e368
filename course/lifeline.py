"""Run a command only as long as the process that started it lives, on any operating system.

``python -m course.lifeline COMMAND…`` starts COMMAND and reads its own standard input, a pipe
whose other end the parent (the notebook's kernel) holds. However the parent ends (a normal exit,
a crash, a killed kernel), the operating system closes that end; the read returns and COMMAND is
stopped. Closing the pipe on purpose stops it too. If COMMAND exits first, so does this process,
with its exit code. Linux, macOS and Windows alike; nothing polls.

``python -m course.lifeline --terminate PID`` watches a process started otherwise (PostgreSQL):
when the pipe closes it terminates PID, unless the parent wrote ``DISARM`` first (it stopped
the process itself).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

from course import arguments

DISARM = b"disarm\n"


def terminate(pid: int) -> None:
    """Ask process ``pid`` to stop (SIGTERM; on Windows, TerminateProcess); ignore one that is gone."""
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        pass


def watch(pid: int) -> int:
    """Wait until standard input closes; then terminate ``pid`` unless told ``DISARM`` before."""
    received = b""
    while chunk := os.read(sys.stdin.fileno(), 1024):
        received += chunk
    if DISARM not in received:
        terminate(pid)
    return 0


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
    parser = arguments.parser("course.lifeline", __doc__)
    args = parser.parse_args()
    if (args.terminate is None) == (not args.command):
        parser.error("give either a command to run or --terminate PID, not both or neither")
    sys.exit(main(args.command) if args.terminate is None else watch(args.terminate))
