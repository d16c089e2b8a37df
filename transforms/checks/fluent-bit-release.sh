#!/usr/bin/env bash
# Release check: the shipped fluent-bit.yaml and mwsiem module in a real Fluent Bit, changed only
# in their paths, over every export shape and the hostile file. Not a CI step (no Fluent Bit in
# any registry here): run it before a release.
#
#   transforms/checks/fluent-bit-release.sh /path/to/fluent-bit [/path/to/wamrc] [WORKDIR]
#
# Needs: a release `mwsiem` (built here with cargo, or MWSIEM=/path/to/mwsiem), python3. Prints, per input file, the records
# the core frames, the events and error records Fluent Bit wrote, how many are lost, how many
# native events are missing and how many events are extra against `mwsiem replay --engine
# native`, and whether Fluent Bit stayed up and what it warned; then the filter's CPU per record,
# interpreted and (with wamrc) compiled ahead of time (SKIP_PERF=1 or ONLY_PERF=1 runs one part).
set -euo pipefail
FLB=${1:?usage: fluent-bit-release.sh /path/to/fluent-bit [/path/to/wamrc] [WORKDIR]}
WAMRC=${2:-}
WORK=${3:-$(mktemp -d /tmp/mwsiem-fluentbit-check.XXXXXX)}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# The shipped files under check.
SHIPPED="$REPO/transforms/fluent-bit"
# shellcheck source=lib/release-inputs.sh
. "$HERE/lib/release-inputs.sh"
PERF_RECORDS=${PERF_RECORDS:-100000}
build_mwsiem "$REPO"
mkdir -p "$WORK"
"$MWSIEM" export-fluentbit-module "$WORK/mwsiem_fluentbit.wasm"
if [ -n "$WAMRC" ]; then
  "$WAMRC" --target=x86_64 -o "$WORK/mwsiem_fluentbit.aot" "$WORK/mwsiem_fluentbit.wasm" >"$WORK/wamrc.log" 2>&1
fi
echo "fluent-bit: $("$FLB" --version | head -1)"
echo "work:       $WORK"
# The filters the shipped config uses must be in this build.
for plugin in tail wasm rewrite_tag modify file; do
  "$FLB" -h 2>&1 | grep -qE "^ +$plugin " || { echo "FAIL: this Fluent Bit has no '$plugin' plugin"; exit 1; }
done

if [ -z "${ONLY_PERF:-}" ]; then
# The shipped config with its paths moved under $1 (the only change); $2: the module to load.
configure() {
  local root=$1 module=$2
  mkdir -p "$root/etc" "$root/mirror" "$root/out" "$root/db"
  cp "$module" "$root/etc/"
  cp "$SHIPPED/mwsiem.toml" "$root/etc/"
  sed -e "s#/var/lib/moveworks-sftp#$root/mirror#g" -e "s#/etc/fluent-bit/mwsiem/mwsiem_fluentbit.wasm#$root/etc/$(basename "$module")#g" \
      -e "s#/etc/fluent-bit/mwsiem#$root/etc#g" -e "s#/var/log/mwsiem#$root/out#g" \
      -e "s#/var/lib/fluent-bit#$root/db#g" "$SHIPPED/fluent-bit.yaml" > "$root/etc/fluent-bit.yaml"
}

# Runs Fluent Bit until its outputs have stopped growing for 4 s; $2 a writer run meanwhile.
# Prints "up" if Fluent Bit was still running when stopped.
run_flb() {
  local root=$1 writer=${2:-}
  "$FLB" -c "$root/etc/fluent-bit.yaml" >"$root/flb.log" 2>&1 &
  local pid=$!
  if [ -n "$writer" ]; then sleep 2; bash -c "$writer"; fi
  wait_until_quiet $pid "$root/out"
  if kill -0 $pid 2>/dev/null; then echo up > "$root/state"; kill -TERM $pid; else echo down > "$root/state"; fi
  wait $pid || true
}

printf '%-28s %8s %8s %8s %6s %7s %6s  %s\n' file records events errors lost missing extra fluent-bit
for f in $(release_inputs "$REPO"); do
  name=$(basename "$f"); [ "$f" = growing ] && name=growing_pretty.json
  root="$WORK/run-$name"; rm -rf "$root"; configure "$root" "$WORK/mwsiem_fluentbit.wasm"
  day="$root/mirror/logs/v1/2026-01-01"; mkdir -p "$day"; target="$day/2026-01-01_audit_log.json"
  place_input "$REPO" "$f" "$target"
  run_flb "$root" "$writer"
  "$MWSIEM" replay --engine native -q --output "$root/native.ndjson" --dead-letter "$root/native.dl" "$ref"
  python3 - "$root" "$name" <<'PY'
import json, sys, os
from collections import Counter
root, name = sys.argv[1], sys.argv[2]
def lines(p):
    if not os.path.exists(p): return []
    with open(p, encoding="utf-8", errors="surrogateescape") as f:
        return [json.loads(l) for l in f if l.strip()]
native = lines(f"{root}/native.ndjson"); native_dl = lines(f"{root}/native.dl")
events = lines(f"{root}/out/ocsf-events.ndjson"); errors = lines(f"{root}/out/mwsiem-errors.ndjson")
records = len(native) + len(native_dl)
lost = records - len(events) - len(errors)
canon = lambda e: json.dumps(e, sort_keys=True)
# Native events Fluent Bit did not make, and Fluent Bit events the native run did not make.
missing = sum((Counter(map(canon, native)) - Counter(map(canon, events))).values())
extra = sum((Counter(map(canon, events)) - Counter(map(canon, native))).values())
state = open(f"{root}/state").read().strip()
print(f"{name:<28} {records:>8} {len(events):>8} {len(errors):>8} {lost:>6} {missing:>7} {extra:>6}  {state}")
PY
  grep -iE 'warn|error|abort|segfault|signal|reactor' "$root/flb.log" | grep -v 'caught signal (SIGTERM)\|shutdown in max\|\[ info\]' | sed 's/^/    log: /' | head -5 || true
done

fi
[ -n "${SKIP_PERF:-}" ] && exit 0

# The filter's CPU per record: the same NDJSON file through tail -> wasm -> null, with and
# without the filter (exit_on_eof added for the measurement), interpreted and AOT.
perf="$WORK/perf"; rm -rf "$perf"; mkdir -p "$perf"
make_perf_input "$REPO" "$perf/input.ndjson" "$PERF_RECORDS"
measure() {
  local variant=$1 module=$2
  cat > "$perf/$variant.yaml" <<YAML
service: { flush: 1, log_level: warn }
pipeline:
  inputs:
    - { name: tail, tag: moveworks, path: $perf/input.ndjson, path_key: path, read_from_head: true, exit_on_eof: true, buffer_chunk_size: 256K, buffer_max_size: 17M, skip_long_lines: on }
YAML
  if [ -n "$module" ]; then
    cat >> "$perf/$variant.yaml" <<YAML
  filters:
    - { name: wasm, match: moveworks, wasm_path: $module, function_name: mwsiem_filter, event_format: json, accessible_paths: $perf, wasm_stack_size: 256K, wasm_heap_size: 64M }
YAML
  fi
  cat >> "$perf/$variant.yaml" <<YAML
  outputs:
    - { name: null, match: '*' }
YAML
  /usr/bin/time -f "%U %S %M" -o "$perf/$variant.time" "$FLB" -c "$perf/$variant.yaml" >"$perf/$variant.log" 2>&1
}
measure without ""
measure interpreted "$WORK/mwsiem_fluentbit.wasm"
[ -n "$WAMRC" ] && measure aot "$WORK/mwsiem_fluentbit.aot"
python3 - "$perf" "$PERF_RECORDS" <<'PY'
import sys, os
perf, n = sys.argv[1], int(sys.argv[2])
def cpu(v):
    u, s, rss = open(f"{perf}/{v}.time").read().split()[-3:]
    return float(u) + float(s), int(rss)
base, _ = cpu("without")
for v in ("interpreted", "aot"):
    if os.path.exists(f"{perf}/{v}.time"):
        c, rss = cpu(v)
        print(f"cpu {v}: {n} records, {c:.2f} s with the filter, {base:.2f} s without: {(c - base) / n * 1e6:.1f} us per record, peak RSS {rss // 1024} MB")
PY
