#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run one UI scenario against the real application, isolated:

  tn-ui-run.py SCENARIO.py

1. a fresh work directory (under $TN_UI_WORKDIR_BASE — meson sets the build
   directory's meson-logs/ui/ — else a temporary directory) that keeps the scenario's
   data directories, logs and screenshots for a look after a failure;
2. Xvfb on a free display (-displayfd picks it);
3. a private session bus (dbus-run-session) holding a gnome-keyring daemon
   with an empty, unlocked keyring in a fresh XDG_DATA_HOME, and the AT-SPI
   bus;
4. the scenario, run by Debian's /usr/bin/python3 (which has pyatspi).

Exit status: the scenario's; 1 when the environment cannot be set up (the
message names the package to install).
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SYSTEM_PYTHON = "/usr/bin/python3"

# tool: Debian package
REQUIRED = {
    "Xvfb": "xvfb",
    "dbus-run-session": "dbus",
    "gnome-keyring-daemon": "gnome-keyring",
    "xdotool": "xdotool",
    "import": "imagemagick",
    "gdbus": "libglib2.0-bin",
}
AT_SPI_LAUNCHER = "/usr/libexec/at-spi-bus-launcher"


def fail(message):
    print(f"tn-ui-run: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def check_tools():
    for tool, package in REQUIRED.items():
        if shutil.which(tool) is None:
            fail(f"{tool} is missing: apt-get install {package}")
    if not os.access(AT_SPI_LAUNCHER, os.X_OK):
        fail(f"{AT_SPI_LAUNCHER} is missing: apt-get install at-spi2-core")
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import pyatspi"], capture_output=True)
    if probe.returncode != 0:
        fail("pyatspi is missing for /usr/bin/python3: apt-get install python3-pyatspi "
             "gir1.2-atspi-2.0")


def make_workdir(scenario):
    name = os.path.splitext(os.path.basename(scenario))[0]
    base = os.environ.get("TN_UI_WORKDIR_BASE")
    if not base:
        base = tempfile.gettempdir()
    os.makedirs(base, exist_ok=True)
    return tempfile.mkdtemp(prefix=name + "-", dir=base)


def start_xvfb(workdir):
    read_fd, write_fd = os.pipe()
    log = open(os.path.join(workdir, "xvfb.log"), "wb")
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x900x24",
         "-nolisten", "tcp", "-noreset", "+extension", "XTEST"],
        pass_fds=(write_fd,), stdout=log, stderr=log)
    os.close(write_fd)
    display = b""
    with os.fdopen(read_fd, "rb") as f:
        display = f.readline().strip()
    if not display:
        xvfb.kill()
        fail(f"Xvfb did not start: see {workdir}/xvfb.log")
    return xvfb, ":" + display.decode()


def outside(scenario):
    check_tools()
    workdir = make_workdir(scenario)
    print(f"# UI work directory: {workdir}", flush=True)
    xvfb, display = start_xvfb(workdir)
    env = dict(os.environ)
    env["DISPLAY"] = display
    env.pop("WAYLAND_DISPLAY", None)
    env["TN_UI_WORKDIR"] = workdir
    try:
        status = subprocess.call(
            ["dbus-run-session", "--", SYSTEM_PYTHON, os.path.abspath(__file__),
             "--inside", os.path.abspath(scenario)], env=env)
    finally:
        xvfb.terminate()
        try:
            xvfb.wait(10)
        except subprocess.TimeoutExpired:
            xvfb.kill()
    print(f"# UI work directory: {workdir}", flush=True)
    return status


def write_keyring(xdg_data_home):
    """An empty, unlocked plaintext keyring named default, so libsecret can
    store the store key without any prompt."""
    keyrings = os.path.join(xdg_data_home, "keyrings")
    os.makedirs(keyrings, mode=0o700, exist_ok=True)
    now = int(time.time())
    with open(os.path.join(keyrings, "default.keyring"), "w") as f:
        f.write("[keyring]\n"
                "display-name=Default\n"
                f"ctime={now}\n"
                f"mtime={now}\n"
                "lock-on-idle=false\n"
                "lock-after=false\n")
    os.chmod(os.path.join(keyrings, "default.keyring"), 0o600)
    with open(os.path.join(keyrings, "default"), "w") as f:
        f.write("default")


def wait_for_bus_name(name, timeout=20):
    result = subprocess.run(["gdbus", "wait", "--session", "--timeout", str(timeout), name],
                            capture_output=True, text=True)
    return result.returncode == 0


def inside(scenario):
    workdir = os.environ["TN_UI_WORKDIR"]
    xdg_data_home = os.path.join(workdir, "xdg-data")
    for sub in ("xdg-config", "xdg-cache"):
        os.makedirs(os.path.join(workdir, sub), mode=0o700, exist_ok=True)
    # Sockets live in XDG_RUNTIME_DIR: keep its path short (a Unix socket
    # path has at most 107 bytes; build directories can be deep).
    runtime_dir = tempfile.mkdtemp(prefix="tn-ui-")
    write_keyring(xdg_data_home)
    env = os.environ
    env["XDG_DATA_HOME"] = xdg_data_home
    env["XDG_CONFIG_HOME"] = os.path.join(workdir, "xdg-config")
    env["XDG_CACHE_HOME"] = os.path.join(workdir, "xdg-cache")
    env["XDG_RUNTIME_DIR"] = runtime_dir
    env["HOME"] = workdir
    env["GTK_A11Y"] = "atspi"
    env.pop("NO_AT_BRIDGE", None)

    children = []
    keyring_log = open(os.path.join(workdir, "gnome-keyring.log"), "wb")
    children.append(subprocess.Popen(
        ["gnome-keyring-daemon", "--start", "--foreground", "--components=secrets"],
        stdout=keyring_log, stderr=keyring_log, stdin=subprocess.DEVNULL))
    if not wait_for_bus_name("org.freedesktop.secrets"):
        fail(f"gnome-keyring-daemon did not take org.freedesktop.secrets: see "
             f"{workdir}/gnome-keyring.log")

    atspi_log = open(os.path.join(workdir, "at-spi.log"), "wb")
    children.append(subprocess.Popen([AT_SPI_LAUNCHER, "--launch-immediately"],
                                     stdout=atspi_log, stderr=atspi_log))
    if not wait_for_bus_name("org.a11y.Bus"):
        fail(f"at-spi-bus-launcher did not start: see {workdir}/at-spi.log")

    try:
        status = subprocess.call([SYSTEM_PYTHON, scenario], cwd=workdir, env=env)
    finally:
        for child in reversed(children):
            child.terminate()
        for child in children:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
        shutil.rmtree(runtime_dir, ignore_errors=True)
    return status


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--inside":
        return inside(sys.argv[2])
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    return outside(sys.argv[1])


if __name__ == "__main__":
    sys.exit(main())
