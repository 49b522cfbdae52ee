#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sync indicator says how many peers the lane reaches, and notices
within seconds when the only peer stops."""
import tnui
import scenarios as sc


def main():
    l1, l2 = sc.make_pair()
    app = tnui.App(l1.data_dir)
    peer = tnui.HeadlessLane(l2.data_dir, "L2")
    try:
        win = app.window("Tendero")
        tnui.find(win, "push button", "Sync status")
        online = tnui.wait_text(win, "label", "Sync summary",
                                lambda t: t.startswith("Online: 1 peer"),
                                "“Online: 1 peer”", timeout=60)
        tnui.check(True, f"with L2 running the indicator says “{online}”")

        peer.stop()
        # Generous safety net; the lane notices a closed socket at once.
        offline = tnui.wait_text(win, "label", "Sync summary",
                                 lambda t: t.startswith("Offline") or
                                 t.startswith("Online: 0 peers"),
                                 "that no peer is reachable", timeout=20)
        tnui.check(True, f"with L2 stopped the indicator says “{offline}”")
    finally:
        peer.stop()
        app.stop()


tnui.run(main)
