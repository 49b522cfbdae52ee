# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared set-up for the UI scenarios: lanes created with tendero-ctl (DESIGN
§7) from a small known catalogue, and the checkout steps several
scenarios repeat."""
import os
import re
import socket
from dataclasses import dataclass

import tnui

CASHIER = ("Carla", "2468")
MANAGER = ("Mario", "1357")
STORE = "ui-store"

# sku, name, price in cents, barcode, tax %; the expected totals are
# computed from these numbers, not copied from the app.
CATALOGUE = [
    ("COFFEE-250", "Ground coffee 250 g", 450, "7501234567890", 16),
    ("MILK-1L", "Whole milk 1 L", 120, "7501234567891", 0),
    ("BREAD", "Sliced bread", 210, "7501234567892", 0),
    ("TUNA", "Tuna can", 185, "7501234567895", 16),
]


def product(sku):
    return next(p for p in CATALOGUE if p[0] == sku)


def line_total(sku, qty=1):
    """Price plus tax for a line, tax rounded half away from zero."""
    _, _, price, _, tax = product(sku)
    net = price * qty
    tax_amount = (net * tax * 2 + 100) // 200  # half away from zero, positive amounts
    return net + tax_amount


def money(cents):
    return f"{cents // 100}.{cents % 100:02d}"


def shows_amount(text, cents, decimal_point="."):
    """Whether text shows exactly this amount ("USD 8.52" shows 852, not
    "USD 18.52"); the currency sign or code around it does not matter."""
    digits = money(cents).replace(".", decimal_point)
    return re.search(rf"(?<![\d.,]){re.escape(digits)}(?![\d])", text) is not None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Lane:
    name: str
    data_dir: str
    port: int


def make_lane(terminal, fiscal_authority=False, peers=(), port=None, key_file=None,
              catalogue=True):
    data_dir = os.path.join(tnui.WORKDIR, terminal)
    port = port or free_port()
    args = ["init", "--store", STORE, "--terminal", terminal, "--port", str(port)]
    if fiscal_authority:
        args.append("--fiscal-authority")
    for peer in peers:
        args += ["--peer", f"ws://127.0.0.1:{peer}/tendero/v1/sync"]
    # Every lane gets a store key: without one the app warns (rightly),
    # and the app runs with fatal warnings.
    if key_file is None:
        key_file = os.path.join(tnui.WORKDIR, "store.key")
        if not os.path.exists(key_file):
            tnui.new_store_key(key_file)
    args += ["--store-key-file", key_file]
    tnui.ctl(data_dir, *args)
    if catalogue:
        for sku, name, price, barcode, tax in CATALOGUE:
            tnui.ctl(data_dir, "product", "add", "--sku", sku, "--name", name,
                     "--price", money(price), "--barcode", barcode, "--tax", str(tax))
        tnui.ctl(data_dir, "employee", "add", "--name", CASHIER[0], "--pin", CASHIER[1])
        tnui.ctl(data_dir, "employee", "add", "--name", MANAGER[0], "--pin", MANAGER[1],
                 "--manager")
    return Lane(terminal, data_dir, port)


def log_in(app, pin=CASHIER[1], name=CASHIER[0]):
    """Type the PIN where the login view puts the focus, then wait for the
    cashier's name in the header."""
    win = app.window("Tendero")
    tnui.find(win, "text", "PIN")
    tnui.type_into("Tendero", pin)
    tnui.wait_text(win, "label", "Cashier", lambda t: t == name, f"the cashier {name}")
    tnui.find(win, "text", "Search products")
    return win


def wait_total(win, cents):
    """The Total label shows this amount (formatted by the app; the digits
    are what the test checks)."""
    return tnui.wait_text(win, "label", "Total", lambda t: shows_amount(t, cents),
                          f"the total {money(cents)}")


# The sale every checkout scenario rings: two products by barcode, one by
# clicking a search result.
SALE = [("COFFEE-250", "barcode"), ("MILK-1L", "barcode"), ("BREAD", "click")]


def ring_items(app, win, items=SALE):
    expected = 0
    search = tnui.find(win, "text", "Search products")
    for sku, how in items:
        _, name, _, barcode, _ = product(sku)
        expected += line_total(sku)
        if how == "barcode":
            tnui.type_at(search, barcode)
        else:
            tnui.type_at(search, name.split()[0], enter=False)
            tnui.click(tnui.find(win, "push button", f"Add {name}"))
        wait_total(win, expected)
    tnui.check(True, f"the cart totals {money(expected)} after {len(items)} products")
    return expected


def pay_cash(app, win, total, received):
    """Pay in cash and return the fiscal number the receipt shows."""
    tnui.click(tnui.find(win, "push button", "Pay"))
    payment = app.window("Payment")
    tnui.click(tnui.find(payment, None, "Cash"))
    amount = tnui.find(payment, "text", "Amount received")
    tnui.type_at(amount, money(received), enter=False)
    tnui.wait_text(payment, "label", "Change", lambda t: shows_amount(t, received - total),
                   f"the change {money(received - total)}")
    tnui.click(tnui.find(payment, "push button", "Complete Sale"))
    receipt = app.window("Receipt")
    fiscal = tnui.wait_text(receipt, "label", "Fiscal number", lambda t: t.strip() != "",
                            "a fiscal number")
    return receipt, fiscal.strip()


def new_sale(app, receipt):
    tnui.click(tnui.find(receipt, "push button", "New Sale"))
    app.no_window("Receipt")
    win = app.window("Tendero")
    wait_total(win, 0)
    return win


def sales(data_dir):
    return tnui.ctl_json(data_dir, "export", "sales", "--format", "json")["sales"]


def make_pair():
    """L1 (the app's lane, fiscal authority, full catalogue) and L2 (a
    peer with only the store key), pointed at each other on loopback."""
    key = tnui.new_store_key(os.path.join(tnui.WORKDIR, "store.key"))
    p1, p2 = free_port(), free_port()
    l1 = make_lane("L1", fiscal_authority=True, peers=[p2], port=p1, key_file=key)
    l2 = make_lane("L2", peers=[p1], port=p2, key_file=key, catalogue=False)
    return l1, l2


def wait_replicated(lane, sku):
    tnui.wait_for(lambda: sku in tnui.ctl(lane.data_dir, "product", "list"),
                  f"{lane.name} to receive product {sku}", timeout=60)


def log_in_with_pad(app, pin=CASHIER[1], name=CASHIER[0]):
    """Log in by clicking the PIN pad, as on a touch screen."""
    win = app.window("Tendero")
    tnui.click(tnui.find(win, "push button", "Clear"))
    for digit in pin:
        tnui.click(tnui.find(win, "push button", digit))
    tnui.click(tnui.find(win, "push button", "Log In"))
    tnui.wait_text(win, "label", "Cashier", lambda t: t == name, f"the cashier {name}")
    return win
