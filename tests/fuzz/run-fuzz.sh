#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs a libFuzzer target from a seed corpus without writing into it:
# libFuzzer saves the inputs it finds in the first corpus directory, so
# that one is a fresh temporary directory, removed afterwards.  Crash
# reproducers go to ARTIFACT_DIR.
#
# usage: run-fuzz.sh FUZZER SEED_DIR ARTIFACT_DIR [libFuzzer options…]

set -eu

if [ $# -lt 3 ]; then
  echo "usage: $0 FUZZER SEED_DIR ARTIFACT_DIR [libFuzzer options…]" >&2
  exit 2
fi

fuzzer=$1
seeds=$2
artifacts=$3
shift 3

work=$(mktemp -d "${TMPDIR:-/tmp}/tendero-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$artifacts"

# Before GLib starts: GSlice would hide JsonNode misuse from ASan.
G_SLICE=always-malloc
export G_SLICE

# libFuzzer's exit code for a crash or a leak is 77 by default, which
# meson reads as "skipped": a finding would have passed as a skip.
"$fuzzer" -artifact_prefix="$artifacts/" -error_exitcode=1 -timeout_exitcode=1 \
  "$@" "$work" "$seeds"
