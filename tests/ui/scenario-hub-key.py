#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A manager enters the hub URL and then the hub key in Preferences: the
key goes to the keyring (schema org.tendero.Tendero.HubKey), sync
restarts with it, and the app finds it in the keyring again at its next
start (the lane has no hub key file and no TENDERO_HUB_KEY)."""
import os
import sys

try:
    import gi
    gi.require_version("Secret", "1")
    from gi.repository import Secret
except (ImportError, ValueError):
    print("FAIL: libsecret's Python bindings are missing: apt-get install python3-gi "
          "gir1.2-secret-1", file=sys.stderr)
    sys.exit(1)

import tnui  # noqa: E402
import scenarios as sc  # noqa: E402

HUB_SCHEMA = Secret.Schema.new("org.tendero.Tendero.HubKey", Secret.SchemaFlags.NONE,
                               {"store": Secret.SchemaAttributeType.STRING})


def save_preferences(app, win, fields):
    tnui.key("Tendero", "ctrl+comma")
    prefs = app.window("Preferences")
    for name, text in fields:
        tnui.focus_by_tab(prefs, "Preferences", name)
        tnui.type_into("Preferences", text, enter=False)
    tnui.key("Preferences", "Return")
    status = tnui.wait_text(prefs, "label", "Preferences status",
                            lambda t: t.startswith("Saved"), "“Saved.”")
    tnui.key("Preferences", "Escape")
    app.no_window("Preferences")
    return status


def hub_state(win, predicate, what):
    tnui.key("Tendero", "ctrl+shift+y")
    text = tnui.wait_text(win, "label", "Hub status", predicate, what, timeout=60)
    tnui.key("Tendero", "Escape")
    return text


def main():
    lane = sc.make_lane("L1")
    os.environ.pop("TENDERO_HUB_KEY", None)
    hub_url = f"http://127.0.0.1:{sc.free_port()}"
    hub_key = os.urandom(24).hex()
    app = tnui.App(lane.data_dir)
    try:
        win = sc.log_in(app, pin=sc.MANAGER[1], name=sc.MANAGER[0])

        # The URL alone: the hub shows "no key" (what the keyed checks below
        # must not see).
        save_preferences(app, win, [("Hub URL", hub_url)])
        text = hub_state(win, lambda t: "no-key" in t, "the hub without a key")
        tnui.check(hub_url in text, f"with no hub key the popover says “{text}”")

        status = save_preferences(app, win, [("Hub key", hub_key)])
        tnui.check("no keyring" not in status, f"the key went to the keyring: “{status}”")
        stored = Secret.password_lookup_sync(HUB_SCHEMA, {"store": sc.STORE}, None)
        tnui.check(stored == hub_key, "the keyring holds the hub key under the store's id")
        tnui.check(not os.path.exists(os.path.join(lane.data_dir, "hub.key")),
                   "no fallback hub.key file was written")
        text = hub_state(win, lambda t: "State:" in t and "no-key" not in t,
                         "a hub state with a key")
        tnui.check(True, f"sync restarted with the key: “{text}”")
    finally:
        app.stop()

    # The next start finds the key in the keyring (an old state file is
    # removed so that only the new run's state can pass).
    state_file = os.path.join(lane.data_dir, "peers.json")
    if os.path.exists(state_file):
        os.unlink(state_file)
    app = tnui.App(lane.data_dir, name="app-restart")
    try:
        win = app.window("Tendero")
        text = hub_state(win, lambda t: "State:" in t and "no-key" not in t,
                         "a hub state with the keyring's key")
        tnui.check(True, f"after a restart the hub has its key: “{text}”")
    finally:
        app.stop()


tnui.run(main)
