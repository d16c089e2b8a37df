#!/usr/bin/env bash
# Checks transforms/vector/follow.yaml with a real Vector: the fixture's events arrive, vendor-like
# refreshes (growth, in-place rewrite, rename-replacement, a new array file written in two pieces)
# are emitted once, and restarts (SIGTERM, SIGKILL of Vector and mwsiem) lose nothing.
#   usage: follow-check.sh /path/to/vector      (env: MWSIEM REPO FIXTURE WORK STABLE)
# Prints a summary table; exits 1 if any expected event is missing, 2 on a setup error.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=${REPO:-$(cd "$HERE/../.." && pwd)}
KIND=vector
FWD=${1:?usage: $0 /path/to/vector}
CFG_SRC=${CFG_SRC:-$REPO/transforms/vector/follow.yaml}

gen_config() {  # only paths are rewritten
  CFG=$WORK/follow.yaml
  FWD_ARGV=("$FWD" --config "$CFG")
  rewrite_config "$CFG_SRC" "$CFG" \
    "      - mwsiem" "      - $MWSIEM" \
    "/var/lib/moveworks-sftp" "$MIRROR" \
    "/var/lib/mwsiem/state" "$WORK/state" \
    "/var/lib/mwsiem/dead-letters.ndjson" "$DL" \
    "/etc/mwsiem/mwsiem.toml" "$WORK/mwsiem.toml" \
    "data_dir: /var/lib/vector" "data_dir: $WORK/data" \
    "/var/log/mwsiem/ocsf-%Y-%m-%d.ndjson" "$WORK/sink/ocsf-%Y-%m-%d.ndjson" || exit 2
}
pre_run() {
  echo "== vector validate --no-environment:"
  "$FWD" validate --no-environment "$CFG" 2>&1 | tee "$WORK/validate.log" | sed 's/^/   /'
  VALIDATE_RC=${PIPESTATUS[0]}
  echo "   rc=$VALIDATE_RC"
  [ "$VALIDATE_RC" = 0 ] || exit 2
}

# shellcheck source=../follow-check-common.sh
. "$HERE/../follow-check-common.sh"
