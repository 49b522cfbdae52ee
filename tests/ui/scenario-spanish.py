#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Under LANG=es_ES.UTF-8 the window speaks Spanish: the login and
checkout controls carry the names the Spanish catalogue gives them, and
those differ from the English ones; a sale still adds up."""
import gettext

import tnui
import scenarios as sc

catalogue = gettext.translation("tendero", localedir=tnui.env_path("TN_LOCALEDIR"),
                                languages=["es"], fallback=False)


def es(english):
    spanish = catalogue.gettext(english)
    tnui.check(spanish != english, f"the Spanish catalogue translates “{english}” (“{spanish}”)")
    return spanish


def main():
    lane = sc.make_lane("L1", fiscal_authority=True)
    app = tnui.App(lane.data_dir, lang="es_ES.UTF-8")
    try:
        win = app.window("Tendero")
        pin = tnui.find(win, "text", "PIN")
        tnui.find(win, "push button", es("Log In"))
        tnui.find(win, "push button", es("Clear"))
        tnui.check(not tnui.find_all(win, "push button", "Log In"), "no English “Log In” button")
        tnui.type_at(pin, sc.CASHIER[1])
        tnui.wait_text(win, "label", es("Cashier"), lambda t: t == sc.CASHIER[0],
                       "the cashier's name")
        offline = tnui.wait_text(win, "label", es("Sync summary"),
                                 lambda t: t == es("Offline"), "that the lane is offline")
        tnui.check(True, f"the sync indicator reads “{offline}”")
        search = tnui.find(win, "text", es("Search products"))
        tnui.find(win, "push button", es("Pay"))
        tnui.check(not tnui.find_all(win, "text", "Search products"),
                   "no English “Search products” entry")
        tnui.type_at(search, sc.product("COFFEE-250")[3])
        total = sc.line_total("COFFEE-250")
        # Amounts use the model's formatting (src/model/tn-money.h), which
        # does not depend on the locale.
        shown = tnui.wait_text(win, "label", "Total", lambda t: sc.shows_amount(t, total),
                               f"the total {sc.money(total)}")
        tnui.check(True, f"the total reads “{shown}” in Spanish")
        tnui.screenshot("Tendero", "checkout-es.png")
    finally:
        app.stop()


tnui.run(main)
