#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A screenshot of the main window with a cart in it, saved in the test's
work directory (BUILD/meson-logs/ui/…) as an artifact."""
import subprocess

import tnui
import scenarios as sc


def main():
    lane = sc.make_lane("L1", fiscal_authority=True)
    app = tnui.App(lane.data_dir)
    try:
        win = sc.log_in(app)
        sc.ring_items(app, win, [("COFFEE-250", "barcode"), ("TUNA", "barcode"),
                                 ("BREAD", "click")])
        path = tnui.screenshot("Tendero", "checkout.png")
        size = subprocess.run(["identify", "-format", "%w %h", path], capture_output=True,
                              text=True, check=True).stdout.split()
        width, height = int(size[0]), int(size[1])
        tnui.check(width >= 640 and height >= 480,
                   f"the screenshot is the whole window ({width}×{height})")
    finally:
        app.stop()


tnui.run(main)
