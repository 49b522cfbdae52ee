#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stock window lists the catalogue with its stock, and shows goods
received on another lane once they replicate, without being reopened.
Escape closes it, and it opens again."""
import tnui
import scenarios as sc


def stock_shown(window, figure):
    return tnui.find_all(window, "label", figure)


def main():
    l1, l2 = sc.make_pair()
    tnui.ctl(l1.data_dir, "stock", "receive", "--sku", "TUNA", "--qty", "24")
    app = tnui.App(l1.data_dir)
    peer = tnui.HeadlessLane(l2.data_dir, "L2")
    try:
        sc.log_in(app)
        sc.wait_replicated(l2, "TUNA")
        tnui.key("Tendero", "ctrl+shift+s")
        stock = app.window("Stock and Products")
        tnui.find(stock, "label", "TUNA")
        tnui.wait_for(lambda: stock_shown(stock, "24"), "the 24 tins received on L1")
        tnui.check(True, "the stock window lists TUNA with 24 in stock")

        # A delivery booked on the other lane reaches this window by sync.
        tnui.ctl(l2.data_dir, "stock", "receive", "--sku", "TUNA", "--qty", "6")
        tnui.wait_for(lambda: stock_shown(stock, "30"),
                      "the 6 tins received on L2 to show (30 in stock)", timeout=60)
        tnui.check(True, "the window shows 30 after L2's delivery replicated")

        # The search field is empty: Escape closes the window; the shortcut
        # makes a new one (the application forgot the closed one).
        tnui.key("Stock and Products", "Escape")
        app.no_window("Stock and Products")
        tnui.key("Tendero", "ctrl+shift+s")
        stock = app.window("Stock and Products")
        tnui.wait_for(lambda: stock_shown(stock, "30"), "the reopened window to show 30")
        tnui.check(True, "closed with Escape, the stock window opens again with 30 in stock")
    finally:
        peer.stop()
        app.stop()


tnui.run(main)
