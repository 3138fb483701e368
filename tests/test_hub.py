"""A real JupyterHub on 127.0.0.1 with three learners, each a Unix user of their own (``make test-hub``).

The course is installed once, as README's hub install leaves it: a clone of the course's repository
with ``pip install -c requirements.txt -e ".[postgres,hub]"`` in an environment of Debian's Python
(``/usr/bin/python3``: ``/root``, where pyenv lives, is closed to other users), beside the hub's own
JupyterHub and configurable-http-proxy (npm). Each learner logs in, clicks the link that
``python -m course hub-link`` prints (nbgitpuller clones the course into their home), and runs 07
and 08 in a kernel of their own server, cell by cell as JupyterLab sends them, all three at once.
Halfway through 07 each one's admin is opened through their proxied URL in headless Chromium (log
in, the change list, a post added), and another learner tries to reach it, their files and their
processes. Once the hub stops, nothing of theirs is left running.

Needs Linux, root (to create the users, as ``useradd`` does on a hub's machine), npm and Chromium;
CI runs it (``.ci/run``). What one learner needed at the peak of each lesson is printed at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest
import requests
from conftest import CHROMIUM, copy_of_the_course

from course.series import lesson
from course.server import free_port, port_in_use

pytestmark = pytest.mark.hub

# The learners; their Unix users are course-NAME-<this run's pid>. COURSE_HUB_LEARNERS=N runs N of
# them at once, to find how many a machine holds (three by default).
COUNT = int(os.environ.get("COURSE_HUB_LEARNERS", 3))
NAMES = ("ada", "bo", "cy", *(f"l{n:02d}" for n in range(4, 100)))[:COUNT]
PASSWORD = "hub-test-password"  # the test authenticator's shared password
FOLDER = "django-multidb-course"  # the repository's name, so the folder nbgitpuller makes in each home
CHP = "configurable-http-proxy@5.3.0"
PAUSE_AFTER = "server.requests()"  # 07 pauses after this cell: its dev server runs, for the admin checks
LESSONS = (lesson("running_the_server"), lesson("postgresql"))

CONFIG = """\
c = get_config()  # noqa
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_port}"
c.ConfigurableHTTPProxy.command = [{chp!r}]
c.ConfigurableHTTPProxy.pid_file = {state!r} + "/proxy.pid"
c.JupyterHub.pid_file = {state!r} + "/hub.pid"
c.JupyterHub.db_url = "sqlite:///" + {state!r} + "/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = {state!r} + "/cookie_secret"
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = {password!r}
c.Authenticator.allowed_users = set({users!r})
c.JupyterHub.spawner_class = "localprocess"  # the hub runs as root: each server runs as its learner
c.Spawner.cmd = [{env!r} + "/bin/jupyterhub-singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {{"PATH": {env!r} + "/bin:/usr/local/bin:/usr/bin:/bin"}}
c.Spawner.start_timeout = c.Spawner.http_timeout = 120
# Learners share the machine's ports: two servers starting kernels at the same moment can pick the same
# port (Linux's bind to port 0 hands a just-freed port out again), and a kernel whose manager keeps its
# ports (cache_ports, the default) restarts onto the same taken port until it dies. TEACHING says so.
c.Spawner.args = ["--KernelManager.cache_ports=False"]
"""


def needs_root_linux() -> None:
    """Skip where a hub with Unix users cannot be made; fail under CI (CI=true), which can."""
    missing = [what for what, ok in (("Linux", sys.platform == "linux"), ("root", os.geteuid() == 0),
                                      ("useradd", shutil.which("useradd")), ("npm", shutil.which("npm")),
                                      ("Debian's /usr/bin/python3", Path("/usr/bin/python3").exists()),
                                      ("Chromium", CHROMIUM))
               if not ok]
    if missing:
        reason = f"make test-hub needs {', '.join(missing)}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true, but {reason}")
        pytest.skip(reason)


def run(*argv, **options) -> str:
    """Run a command, fail with what it printed if it fails; return its output."""
    done = subprocess.run(argv, capture_output=True, text=True, **options)
    assert done.returncode == 0, f"{' '.join(map(str, argv))} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def wait(condition, timeout: float, what: str):
    """Return ``condition()``'s first true value, polling; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(f"{what}: not within {timeout:g} s")


def processes(user: str) -> list[str]:
    """The command lines of ``user``'s processes."""
    found = subprocess.run(["pgrep", "-u", user, "-a"], capture_output=True, text=True).stdout
    return found.splitlines()


class Hub:
    """JupyterHub and its proxy, started as root; ``stop()`` stops them and every learner's server."""

    def __init__(self, base: Path, env: Path, chp: Path, users: list[str]):
        self.state = base / "state"
        self.state.mkdir(mode=0o700)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = self.state / "jupyterhub_config.py"
        config.write_text(CONFIG.format(port=self.port, hub_port=free_port(), proxy_port=free_port(),
                                        chp=str(chp), state=str(self.state), password=PASSWORD,
                                        users=users, env=str(env)))
        self.log = open(self.state / "jupyterhub.log", "wb")
        self.process = subprocess.Popen([env / "bin" / "jupyterhub", "-f", config], cwd=self.state,
                                        stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        wait(lambda: self._up(), 90, "JupyterHub answering")

    def _up(self) -> bool:
        assert self.process.poll() is None, f"JupyterHub exited: {self.logged()}"
        try:
            return requests.get(f"{self.url}/hub/api/", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def logged(self) -> str:
        return (self.state / "jupyterhub.log").read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # cleanup_servers: it stops every server first
            try:
                self.process.wait(90)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


class Learner:
    """One learner: their Unix user, their hub login (cookies and a token), their server's API."""

    def __init__(self, hub: Hub, user: str):
        self.hub, self.user = hub, user
        self.home = Path("/home") / user
        self.session = requests.Session()
        self.session.get(f"{hub.url}/hub/login", timeout=30)
        form = {"username": user, "password": PASSWORD, "_xsrf": self.session.cookies.get("_xsrf")}
        login = self.session.post(f"{hub.url}/hub/login", data=form, allow_redirects=False, timeout=30)
        assert login.status_code == 302, f"{user} could not log in: {login.status_code}"
        made = self.session.post(f"{hub.url}/hub/api/users/{user}/tokens", json={"note": "test"},
                                 headers={"X-XSRFToken": self.session.cookies.get("_xsrf")}, timeout=30)
        made.raise_for_status()
        self.auth = {"Authorization": f"token {made.json()['token']}"}
        self.server = f"{hub.url}/user/{user}"

    def start(self) -> None:
        started = requests.post(f"{self.hub.url}/hub/api/users/{self.user}/server", headers=self.auth,
                                timeout=30)
        assert started.status_code in (201, 202), started.text

        def ready():
            me = requests.get(f"{self.hub.url}/hub/api/users/{self.user}", headers=self.auth, timeout=30)
            return me.json()["servers"].get("", {}).get("ready")

        wait(ready, 120, f"{self.user}'s server ready")

    def pull(self, link: str) -> None:
        """Click the course's link, as a learner would: the hub sends them to their own server's
        nbgitpuller page, whose script then asks nbgitpuller's API to clone; here we ask it."""
        page = self.session.get(link, timeout=60)
        assert page.status_code == 200 and "/git-pull" in page.url, (page.status_code, page.url)
        query = link.split("?", 1)[1]
        with self.session.get(f"{self.server}/git-pull/api?{query}", stream=True, timeout=300) as events:
            text = "".join(chunk for chunk in events.iter_content(None, decode_unicode=True))
        assert '"phase": "finished"' in text, text[-2000:]

    def kernel(self, notebook: str) -> Kernel:
        """A kernel for ``notebook`` (a path in the learner's home), started as JupyterLab starts one:
        a session, so it runs in the notebook's folder."""
        made = requests.post(f"{self.server}/api/sessions", headers=self.auth, timeout=60,
                             json={"path": notebook, "type": "notebook", "kernel": {"name": "python3"}})
        made.raise_for_status()
        return Kernel(self, made.json()["kernel"]["id"])

    def run_as(self, code: str) -> subprocess.CompletedProcess:
        """``code`` run by Debian's Python as this learner, outside the hub."""
        return subprocess.run(["runuser", "-u", self.user, "--", "/usr/bin/python3", "-c", code],
                              capture_output=True, text=True, timeout=60)


class Kernel:
    """A learner's kernel over its websocket, as JupyterLab talks to it."""

    def __init__(self, learner: Learner, kernel_id: str):
        import websocket  # websocket-client: the hub-test extra, which make test does not install

        self.timeout = websocket.WebSocketTimeoutException
        url = learner.server.replace("http://", "ws://", 1) + f"/api/kernels/{kernel_id}/channels"
        self.socket = websocket.create_connection(url, header=[f"{k}: {v}" for k, v in learner.auth.items()],
                                                  timeout=300)
        self.session = uuid.uuid4().hex
        self._ready()

    def _send(self, kind: str, content: dict, channel: str = "shell") -> str:
        msg_id = uuid.uuid4().hex
        self.socket.send(json.dumps({
            "header": {"msg_id": msg_id, "username": "test", "session": self.session, "msg_type": kind,
                       "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": channel, "buffers": [], "content": content}))
        return msg_id

    def _ready(self) -> None:
        """Wait until the kernel answers, as JupyterLab does before it runs a cell (a kernel that died
        at its start is restarted by its server)."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            msg_id = self._send("kernel_info_request", {})
            self.socket.settimeout(5)
            try:
                while json.loads(self.socket.recv()).get("parent_header", {}).get("msg_id") != msg_id:
                    pass
                return
            except self.timeout:
                continue
            finally:
                self.socket.settimeout(300)
        pytest.fail("the kernel did not answer within 120 s")

    def wait(self, until: threading.Event) -> None:
        """Stay connected until ``until`` is set, answering the server's pings as JupyterLab does (a
        connection that answers none is closed)."""
        self.socket.settimeout(2)
        try:
            while not until.is_set():
                with contextlib.suppress(self.timeout):
                    self.socket.recv()
        finally:
            self.socket.settimeout(300)

    def execute(self, code: str) -> dict:
        """Run ``code`` as a cell; its text outputs, its result's text and its error, if any."""
        msg_id = self._send("execute_request", {"code": code, "silent": False, "store_history": True,
                                                "user_expressions": {}, "allow_stdin": False,
                                                "stop_on_error": True})
        out = {"text": "", "result": "", "error": None}
        while True:
            message = json.loads(self.socket.recv())
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "stream":
                out["text"] += content["text"]
            elif kind in ("execute_result", "display_data"):
                out["result"] += content["data"].get("text/plain", "")
            elif kind == "error":
                out["error"] = f"{content['ename']}: {content['evalue']}"
            elif kind == "status" and content["execution_state"] == "idle":
                return out

    def close(self) -> None:
        self.socket.close()


class Meter:
    """Samples each learner's processes (kernel, dev server, PostgreSQL, their Jupyter server):
    the peak of their memory (RSS, summed) and the CPU time they used, per lesson."""

    def __init__(self, users: list[str]):
        self.users, self.lesson = users, dict.fromkeys(users, "")
        self.peak: dict[tuple[str, str], float] = {}
        self.cpu: dict[tuple[str, str], float] = {}
        self._seen: dict[int, float] = {}
        self.machine = 0.0  # the machine's memory in use at the peak, in GB
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            rss = dict.fromkeys(self.users, 0)
            for process in psutil.process_iter(["username", "memory_info", "cpu_times"]):
                user = process.info["username"]
                if user not in rss or process.info["memory_info"] is None:
                    continue
                rss[user] += process.info["memory_info"].rss
                times = process.info["cpu_times"]
                used = times.user + times.system
                key = (user, self.lesson[user])
                self.cpu[key] = self.cpu.get(key, 0) + used - self._seen.get(process.pid, 0)
                self._seen[process.pid] = used
            self.machine = max(self.machine, psutil.virtual_memory().used / 2**30)
            for user, total in rss.items():
                key = (user, self.lesson[user])
                self.peak[key] = max(self.peak.get(key, 0), total / 2**20)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def course_repository(base: Path) -> tuple[Path, subprocess.Popen, str]:
    """The course's repository as the teacher publishes it, served read-only as a forge would (``git
    daemon``): this checkout's files, committed or not, in a bare repository. Its folder, the
    server, and the address the learners pull from."""
    source = copy_of_the_course(base / "source")
    run("git", "branch", "-q", "-M", "main", cwd=source)
    bare = base / "served" / FOLDER
    run("git", "clone", "-q", "--bare", source, bare)
    shutil.rmtree(source)
    port = free_port()
    server = subprocess.Popen(["git", "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1",
                               f"--port={port}", f"--base-path={bare.parent}", bare.parent],
                              stderr=subprocess.DEVNULL)
    wait(lambda: port_in_use(port), 30, "the course's repository served")
    return bare, server, f"git://127.0.0.1:{port}/{FOLDER}"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """The hub, its three learners logged in with their servers running, and the link they click."""
    needs_root_linux()
    base = Path(tempfile.mkdtemp(prefix="course-hub-"))
    base.chmod(0o755)  # the install is read by every learner, written by nobody but root
    users = [f"course-{name}-{os.getpid()}" for name in NAMES]
    started: Hub | None = None
    served: subprocess.Popen | None = None
    try:
        repository, served, address = course_repository(base)
        install = base / "course"
        run("git", "clone", "-q", address, install)
        env = base / "env"
        run("/usr/bin/python3", "-m", "venv", env)
        # README's hub install, plus the hub itself (a class's hub brings its own JupyterHub)
        run(env / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check",
            "-c", "requirements.txt", "-e", ".[postgres,hub,hub-test]", cwd=install)
        run("npm", "install", "-q", "--no-audit", "--no-fund", "--prefix", base / "node", CHP)
        for user in users:
            run("useradd", "-m", "-s", "/bin/bash", user)
            Path("/home", user).chmod(0o700)  # useradd -m leaves a home others can read
        started = Hub(base, env, base / "node" / "node_modules" / ".bin" / "configurable-http-proxy", users)
        learners = [Learner(started, user) for user in users]
        for learner in learners:
            learner.start()
        link = run(env / "bin" / "python", "-m", "course", "hub-link", "--hub", started.url, cwd=install)
        link = link.strip()
        yield started, learners, link, install, repository
    finally:
        if started is not None:
            started.stop()
        if served is not None:
            served.terminate()
            served.wait()
        for user in users:
            with_pids = [line.split()[0] for line in processes(user)]
            for pid in with_pids:
                with open(os.devnull, "w"):
                    subprocess.run(["kill", "-9", pid], capture_output=True)
            subprocess.run(["userdel", "-r", user], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def test_the_link_puts_the_course_in_each_learners_home_and_an_update_keeps_their_edits(hub):
    started, learners, link, _, repository = hub
    assert link.startswith(f"{started.url}/hub/user-redirect/git-pull?repo="), link
    for learner in learners:
        learner.pull(link)
        copy = learner.home / FOLDER / "notebooks" / LESSONS[0].name
        assert copy.stat().st_uid == Path(learner.home).stat().st_uid, "the copy is not the learner's own"
    # The teacher updates the course while a learner has edited a notebook: the next click brings
    # the update and keeps the edit.
    ada = learners[0]
    edited = ada.home / FOLDER / "notebooks" / "README.md"
    done = ada.run_as(f"open({str(edited)!r}, 'a').write('My own note.\\n')")
    assert done.returncode == 0, done.stderr
    teacher = started.state.parent / "teacher"
    run("git", "clone", "-q", repository, teacher)
    (teacher / "TEACHING.md").write_text((teacher / "TEACHING.md").read_text() + "\nAn update.\n")
    git = ["git", "-c", "user.name=Teacher", "-c", "user.email=teacher@example.com"]
    run(*git, "commit", "-q", "-am", "An update", cwd=teacher)
    run("git", "push", "-q", "origin", "main", cwd=teacher)
    ada.pull(link)
    assert (ada.home / FOLDER / "TEACHING.md").read_text().endswith("\nAn update.\n")
    assert edited.read_text().endswith("My own note.\n")


def run_lessons(learner: Learner, meter: Meter, paused: threading.Event, go: threading.Event,
                found: dict, failures: list) -> None:
    """Run 07, pausing after PAUSE_AFTER (``paused``, then wait for ``go``), then 08, as the learner's
    JupyterLab would; note in ``found`` what the admin checks need, in ``failures`` what failed."""
    try:
        for notebook in LESSONS:
            meter.lesson[learner.user] = notebook.stem[:2]
            kernel = learner.kernel(f"{FOLDER}/notebooks/{notebook.name}")
            try:
                for index, cell in enumerate(nbformat.read(notebook, as_version=4).cells):
                    if cell.cell_type != "code":
                        continue
                    out = kernel.execute(cell.source)
                    if out["error"] and "raises-exception" not in cell.metadata.get("tags", []):
                        failures.append(f"{learner.user} {notebook.stem} cell {index}: {out['error']}\n"
                                        f"{out['text'][-1500:]}")
                        return
                    if "server.link()" in cell.source:
                        found["link"] = out["result"].strip().strip("'")
                    if cell.source.strip() == PAUSE_AFTER:
                        where = kernel.execute("import os\nprint(server.process.pid, server.port, "
                                               "os.path.abspath('auth_db.sqlite3'))")
                        found["pid"], found["port"], found["database"] = where["text"].split()
                        paused.set()
                        kernel.wait(go)
            finally:
                kernel.close()
        meter.lesson[learner.user] = "after"
    except Exception as error:  # noqa: BLE001 (reported by the test, with the learner's name)
        failures.append(f"{learner.user}: {error!r}")
    finally:
        paused.set()


def check_admin_in_chromium(browser, hub_url: str, learner: Learner, link: str) -> None:
    """Log in to the hub, then to the admin through the learner's proxied link; the change list
    (with the admin's styles), then a post added with the admin's form."""
    context = browser.new_context()
    try:
        page = context.new_page()
        styles = []  # the statuses of the admin's stylesheet, fetched through the proxy
        page.on("response", lambda r: r.url.endswith("/admin/css/base.css") and styles.append(r.status))
        page.goto(f"{hub_url}/hub/login")
        page.fill("#username_input", learner.user)
        page.fill("#password_input", PASSWORD)
        page.click("#login_submit")
        page.wait_for_load_state()
        page.goto(f"{hub_url}{link}")
        assert page.title() == "Log in | Django site admin", (page.url, page.title())
        page.fill("#id_username", "admin")
        page.fill("#id_password", "course-local-only")
        page.click("input[type=submit]")
        page.wait_for_url(f"{hub_url}{link}")
        assert page.title() == "Site administration | Django site admin", (page.url, page.title())
        page.goto(f"{hub_url}{link}acmeapp/post/")
        assert page.title() == "Select post to change | Django site admin", page.title()
        page.goto(f"{hub_url}{link}acmeapp/post/add/")
        page.fill("#id_title", f"Through the hub, by {learner.user}")
        page.fill("#id_body", "Added in Chromium, through jupyter-server-proxy.")
        with page.expect_navigation():
            page.click("input[name=_save]")
        page.wait_for_load_state()
        said = page.locator(".messagelist li, .errornote, .errorlist").all_inner_texts()
        assert any("was added successfully" in line for line in said), (page.url, page.title(), said,
                                                                        page.inner_text("body")[:1500])
        assert styles and set(styles) == {200}, f"the admin's stylesheet through the proxy: {styles}"
    finally:
        context.close()


def check_no_other_learner_reaches(owner: Learner, other: Learner, found: dict, link: str) -> None:
    """``other`` cannot use ``owner``'s proxied admin, read their files, stop their server, or talk
    to it on 127.0.0.1, and cannot list their home."""
    through_hub = other.session.get(f"{owner.hub.url}{link}", timeout=60)
    assert through_hub.status_code == 403, (through_hub.status_code, through_hub.url)
    attempts = f"""
import os, signal, urllib.request
for what, attempt in [
    ("read the database", lambda: open({found['database']!r}, "rb").read()),
    ("list the home", lambda: os.listdir({str(owner.home)!r})),
    ("stop the server", lambda: os.kill({int(found['pid'])}, signal.SIGTERM)),
    ("open the admin on 127.0.0.1", lambda: urllib.request.urlopen(
        "http://127.0.0.1:{found['port']}/admin/login/", timeout=10).status),
]:
    try:
        print(what, "WORKED:", attempt())
    except Exception as error:
        print(what, "refused:", type(error).__name__)
"""
    done = other.run_as(attempts)
    assert done.returncode == 0, done.stderr
    assert "WORKED" not in done.stdout, f"{other.user} reached {owner.user}'s work:\n{done.stdout}"
    assert done.stdout.count("refused") == 4, done.stdout


def test_07_and_08_run_for_all_learners_at_once_each_admin_through_the_hub(hub, browser):
    started, learners, _, install, _ = hub
    meter = Meter([learner.user for learner in learners])
    paused = {learner.user: threading.Event() for learner in learners}
    go = threading.Event()
    found = {learner.user: {} for learner in learners}
    failures: list[str] = []
    threads = [threading.Thread(target=run_lessons, daemon=True, args=(
        learner, meter, paused[learner.user], go, found[learner.user], failures)) for learner in learners]
    try:
        for thread in threads:
            thread.start()
        for learner in learners:
            assert paused[learner.user].wait(900), f"{learner.user}'s 07 did not reach its dev server"
        assert not failures, "\n".join(failures)
        for owner, other in zip(learners, learners[1:] + learners[:1], strict=True):
            link = found[owner.user]["link"]
            assert link == f"/user/{owner.user}/proxy/{found[owner.user]['port']}/admin/", link
            check_no_other_learner_reaches(owner, other, found[owner.user], link)
            check_admin_in_chromium(browser, started.url, owner, link)
    finally:
        go.set()
        for thread in threads:
            thread.join(900)
        meter.stop()
    assert not failures, "\n".join(failures)
    for learner in learners:  # each learner's work is in their own home, none in the shared install
        work = learner.home / FOLDER / "work" / LESSONS[1].stem
        assert work.is_dir() and work.stat().st_uid == learner.home.stat().st_uid
    assert not (install / "work").exists(), "a learner's work went into the shared install"
    print(f"\nEach learner at each lesson's peak ({len(learners)} at once here), all their processes:")
    for (user, step), peak in sorted(meter.peak.items()):
        if step in ("07", "08"):
            print(f"  {user} {step}: {peak:.0f} MB at the peak, {meter.cpu[(user, step)]:.1f} CPU s")
    print(f"The machine: {meter.machine:.1f} GB of memory in use at the peak, {psutil.cpu_count()} cores")


def test_nothing_is_left_running_once_the_hub_stops(hub):
    started, learners, *_ = hub
    started.stop()
    for user in [learner.user for learner in learners]:
        deadline = time.monotonic() + 60
        while processes(user) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not processes(user), f"left running after the hub stopped: {processes(user)}"
    assert started.process.poll() is not None
