# The part of transforms/vector/follow-check.sh and transforms/fluent-bit/follow-check.sh they
# share: a copy of the fixture tree as the mirror, the forwarder started on the shipped config
# (only paths rewritten, by the caller's gen_config), vendor-like refreshes, restarts, and a
# comparison of the sink with `mwsiem replay` of the final tree (canonical JSON, as multisets).
# The caller sets KIND, FWD, gen_config and pre_run, then sources this file.
set -u
set -o pipefail

# rewrite_config SRC DST OLD NEW [OLD NEW]...: the shipped config with only these strings
# replaced; fails if one is not in it (the shipped file changed under the check).
rewrite_config() {
  python3 - "$@" <<'PY'
import sys
src, dst, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
t = open(src).read()
for old, new in zip(pairs[::2], pairs[1::2]):
    if old not in t: sys.exit('not in shipped config: %r' % old)
    t = t.replace(old, new)
open(dst, 'w').write(t)
PY
}
MWSIEM=${MWSIEM:-$REPO/target/release/mwsiem}  # the mwsiem binary under test
FIXTURE=${FIXTURE:-$REPO/testdata/sftp}        # the mirrored SFTP fixture tree
MWCONF_SRC=${MWCONF_SRC:-$REPO/transforms/fluent-bit/mwsiem.toml}
WORK=${WORK:-${TMPDIR:-/tmp}/mwsiem-follow-check-$KIND}  # wiped and recreated on every run
STABLE=${STABLE:-10}                           # seconds without change = "settled"
FIRST_TIMEOUT=${FIRST_TIMEOUT:-60}

[ -x "$FWD" ] || { echo "forwarder binary not executable: $FWD" >&2; exit 2; }
[ -x "$MWSIEM" ] || { echo "mwsiem binary not executable: $MWSIEM (set MWSIEM=)" >&2; exit 2; }
[ -d "$FIXTURE" ] || { echo "fixture tree missing: $FIXTURE (set FIXTURE=)" >&2; exit 2; }

FWD_PID=
cleanup() {
  if [ -n "$FWD_PID" ] && kill -0 "$FWD_PID" 2>/dev/null; then
    local d; d=$(descendants "$FWD_PID")
    kill -KILL "$FWD_PID" $d 2>/dev/null
    wait "$FWD_PID" 2>/dev/null
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

descendants() {  # all descendant pids of $1 (by parent pid, recursively)
  local c
  for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do echo "$c"; descendants "$c"; done
}

rm -rf "$WORK"
mkdir -p "$WORK/state" "$WORK/data" "$WORK/sink"
cp -r "$FIXTURE" "$WORK/mirror"
cp "$MWCONF_SRC" "$WORK/mwsiem.toml"
MIRROR=$WORK/mirror
DL=$WORK/dead-letters.ndjson
LOG=$WORK/$KIND.log
H=$WORK/helper.py

cat > "$H" <<'PY'
import collections, json, os, stat, sys, pathlib

def records(path):
    """All top-level JSON values of a file (NDJSON, concatenated pretty JSON)."""
    text, dec, i, out = pathlib.Path(path).read_text(), json.JSONDecoder(), 0, []
    while True:
        while i < len(text) and text[i] in ' \t\r\n': i += 1
        if i >= len(text): return out
        v, i = dec.raw_decode(text, i)
        out.append(v)

def template(path):
    return records(path)[0]

def new_records(tmpl_file, prefix, n, day=None):
    out = []
    for k in range(1, n + 1):
        r = json.loads(json.dumps(template(tmpl_file)))
        r['event_id'] = '%s-%04d' % (prefix, k)
        if day:
            r['event_time'] = '%s 12:00:%02d.000001' % (day, k)
        out.append(r)
    return out

def pretty(recs, indent=4):
    return ''.join(json.dumps(r, indent=indent) + '\n' for r in recs).encode()

def sink_lines(sinkdir):
    out = []
    for p in sorted(pathlib.Path(sinkdir).iterdir()):
        if p.is_file():
            out += [l for l in p.read_text(errors='replace').splitlines() if l.strip()]
    return out

def canon(line):
    try:
        return json.dumps(json.loads(line), sort_keys=True)
    except ValueError:
        return None

cmd, a = sys.argv[1], sys.argv[2:]
if cmd == 'count':
    print(len(sink_lines(a[0])))
elif cmd == 'append-ndjson':                       # FILE PREFIX N: copy of the first line, new event_id
    f, prefix, n = a[0], a[1], int(a[2])
    data = pathlib.Path(f).read_bytes()
    first = data.split(b'\n', 1)[0].decode()
    ev = json.loads(first)['event_id']
    add = ''.join(first.replace('"%s"' % ev, '"%s-%04d"' % (prefix, k), 1) + '\n' for k in range(1, n + 1))
    with open(f, 'ab') as fh:
        if data and not data.endswith(b'\n'): fh.write(b'\n')
        fh.write(add.encode())
elif cmd == 'append-pretty':                       # FILE TEMPLATE PREFIX N
    with open(a[0], 'ab') as fh:
        fh.write(pretty(new_records(a[1], a[2], int(a[3]))))
elif cmd == 'rewrite-in-place':                    # FILE TEMPLATE PREFIX N: truncate, same bytes + N
    f = a[0]
    orig = pathlib.Path(f).read_bytes()
    new = orig + pretty(new_records(a[1], a[2], int(a[3])))
    with open(f, 'r+b') as fh:                     # same inode
        fh.seek(0); fh.truncate(0); fh.flush()
        fh.write(new)
elif cmd == 'write-replacement':                   # FILE TMP TEMPLATE PREFIX N: TMP = FILE's bytes + N
    orig = pathlib.Path(a[0]).read_bytes()
    pathlib.Path(a[1]).write_bytes(orig + pretty(new_records(a[2], a[3], int(a[4]))))
elif cmd == 'array-part':                          # FILE TEMPLATE PREFIX N DAY PART(1|2)
    f, part = pathlib.Path(a[0]), a[5]
    text = json.dumps(new_records(a[1], a[2], int(a[3]), a[4]), indent=2) + '\n'
    cut = text.index('"event_type"', text.index('"%s-0002"' % a[2]))   # inside record 2
    if part == '1':
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text[:cut])
    else:
        with open(f, 'a') as fh: fh.write(text[cut:])
elif cmd == 'compare':                             # SINKDIR EXPECTED PHASE -> sink expected missing extra dups invalid
    lines = sink_lines(a[0])
    exp = [l for l in pathlib.Path(a[1]).read_text().splitlines() if l.strip()]
    s = collections.Counter(canon(l) for l in lines)
    invalid = s.pop(None, 0)
    e = collections.Counter(canon(l) for l in exp)
    missing = sum(max(0, e[k] - s[k]) for k in e)
    extra = sum(v for k, v in s.items() if k not in e)
    dups = sum(max(0, s[k] - e[k]) for k in e)
    d = pathlib.Path(a[0]).parent
    with open(d / ('missing-%s.ndjson' % a[2]), 'w') as fh:
        for k in e:
            for _ in range(max(0, e[k] - s[k])): fh.write(k + '\n')
    with open(d / ('extra-%s.ndjson' % a[2]), 'w') as fh:
        for k, v in s.items():
            if k not in e or v > e[k]:
                for _ in range(v - e.get(k, 0)): fh.write(k + '\n')
    print(len(lines), len(exp), missing, extra, dups, invalid)
elif cmd == 'deadletter':                          # FILE -> lines unique dups mode
    p = pathlib.Path(a[0])
    if not p.exists():
        print(0, 0, 0, 'absent'); sys.exit()
    ls = [l for l in p.read_text().splitlines() if l.strip()]
    keys = collections.Counter()
    for l in ls:
        try:
            j = json.loads(l); keys[(j.get('reason'), j.get('record'))] += 1
        except ValueError:
            keys[('invalid', l)] += 1
    print(len(ls), len(keys), len(ls) - len(keys), oct(stat.S_IMODE(p.stat().st_mode))[2:])
else:
    sys.exit('unknown command ' + cmd)
PY

count() { python3 "$H" count "$WORK/sink"; }
now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$2"; }

# wait until the sink holds at least $1 events (at most $2 s); prints the seconds it took or "timeout"
wait_count() {
  local want=$1 limit=$2 t0 c; t0=$(now)
  while :; do
    c=$(count)
    [ "$c" -ge "$want" ] && { elapsed "$t0" "$(now)"; return 0; }
    [ "$(elapsed "$t0" "$(now)" | cut -d. -f1)" -ge "$limit" ] && { echo timeout; return 1; }
    sleep 0.2
  done
}
# wait until the count has not changed for $STABLE s (at most $1 s)
wait_stable() {
  local limit=$1 t0 last c same=0; t0=$(date +%s); last=$(count)
  while [ $(( $(date +%s) - t0 )) -lt "$limit" ]; do
    sleep 1; c=$(count)
    if [ "$c" = "$last" ]; then same=$((same + 1)); [ "$same" -ge "$STABLE" ] && return 0
    else same=0; last=$c; fi
  done
  return 1
}

expected() {  # replay of the current mirror -> $WORK/expected-$1.ndjson; prints its count
  "$MWSIEM" replay "$MIRROR" --engine native -q > "$WORK/expected-$1.ndjson" 2>> "$WORK/replay-stderr.log"
  wc -l < "$WORK/expected-$1.ndjson"
}

start_fwd() {
  START_T=$(now)
  "${FWD_ARGV[@]}" >> "$LOG" 2>&1 &
  FWD_PID=$!
  echo "== $(date +%T) started $KIND pid $FWD_PID" | tee -a "$LOG"
}
stop_term() {  # SIGTERM, wait up to 60 s; reports whether mwsiem children outlived it
  local kids k left=""; kids=$(descendants "$FWD_PID")
  echo "== $(date +%T) SIGTERM $KIND pid $FWD_PID (descendants: ${kids:-none})" | tee -a "$LOG"
  kill -TERM "$FWD_PID"
  local t0; t0=$(date +%s)
  while kill -0 "$FWD_PID" 2>/dev/null && [ $(( $(date +%s) - t0 )) -lt 60 ]; do sleep 0.2; done
  if kill -0 "$FWD_PID" 2>/dev/null; then echo "   $KIND did not exit in 60 s after SIGTERM: SIGKILL" | tee -a "$LOG"; kill -KILL "$FWD_PID"; fi
  wait "$FWD_PID" 2>/dev/null; TERM_RC=$?
  TERM_SECS=$(( $(date +%s) - t0 ))
  sleep 1
  for k in $kids; do kill -0 "$k" 2>/dev/null && left="$left $k"; done
  ORPHANS=${left:-none}
  echo "   exited rc=$TERM_RC after ${TERM_SECS}s; children still alive: $ORPHANS" | tee -a "$LOG"
  for k in $left; do kill -KILL "$k" 2>/dev/null; done
  FWD_PID=
}
stop_kill() {  # SIGKILL the forwarder and every descendant (the mwsiem child), by pid
  local kids; kids=$(descendants "$FWD_PID")
  KILLED_KIDS=$(for k in $kids; do ps -o comm= -p "$k"; done | sort | uniq -c | tr -s ' ' | tr '\n' ',')
  echo "== $(date +%T) SIGKILL $KIND pid $FWD_PID and descendants: ${kids:-none} ($KILLED_KIDS)" | tee -a "$LOG"
  kill -KILL "$FWD_PID" $kids 2>/dev/null
  wait "$FWD_PID" 2>/dev/null
  FWD_PID=
  sleep 1
}

declare -a ROWS
phase() {  # PHASE NOTE: settle, compare with replay of the mirror, record a row
  local name=$1 note=$2 exp_n r dl
  exp_n=$(expected "$name")
  wait_count "$exp_n" 60 > /dev/null
  wait_stable 180 || note="$note; never stable"
  r=$(python3 "$H" compare "$WORK/sink" "$WORK/expected-$name.ndjson" "$name")
  dl=$(python3 "$H" deadletter "$DL")
  ROWS+=("$name|$r|$dl|$note")
  echo "   $name: sink expected missing extra dups invalid = $r; dead-letter lines unique dups mode = $dl; $note" | tee -a "$LOG"
}

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

# d2. SIGKILL forwarder + mwsiem, append 3, start again
stop_kill
python3 "$H" append-pretty "$F" "$T1" kill 3
BEFORE=$(count); start_fwd
FIRST=$(wait_count $((BEFORE + 1)) "$FIRST_TIMEOUT")
phase sigkill "killed: ${KILLED_KIDS%,}; first new event ${FIRST}s after restart"

stop_term

# --------------------------------------------------------------- summary
echo
echo "== $KIND: $("$FWD" --version 2>&1 | head -1); mwsiem: $MWSIEM"
printf '%-8s %6s %8s %7s %5s %5s %7s | %8s %6s %4s %5s | %s\n' phase sink expected missing extra dups invalid dl-lines unique dups mode note
FAIL=0
for row in "${ROWS[@]}"; do
  IFS='|' read -r name r dl note <<< "$row"
  read -r s e m x d i <<< "$r"; read -r dn du dd dm <<< "$dl"
  printf '%-8s %6s %8s %7s %5s %5s %7s | %8s %6s %4s %5s | %s\n' "$name" "$s" "$e" "$m" "$x" "$d" "$i" "$dn" "$du" "$dd" "$dm" "$note"
  [ "$m" = 0 ] || FAIL=1
  [ "$dn" = 8 ] && [ "$dd" = 0 ] && [ "$dm" = 600 ] || DLFAIL=1
done
echo "warnings/errors in $LOG:"; grep -iE 'warn|error|panic|rejected' "$LOG" | sort | uniq -c | sort -rn | head -20 | sed 's/^/   /'
echo "work dir: $WORK (missing-*/extra-*.ndjson per phase)"
[ "${DLFAIL:-0}" = 0 ] || echo "NOTE: dead-letter file not 8 unique lines with mode 600"
[ "$FAIL" = 0 ] && echo "RESULT: no event missing" || echo "RESULT: FAIL, events missing"
exit $FAIL
