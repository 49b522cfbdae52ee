#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A cashier's drawer through the cash window: open a session with a
float, sell in cash, put cash in and take some out, then close with a
count one unit short.  The window's expected amount follows each step,
the Z report shows the variance, and the database holds the same
figures.  A wrong amount is refused and changes nothing."""
import os
import re
import sqlite3

import tnui
import scenarios as sc

TITLE = "Cash Session"
FLOAT = 5000
CASH_IN = 2000
CASH_OUT = 350
BLIND = "Blind count (do not show the expected amount before counting)"


def db_rows(lane, sql):
    path = os.path.join(lane.data_dir, "tendero.db")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as db:
        return db.execute(sql).fetchall()


def wait_expected(cash, cents):
    return tnui.wait_text(cash, "label", "Expected cash", lambda t: sc.shows_amount(t, cents),
                          f"{sc.money(cents)} expected in the drawer")


def refused(cash, error):
    """An error the window shows inline (it also focuses the entry to fix)."""
    return tnui.wait_text(cash, "label", None, lambda t: t == error, f"the error “{error}”")


def move(cash, amount, reason, button):
    """Fill the amount and reason fields (amount first: typing replaces
    what each holds) and press Cash In or Cash Out."""
    for name, text in (("Cash amount", amount), ("Cash movement reason", reason)):
        tnui.focus_by_tab(cash, TITLE, name)
        tnui.key(TITLE, "ctrl+a")
        tnui.key(TITLE, "BackSpace")
        tnui.type_into(TITLE, text, enter=False)
    tnui.click(tnui.find(cash, "push button", button))


def main():
    l1 = sc.make_lane("L1", fiscal_authority=True)
    app = tnui.App(l1.data_dir)
    try:
        win = sc.log_in(app)
        tnui.key("Tendero", "ctrl+shift+k")
        cash = app.window(TITLE)
        tnui.wait_text(cash, "label", "Cash session state",
                       lambda t: t == "No cash session is open on terminal L1", "no session")

        # Not a number: refused inline, nothing opened.  The float entry
        # has the focus when the window opens.
        tnui.type_into(TITLE, "abc")
        tnui.wait_text(cash, "label", None, lambda t: "abc" in t, "an error naming “abc”")
        tnui.check(db_rows(l1, "SELECT count (*) FROM cash_sessions")[0][0] == 0,
                   "a float of “abc” is refused and opens no session")
        tnui.key(TITLE, "ctrl+a")
        tnui.type_into(TITLE, sc.money(FLOAT))
        tnui.wait_text(cash, "label", "Cash session state",
                       lambda t: t.startswith("A cash session is open on terminal L1")
                       and sc.shows_amount(t, FLOAT), "the open session and its float")
        # A blind count is the default: nothing says what the drawer should
        # hold.  Turn it off from the keyboard (GTK 4.8's check buttons
        # have no AT-SPI action).
        tnui.check(not tnui.find_all(cash, "label", "Expected cash"),
                   "a blind count hides the expected amount")
        tnui.focus_by_tab(cash, TITLE, BLIND, role="check box")
        tnui.key(TITLE, "space")
        wait_expected(cash, FLOAT)
        tnui.check(True, f"the session opens with a float of {sc.money(FLOAT)}")

        # A cash sale: the open window follows it.
        total = sc.ring_items(app, win, sc.SALE[:2])
        receipt, _ = sc.pay_cash(app, win, total, 2000)
        sc.new_sale(app, receipt)
        wait_expected(cash, FLOAT + total)
        tnui.check(True, f"after a cash sale of {sc.money(total)} the drawer should hold "
                   f"{sc.money(FLOAT + total)}")

        # A movement without a reason is refused and stores nothing.
        move(cash, sc.money(CASH_IN), "", "Cash In")
        refused(cash, "Give a reason for the cash movement")
        tnui.check(db_rows(l1, "SELECT count (*) FROM cash_movements")[0][0] == 0,
                   "cash in without a reason is refused and stores nothing")
        move(cash, sc.money(CASH_IN), "Coins from the bank", "Cash In")
        wait_expected(cash, FLOAT + total + CASH_IN)
        move(cash, sc.money(CASH_OUT), "Window cleaner", "Cash Out")
        expected = FLOAT + total + CASH_IN - CASH_OUT
        wait_expected(cash, expected)
        moves = db_rows(l1, "SELECT kind, amount, reason FROM cash_movements ORDER BY hlc")
        tnui.check([(m[1], m[2]) for m in moves] ==
                   [(CASH_IN, "Coins from the bank"), (CASH_OUT, "Window cleaner")],
                   f"cash in and out are stored with their reasons: {moves!r}")

        # Close one unit short of what is expected.
        counted = expected - 100
        tnui.focus_by_tab(cash, TITLE, "Counted cash")
        tnui.type_into(TITLE, sc.money(counted))
        report = tnui.wait_text(cash, "label", "Z report", lambda t: "Variance" in t,
                                "the Z report")
        # "  Float                       USD 50.00": label, padding, value.
        lines = dict(m.groups() for m in re.finditer(r"(?m)^ *(\S.*?) {2,}(\S.*)$", report))
        for label, cents in [("Float", FLOAT), ("Cash sales", total), ("Cash in", CASH_IN),
                             ("Cash out", CASH_OUT), ("Expected", expected),
                             ("Counted", counted), ("Variance", 100)]:
            tnui.check(sc.shows_amount(lines.get(label, ""), cents),
                       f"the Z report's {label} is {sc.money(cents)}: {lines.get(label)!r}")
        tnui.check("-" in lines["Variance"], "the variance is a shortfall")
        stored = db_rows(l1, "SELECT float, counted, expected, variance, z_doc "
                             "FROM cash_sessions")
        tnui.check(len(stored) == 1 and stored[0][:4] == (FLOAT, counted, expected, -100)
                   and stored[0][4], f"the closed session is stored as shown: {stored!r}")

        # Done, then Escape: the window opens again on a closed drawer.
        # Wait for the float to have the focus first: a button activated
        # without the mouse swallows keys for its 250 ms press animation.
        tnui.click(tnui.find(cash, "push button", "Done"))
        tnui.wait_text(cash, "label", "Cash session state",
                       lambda t: t == "No cash session is open on terminal L1",
                       "no session once the report is done")
        tnui.wait_for(lambda: tnui.focused(tnui.find(cash, "text", "Opening float")),
                      "the focus on the opening float")
        tnui.key(TITLE, "Escape")
        app.no_window(TITLE)
        tnui.key("Tendero", "ctrl+shift+k")
        cash = app.window(TITLE)
        tnui.wait_text(cash, "label", "Cash session state",
                       lambda t: t == "No cash session is open on terminal L1",
                       "no session after closing")
        tnui.check(True, "closed with Escape, the cash window opens again on a closed drawer")
    finally:
        app.stop()


tnui.run(main)
