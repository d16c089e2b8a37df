#!/usr/bin/env bash
# Checks transforms/vector/follow.yaml with a real Vector: the fixture's events arrive, vendor-like
# refreshes (growth, in-place rewrite, rename-replacement, a new array file written in two pieces)
# are emitted once, and restarts (SIGTERM, SIGKILL of Vector and mwsiem) lose nothing.
#   usage: vector-follow.sh /path/to/vector      (env: MWSIEM REPO FIXTURE WORK STABLE)
# Prints a summary table; exits 1 if any expected event is missing, 2 on a setup error.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=${REPO:-$(cd "$HERE/../.." && pwd)}
KIND=vector
FWD=${1:?usage: $0 /path/to/vector}
CFG_SRC=${CFG_SRC:-$REPO/transforms/vector/follow.yaml}

gen_config() { fwd_config "$MIRROR" "      - mwsiem" "      - $MWSIEM"; }  # only paths are rewritten
pre_run() { validate "$CFG" --no-environment; }

# shellcheck source=lib/follow-over-mirror.sh
. "$HERE/lib/follow-over-mirror.sh"
