#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Two lanes change the same price while they cannot reach each other.
When they meet again the app shows the conflict badge; a manager picks a
value in the Conflicts window and the conflict is closed on both lanes.
Each candidate says who changed it (the employee, or "—" for none)."""
import re

import tnui
import scenarios as sc

SKU = "TUNA"


def open_conflicts(lane):
    return tnui.ctl_json(lane.data_dir, "conflicts", "list", "--json")["conflicts"]


def main():
    l1, l2 = sc.make_pair()
    app = tnui.App(l1.data_dir)
    peer = tnui.HeadlessLane(l2.data_dir, "L2")
    try:
        win = sc.log_in(app)
        sc.wait_replicated(l2, SKU)
        tnui.check(True, "L2 received the catalogue from the app's lane")

        added = tnui.ctl(l1.data_dir, "employee", "add", "--name", "Paula", "--pin", "8642")
        paula = re.search(r"employee ([0-9a-f-]+)\)", added).group(1)

        # Partition: L2 stops; both lanes change the price meanwhile (on L1
        # Paula does, on L2 no one is named).
        peer.stop()
        tnui.ctl(l1.data_dir, "product", "set-price", "--sku", SKU, "--price", "2.50",
                 "--employee", paula)
        tnui.ctl(l2.data_dir, "product", "set-price", "--sku", SKU, "--price", "2.75")
        peer = tnui.HeadlessLane(l2.data_dir, "L2")

        button = tnui.find(win, "push button", "Conflicts", timeout=60)
        count = tnui.wait_text(win, "label", "Conflict count", lambda t: t.strip() == "1",
                               "one open conflict", timeout=60)
        tnui.check(count.strip() == "1", "the conflict badge shows 1")
        tnui.check(len(open_conflicts(l1)) == 1, "L1 holds one open conflict")
        tnui.wait_for(lambda: len(open_conflicts(l2)) == 1, "L2 to hold the conflict too")

        tnui.click(button)
        conflicts = app.window("Conflicts")
        who = sorted(tnui.text_of(label) for label in
                     tnui.find_all(conflicts, "label", "Changed by"))
        tnui.check(who == ["By Paula", "By —"] or who == ["By —", "By Paula"],
                   f"the candidates say who changed them: {who}")
        tnui.click(tnui.find(conflicts, "push button", "Use 2.75"))
        approval = app.window("Manager Approval")
        tnui.type_at(tnui.find(approval, "text", "Manager PIN"), sc.MANAGER[1])
        app.no_window("Manager Approval")

        tnui.wait_for(lambda: not open_conflicts(l1), "the conflict to close on L1")
        tnui.check(True, "the conflict is closed on L1")
        tnui.wait_for(lambda: not open_conflicts(l2), "the conflict to close on L2", timeout=60)
        tnui.check(True, "the conflict is closed on L2")
        tnui.wait_for(lambda: not tnui.find_all(win, "push button", "Conflicts"),
                      "the Conflicts button to hide")
        tnui.check(True, "the conflict badge is gone")
        for lane in (l1, l2):
            listing = tnui.ctl(lane.data_dir, "product", "list")
            line = next(l for l in listing.splitlines() if SKU in l)
            tnui.check("2.75" in line, f"{lane.name} sells {SKU} at 2.75: {line.strip()}")
    finally:
        peer.stop()
        app.stop()


tnui.run(main)
