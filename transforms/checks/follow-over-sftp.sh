#!/usr/bin/env bash
# Checks the shipped follow configs (transforms/vector/follow.yaml, transforms/fluent-bit/follow.yaml)
# with a real forwarder whose mwsiem command pulls from a real OpenSSH server (`--sftp`) instead
# of reading a mirror directory: the fixture's events arrive; vendor-like refreshes on the server
# (growth, an in-place rewrite with the same bytes first, a rewrite in another framing, new day
# directories in both layouts, a file written in two pieces) are emitted once; a kill -9 of the
# whole sshd (listener and per-connection children, during a pull when one is caught) for
# OUTAGE seconds and a restart on the same port and keys loses nothing; a SIGTERM and restart of
# the forwarder loses nothing. Each phase compares the sink with `mwsiem replay` of the server's
# tree (canonical JSON, as multisets). Last, a run against a known_hosts with the wrong host key.
#
#   usage: KIND=vector|fluent-bit follow-over-sftp.sh FWD
#          follow-over-sftp.sh vector|fluent-bit FWD
#   FWD    the forwarder binary (Vector or Fluent Bit); the argument, else $FWD
#   env:   MWSIEM  mwsiem binary     [$REPO/target/release/mwsiem]
#          REPO    the mwsiem repo   [this script's directory/..] (shipped configs, testdata/sftp)
#          WORK    work dir, wiped on every run [${TMPDIR:-/tmp}/mwsiem-follow-sftp-check-KIND]
#          PORT    sshd port on 127.0.0.1 [a free one]   INTERVAL pull / interval_sec [2]
#          STABLE  seconds without change = settled [10]  OUTAGE seconds sshd is down [5]
#          WRONGKEY_SECS how long the wrong-host-key run lasts [25]
# Needs /usr/sbin/sshd and ssh-keygen (Debian: openssh-server), python3. The sshd keys and config
# live in a mktemp dir under /tmp (removed at exit; its log is copied to WORK).
#
# mwsiem's stderr is read where the shipped config sends it. Vector (`include_stderr: true`)
# takes it in and its remap logs each line (summaries at info, the rest at error) to Vector's
# log, so the check reads it there (WORK/vector.log, extracted to WORK/mwsiem-stderr.log).
# Fluent Bit's exec leaves it on the stderr the child inherits; the check appends it to
# WORK/mwsiem-stderr.log.
# Either way mwsiem is put on PATH by a wrapper in WORK/bin that notes each start in
# WORK/mwsiem-runs.log and execs the binary (for Fluent Bit with stderr to that file), so the
# forwarder's child is mwsiem itself. The wrong-host-key run uses a plain symlink: mwsiem's
# stderr goes where the forwarder sends it, as in production.
# Prints a table; exits 1 if an event is missing, extra or repeated, 2 on a setup error. Only
# processes this script started are signalled. The waits, phases, forwarder config and the
# helper's tree edits and comparisons are transforms/checks/lib/follow-harness.sh's.
set -u
set -o pipefail

case "${1:-}" in vector|fluent-bit) KIND=$1; shift ;; esac
KIND=${KIND:-}
FWD=${1:-${FWD:-}}
usage() { echo "usage: KIND=vector|fluent-bit $0 FWD   (or: $0 vector|fluent-bit FWD)" >&2; exit 2; }
[ -n "$FWD" ] || usage
REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
case "$KIND" in
  vector)     CFG_SRC=${CFG_SRC:-$REPO/transforms/vector/follow.yaml} ;;
  fluent-bit) CFG_SRC=${CFG_SRC:-$REPO/transforms/fluent-bit/follow.yaml} ;;
  *) usage ;;
esac
WORK=${WORK:-${TMPDIR:-/tmp}/mwsiem-follow-sftp-check-$KIND}
FIRST_TIMEOUT=${FIRST_TIMEOUT:-90}
PHASE_COUNT_SECS=120 PHASE_STABLE_SECS=240 PHASE_NOTE_ARRIVAL=1
OUTAGE=${OUTAGE:-5}
WRONGKEY_SECS=${WRONGKEY_SECS:-25}
SSHD_BIN=${SSHD_BIN:-/usr/sbin/sshd}
# MWSIEM FIXTURE MWCONF_SRC STABLE INTERVAL and the checks of FWD, MWSIEM, FIXTURE, the configs
# shellcheck source=lib/follow-harness.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/follow-harness.sh"
[ -x "$SSHD_BIN" ] || { echo "not executable: $SSHD_BIN" >&2; exit 2; }
command -v ssh-keygen > /dev/null || { echo "ssh-keygen not found" >&2; exit 2; }

# Wipe only a work dir this script made (it holds the marker) or an empty one.
case "$WORK" in /|"") echo "refusing WORK=$WORK" >&2; exit 2 ;; esac
if [ -e "$WORK" ] && [ ! -e "$WORK/.follow-sftp-check" ] && [ -n "$(find "$WORK" -mindepth 1 -maxdepth 1 2>/dev/null)" ]; then
  echo "WORK=$WORK exists and was not made by this script: not wiping it" >&2; exit 2
fi
rm -rf "$WORK"
mkdir -p "$WORK/bin" || exit 2
touch "$WORK/.follow-sftp-check" || exit 2

# ------------------------------------------------------------------ helper
# the shared helper's commands (lib/follow-harness.sh), and these
helper_extra() {
  cat <<'PY'
import re, shlex, signal, socket

def children():
    kids = collections.defaultdict(list)
    for d in os.listdir('/proc'):
        if not d.isdigit(): continue
        try: s = open('/proc/%s/stat' % d).read()
        except OSError: continue
        ppid = int(s[s.rindex(')') + 2:].split()[1])
        kids[ppid].append(int(d))
    return kids

def tree(pid):
    kids, out, todo = children(), [], [pid]
    while todo:
        p = todo.pop(); out.append(p); todo += kids.get(p, [])
    return out

def cmdline(pid):
    try: return open('/proc/%d/cmdline' % pid, 'rb').read().replace(b'\0', b' ').decode().strip()
    except OSError: return '?'

@command('free-port')
def free_port(a):
    s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()

@command('kill-tree')                            # PID WAIT: wait up to WAIT s for a logged-in session, freeze the tree, SIGKILL it
def kill_tree(a):
    pid, limit, t0 = int(a[0]), float(a[1]), time.time()
    # a session after authentication ("sshd: root@notty", the process running internal-sftp);
    # if none comes in time, whatever connection child there is
    while time.time() - t0 < limit and not any('@' in cmdline(p) for p in tree(pid)[1:]): time.sleep(0.005)
    waited = time.time() - t0
    os.kill(pid, signal.SIGSTOP)                 # no new connection children from here on
    seen = set()
    while True:
        t = [p for p in tree(pid) if p not in seen]
        if not t: break
        for p in t:
            try: os.kill(p, signal.SIGSTOP)
            except ProcessLookupError: pass
        seen.update(t)
    names = ['%d(%s)' % (p, cmdline(p)) for p in sorted(seen)]
    for p in seen:
        try: os.kill(p, signal.SIGKILL)
        except ProcessLookupError: pass
    print('waited %.2fs for a session; SIGKILL %d processes: %s' % (waited, len(seen), ', '.join(names)))

@command('argv')                                 # CFG KIND: the exec command of the config, NUL-separated
def exec_argv(a):
    lines = pathlib.Path(a[0]).read_text().splitlines()
    if a[1] == 'vector':
        i = [l.strip() for l in lines].index('command:') + 1
        argv = []
        while lines[i].startswith('      - '): argv.append(lines[i][8:]); i += 1
    else:
        argv = shlex.split([l for l in lines if l.strip().startswith('command: ')][0].split('command: ', 1)[1])
    sys.stdout.write(''.join(x + '\0' for x in argv))

@command('vector-stderr')                        # VECTOR_LOG OUT: the remap's log lines (mwsiem's stderr) -> OUT; counts
def vector_stderr(a):
    line_re = re.compile(r'^\S+\s+([A-Z]+) transform\{[^}]*\}: vrl::stdlib::log::implementation: (.*)$')
    levels, suppressed = collections.Counter(), 0
    with open(a[1], 'w') as out:
        for l in pathlib.Path(a[0]).read_text(errors='replace').splitlines():
            m = line_re.match(l)
            if not m: continue
            msg = re.sub(r'( internal_log_rate_secs=\d+)?( vrl_position=\d+)?$', '', m.group(2))
            if re.match(r'Internal log \[.*\] (is being|has been) suppressed', msg): suppressed += 1; continue
            levels[m.group(1)] += 1
            out.write(msg + '\n')
    print(' '.join('%s=%d' % kv for kv in sorted(levels.items())) or 'none', 'suppression-notices=%d' % suppressed)

@command('stderr-in-sink')                       # SINKDIR: lines that look like mwsiem's stderr, not an OCSF event
def stderr_in_sink(a):
    n = 0
    for l in sink_lines(a[0]):
        try: j = json.loads(l)
        except ValueError: n += 1; continue
        if not isinstance(j, dict) or 'stream' in j or str(j.get('message', '')).startswith('mwsiem:'): n += 1
    print(n)
PY
}
init_work server
SERVER=$WORK/server                      # the server's export ROOT
REPLAY_SRC=$SERVER
MIRROR=$WORK/mirror
MWLOG=$WORK/mwsiem-stderr.log            # mwsiem's stderr (for Vector: taken from its log at the end)
MWRUNS=$WORK/mwsiem-runs.log             # one line per start of mwsiem by the forwarder

if [ "$KIND" = vector ]; then STDERR_TO=; else STDERR_TO=" 2>> \"$MWLOG\""; fi
cat > "$WORK/bin/mwsiem" <<SH
#!/bin/sh
echo "== \$(date +%T.%N | cut -c1-12) mwsiem pid \$\$ started: \$*" >> "$MWRUNS"
exec "$MWSIEM" "\$@"$STDERR_TO
SH
chmod 755 "$WORK/bin/mwsiem"
: > "$MWRUNS"
PATH0=$PATH
export PATH="$WORK/bin:$PATH"

# ------------------------------------------------------------------ processes
SSHD_PID=
cleanup() {
  kill_tree "$FWD_PID"; kill_tree "$SSHD_PID"
  if [ -n "${SSHD_DIR:-}" ] && [ -d "$SSHD_DIR" ]; then
    cp "$SSHD_DIR/sshd.log" "$WORK/sshd.log" 2>/dev/null; rm -rf "$SSHD_DIR"
  fi
}
SSHD_DIR=$(mktemp -d /tmp/mwsiem-sftp-sshd.XXXXXX) || exit 2
chmod 700 "$SSHD_DIR"

PORT=${PORT:-$(python3 "$H" free-port)}
URL=sftp://root@127.0.0.1:$PORT$SERVER
KH=$SSHD_DIR/known_hosts
KEY=$SSHD_DIR/id_ed25519

sshd_setup() {
  [ -d /run/sshd ] || { mkdir -p /run/sshd && chmod 755 /run/sshd; } || exit 2
  ssh-keygen -q -t ed25519 -N '' -C mwsiem-check-host -f "$SSHD_DIR/host_ed25519" || exit 2
  ssh-keygen -q -t ed25519 -N '' -C mwsiem-check-user -f "$KEY" || exit 2
  ssh-keygen -q -t ed25519 -N '' -C mwsiem-check-other -f "$SSHD_DIR/other_host_ed25519" || exit 2
  cp "$KEY.pub" "$SSHD_DIR/authorized_keys"
  echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$SSHD_DIR/host_ed25519.pub")" > "$KH"
  echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$SSHD_DIR/other_host_ed25519.pub")" > "$SSHD_DIR/known_hosts.wrong"
  cat > "$SSHD_DIR/sshd_config" <<CFG
ListenAddress 127.0.0.1
Port $PORT
HostKey $SSHD_DIR/host_ed25519
PidFile $SSHD_DIR/sshd.pid
AuthorizedKeysFile $SSHD_DIR/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
ForceCommand internal-sftp -d $SERVER
AllowTcpForwarding no
X11Forwarding no
LogLevel INFO
CFG
  "$SSHD_BIN" -t -f "$SSHD_DIR/sshd_config" || exit 2
}
sshd_start() {
  "$SSHD_BIN" -D -e -f "$SSHD_DIR/sshd_config" 2>> "$SSHD_DIR/sshd.log" &
  SSHD_PID=$!
  for _ in $(seq 100); do (exec 3<> "/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
  kill -0 "$SSHD_PID" 2>/dev/null || { echo "sshd did not start; log:" >&2; cat "$SSHD_DIR/sshd.log" >&2; exit 2; }
  echo "== $(date +%T) sshd pid $SSHD_PID on 127.0.0.1:$PORT" | tee -a "$LOG"
}
sshd_kill() {  # SIGKILL the listener and every per-connection child (one in flight if caught)
  KILLED_SSHD=$(python3 "$H" kill-tree "$SSHD_PID" 10)
  wait "$SSHD_PID" 2>/dev/null
  echo "== $(date +%T) sshd: $KILLED_SSHD" | tee -a "$LOG"
  SSHD_PID=
}

# ------------------------------------------------------------------ forwarder config
# Only the mirror argument becomes --sftp (and its options); paths into WORK; Fluent Bit's
# interval_sec lowered. `mwsiem` stays as it is (found on PATH: the wrapper).
gen_config() {
  if [ "$KIND" = vector ]; then
    local i="
      - "
    fwd_config "--sftp$i$URL$i--mirror$i$MIRROR$i--interval$i${INTERVAL}s$i--known-hosts$i$KH$i-i$i$KEY"
  else
    fwd_config "--sftp $URL --mirror $MIRROR --known-hosts $KH -i $KEY"
  fi
}

# ------------------------------------------------------------------ scenario
L=$SERVER/logs
T1=$FIXTURE/logs/2024-08-20/2024-08-20_audit_log.json      # template for logs/: its first line (v1 NDJSON)
T2=$FIXTURE/logs/v1/2025-10-16/2025-10-16_audit_log.json   # template for logs/v1/: its first record (v2)
F0820=$L/2024-08-20/2024-08-20_audit_log.json
F1015=$L/2025-10-15/2025-10-15_audit_log.json
F1016=$L/v1/2025-10-16/2025-10-16_audit_log.json
hx() { SFTP_MTIME=1 python3 "$H" "$@" || exit 2; }  # a written file: mtime a whole second past the old

sshd_setup
sshd_start
gen_config
echo "== config changes against the shipped $CFG_SRC:"; diff "$CFG_SRC" "$CFG" | sed 's/^/   /'
validate "$CFG"

# a. the fixture
start_fwd
FIRST=$(wait_count 1 "$FIRST_TIMEOUT")
phase initial "first event ${FIRST}s after start"

# b. refreshes on the server
hx append-ndjson "$F0820" grow 5 "$T1";                                       sleep 1.2
hx rewrite-in-place "$F1016" "$T2" rewr 3 pretty;                             sleep 1.2
hx reframe "$F1015" "$T1" refr 2;                                             sleep 1.2
hx new-file "$L/2025-10-18/2025-10-18_audit_log.json" "$T1" day18 4 2025-10-18 ndjson
N17=$L/v1/2025-10-17/2025-10-17_audit_log.json
hx array-part "$N17" "$T2" day17 4 2025-10-17 1;                              sleep $((INTERVAL + 3))
hx array-part "$N17" "$T2" day17 4 2025-10-17 2
phase refresh "grow 5 (NDJSON) + in-place rewrite same bytes +3 + reframed to NDJSON +2 + new day logs/ 4 + new day v1/ array of 4 in two writes"

# c. sshd killed (all its processes) for OUTAGE s, the tree changed meanwhile, sshd restarted
sshd_kill
K0=$(now)
hx append-ndjson "$F0820" down 3 "$T1"
hx new-file "$L/2025-10-19/2025-10-19_audit_log.json" "$T1" day19 3 2025-10-19 ndjson
sleep "$OUTAGE"
sshd_start
phase sshd-kill "${KILLED_SSHD%%:*}; down $(elapsed "$K0" "$(now)")s; meanwhile grow 3 + new day logs/ 3"

# d. more refreshes after the restart
hx rewrite-in-place "$L/2025-10-18/2025-10-18_audit_log.json" "$T1" rewr18 2 ndjson
hx new-file "$L/v1/2025-10-20/2025-10-20_audit_log.json" "$T2" day20 3 2025-10-20 pretty
phase after-sshd "in-place rewrite logs/2025-10-18 +2 + new day v1/ 3 (pretty)"

# e. forwarder SIGTERM, the tree changed meanwhile, forwarder started again
stop_term
hx append-ndjson "$F0820" term 3 "$T1"
hx reframe "$L/v1/2025-10-20/2025-10-20_audit_log.json" "$T2" refr20 1
BEFORE=$(count); start_fwd
FIRST=$(wait_count $((BEFORE + 1)) "$FIRST_TIMEOUT")
phase fwd-restart "SIGTERM exit ${TERM_SECS}s rc=$TERM_RC, orphans: $ORPHANS; meanwhile grow 3 + v1/2025-10-20 reframed +1; first new event ${FIRST}s after restart"
stop_term
FINAL_SINK=$(count)
LEFTOVER=$(find "$MIRROR" -name '.*' ! -name .mwsiem-pull.lock | wc -l)

# f. wrong host key: a fresh mirror, state and sink; the same config but a known_hosts with
#    another key for [127.0.0.1]:PORT. mwsiem is a plain symlink here (no wrapper), so its
#    stderr goes where the forwarder sends it, as in production. Then the same command by hand.
echo "== wrong host key run ($WRONGKEY_SECS s)" | tee -a "$LOG"
WK=$WORK/wrongkey; mkdir -p "$WK/sink" "$WK/data" "$WK/bin"
ln -s "$MWSIEM" "$WK/bin/mwsiem"
WCFG=$WK/follow.yaml
sed -e "s#$MIRROR#$WK/mirror#g" -e "s#$WORK/state#$WK/state#g" -e "s#$DL#$WK/dead-letters.ndjson#g" \
    -e "s#$WORK/sink#$WK/sink#g" -e "s#$WORK/data#$WK/data#g" -e "s#$WORK/storage#$WK/storage#g" \
    -e "s#$KH#$SSHD_DIR/known_hosts.wrong#g" "$CFG" > "$WCFG"
# Fluent Bit's in_exec logs the command's exit code at debug only
if [ "$KIND" = fluent-bit ]; then sed -i 's/^  log_level: info$/  log_level: debug/' "$WCFG"; fi
echo "   config changes against the main run's config:"; diff "$CFG" "$WCFG" | sed 's/^/     /' | tee -a "$LOG"
WLOG=$WK/$KIND.log
SSHLINE0=$(wc -l < "$SSHD_DIR/sshd.log")
if [ "$KIND" = vector ]; then
  # Vector's default log level (info) and rate limit; only its exec source's trace line with the
  # command's exit status added
  PATH="$WK/bin:$PATH0" VECTOR_LOG="info,vector::internal_events::exec=trace" "$FWD" --config "$WCFG" > "$WLOG" 2>&1 &
else
  PATH="$WK/bin:$PATH0" "$FWD" -c "$WCFG" > "$WLOG" 2>&1 &
fi
FWD_PID=$!
sleep "$WRONGKEY_SECS"
kill -TERM "$FWD_PID"; wait "$FWD_PID" 2>/dev/null; WK_RC=$?; FWD_PID=
if [ "$KIND" = vector ]; then
  WK_EXITS=$(grep 'Executed command\. command=' "$WLOG" | grep -o 'exit_status=[^ ]*' | sort | uniq -c | tr -s ' ' | tr '\n' ',')
  # the trace line is rate limited (10 s): add the suppressed ones Vector reports
  WK_EXITS="$WK_EXITS (+$(grep -o 'Internal log \[Executed command\.\] has been suppressed [0-9]* times' "$WLOG" \
    | awk '{n += $(NF - 1)} END {print n + 0}') suppressed by Vector's rate limit)"
  WK_STDERR_COUNTS=$(python3 "$H" vector-stderr "$WLOG" "$WK/mwsiem-stderr.log")
  # mwsiem's lines as Vector logs them: level and message, timestamps and fields dropped
  WK_LINES=$(grep 'vrl::stdlib::log::implementation: ' "$WLOG" | sed -E 's/^[^ ]+ +//; s/ transform\{[^}]*\}: vrl::stdlib::log::implementation://; s/ internal_log_rate_secs=[0-9]+( vrl_position=[0-9]+)?$//')
else
  WK_EXITS=$(grep -o 'exited with [a-z]* [0-9]*' "$WLOG" | sort | uniq -c | tr -s ' ' | tr '\n' ',')
  grep '^mwsiem' "$WLOG" > "$WK/mwsiem-stderr.log"
  WK_STDERR_COUNTS="$(wc -l < "$WK/mwsiem-stderr.log") lines of mwsiem's stderr (inherited, no level)"
  WK_LINES=$(grep -E '^mwsiem|exited with' "$WLOG" | sed -E 's/^\[[^]]*\] //')
fi
WK_MSG=$(grep -c 'HOST KEY CHANGED' "$WLOG")
WK_VISIBLE=$(grep -E ' (INFO|WARN|ERROR) |\[ *(info|warn|error)\]' "$WLOG" | grep -ciE 'host key|exit|refus|intercept')
WK_PREAUTH=$(tail -n +$((SSHLINE0 + 1)) "$SSHD_DIR/sshd.log" | grep -c 'preauth')
WK_ACCEPTED=$(tail -n +$((SSHLINE0 + 1)) "$SSHD_DIR/sshd.log" | grep -c 'Accepted')
# the forwarder's command, by hand
python3 "$H" argv "$WCFG" "$KIND" > "$WK/argv" || exit 2
mapfile -d '' WK_ARGV < "$WK/argv"
PATH="$WK/bin:$PATH0" timeout 120 "${WK_ARGV[@]}" > "$WK/by-hand.stdout" 2> "$WK/by-hand.stderr"; WK_HAND_RC=$?
WK_FILES=$(find "$WK/mirror" -type f ! -name .mwsiem-pull.lock 2>/dev/null | wc -l)
WK_SINK=$(python3 "$H" count "$WK/sink")

# ------------------------------------------------------------------ summary
if [ "$KIND" = vector ]; then
  MW_COUNTS="from Vector's log: $(python3 "$H" vector-stderr "$LOG" "$MWLOG")"
else
  MW_COUNTS="captured by the wrapper: $(wc -l < "$MWLOG") lines"
fi
echo
echo "== $KIND: $("$FWD" --version 2>&1 | head -1); mwsiem: $MWSIEM; sshd: $("$SSHD_BIN" -V 2>&1 | head -1)"
FMT='%-12s %8s %8s %7s %5s %5s %7s | %8s %6s %4s %4s | %s\n'
# shellcheck disable=SC2059
printf "$FMT" phase expected received missing extra dups invalid dl-lines unique dups mode note
row() {
  # shellcheck disable=SC2059
  printf "$FMT" "$name" "$e" "$s" "$m" "$x" "$d" "$i" "$dn" "$du" "$dd" "$dm" "$note"
  if [ "$m" != 0 ] || [ "$x" != 0 ] || [ "$d" != 0 ] || [ "$i" != 0 ]; then FAIL=1; fi
}
FAIL=0
for_rows row
echo "sink after the last stop: $FINAL_SINK lines, of them mwsiem stderr lines: $(python3 "$H" stderr-in-sink "$WORK/sink");" \
     "hidden files left in the mirror (parts): $LEFTOVER"
echo "mwsiem stderr (main run, $MW_COUNTS; $MWLOG) but pull and pass summaries, counted:"
grep -vE '^mwsiem: pull sftp://[^ ]*: [0-9]+ files:|^mwsiem: pass [0-9]+:' "$MWLOG" \
  | sed -E 's/port [0-9]+/port N/g; s/[0-9]+(\.[0-9]+)?s\b/Ns/g' | sort | uniq -c | sort -rn | head -20 | sed 's/^/   /'
echo "mwsiem runs: $(grep -c '^== ' "$MWRUNS")," \
     "pass summaries: $(grep -cE '^mwsiem: pass [0-9]+:' "$MWLOG")," \
     "pull summaries: $(grep -cE '^mwsiem: pull sftp://[^ ]*: [0-9]+ files:' "$MWLOG")" \
     "(with retries > 0: $(grep -E '^mwsiem: pull sftp://[^ ]*: [0-9]+ files:' "$MWLOG" | grep -vc ' 0 retries'))"
echo "$KIND log warnings/errors (main run):"; grep -iE 'warn|error|panic' "$LOG" | sed -E 's/^[0-9TZ:.-]+ //; s/\[20[0-9/ :]+\]//' | sort | uniq -c | sort -rn | head -12 | sed 's/^/   /'
echo "wrong host key ($WRONGKEY_SECS s of $KIND; $WK): sshd: $WK_PREAUTH connections closed preauth, $WK_ACCEPTED logins;" \
     "exits seen by $KIND: ${WK_EXITS:-none}; 'HOST KEY CHANGED' lines in $KIND's output: $WK_MSG;" \
     "$KIND's own info/warn/error lines about it: $WK_VISIBLE; files mirrored: $WK_FILES; sink: $WK_SINK lines; $KIND rc after SIGTERM: $WK_RC"
echo "   mwsiem's stderr in $KIND's log: $WK_STDERR_COUNTS; those lines and exits, counted:"
printf '%s\n' "$WK_LINES" | sed -E 's/pid=[0-9]+/pid=N/g; s/elapsed_millis=[0-9]+/elapsed_millis=N/g' | sort | uniq -c | sort -rn | cut -c1-400 | sed 's/^/     /'
echo "   by hand ($(tr '\0' ' ' < "$WK/argv" | cut -c1-60)...): rc=$WK_HAND_RC, $(wc -l < "$WK/by-hand.stdout") stdout lines, stderr:"
sed 's/^/     /' "$WK/by-hand.stderr"
echo "work dir: $WORK (missing-*/extra-*.ndjson per phase, $KIND.log, mwsiem-stderr.log, mwsiem-runs.log, sshd.log)"
if [ "$FAIL" = 0 ]; then echo "RESULT: every phase exact (no event missing, extra or repeated)"; else echo "RESULT: FAIL"; fi
exit $FAIL
