#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check the Flatpak manifest: flatpak-builder parses it, every file or
directory it names exists, the app keeps least privilege, and the
desktop/metainfo/icon files the Flatpak exports carry the app id.

Usage: check-flatpak-manifest.py MANIFEST.json   (exit 0 when all is well)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

# Exactly these and nothing else: secrets go through the Secret portal, no
# files outside the sandbox, no session-bus names.
EXPECTED_FINISH_ARGS = {
    "--share=network",
    "--share=ipc",
    "--socket=wayland",
    "--socket=fallback-x11",
    "--device=dri",
}


def sources_of(module, base, seen):
    """Yield (kind, path) for every local file a module (and its children) names."""
    if isinstance(module, str):
        # A module given as a file name, relative to the manifest.
        path = os.path.join(base, module)
        yield ("module file", path)
        if os.path.exists(path) and path not in seen:
            seen.add(path)
            with open(path, encoding="utf-8") as f:
                yield from sources_of(json.load(f), os.path.dirname(path), seen)
        return
    for source in module.get("sources", []):
        if isinstance(source, str):
            yield ("source file", os.path.join(base, source))
            continue
        if "path" in source:
            yield (source.get("type", "?") + " source", os.path.join(base, source["path"]))
        for path in source.get("paths", []):
            yield (source.get("type", "?") + " source", os.path.join(base, path))
    for child in module.get("modules", []):
        yield from sources_of(child, base, seen)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    manifest = os.path.abspath(sys.argv[1])
    base = os.path.dirname(manifest)
    builder = shutil.which("flatpak-builder")
    if builder is None:
        print("flatpak-builder is missing: apt-get install flatpak-builder", file=sys.stderr)
        return 1
    # flatpak-builder leaves a .flatpak-builder/ state dir in its working
    # directory: keep it out of the source tree.
    with tempfile.TemporaryDirectory() as scratch:
        run = subprocess.run([builder, "--show-manifest", manifest],
                             capture_output=True, text=True, cwd=scratch)
    if run.returncode != 0:
        print(f"flatpak-builder cannot read {manifest}:\n{run.stderr}", file=sys.stderr)
        return 1
    parsed = json.loads(run.stdout)

    problems = []
    app_id = parsed.get("id") or parsed.get("app-id")
    if app_id != "org.tendero.Tendero":
        problems.append(f"the app id is {app_id!r}, not org.tendero.Tendero")
    if parsed.get("command") != "tendero":
        problems.append(f"the command is {parsed.get('command')!r}, not tendero")
    if parsed.get("runtime") != "org.gnome.Platform" or parsed.get("sdk") != "org.gnome.Sdk":
        problems.append("the runtime must be org.gnome.Platform with org.gnome.Sdk")
    try:
        if int(parsed.get("runtime-version", "0")) < 47:
            problems.append("the GNOME runtime must be version 47 or newer")
    except ValueError:
        problems.append(f"runtime-version {parsed.get('runtime-version')!r} is not a GNOME release")

    args = parsed.get("finish-args", [])
    extra = sorted(set(args) - EXPECTED_FINISH_ARGS)
    missing = sorted(EXPECTED_FINISH_ARGS - set(args))
    if extra:
        problems.append("finish-args grant more than the app needs: " + ", ".join(extra))
    if missing:
        problems.append("finish-args lack: " + ", ".join(missing))

    named = list(sources_of({"modules": parsed.get("modules", [])}, base, set()))
    if not named:
        problems.append("no module names a local source: the app itself is not built")
    for kind, path in named:
        if not os.path.exists(path):
            problems.append(f"{kind} {path} does not exist")
        print(f"# {kind}: {os.path.relpath(path, base)}")

    # What the build installs under the app id must exist in the tree that
    # the "dir" source ships.
    root = os.path.normpath(os.path.join(base, ".."))
    for rel in ("data/org.tendero.Tendero.desktop.in",
                "data/org.tendero.Tendero.metainfo.xml.in",
                "data/org.tendero.Tendero.gschema.xml",
                "data/icons/hicolor/scalable/apps/org.tendero.Tendero.svg",
                "data/icons/hicolor/symbolic/apps/org.tendero.Tendero-symbolic.svg",
                "meson.build"):
        if not os.path.exists(os.path.join(root, rel)):
            problems.append(f"{rel} does not exist")

    for p in problems:
        print(f"FAIL: {p}", file=sys.stderr)
    if not problems:
        print(f"{manifest}: OK ({len(named)} local sources)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
