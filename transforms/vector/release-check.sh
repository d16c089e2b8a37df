#!/usr/bin/env bash
# Release check: the shipped vector.yaml, frame.vrl and mwsiem.vrl in a real Vector, changed only
# in their paths, over every export shape. Not a CI step (no Vector in any registry here): run it
# before a release against each supported Vector (0.56.x, 0.57.x, 0.58.x).
#
#   transforms/vector/release-check.sh /path/to/vector [WORKDIR]
#
# Needs: a release `mwsiem` (built here with cargo), python3. Prints, per input file, the records
# the core frames, the events and dead letters Vector wrote, how many are lost, and how many
# events differ from `mwsiem replay --engine native`; then the warnings `vector validate` and
# the start-up printed, the dead-letter file's mode, and the remap stages' CPU per record.
set -euo pipefail
VECTOR=${1:?usage: release-check.sh /path/to/vector [WORKDIR]}
WORK=${2:-$(mktemp -d /tmp/mwsiem-vector-check.XXXXXX)}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PERF_RECORDS=${PERF_RECORDS:-100000}
cargo build --release --quiet --manifest-path "$REPO/Cargo.toml"
MWSIEM="$REPO/target/release/mwsiem"
mkdir -p "$WORK"
echo "vector: $("$VECTOR" --version)"
echo "work:   $WORK"

# The shipped config with its paths moved under $1 (the only change).
configure() {
  local root=$1
  mkdir -p "$root/etc" "$root/mirror" "$root/out" "$root/data"
  install -d -m 0700 "$root/dl"
  cp "$HERE/frame.vrl" "$HERE/mwsiem.vrl" "$root/etc/"
  sed -e "s#/var/lib/moveworks-sftp#$root/mirror#g" -e "s#/etc/vector/#$root/etc/#g" \
      -e "s#/var/log/mwsiem#$root/out#g" -e "s#/var/lib/mwsiem#$root/dl#g" \
      -e "s#/var/lib/vector#$root/data#g" "$HERE/vector.yaml" > "$root/etc/vector.yaml"
}

# Runs Vector on $1's config until both sinks have stopped growing for 4 s, then stops it.
# $2, if given, is a command run in the background meanwhile (a writer growing a file).
run_vector() {
  local root=$1 writer=${2:-} last="" still=0 now
  (umask 077; exec "$VECTOR" --config "$root/etc/vector.yaml" >"$root/vector.log" 2>&1) &
  local pid=$!
  if [ -n "$writer" ]; then sleep 2; bash -c "$writer"; fi
  # Until something was written (at most 60 s), then until nothing more is for 4 s.
  for _ in $(seq 60); do
    [ "$(cat "$root"/out/* "$root"/dl/* 2>/dev/null | wc -c || true)" != 0 ] && break
    sleep 1
  done
  while [ $still -lt 4 ]; do
    sleep 1
    now=$(cat "$root"/out/* "$root"/dl/* 2>/dev/null | wc -c || true)
    if [ "$now" = "$last" ]; then still=$((still + 1)); else still=0; fi
    last=$now
  done
  kill -TERM $pid; wait $pid || true
}

if [ -z "${ONLY_PERF:-}" ]; then
# 1. The compile check, in both senses: it loads, and prints no warning.
configure "$WORK/validate"
"$VECTOR" validate --no-environment "$WORK/validate/etc/vector.yaml" >"$WORK/validate/validate.log" 2>&1 \
  || { cat "$WORK/validate/validate.log"; echo "FAIL: vector validate"; exit 1; }
echo "validate: ok, $(grep -ciE 'warn|E[0-9]{3}' "$WORK/validate/validate.log" || true) warning line(s)"

# 2. Every shape, one Vector run each, so each file's counts stand alone.
inputs=()
for f in "$REPO"/testdata/sftp/logs/*/*.json "$REPO"/testdata/sftp/logs/v1/*/*.json "$REPO"/testdata/shapes/*.json; do
  inputs+=("$f")
done
printf '%-28s %8s %8s %8s %6s %8s\n' file records events dead lost differ
total_lost=0
for f in "${inputs[@]}" growing; do
  name=$(basename "$f"); [ "$f" = growing ] && name=growing_pretty.json
  root="$WORK/run-$name"; rm -rf "$root"; configure "$root"
  day="$root/mirror/logs/v1/2026-01-01"; mkdir -p "$day"; target="$day/2026-01-01_audit_log.json"
  writer=""
  if [ "$f" = growing ]; then
    # The 3-hourly refresh, as a writer that stalls 3 s inside records (the old 1 s multiline
    # timeout split them): half the pretty file, a pause, the rest.
    src="$REPO/testdata/shapes/pretty.json"; size=$(stat -c %s "$src"); half=$((size / 2 + 17))
    : > "$target"
    writer="head -c $half '$src' >> '$target'; sleep 3; tail -c +$((half + 1)) '$src' | head -c 4000 >> '$target'; sleep 3; tail -c +$((half + 4001)) '$src' >> '$target'"
    ref="$src"
  else
    cp "$f" "$target"; ref="$f"
  fi
  run_vector "$root" "$writer"
  "$MWSIEM" replay --engine native -q --output "$root/native.ndjson" --dead-letter "$root/native.dl" "$ref"
  python3 - "$root" "$name" <<'PY'
import json, sys, glob, os
root, name = sys.argv[1], sys.argv[2]
def lines(pattern):
    out = []
    for p in sorted(glob.glob(pattern)):
        with open(p, encoding="utf-8", errors="surrogateescape") as f:
            out += [json.loads(l) for l in f if l.strip()]
    return out
native = lines(f"{root}/native.ndjson"); native_dl = lines(f"{root}/native.dl")
events = lines(f"{root}/out/*"); dead = lines(f"{root}/dl/*")
records = len(native) + len(native_dl)
lost = records - len(events) - len(dead)
canon = lambda e: json.dumps(e, sort_keys=True)
ours = sorted(map(canon, events)); theirs = sorted(map(canon, native))
from collections import Counter
differ = sum((Counter(theirs) - Counter(ours)).values())
print(f"{name:<28} {records:>8} {len(events):>8} {len(dead):>8} {lost:>6} {differ:>8}")
with open(f"{root}/counts.json", "w") as f:
    json.dump({"records": records, "events": len(events), "dead": len(dead), "lost": lost, "differ": differ}, f)
PY
  for dl in "$root"/dl/*; do
    if [ -e "$dl" ]; then echo "    dead-letter file mode $(stat -c %a "$dl")"; fi
    break
  done
  w=$(grep -cE 'WARN|E[0-9]{3}' "$root/vector.log" || true)
  if [ "$w" != 0 ]; then echo "    $w warning line(s) in vector.log"; grep -E 'WARN|E[0-9]{3}' "$root/vector.log" | head -3 | cut -c1-300 | sed 's/^/      /'; fi
done

fi

# 3. CPU per record of the two remap stages: the same NDJSON on stdin (Vector stops at its end)
#    with and without them; the difference divided by the records.
perf="$WORK/perf"; rm -rf "$perf"; mkdir -p "$perf/etc" "$perf/data"
cp "$HERE/frame.vrl" "$HERE/mwsiem.vrl" "$perf/etc/"
python3 - "$REPO/testdata/shapes/bench_corpus.ndjson" "$perf/input.ndjson" "$PERF_RECORDS" <<'PY'
import sys
recs = [l for l in open(sys.argv[1], "rb") if l.strip()]
n = int(sys.argv[3])
with open(sys.argv[2], "wb") as f:
    for i in range(n):
        f.write(recs[i % len(recs)])
PY
for variant in with without; do
  if [ $variant = with ]; then
    stages="transforms:
  mwsiem_frame: { type: remap, inputs: [stdin], file: $perf/etc/frame.vrl, drop_on_abort: true, drop_on_error: true }
  mwsiem: { type: remap, inputs: [mwsiem_frame], file: $perf/etc/mwsiem.vrl, drop_on_abort: true, drop_on_error: true }"
    last=mwsiem
  else
    stages=""
    last=stdin
  fi
  cat > "$perf/etc/$variant.yaml" <<YAML
data_dir: $perf/data
sources:
  stdin: { type: stdin, max_length: 67108864 }
$stages
sinks:
  out: { type: blackhole, inputs: [$last], print_interval_secs: 0 }
YAML
  /usr/bin/time -f "%U %S" -o "$perf/$variant.time" "$VECTOR" --config "$perf/etc/$variant.yaml" <"$perf/input.ndjson" >"$perf/$variant.log" 2>&1
  # The same with no input: start-up, which for the remap stages is compiling the programs.
  /usr/bin/time -f "%U %S" -o "$perf/$variant.start.time" "$VECTOR" --config "$perf/etc/$variant.yaml" </dev/null >/dev/null 2>&1
done
python3 - "$perf" "$PERF_RECORDS" <<'PY'
import sys
perf, n = sys.argv[1], int(sys.argv[2])
cpu = lambda v: sum(map(float, open(f"{perf}/{v}.time").read().split()[-2:]))
w, wo = cpu("with") - cpu("with.start"), cpu("without") - cpu("without.start")
start = cpu("with.start") - cpu("without.start")
print(f"cpu: {n} records, {w:.2f} s with the remap stages, {wo:.2f} s without (start-up excluded): "
      f"{(w - wo) / n * 1e6:.1f} us per record; compiling the programs at start-up: {start:.2f} s")
PY
