#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A cashier logs in with a PIN, rings up two products by barcode and one
by clicking a search result, pays cash with change, and the sale is in
the database with the right total and the fiscal number the receipt
showed."""
import tnui
import scenarios as sc


def main():
    lane = sc.make_lane("L1", fiscal_authority=True)
    app = tnui.App(lane.data_dir)
    try:
        win = sc.log_in(app)
        total = sc.ring_items(app, win)
        received = (total // 1000 + 1) * 1000   # the next 10.00 up
        receipt, fiscal = sc.pay_cash(app, win, total, received)
        tnui.check(fiscal != "", f"the receipt shows the fiscal number {fiscal}")

        rows = sc.sales(lane.data_dir)
        tnui.check(len(rows) == 1, f"the database holds one sale (it holds {len(rows)})")
        sale = rows[0]
        tnui.check(sale["total"] == total,
                   f"the sale's total is {sc.money(total)} (database: {sc.money(sale['total'])})")
        tnui.check(sale["fiscal_doc"] == fiscal or sale["fiscal_doc"] in fiscal,
                   f"the sale's fiscal number {sale['fiscal_doc']} is the one on the receipt")
        tnui.check(sale["change"] == received - total,
                   f"the change recorded is {sc.money(received - total)}")
        cash = [p for p in sale["payments"] if p["method"] == "cash"]
        tnui.check(len(cash) == 1 and cash[0]["amount"] >= total,
                   "the payment is one cash payment covering the total")
        tnui.check(not sale["voided"], "the sale is not voided")
        tnui.ctl(lane.data_dir, "fiscal", "verify")
        tnui.check(True, "the fiscal chain verifies")

        sc.new_sale(app, receipt)
        tnui.check(True, "New Sale returns to an empty cart")
    finally:
        app.stop()


tnui.run(main)
