# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for the UI scenarios: start the app, find widgets in the AT-SPI
tree by role and accessible name, click them, type with xdotool into the
focused window, read labels, take screenshots, and ask tendero-ctl what
the database holds.  Scenarios run under tn-ui-run.py, which provides the
display, the session bus, the keyring and the AT-SPI bus.

The environment (set by tests/ui/meson.build):
  TN_LANE        the tendero binary      TN_CTL         tendero-ctl
  TN_SCHEMA_DIR  compiled GSettings      TN_LOCALEDIR   built catalogues
  TN_UI_WORKDIR  this scenario's work directory (tn-ui-run.py)
"""
import json
import os
import subprocess
import sys
import time

import pyatspi

TIMEOUT = float(os.environ.get("TN_UI_TIMEOUT", "30"))
WORKDIR = os.environ.get("TN_UI_WORKDIR", os.getcwd())


class UiError(AssertionError):
    pass


_checks = 0


def log(message):
    print(f"# {message}", flush=True)


def check(condition, message):
    """An assertion that says what went wrong in terms of the shop."""
    global _checks
    _checks += 1
    if not condition:
        raise UiError(message)
    log(f"ok: {message}")


def env_path(name):
    value = os.environ.get(name)
    if not value:
        raise UiError(f"{name} is not set: run the scenario through meson test")
    return value


def wait_for(predicate, what, timeout=TIMEOUT, interval=0.1):
    """Poll predicate() until it returns something truthy; raise naming
    `what` after timeout (a safety net, never a measurement)."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except UiError:
            raise  # the app died, say: no point waiting
        except Exception as e:  # AT-SPI objects vanish while windows change
            last_error = e
        if time.monotonic() > deadline:
            detail = f" (last error: {last_error})" if last_error else ""
            raise UiError(f"timed out after {timeout:.0f} s waiting for {what}{detail}")
        time.sleep(interval)


# ---------------------------------------------------------------- tendero-ctl

def ctl(data_dir, *args, check_status=True):
    cmd = [env_path("TN_CTL"), "--data-dir", data_dir, *args]
    result = subprocess.run(cmd, capture_output=True, text=True,
                            env=dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8"))
    if check_status and result.returncode != 0:
        raise UiError(f"{' '.join(cmd)} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


def ctl_json(data_dir, *args):
    return json.loads(ctl(data_dir, *args))


def new_store_key(path):
    with open(path, "w") as f:
        f.write(os.urandom(32).hex())
    os.chmod(path, 0o600)
    return path


# ---------------------------------------------------------------- the app

class App:
    """A running `tendero` GUI process on one data directory."""

    def __init__(self, data_dir, lang=None, extra_env=None, name="app"):
        env = dict(os.environ)
        env["GSETTINGS_BACKEND"] = "memory"
        env["GSETTINGS_SCHEMA_DIR"] = env_path("TN_SCHEMA_DIR")
        env["TENDERO_LOCALEDIR"] = env_path("TN_LOCALEDIR")
        env["GTK_A11Y"] = "atspi"
        env["G_DEBUG"] = os.environ.get("TN_APP_G_DEBUG", "gc-friendly")
        if lang:
            env["LANG"] = lang
            env["LC_ALL"] = lang
            env["LANGUAGE"] = lang.split(".")[0]
        else:
            env.setdefault("LANG", "C.UTF-8")
            env["LC_ALL"] = "C.UTF-8"
            env["LANGUAGE"] = "en"
        env.update(extra_env or {})
        self.log_path = os.path.join(WORKDIR, f"{name}.log")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([env_path("TN_LANE"), "--data-dir", data_dir],
                                     env=env, stdout=self._log, stderr=self._log,
                                     stdin=subprocess.DEVNULL)
        log(f"started tendero (pid {self.proc.pid}), log {self.log_path}")
        self.accessible = wait_for(self._find_application, "the application on the AT-SPI bus")

    def _find_application(self):
        if self.proc.poll() is not None:
            raise UiError(f"tendero exited with {self.proc.returncode}; see {self.log_path}")
        desktop = pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            child = desktop.getChildAtIndex(i)
            if child is not None and child.get_process_id() == self.proc.pid:
                return child
        return None

    def windows(self, title):
        """The showing top-level windows with this title."""
        found = []
        for i in range(self.accessible.childCount):
            child = self.accessible.getChildAtIndex(i)
            if child is not None and child.name == title and showing(child):
                found.append(child)
        return found

    def window(self, title, timeout=TIMEOUT):
        """The top-level window with this title."""
        return wait_for(lambda: next(iter(self.windows(title)), None),
                        f"the window “{title}”", timeout)

    def no_window(self, title, timeout=TIMEOUT):
        wait_for(lambda: not self.windows(title), f"the window “{title}” to close", timeout)

    def stop(self):
        return _stop(self, "tendero", 15)


def _stop(runner, what, timeout):
    """SIGTERM, then check the process quits cleanly (status 0) and had not
    died before (a crash or a fatal warning): that fails the scenario,
    unless it is already failing for another reason."""
    if getattr(runner, "_stopped", False):
        return runner.proc.returncode
    runner._stopped = True
    died_before = runner.proc.poll() is not None
    if not died_before:
        runner.proc.terminate()
        try:
            runner.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            runner.proc.kill()
            runner.proc.wait()
    runner._log.close()
    status = runner.proc.returncode
    if sys.exc_info()[0] is None and (died_before or status != 0):
        how = "died during the scenario" if died_before else "did not quit cleanly on SIGTERM"
        raise UiError(f"{what} {how} (status {status}); see {runner.log_path}")
    return status


class HeadlessLane:
    """`tendero --headless` on a data directory: a peer lane with no window."""

    def __init__(self, data_dir, name):
        self.log_path = os.path.join(WORKDIR, f"{name}.log")
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([env_path("TN_LANE"), "--data-dir", data_dir, "--headless"],
                                     stdout=self._log, stderr=self._log,
                                     stdin=subprocess.DEVNULL,
                                     env=dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="en",
                                              G_DEBUG=os.environ.get("TN_APP_G_DEBUG",
                                                                     "gc-friendly")))
        log(f"started headless lane {name} (pid {self.proc.pid}), log {self.log_path}")

    def stop(self):
        return _stop(self, "the headless lane", 30)


# ---------------------------------------------------------------- widgets

def showing(acc):
    try:
        states = acc.getState()
        return states.contains(pyatspi.STATE_SHOWING) or states.contains(pyatspi.STATE_VISIBLE)
    except Exception:
        return False


def _descendants(root):
    stack = [root]
    while stack:
        acc = stack.pop()
        if acc is None:
            continue
        yield acc
        try:
            n = acc.childCount
        except Exception:
            continue
        for i in range(n - 1, -1, -1):
            try:
                stack.append(acc.getChildAtIndex(i))
            except Exception:
                pass


def find_all(root, role=None, name=None, prefix=None):
    """Showing descendants with this role name ('push button', 'label',
    'text', 'toggle button' …) and exact accessible name (or name prefix)."""
    found = []
    for acc in _descendants(root):
        try:
            if role is not None and acc.getRoleName() != role:
                continue
            if name is not None and acc.name != name:
                continue
            if prefix is not None and not (acc.name or "").startswith(prefix):
                continue
        except Exception:
            continue
        if showing(acc):
            found.append(acc)
    return found


def find(root, role, name, timeout=TIMEOUT):
    return wait_for(lambda: next(iter(find_all(root, role, name)), None),
                    f"a {role or 'widget'} named “{name}”", timeout)


def click(acc):
    action = acc.queryAction()
    for i in range(action.nActions):
        if action.getName(i) == "click":
            action.doAction(i)
            return
    raise UiError(f"“{acc.name}” ({acc.getRoleName()}) has no click action")


def text_of(acc):
    """The visible text of a label (AT-SPI Text interface)."""
    try:
        t = acc.queryText()
        return t.getText(0, t.characterCount)
    except NotImplementedError:
        return acc.description or ""


def wait_text(root, role, name, predicate, what, timeout=TIMEOUT):
    """Wait until the widget's text satisfies predicate; returns the text."""
    seen = []

    def look():
        texts = [text_of(acc) for acc in find_all(root, role, name)]
        seen[:] = texts
        return next((t for t in texts if predicate(t)), None)
    try:
        return wait_for(look, f"“{name}” to show {what}", timeout)
    except UiError as e:
        raise UiError(f"{e}; it shows {seen!r}" if seen else f"{e}; no such {role} is showing")


# ---------------------------------------------------------------- keyboard

def _window_id(title):
    result = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name",
                             f"^{title}$"], capture_output=True, text=True, timeout=TIMEOUT)
    ids = result.stdout.split()
    if not ids:
        raise UiError(f"no X window titled “{title}”")
    return ids[-1]


def type_into(title, text, enter=True):
    """Type into whatever has the keyboard focus in the window titled
    `title` (XTest: GTK 4.8 has no AT-SPI text editing)."""
    wid = _window_id(title)
    subprocess.run(["xdotool", "windowfocus", "--sync", wid], check=True, timeout=TIMEOUT)
    if text:
        subprocess.run(["xdotool", "type", "--delay", "20", "--", text],
                       check=True, timeout=TIMEOUT)
    if enter:
        subprocess.run(["xdotool", "key", "Return"], check=True,
                       timeout=TIMEOUT)


def toplevel_title(acc):
    """The title of the window holding acc (its X window has the same)."""
    node = acc
    while node is not None:
        parent = node.parent
        if parent is None or parent.getRoleName() == "application":
            return node.name
        node = parent
    raise UiError(f"“{acc.name}” is in no window")


def type_at(acc, text, enter=True):
    """Type into the window holding acc, where the app should have put the
    keyboard focus on acc."""
    type_into(toplevel_title(acc), text, enter)


def key(title, keysym):
    wid = _window_id(title)
    subprocess.run(["xdotool", "windowfocus", "--sync", wid], check=True, timeout=TIMEOUT)
    subprocess.run(["xdotool", "key", keysym], check=True, timeout=TIMEOUT)


def focused(acc):
    """Whether acc or a part of it (a GtkEntry's inner GtkText) has the
    keyboard focus."""
    for part in _descendants(acc):
        try:
            if part.getState().contains(pyatspi.STATE_FOCUSED):
                return True
        except Exception:
            pass
    return False


def focus_by_tab(win, title, name, role="text"):
    """Tab until the widget named `name` has the keyboard focus (GTK 4.8
    has no AT-SPI grab-focus), as a keyboard user would."""
    field = find(win, role, name)
    for _ in range(12):
        try:
            return wait_for(lambda: focused(field) and field, f"the focus on “{name}”",
                            timeout=1)
        except UiError:
            key(title, "Tab")
    raise UiError(f"Tab never reached “{name}”")


def screenshot(title, name):
    """Save a PNG of the window in the work directory; returns its path."""
    path = os.path.join(WORKDIR, name)
    subprocess.run(["import", "-window", _window_id(title), path], check=True,
                   timeout=TIMEOUT, capture_output=True)
    log(f"screenshot: {path}")
    print(f"screenshot saved: {path}", flush=True)
    return path


# ---------------------------------------------------------------- running

def run(scenario):
    """Run scenario() and turn an exception into a clear failure."""
    try:
        scenario()
    except UiError as e:
        print(f"FAIL: {e}", file=sys.stderr, flush=True)
        print(f"# logs and data in {WORKDIR}", file=sys.stderr, flush=True)
        sys.exit(1)
    print(f"# passed ({_checks} checks)", flush=True)
    sys.exit(0)
