#!/bin/sh
# Runs one script as root in the appliance test guest, building the guest
# first if it is missing or out of date (see tests/appliance/README.md).
# Usage: tests/appliance/guest/run.sh [--timeout S] [--shell] [--keep] [SCRIPT [ARGS...]]
cd "$(dirname "$0")/../../.." || exit 2
tests/appliance/guest/build.sh >&2 || exit 1
exec python3 tests/lib/guest.py "$@"
