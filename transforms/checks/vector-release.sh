#!/usr/bin/env bash
# Release check: the shipped vector.yaml, frame.vrl and mwsiem.vrl in a real Vector, changed only
# in their paths, over every export shape. Not a CI step (no Vector in any registry here): run it
# before a release against each supported Vector (0.56.x, 0.57.x, 0.58.x, 0.59.x).
#
#   transforms/checks/vector-release.sh /path/to/vector [WORKDIR]
#
# Needs: a release `mwsiem` (built here with cargo, or MWSIEM=/path/to/mwsiem), python3. Prints `vector validate`'s result
# and warnings; per input file, the records the core frames, the events and dead letters Vector
# wrote, how many are lost, how many native events are missing and how many are extra against
# `mwsiem replay --engine native`, the dead-letter file's mode and any warning Vector logged;
# then the remap stages' CPU per record (ONLY_PERF=1 or SKIP_PERF=1 runs one part).
set -euo pipefail
VECTOR=${1:?usage: vector-release.sh /path/to/vector [WORKDIR]}
WORK=${2:-$(mktemp -d /tmp/mwsiem-vector-check.XXXXXX)}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# The shipped files under check.
SHIPPED="$REPO/transforms/vector"
# shellcheck source=lib/release-inputs.sh
. "$HERE/lib/release-inputs.sh"
PERF_RECORDS=${PERF_RECORDS:-100000}
build_mwsiem "$REPO"
mkdir -p "$WORK"
echo "vector: $("$VECTOR" --version)"
echo "work:   $WORK"

# The shipped config with its paths moved under $1 (the only change).
configure() {
  local root=$1
  mkdir -p "$root/etc" "$root/mirror" "$root/out" "$root/data"
  install -d -m 0700 "$root/dl"
  cp "$SHIPPED/frame.vrl" "$SHIPPED/mwsiem.vrl" "$root/etc/"
  sed -e "s#/var/lib/moveworks-sftp#$root/mirror#g" -e "s#/etc/vector/#$root/etc/#g" \
      -e "s#/var/log/mwsiem#$root/out#g" -e "s#/var/lib/mwsiem#$root/dl#g" \
      -e "s#/var/lib/vector#$root/data#g" "$SHIPPED/vector.yaml" > "$root/etc/vector.yaml"
}

# Runs Vector on $1's config until both sinks have stopped growing for 4 s, then stops it.
# $2, if given, is a command run in the background meanwhile (a writer growing a file).
run_vector() {
  local root=$1 writer=${2:-}
  (umask 077; exec "$VECTOR" --config "$root/etc/vector.yaml" >"$root/vector.log" 2>&1) &
  local pid=$!
  if [ -n "$writer" ]; then sleep 2; bash -c "$writer"; fi
  wait_until_quiet $pid "$root/out" "$root/dl"
  kill -TERM $pid; wait $pid || true
}

if [ -z "${ONLY_PERF:-}" ]; then
# 1. The compile check, in both senses: it loads, and prints no warning.
configure "$WORK/validate"
"$VECTOR" validate --no-environment "$WORK/validate/etc/vector.yaml" >"$WORK/validate/validate.log" 2>&1 \
  || { cat "$WORK/validate/validate.log"; echo "FAIL: vector validate"; exit 1; }
echo "validate: ok, $(grep -ciE 'warn|E[0-9]{3}' "$WORK/validate/validate.log" || true) warning line(s)"

# 2. Every shape, one Vector run each, so each file's counts stand alone.
printf '%-28s %8s %8s %8s %6s %7s %6s\n' file records events dead lost missing extra
for f in $(release_inputs "$REPO"); do
  name=$(basename "$f"); [ "$f" = growing ] && name=growing_pretty.json
  root="$WORK/run-$name"; rm -rf "$root"; configure "$root"
  day="$root/mirror/logs/v1/2026-01-01"; mkdir -p "$day"; target="$day/2026-01-01_audit_log.json"
  place_input "$REPO" "$f" "$target"
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
from collections import Counter
# Native events Vector did not make, and Vector events the native run did not make.
missing = sum((Counter(map(canon, native)) - Counter(map(canon, events))).values())
extra = sum((Counter(map(canon, events)) - Counter(map(canon, native))).values())
print(f"{name:<28} {records:>8} {len(events):>8} {len(dead):>8} {lost:>6} {missing:>7} {extra:>6}")
with open(f"{root}/counts.json", "w") as f:
    json.dump({"records": records, "events": len(events), "dead": len(dead), "lost": lost, "missing": missing, "extra": extra}, f)
PY
  for dl in "$root"/dl/*; do
    if [ -e "$dl" ]; then echo "    dead-letter file mode $(stat -c %a "$dl")"; fi
    break
  done
  w=$(grep -cE 'WARN|E[0-9]{3}' "$root/vector.log" || true)
  if [ "$w" != 0 ]; then echo "    $w warning line(s) in vector.log"; grep -E 'WARN|E[0-9]{3}' "$root/vector.log" | head -3 | cut -c1-300 | sed 's/^/      /'; fi
done

fi

[ -n "${SKIP_PERF:-}" ] && exit 0

# 3. CPU per record of the two remap stages: the same NDJSON on stdin (Vector stops at its end)
#    with and without them; the difference divided by the records.
perf="$WORK/perf"; rm -rf "$perf"; mkdir -p "$perf/etc" "$perf/data"
cp "$SHIPPED/frame.vrl" "$SHIPPED/mwsiem.vrl" "$perf/etc/"
make_perf_input "$REPO" "$perf/input.ndjson" "$PERF_RECORDS"
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
