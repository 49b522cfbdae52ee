#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Start-up and memory of the app on a big lane (figures, never pass/fail).

Run by meson (`meson test -C BUILD --benchmark --suite bench-ui`) under
tests/ui/tn-ui-run.py, which gives it Xvfb, a session bus and AT-SPI.

- start: from exec of `tendero --data-dir LANE` to (a) its window mapped on
  the X server and (b) the window answering over AT-SPI (one round trip to
  the app's main loop: it is idle enough to serve a screen reader, so it is
  interactive); then, untimed, the login view's PIN entry must be there.  Measured from outside: the app is not changed
  for the benchmark.  The file cache is warm (the lane was just copied).
- memory: VmRSS (and the peak VmHWM) of the app at the login screen, and
  after a cashier logs in and types searches over the catalogue; the same
  on an empty lane as a baseline.
Both with GTK's default renderer and with GSK_RENDERER=cairo (under Xvfb
the GL renderer runs on a software rasteriser).

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
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                fields[key] = int(value.split()[0]) / 1024  # MiB
    # Pss shares the libraries (GTK, Mesa) among the processes using them.
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                fields["Pss"] = int(line.split()[1]) / 1024
    return fields


def window_mapped():
    result = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^Tendero$"],
                            capture_output=True, text=True)
    return result.returncode == 0 and result.stdout.strip() != ""


def one_start(lane, renderer=None):
    env = dict(os.environ, GSETTINGS_BACKEND="memory",
               GSETTINGS_SCHEMA_DIR=os.environ["TN_SCHEMA_DIR"], GTK_A11Y="atspi",
               LC_ALL="C.UTF-8")
    if renderer:
        env["GSK_RENDERER"] = renderer
    t0 = time.monotonic()
    app_proc = subprocess.Popen([os.environ["TN_LANE"], "--data-dir", lane], env=env,
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

        def app_accessible():
            desktop = pyatspi.Registry.getDesktop(0)
            for i in range(desktop.childCount):
                app = desktop.getChildAtIndex(i)
                if app is not None and app.get_process_id() == app_proc.pid:
                    return app
            return None

        def window_answers():
            # One cheap round trip to the app's main loop: the window's
            # children.  Walking the whole tree here would time AT-SPI.
            app = app_accessible()
            if app is None or app.childCount == 0:
                return False
            frame = app.getChildAtIndex(0)
            return frame is not None and frame.childCount > 0
        tnui.wait_for(window_answers, "the window to answer over AT-SPI", timeout=120,
                      interval=0.005)
        interactive = time.monotonic() - t0
        # Not timed: the login view is really there.
        tnui.find(app_accessible(), "text", "PIN", timeout=120)
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


def measure(lane, empty, renderer):
    mapped, interactive, rss_idle = [], [], []
    proc = None
    for run in range(RUNS):
        proc, m, i = one_start(lane, renderer)
        mapped.append(m)
        interactive.append(i)
        time.sleep(1)
        mem = memory(proc.pid)
        rss_idle.append(mem["VmRSS"])
        stop(proc)

    # The same app on an empty lane: what GTK and the app cost before data.
    empty_proc, _, _ = one_start(empty, renderer)
    time.sleep(1)
    baseline = memory(empty_proc.pid)
    stop(empty_proc)

    def row(label, values, unit, scale=1.0):
        # The first start also fills the font and shader caches of this
        # fresh session: shown apart from the median of the others.
        values = [v * scale for v in values]
        rest = values[1:] or values
        print(f"  {label:<36} median {statistics.median(rest):8.1f} {unit}   "
              f"min {min(rest):8.1f}   max {max(rest):8.1f}   first {values[0]:8.1f}",
              flush=True)
    row("exec → window mapped", mapped, "ms", 1000)
    row("exec → interactive (AT-SPI answers)", interactive, "ms", 1000)
    row("RSS at the login screen", rss_idle, "MiB")
    print(f"  {'  of which file-backed (last run)':<36} {mem['RssFile']:8.1f} MiB   "
          f"anonymous {mem['RssAnon']:.1f} MiB, Pss {mem['Pss']:.1f} MiB", flush=True)
    print(f"  {'RSS on an empty lane (baseline)':<36} {baseline['VmRSS']:8.1f} MiB   "
          f"(file-backed {baseline['RssFile']:.1f}, anonymous {baseline['RssAnon']:.1f})",
          flush=True)

    # The big lane again: log in, search, then memory again.
    proc, _, _ = one_start(lane, renderer)
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
              f"(peak VmHWM {mem['VmHWM']:.1f} MiB, file-backed {mem['RssFile']:.1f})",
              flush=True)
    except tnui.UiError as e:
        print(f"  (no figure after login: {e})", flush=True)
    finally:
        stop(proc)


def main():
    source = fixture(sys.argv[1:])
    lane = os.path.join(tnui.WORKDIR, "lane")
    shutil.copytree(source, lane)
    size = sum(os.path.getsize(os.path.join(lane, f)) for f in os.listdir(lane))
    empty = os.path.join(tnui.WORKDIR, "empty-lane")
    tnui.ctl(empty, "init", "--store", "bench-store", "--terminal", "L1")
    print(f"App start on a lane of {size / 1048576:.0f} MiB ({os.path.basename(source)}), "
          f"{RUNS} runs, warm file cache; targets: start < 1000 ms, RSS < 120 MiB", flush=True)
    # Under Xvfb GTK's GL renderer runs on Mesa's software rasteriser
    # (llvmpipe), which costs time and memory a GPU would not: the cairo
    # renderer shows what the app itself costs.
    for renderer, label in ((None, "GTK's default renderer (GL: llvmpipe under Xvfb)"),
                            ("cairo", "GSK_RENDERER=cairo")):
        print(f" {label}:", flush=True)
        measure(lane, empty, renderer)
    shutil.rmtree(lane)
    return 0


sys.exit(main())
