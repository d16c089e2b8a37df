#!/usr/bin/env bash
# Checks transforms/fluent-bit/follow.yaml with a real Fluent Bit: the fixture's events arrive,
# vendor-like refreshes (growth, in-place rewrite, rename-replacement, a new array file written in
# two pieces) are emitted once, and restarts (SIGTERM, SIGKILL of Fluent Bit and mwsiem) lose nothing.
#   usage: follow-check.sh /path/to/fluent-bit   (env: MWSIEM REPO FIXTURE WORK STABLE INTERVAL)
# Prints a summary table; exits 1 if any expected event is missing, 2 on a setup error.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=${REPO:-$(cd "$HERE/../.." && pwd)}
KIND=fluentbit
FWD=${1:?usage: $0 /path/to/fluent-bit}
CFG_SRC=${CFG_SRC:-$REPO/transforms/fluent-bit/follow.yaml}
INTERVAL=${INTERVAL:-2}

gen_config() {  # only paths are rewritten, and interval_sec lowered
  CFG=$WORK/follow.yaml
  FWD_ARGV=("$FWD" -c "$CFG")
  rewrite_config "$CFG_SRC" "$CFG" \
    "command: mwsiem follow" "command: $MWSIEM follow" \
    "/var/lib/moveworks-sftp" "$MIRROR" \
    "/var/lib/mwsiem/state" "$WORK/state" \
    "/var/lib/mwsiem/dead-letters.ndjson" "$DL" \
    "/etc/mwsiem/mwsiem.toml" "$WORK/mwsiem.toml" \
    "interval_sec: 60" "interval_sec: $INTERVAL" \
    "path: /var/log/mwsiem" "path: $WORK/sink" \
    "storage.path: /var/lib/fluent-bit/mwsiem-storage" "storage.path: $WORK/storage" || exit 2
}
pre_run() {
  echo "== fluent-bit --dry-run:"
  "$FWD" -c "$CFG" --dry-run 2>&1 | tee "$WORK/validate.log" | tail -3 | sed 's/^/   /'
  echo "   rc=${PIPESTATUS[0]}"
}

# shellcheck source=../follow-check-common.sh
. "$HERE/../follow-check-common.sh"
