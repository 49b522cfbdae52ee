#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A cashier logs in with the PIN pad and rings up a sale, which is then
voided from the sales history with a reason and a manager's PIN; the database holds the void (the sale is
marked voided and the void document is in the fiscal chain)."""
import tnui
import scenarios as sc


def main():
    lane = sc.make_lane("L1", fiscal_authority=True)
    app = tnui.App(lane.data_dir)
    try:
        win = sc.log_in_with_pad(app)
        tnui.check(True, "the cashier logged in with the PIN pad")
        total = sc.ring_items(app, win)
        receipt, fiscal = sc.pay_cash(app, win, total, total)
        win = sc.new_sale(app, receipt)
        docs_before = tnui.ctl_json(lane.data_dir, "fiscal", "verify", "--json")["documents"]

        tnui.key("Tendero", "ctrl+h")
        history = app.window("Sales History")
        sale = sc.sales(lane.data_dir)[0]
        tnui.click(tnui.find(history, "push button", f"Void sale {sale['fiscal_doc']}"))
        reason = tnui.find(app.accessible, "text", "Void reason")
        tnui.type_at(reason, "Customer changed their mind")
        approval = app.window("Manager Approval")
        pin = tnui.find(approval, "text", "Manager PIN")
        tnui.type_at(pin, sc.MANAGER[1])
        app.no_window("Manager Approval")

        row = tnui.wait_for(lambda: next((s for s in sc.sales(lane.data_dir)
                                          if s["sale_id"] == sale["sale_id"] and s["voided"]),
                                         None),
                            "the sale to be voided in the database")
        tnui.check(row["voided"], f"sale {fiscal} is voided in the database")
        verify = tnui.ctl_json(lane.data_dir, "fiscal", "verify", "--json")
        tnui.check(verify["ok"], f"the fiscal chains verify: {verify['problems']}")
        tnui.check(verify["documents"] == docs_before + 1,
                   "the void is one more fiscal document in the chain "
                   f"({docs_before} → {verify['documents']})")
    finally:
        app.stop()


tnui.run(main)
