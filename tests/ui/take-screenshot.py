#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Not a test: takes the AppStream screenshot (data/screenshots/checkout.png)
from the real app — the demo catalogue, stock received, a peer lane online
and a cart in progress.  Run it like a scenario:

  TN_CTL=BUILD/src/cli/tendero-ctl TN_LANE=BUILD/src/lane/tendero \\
  TN_SCHEMA_DIR=BUILD/data TN_LOCALEDIR=BUILD/po PYTHONPATH=$PWD/tests/ui \\
    tests/ui/tn-ui-run.py tests/ui/take-screenshot.py

with absolute paths (the scenario runs in its work directory), and copy
the PNG it prints into data/screenshots/."""
import os
import time

import tnui
import scenarios as sc

DEMO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data",
                    "demo-catalog.csv")
# barcode, quantity typed as "N*barcode"
CART = [("7501234567890", 1), ("7501234567891", 2), ("7501234567892", 1),
        ("7501234567895", 1), ("7501234567899", 1)]


def main():
    l1, l2 = sc.make_pair()
    tnui.ctl(l1.data_dir, "catalog", "import", DEMO)
    for line in open(DEMO).read().splitlines()[1:]:
        sku = line.split(",")[0]
        tnui.ctl(l1.data_dir, "stock", "receive", "--sku", sku, "--qty", "48",
                 "--reason", "Delivery")
    app = tnui.App(l1.data_dir)
    peer = tnui.HeadlessLane(l2.data_dir, "L2")
    try:
        win = sc.log_in(app)
        tnui.wait_text(win, "label", "Sync summary", lambda t: t.startswith("Online"),
                       "a peer online", timeout=60)
        search = tnui.find(win, "text", "Search products")
        for barcode, qty in CART:
            tnui.type_at(search, f"{qty}*{barcode}" if qty > 1 else barcode)
            time.sleep(0.3)
        time.sleep(1)
        tnui.screenshot("Tendero", "checkout.png")
    finally:
        peer.stop()
        app.stop()


tnui.run(main)
