#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A debugging aid, not a test: start tendero on a demo data directory
under tn-ui-run.py and print its AT-SPI tree (role, accessible name,
text, states) after TN_UI_DUMP_PIN (if set) has been typed at the login.

  TN_CTL=… TN_LANE=… TN_SCHEMA_DIR=… TN_LOCALEDIR=… \\
    tests/ui/tn-ui-run.py tests/ui/tn-ui-dump.py
"""
import os
import time

import tnui
import scenarios


def dump(acc, depth=0):
    try:
        text = tnui.text_of(acc) if acc.getRoleName() in ("label", "text") else ""
        states = [str(s).replace("ATSPI_STATE_", "").split()[1].lower()
                  if " " in str(s) else str(s) for s in acc.getState().getStates()]
        print(f"{'  ' * depth}{acc.getRoleName()} “{acc.name}” {text!r} "
              f"{','.join(s for s in states if s in ('showing', 'visible', 'focused', 'sensitive'))}")
        for i in range(acc.childCount):
            dump(acc.getChildAtIndex(i), depth + 1)
    except Exception as e:
        print(f"{'  ' * depth}<gone: {e}>")


def main():
    lane = scenarios.make_lane("L1", fiscal_authority=True)
    app = tnui.App(lane.data_dir, lang=os.environ.get("TN_UI_DUMP_LANG"))
    app.window("Tendero")
    if os.environ.get("TN_UI_DUMP_PIN"):
        time.sleep(1)
        tnui.type_into("Tendero", os.environ["TN_UI_DUMP_PIN"])
    time.sleep(2)
    dump(app.accessible)
    tnui.screenshot("Tendero", "dump.png")
    app.stop()


tnui.run(main)
