# Shared by the real-forwarder checks of the shipped follow configs: transforms/checks/lib/follow-over-mirror.sh
# (a local mirror; run by transforms/checks/vector-follow.sh and transforms/checks/fluent-bit-follow.sh)
# and transforms/checks/follow-over-sftp.sh (mwsiem's `--sftp` from a local OpenSSH server). Defines the
# config rewriting, the Python helper (vendor-like refreshes of a tree, comparison of the sink with
# `mwsiem replay`, dead letters), waits, forwarder starts and stops, and the per-phase rows.
# The caller sets KIND (vector, fluentbit or fluent-bit), FWD, CFG_SRC and optionally FIRST_TIMEOUT,
# PHASE_COUNT_SECS, PHASE_STABLE_SECS, PHASE_NOTE_ARRIVAL, sources this file, clears WORK and calls
# init_work; then sets REPLAY_SRC (the tree `expected` replays) and REPLAY_ENGINE (empty: default).
set -u
set -o pipefail

MWSIEM=${MWSIEM:-$REPO/target/release/mwsiem}  # the mwsiem binary under test
FIXTURE=${FIXTURE:-$REPO/testdata/sftp}        # the SFTP fixture tree
MWCONF_SRC=${MWCONF_SRC:-$REPO/transforms/fluent-bit/mwsiem.toml}
STABLE=${STABLE:-10}                           # seconds without change = "settled"
FIRST_TIMEOUT=${FIRST_TIMEOUT:-60}
INTERVAL=${INTERVAL:-2}                        # Fluent Bit's interval_sec (and the pull interval)
PHASE_COUNT_SECS=${PHASE_COUNT_SECS:-60}       # phase: how long to wait for the expected count
PHASE_STABLE_SECS=${PHASE_STABLE_SECS:-180}    # phase: how long to wait for it to settle
PHASE_NOTE_ARRIVAL=${PHASE_NOTE_ARRIVAL:-}     # phase: non-empty = the note says when all had arrived
REPLAY_ENGINE=${REPLAY_ENGINE:-}

[ -x "$FWD" ] || { echo "forwarder binary not executable: $FWD" >&2; exit 2; }
[ -x "$MWSIEM" ] || { echo "mwsiem binary not executable: $MWSIEM (set MWSIEM=)" >&2; exit 2; }
[ -d "$FIXTURE/logs" ] || { echo "fixture tree missing: $FIXTURE (set FIXTURE=)" >&2; exit 2; }
for f in "$CFG_SRC" "$MWCONF_SRC"; do [ -f "$f" ] || { echo "shipped config missing: $f" >&2; exit 2; }; done

# ------------------------------------------------------------------ processes
FWD_PID=
descendants() {  # all descendant pids of $1 (by parent pid, recursively)
  local c
  for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do echo "$c"; descendants "$c"; done
}
kill_tree() {  # PID (may be empty): if it runs, SIGKILL it and all its descendants, reap it
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 0
  # shellcheck disable=SC2046
  kill -KILL "$1" $(descendants "$1") 2>/dev/null
  wait "$1" 2>/dev/null
}
cleanup() { kill_tree "$FWD_PID"; }  # a caller with more to stop redefines it
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ work dir, helper
# init_work TREE: WORK (made by the caller) gets state/ data/ sink/, the fixture as WORK/TREE,
# mwsiem.toml and the helper, whose commands a caller may extend by defining helper_extra: a
# function that prints Python (functions registered with @command('name')).
init_work() {
  mkdir -p "$WORK/state" "$WORK/data" "$WORK/sink" || exit 2
  WORK=$(cd "$WORK" && pwd)
  cp -r "$FIXTURE" "$WORK/$1" || exit 2
  cp "$MWCONF_SRC" "$WORK/mwsiem.toml" || exit 2
  DL=$WORK/dead-letters.ndjson
  LOG=$WORK/$KIND.log
  H=$WORK/helper.py
  write_helper > "$H"
}
write_helper() {
  cat <<'PY'
import collections, json, os, pathlib, stat, sys, time

COMMANDS = {}
def command(name):
    def register(f):
        COMMANDS[name] = f
        return f
    return register

def records(path):
    """All top-level JSON values of a file (NDJSON, concatenated pretty JSON, arrays flattened)."""
    text, dec, i, out = pathlib.Path(path).read_text(), json.JSONDecoder(), 0, []
    while True:
        while i < len(text) and text[i] in ' \t\r\n': i += 1
        if i >= len(text): return out
        v, i = dec.raw_decode(text, i)
        out += v if isinstance(v, list) else [v]

def new_records(tmpl, prefix, n, day=None):
    """N copies of TMPL's first record with event_id PREFIX-0001...; on DAY if given."""
    out = []
    for k in range(1, n + 1):
        r = json.loads(json.dumps(records(tmpl)[0]))
        r['event_id'] = '%s-%04d' % (prefix, k)
        if day: r['event_time'] = '%s 12:00:%02d.000001' % (day, k)
        out.append(r)
    return out

def ndjson(recs): return ''.join(json.dumps(r) + '\n' for r in recs).encode()
def pretty(recs): return ''.join(json.dumps(r, indent=4) + '\n' for r in recs).encode()
def framed(recs, fmt): return ndjson(recs) if fmt == 'ndjson' else pretty(recs)

def old_mtime(f):
    try: return os.stat(f).st_mtime
    except FileNotFoundError: return None

def stamp(f, old):
    """With SFTP_MTIME=1 in the environment: the file's mtime in whole seconds, past the old one
    by at least a second (SFTP's mtime has a one-second resolution). Else the write's own mtime."""
    if os.environ.get('SFTP_MTIME') != '1': return
    t = int(time.time())
    if old is not None and t <= int(old): t = int(old) + 1
    os.utime(f, (t, t))

def write_in_place(f, data):                     # same inode: truncate, write
    with open(f, 'r+b') as fh:
        fh.seek(0); fh.truncate(0); fh.flush(); fh.write(data)

def sink_lines(sinkdir):
    out = []
    for p in sorted(pathlib.Path(sinkdir).iterdir()):
        if p.is_file():
            out += [l for l in p.read_text(errors='replace').splitlines() if l.strip()]
    return out

def canon(line):
    try: return json.dumps(json.loads(line), sort_keys=True)
    except ValueError: return None

@command('count')                                # SINKDIR
def count(a):
    print(len(sink_lines(a[0])))

@command('append-ndjson')                        # FILE PREFIX N [TEMPLATE]: N lines, copies of FILE's
def append_ndjson(a):                            # first line (only event_id changed), else of TEMPLATE's first record
    f, prefix, n, old = a[0], a[1], int(a[2]), old_mtime(a[0])
    data = pathlib.Path(f).read_bytes()
    if len(a) > 3:
        add = ndjson(new_records(a[3], prefix, n))
    else:
        first = data.split(b'\n', 1)[0].decode()
        ev = json.loads(first)['event_id']
        add = ''.join(first.replace('"%s"' % ev, '"%s-%04d"' % (prefix, k), 1) + '\n' for k in range(1, n + 1)).encode()
    with open(f, 'ab') as fh:
        if data and not data.endswith(b'\n'): fh.write(b'\n')
        fh.write(add)
    stamp(f, old)

@command('append-pretty')                        # FILE TEMPLATE PREFIX N
def append_pretty(a):
    old = old_mtime(a[0])
    with open(a[0], 'ab') as fh:
        fh.write(pretty(new_records(a[1], a[2], int(a[3]))))
    stamp(a[0], old)

@command('rewrite-in-place')                     # FILE TEMPLATE PREFIX N [FORMAT=pretty]: same bytes first, then N
def rewrite_in_place(a):
    f, old = a[0], old_mtime(a[0])
    new = new_records(a[1], a[2], int(a[3]))
    write_in_place(f, pathlib.Path(f).read_bytes() + framed(new, a[4] if len(a) > 4 else 'pretty'))
    stamp(f, old)

@command('reframe')                              # FILE TEMPLATE PREFIX N: old records as NDJSON, then N
def reframe(a):
    f, old = a[0], old_mtime(a[0])
    write_in_place(f, ndjson(records(f) + new_records(a[1], a[2], int(a[3]))))
    stamp(f, old)

@command('write-replacement')                    # FILE TMP TEMPLATE PREFIX N: TMP = FILE's bytes + N
def write_replacement(a):
    orig = pathlib.Path(a[0]).read_bytes()
    pathlib.Path(a[1]).write_bytes(orig + pretty(new_records(a[2], a[3], int(a[4]))))
    stamp(a[1], old_mtime(a[0]))

@command('new-file')                             # FILE TEMPLATE PREFIX N DAY FORMAT(ndjson|pretty)
def new_file(a):
    f = pathlib.Path(a[0]); f.parent.mkdir(parents=True, exist_ok=True)
    f.write_bytes(framed(new_records(a[1], a[2], int(a[3]), a[4]), a[5]))
    stamp(f, None)

@command('array-part')                           # FILE TEMPLATE PREFIX N DAY PART(1|2): a JSON array in two writes
def array_part(a):
    f, part, old = pathlib.Path(a[0]), a[5], old_mtime(a[0])
    text = json.dumps(new_records(a[1], a[2], int(a[3]), a[4]), indent=2) + '\n'
    cut = text.index('"event_type"', text.index('"%s-0002"' % a[2]))   # inside record 2
    if part == '1':
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text[:cut])
    else:
        with open(f, 'a') as fh: fh.write(text[cut:])
    stamp(f, old)

@command('compare')                              # SINKDIR EXPECTED PHASE -> sink expected missing extra dups invalid
def compare(a):
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
            for _ in range(v - e.get(k, 0)): fh.write(k + '\n')
    print(len(lines), len(exp), missing, extra, dups, invalid)

@command('deadletter')                           # FILE -> lines unique dups mode
def deadletter(a):
    p = pathlib.Path(a[0])
    if not p.exists():
        print(0, 0, 0, 'absent'); return
    ls = [l for l in p.read_text().splitlines() if l.strip()]
    keys = collections.Counter()
    for l in ls:
        try: j = json.loads(l); keys[(j.get('reason'), j.get('record'))] += 1
        except ValueError: keys[('invalid', l)] += 1
    print(len(ls), len(keys), len(ls) - len(keys), oct(stat.S_IMODE(p.stat().st_mode))[2:])
PY
  if declare -F helper_extra > /dev/null; then helper_extra; fi
  cat <<'PY'

if sys.argv[1] not in COMMANDS: sys.exit('unknown command ' + sys.argv[1])
COMMANDS[sys.argv[1]](sys.argv[2:])
PY
}

# ------------------------------------------------------------------ forwarder config
# rewrite_config SRC DST OLD NEW [OLD NEW]...: the shipped config with only these strings
# replaced; fails if one is not in it exactly once (the shipped file changed under the check).
rewrite_config() {
  python3 - "$@" <<'PY'
import sys
src, dst, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
t = open(src).read()
for old, new in zip(pairs[::2], pairs[1::2]):
    if t.count(old) != 1: sys.exit('not exactly once in the shipped config: %r' % old)
    t = t.replace(old, new)
open(dst, 'w').write(t)
PY
}
# fwd_config SOURCE [OLD NEW]...: CFG=WORK/follow.yaml, the shipped $CFG_SRC with the mirror
# directory argument replaced by SOURCE, the other paths into WORK (Fluent Bit's interval_sec:
# INTERVAL) and the caller's pairs; FWD_ARGV runs the forwarder on it.
fwd_config() {
  local src=$1; shift
  CFG=$WORK/follow.yaml
  if [ "$KIND" = vector ]; then
    FWD_ARGV=("$FWD" --config "$CFG")
    set -- "$@" \
      "data_dir: /var/lib/vector" "data_dir: $WORK/data" \
      "/var/log/mwsiem/ocsf-%Y-%m-%d.ndjson" "$WORK/sink/ocsf-%Y-%m-%d.ndjson"
  else
    FWD_ARGV=("$FWD" -c "$CFG")
    set -- "$@" \
      "interval_sec: 60" "interval_sec: $INTERVAL" \
      "path: /var/log/mwsiem" "path: $WORK/sink" \
      "storage.path: /var/lib/fluent-bit/mwsiem-storage" "storage.path: $WORK/storage"
  fi
  rewrite_config "$CFG_SRC" "$CFG" \
    "/var/lib/moveworks-sftp" "$src" \
    "/var/lib/mwsiem/state" "$WORK/state" \
    "/var/lib/mwsiem/dead-letters.ndjson" "$DL" \
    "/etc/mwsiem/mwsiem.toml" "$WORK/mwsiem.toml" "$@" || exit 2
}
validate() {  # CFG [VECTOR_OPTION]...: the forwarder's own check of the config; exit 2 if it fails
  local cfg=$1; shift
  if [ "$KIND" = vector ]; then
    echo "== vector validate ${*:+$* }$cfg:"; "$FWD" validate "$@" "$cfg" 2>&1 | tee "$WORK/validate.log" | sed 's/^/   /'
  else
    echo "== fluent-bit --dry-run -c $cfg:"; "$FWD" -c "$cfg" --dry-run 2>&1 | tee "$WORK/validate.log" | tail -3 | sed 's/^/   /'
  fi
  VALIDATE_RC=${PIPESTATUS[0]}; echo "   rc=$VALIDATE_RC"
  [ "$VALIDATE_RC" = 0 ] || exit 2
}

# ------------------------------------------------------------------ counting, phases
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

expected() {  # NAME: replay of $REPLAY_SRC -> $WORK/expected-NAME.ndjson; prints its count
  "$MWSIEM" replay "$REPLAY_SRC" ${REPLAY_ENGINE:+--engine "$REPLAY_ENGINE"} -q \
    > "$WORK/expected-$1.ndjson" 2>> "$WORK/replay-stderr.log"
  wc -l < "$WORK/expected-$1.ndjson"
}

declare -a ROWS
phase() {  # NAME NOTE: settle, compare with the replay of $REPLAY_SRC, record a row
  local name=$1 note=$2 exp_n t r dl
  exp_n=$(expected "$name")
  t=$(wait_count "$exp_n" "$PHASE_COUNT_SECS")
  wait_stable "$PHASE_STABLE_SECS" || note="$note; never stable"
  [ -z "$PHASE_NOTE_ARRIVAL" ] || note="$note; all expected after ${t}s"
  r=$(python3 "$H" compare "$WORK/sink" "$WORK/expected-$name.ndjson" "$name")
  dl=$(python3 "$H" deadletter "$DL")
  ROWS+=("$name|$r|$dl|$note")
  echo "   $name: sink expected missing extra dups invalid = $r; dead-letter lines unique dups mode = $dl; $note" | tee -a "$LOG"
}
# for_rows FUNC: FUNC once per row of ROWS, with name, s e m x d i (sink expected missing extra
# dups invalid), dn du dd dm (dead letters: lines unique dups mode) and note set
for_rows() {
  local row r dl
  for row in "${ROWS[@]}"; do
    IFS='|' read -r name r dl note <<< "$row"
    read -r s e m x d i <<< "$r"; read -r dn du dd dm <<< "$dl"
    "$1"
  done
}

# ------------------------------------------------------------------ forwarder runs
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
wait_child() {  # NAME LIMIT: polls every 20 ms until a descendant of the forwarder named NAME runs
  local t0 k; t0=$(date +%s)
  while [ $(( $(date +%s) - t0 )) -lt "$2" ]; do
    for k in $(descendants "$FWD_PID"); do
      [ "$(ps -o comm= -p "$k" 2>/dev/null)" = "$1" ] && return 0
    done
    sleep 0.02
  done
  return 1
}
stop_kill() {  # SIGKILL the forwarder and every descendant, at a moment an mwsiem child runs
  # Vector's exec source keeps one `mwsiem follow` running; Fluent Bit's exec input starts one
  # `mwsiem follow --once` per interval, which may be between passes: wait (up to KILL_WAIT s)
  # for one, so the phase kills both processes it names. KILL_MWSIEM says whether it did.
  local kids name
  # The process name is the binary's file name, cut to 15 characters as the kernel keeps it.
  name=$(basename "$MWSIEM" | cut -c1-15)
  if wait_child "$name" "${KILL_WAIT:-60}"; then KILL_MWSIEM=yes; else KILL_MWSIEM=no; fi
  kids=$(descendants "$FWD_PID" | tr '\n' ' ')
  KILLED_KIDS=$(for k in $kids; do ps -o comm= -p "$k"; done | sort | uniq -c | sed 's/^ *//' | tr '\n' ',' | sed 's/,/, /g')
  echo "== $(date +%T) SIGKILL $KIND pid $FWD_PID and descendants: ${kids:-none}(${KILLED_KIDS%, }${KILLED_KIDS:+; }an mwsiem child running: $KILL_MWSIEM)" | tee -a "$LOG"
  # shellcheck disable=SC2086
  kill -KILL "$FWD_PID" $kids 2>/dev/null
  wait "$FWD_PID" 2>/dev/null
  FWD_PID=
  sleep 1
}
