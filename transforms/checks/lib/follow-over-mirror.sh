# The part of transforms/checks/vector-follow.sh and transforms/checks/fluent-bit-follow.sh they
# share: a copy of the fixture tree as the mirror, the forwarder started on the shipped config
# (only paths rewritten, by the caller's gen_config), vendor-like refreshes, restarts, and a
# comparison of the sink with `mwsiem replay` of the final tree (canonical JSON, as multisets).
# The caller sets KIND, FWD, CFG_SRC, gen_config and pre_run, then sources this file. The
# functions are follow-harness.sh's (shared with transforms/checks/follow-over-sftp.sh).
# shellcheck source=follow-harness.sh
. "$(dirname "${BASH_SOURCE[0]}")/follow-harness.sh"

WORK=${WORK:-${TMPDIR:-/tmp}/mwsiem-follow-check-$KIND}  # wiped and recreated on every run
rm -rf "$WORK"
init_work mirror
MIRROR=$WORK/mirror
REPLAY_SRC=$MIRROR
REPLAY_ENGINE=native

# ------------------------------------------------------------------ scenario
gen_config
echo "== config changes against the shipped file:"; diff "$CFG_SRC" "$CFG" | sed 's/^/   /'
pre_run

# a. start, wait for the fixture's events
start_fwd
FIRST=$(wait_count 1 "$FIRST_TIMEOUT")
ALL=$(wait_count "$(expected initial)" "$FIRST_TIMEOUT") && ALL=$(elapsed "$START_T" "$(now)")
phase initial "first event ${FIRST}s, all $(wc -l < "$WORK/expected-initial.ndjson") ${ALL}s after start"

# b. refresh like the vendor
L=$MIRROR/logs
T2=$FIXTURE/logs/v1/2025-10-16/2025-10-16_audit_log.json   # template: its first record (valid v2 EXTERNAL_API)
T1=$FIXTURE/logs/2025-10-15/2025-10-15_audit_log.json      # template: its record (valid v1, pretty-printed)
python3 "$H" append-ndjson "$L/2024-08-20/2024-08-20_audit_log.json" grow 5;            sleep 1
python3 "$H" rewrite-in-place "$L/v1/2025-10-16/2025-10-16_audit_log.json" "$T2" rewr 3; sleep 1
F=$L/2025-10-15/2025-10-15_audit_log.json
python3 "$H" write-replacement "$F" "$L/2025-10-15/.tmp-x" "$T1" repl 2
mv "$L/2025-10-15/.tmp-x" "$F";                                                            sleep 1
N=$L/v1/2025-10-17/2025-10-17_audit_log.json
python3 "$H" array-part "$N" "$T2" day17 4 2025-10-17 1;                                   sleep 3
python3 "$H" array-part "$N" "$T2" day17 4 2025-10-17 2
phase refresh "grow 5 + rewrite 3 + replace 2 + new array day 4"

# d1. SIGTERM, append 3, start again
stop_term
python3 "$H" append-ndjson "$L/2024-08-20/2024-08-20_audit_log.json" term 3
BEFORE=$(count); start_fwd
FIRST=$(wait_count $((BEFORE + 1)) "$FIRST_TIMEOUT")
phase sigterm "exit ${TERM_SECS}s rc=$TERM_RC, orphans: $ORPHANS; first new event ${FIRST}s after restart"

# d2. SIGKILL the forwarder and mwsiem in the middle of a pass: append a bulk of KILL_BULK
# records (a pass of about a second, so the kill finds mwsiem at work), kill both while mwsiem
# runs, append 3, start again
BULK=${KILL_BULK:-20000}
BEFORE_BULK=$(count)
python3 "$H" append-ndjson "$L/2024-08-20/2024-08-20_audit_log.json" bulk "$BULK"
stop_kill
AT_KILL=$(count)
python3 "$H" append-pretty "$F" "$T1" kill 3
BEFORE=$(count); start_fwd
FIRST=$(wait_count $((BEFORE + 1)) "$FIRST_TIMEOUT")
phase sigkill "killed: $KIND${KILLED_KIDS:+ and }${KILLED_KIDS%, } (an mwsiem child running: $KILL_MWSIEM; $((AT_KILL - BEFORE_BULK)) of the $BULK bulk events in the sink at the kill); first new event ${FIRST}s after restart"

stop_term

# --------------------------------------------------------------- summary
echo
echo "== $KIND: $("$FWD" --version 2>&1 | head -1); mwsiem: $MWSIEM"
FMT='%-8s %6s %8s %7s %5s %5s %7s | %8s %6s %4s %5s | %s\n'
# shellcheck disable=SC2059
printf "$FMT" phase sink expected missing extra dups invalid dl-lines unique dups mode note
row() {
  # shellcheck disable=SC2059
  printf "$FMT" "$name" "$s" "$e" "$m" "$x" "$d" "$i" "$dn" "$du" "$dd" "$dm" "$note"
  [ "$m" = 0 ] || FAIL=1
  [ "$dn" = 8 ] && [ "$dd" = 0 ] && [ "$dm" = 600 ] || DLFAIL=1
}
FAIL=0
for_rows row
echo "warnings/errors in $LOG:"; grep -iE 'warn|error|panic|rejected' "$LOG" | sort | uniq -c | sort -rn | head -20 | sed 's/^/   /'
echo "work dir: $WORK (missing-*/extra-*.ndjson per phase)"
[ "${DLFAIL:-0}" = 0 ] || echo "NOTE: dead-letter file not 8 unique lines with mode 600"
[ "$FAIL" = 0 ] && echo "RESULT: no event missing" || echo "RESULT: FAIL, events missing"
exit $FAIL
