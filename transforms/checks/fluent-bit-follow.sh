#!/usr/bin/env bash
# Checks transforms/fluent-bit/follow.yaml with a real Fluent Bit: the fixture's events arrive,
# vendor-like refreshes (growth, in-place rewrite, rename-replacement, a new array file written in
# two pieces) are emitted once, and restarts (SIGTERM; SIGKILL of Fluent Bit and, mid-pass, of
# the mwsiem pass it runs) lose nothing.
#   usage: fluent-bit-follow.sh /path/to/fluent-bit   (env: MWSIEM REPO FIXTURE WORK STABLE INTERVAL)
# Prints a summary table; exits 1 if any expected event is missing, 2 on a setup error.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=${REPO:-$(cd "$HERE/../.." && pwd)}
KIND=fluentbit
FWD=${1:?usage: $0 /path/to/fluent-bit}
CFG_SRC=${CFG_SRC:-$REPO/transforms/fluent-bit/follow.yaml}

gen_config() { fwd_config "$MIRROR" "command: mwsiem follow" "command: $MWSIEM follow"; }  # paths, interval_sec
pre_run() { validate "$CFG"; }

# shellcheck source=lib/follow-over-mirror.sh
. "$HERE/lib/follow-over-mirror.sh"
