"""Run a command only as long as the process that started it lives, on any operating system.

``python -m course.lifeline COMMAND…`` starts COMMAND and reads its own standard input, a pipe
whose other end the parent (the notebook's kernel) holds. However the parent ends (a normal exit,
a crash, a killed kernel), the operating system closes that end; the read returns and COMMAND is
stopped. Closing the pipe on purpose stops it too. If COMMAND exits first, so does this process,
with its exit code. Linux, macOS and Windows alike; nothing polls.

``python -m course.lifeline --folder FOLDER`` guards a server that detaches itself (PostgreSQL, on
its data folder FOLDER), started before the server is: when the pipe closes it stops every
process whose command line names FOLDER, the commands still starting the server included
(``initdb``, ``pg_ctl``), unless the parent wrote ``DISARM`` first (it stopped them itself). This
mode uses psutil, one of the course's requirements.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

from course import arguments

DISARM = b"disarm\n"


def naming(folder: str) -> list:
    """The processes whose command line names ``folder`` (as an argument of its own, or quoted in a
    shell command), other than this process and the course's guards."""
    import psutil

    found = []
    for process in psutil.process_iter(["cmdline"]):
        words = process.info["cmdline"] or []  # None when the system does not tell
        if process.pid == os.getpid() or "course.lifeline" in words:
            continue
        if any(word == folder or f'"{folder}"' in word for word in words):
            found.append(process)
    return found


def stop_naming(folder: str) -> None:
    """Stop every process whose command line names ``folder``, and wait until they are gone: a server
    on that data folder, and the commands that start one (checked again, as one may start another).

    On Linux and macOS they get SIGINT, PostgreSQL's fast shutdown (it ends its clients' sessions
    rather than wait for them); on Windows, TerminateProcess. One that lingers is killed.
    """
    import psutil

    for _ in range(5):
        found = naming(folder)
        if not found:
            return
        for process in found:
            try:
                process.terminate() if os.name == "nt" else process.send_signal(signal.SIGINT)
            except psutil.NoSuchProcess:
                pass
        _, alive = psutil.wait_procs(found, timeout=15)
        for process in alive:
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(alive, timeout=5)
        time.sleep(0.2)  # a command stopped while it started the server: let its child show up


def watch(folder: str) -> int:
    """Wait until standard input closes; then stop what runs on ``folder``, unless told ``DISARM``."""
    received = b""
    while chunk := os.read(sys.stdin.fileno(), 1024):
        received += chunk
    if DISARM not in received:
        stop_naming(folder)
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
    # Kernel > Interrupt sends SIGINT to the kernel's whole process group: the command gets it and
    # stops as it does in a terminal; this process waits for it (set after the start, so that the
    # command does not inherit the ignoring).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
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
    if (args.folder is None) == (not args.command):
        parser.error("give either a command to run or --folder FOLDER, not both or neither")
    sys.exit(main(args.command) if args.folder is None else watch(args.folder))
