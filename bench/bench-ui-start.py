#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Start-up and memory of the app on a big lane (figures, never pass/fail).

Run by meson (`meson test -C BUILD --benchmark --suite bench-ui`) under
tests/ui/tn-ui-run.py, which gives it Xvfb, a session bus and AT-SPI.

- start: from exec of `tendero --data-dir LANE` to (a) its window mapped on
  the X server and (b) the window answering over AT-SPI with the login
  view's PIN entry — the main loop is idle enough to serve a screen reader,
  so it is interactive.  Measured from outside: the app is not changed
  for the benchmark.  The file cache is warm (the lane was just copied).
- memory: VmRSS (and the peak VmHWM) of the app at the login screen, and
  after a cashier logs in and types searches over the catalogue.

Targets: start < 1 s, RSS < 120 MB.  Usage (by meson): bench-ui-start.py
[PRODUCTS EVENTS] — the lane is built once by bench-ui-fixture.
"""
import os
import shutil
import statistics
import subprocess
import sys
import time

import pyatspi

import tnui

RUNS = 5
SEARCHES = ["coffee", "polar milk", "rice 1 kg", "heinz beans", "dove soap", "goya"]
PIN = "2468"


def fixture(args):
    out = subprocess.run([os.environ["TN_BENCH_UI_FIXTURE"], *args], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    for line in out.splitlines()[:-1]:
        print(line, flush=True)
    return out.splitlines()[-1]


def memory(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024  # MiB
    return fields


def window_mapped():
    result = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^Tendero$"],
                            capture_output=True, text=True)
    return result.returncode == 0 and result.stdout.strip() != ""


def one_start(lane):
    t0 = time.monotonic()
    app_proc = subprocess.Popen([os.environ["TN_LANE"], "--data-dir", lane],
                                env=dict(os.environ, GSETTINGS_BACKEND="memory",
                                         GSETTINGS_SCHEMA_DIR=os.environ["TN_SCHEMA_DIR"],
                                         GTK_A11Y="atspi", LC_ALL="C.UTF-8"),
                                stdout=subprocess.DEVNULL,
                                stderr=open(os.path.join(tnui.WORKDIR, "app.log"), "ab"))
    try:
        while not window_mapped():
            if app_proc.poll() is not None:
                sys.exit(f"tendero exited with {app_proc.returncode}: see {tnui.WORKDIR}/app.log")
            if time.monotonic() - t0 > 120:
                sys.exit("tendero showed no window in 120 s")
            time.sleep(0.005)
        mapped = time.monotonic() - t0

        def pin_entry():
            desktop = pyatspi.Registry.getDesktop(0)
            for i in range(desktop.childCount):
                app = desktop.getChildAtIndex(i)
                if app is not None and app.get_process_id() == app_proc.pid:
                    return next(iter(tnui.find_all(app, "text", "PIN")), None)
            return None
        tnui.wait_for(pin_entry, "the login view's PIN entry", timeout=120, interval=0.005)
        interactive = time.monotonic() - t0
        return app_proc, mapped, interactive
    except BaseException:
        app_proc.kill()
        raise


def stop(proc):
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main():
    source = fixture(sys.argv[1:])
    lane = os.path.join(tnui.WORKDIR, "lane")
    shutil.copytree(source, lane)
    size = sum(os.path.getsize(os.path.join(lane, f)) for f in os.listdir(lane))
    print(f"App start on a lane of {size / 1048576:.0f} MiB ({os.path.basename(source)}), "
          f"{RUNS} runs, warm file cache", flush=True)

    mapped, interactive, rss_idle = [], [], []
    proc = None
    for run in range(RUNS):
        proc, m, i = one_start(lane)
        mapped.append(m)
        interactive.append(i)
        time.sleep(1)
        rss_idle.append(memory(proc.pid)["VmRSS"])
        if run < RUNS - 1:
            stop(proc)

    def row(label, values, unit, scale=1.0):
        values = [v * scale for v in values]
        print(f"  {label:<36} median {statistics.median(values):8.1f} {unit}   "
              f"min {min(values):8.1f}   max {max(values):8.1f}", flush=True)
    row("exec → window mapped", mapped, "ms", 1000)
    row("exec → interactive (AT-SPI answers)", interactive, "ms", 1000)
    row("RSS at the login screen", rss_idle, "MiB")
    print("  (targets: start < 1000 ms, RSS < 120 MiB)", flush=True)

    # The last instance: log in, search, then memory again.
    try:
        tnui.type_into("Tendero", PIN)
        desktop_app = None
        desktop = pyatspi.Registry.getDesktop(0)
        for k in range(desktop.childCount):
            a = desktop.getChildAtIndex(k)
            if a is not None and a.get_process_id() == proc.pid:
                desktop_app = a
        search = tnui.find(desktop_app, "text", "Search products", timeout=60)
        for text in SEARCHES:
            tnui.type_at(search, text, enter=False)
            time.sleep(0.3)
            tnui.key("Tendero", "ctrl+a")
            tnui.key("Tendero", "BackSpace")
        time.sleep(1)
        mem = memory(proc.pid)
        print(f"  {'RSS after login and 6 searches':<36} {mem['VmRSS']:8.1f} MiB   "
              f"(peak VmHWM {mem['VmHWM']:.1f} MiB)", flush=True)
    except tnui.UiError as e:
        print(f"  (no figure after login: {e})", flush=True)
    finally:
        stop(proc)
    shutil.rmtree(lane)
    return 0


sys.exit(main())
