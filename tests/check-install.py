#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Install the build into a scratch DESTDIR and check that the files a
desktop (and the Flatpak export) looks for are where it looks, named after
the app id, and that the metainfo's screenshot is the one in
data/screenshots/.

Usage: check-install.py BUILD_DIR SOURCE_DIR   (exit 0 when all is well)
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

APP_ID = "org.tendero.Tendero"
EXPECTED = [
    "bin/tendero",
    "bin/tendero-ctl",
    f"share/applications/{APP_ID}.desktop",
    f"share/metainfo/{APP_ID}.metainfo.xml",
    f"share/glib-2.0/schemas/{APP_ID}.gschema.xml",
    f"share/icons/hicolor/scalable/apps/{APP_ID}.svg",
    f"share/icons/hicolor/symbolic/apps/{APP_ID}-symbolic.svg",
    "share/locale/es/LC_MESSAGES/tendero.mo",
    "share/tendero/demo-catalog.csv",
]


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    build, source = sys.argv[1], sys.argv[2]
    meson = shutil.which("meson")
    if meson is None:
        print("meson is missing: apt-get install meson", file=sys.stderr)
        return 1
    options = json.loads(subprocess.run([meson, "introspect", "--buildoptions", build],
                                        capture_output=True, text=True, check=True).stdout)
    prefix = next(o["value"] for o in options if o["name"] == "prefix")
    problems = []
    with tempfile.TemporaryDirectory() as destdir:
        run = subprocess.run([meson, "install", "-C", build, "--no-rebuild", "--quiet",
                              "--destdir", destdir], capture_output=True, text=True)
        if run.returncode != 0:
            print(f"meson install failed:\n{run.stdout}{run.stderr}", file=sys.stderr)
            return 1
        root = os.path.join(destdir, prefix.lstrip("/"))
        for rel in EXPECTED:
            if os.path.exists(os.path.join(root, rel)):
                print(f"# installed: {rel}")
            else:
                problems.append(f"{rel} is not installed")
        desktop = os.path.join(root, "share/applications", APP_ID + ".desktop")
        if os.path.exists(desktop):
            text = open(desktop, encoding="utf-8").read()
            for line in (f"Icon={APP_ID}", "Exec=tendero"):
                if line not in text.splitlines():
                    problems.append(f"the desktop file lacks {line}")
            if "Name[es]=" not in text:
                problems.append("the desktop file has no Spanish translation merged")
        metainfo = os.path.join(root, "share/metainfo", APP_ID + ".metainfo.xml")
        if os.path.exists(metainfo):
            text = open(metainfo, encoding="utf-8").read()
            if f"<launchable type=\"desktop-id\">{APP_ID}.desktop</launchable>" not in text:
                problems.append("the metainfo does not launch the installed desktop file")
            images = re.findall(r"<image>([^<]+)</image>", text)
            if not images:
                problems.append("the metainfo has no screenshot")
            for url in images:
                local = os.path.join(source, "data", "screenshots", os.path.basename(url))
                if not os.path.exists(local):
                    problems.append(f"screenshot {url} is not in data/screenshots/")
                else:
                    with open(local, "rb") as f:
                        if f.read(8) != b"\x89PNG\r\n\x1a\n":
                            problems.append(f"{local} is not a PNG")
    for p in problems:
        print(f"FAIL: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
