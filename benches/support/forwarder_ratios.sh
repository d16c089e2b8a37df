#!/usr/bin/env bash
# The forwarder ratios of the performance section, in one run on one machine: the CPU each
# engine spends per record of the same input (testdata/shapes/bench_corpus.ndjson, cycled), over
# the native core's.
#
#   benches/support/forwarder_ratios.sh FLUENT_BIT WAMRC VECTOR [WORKDIR]
#
# The forwarders are binaries you built (../shared/forwarders.md says how); nothing here builds
# them. Native and component: `mwsiem replay` over the file into /dev/null, whole-process CPU
# (reading, framing and writing included, so the native figure is an upper bound). Fluent Bit:
# the filter's CPU, interpreted and compiled ahead of time with wamrc, from
# transforms/checks/fluent-bit-release.sh (ONLY_PERF=1). Vector: the remap stages' CPU, from
# transforms/checks/vector-release.sh (ONLY_PERF=1). PERF_RECORDS sets the records (100,000).
set -euo pipefail
FLB=${1:?usage: forwarder_ratios.sh FLUENT_BIT WAMRC VECTOR [WORKDIR]}
WAMRC=${2:?usage: forwarder_ratios.sh FLUENT_BIT WAMRC VECTOR [WORKDIR]}
VECTOR=${3:?usage: forwarder_ratios.sh FLUENT_BIT WAMRC VECTOR [WORKDIR]}
WORK=${4:-$(mktemp -d /tmp/mwsiem-ratios.XXXXXX)}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=../../transforms/checks/lib/release-inputs.sh
. "$REPO/transforms/checks/lib/release-inputs.sh"
export PERF_RECORDS=${PERF_RECORDS:-100000}
build_mwsiem "$REPO"
export MWSIEM
mkdir -p "$WORK"
make_perf_input "$REPO" "$WORK/input.ndjson" "$PERF_RECORDS"

for engine in native component; do
  "$MWSIEM" replay --engine "$engine" "$WORK/input.ndjson" -o /dev/null 2>/dev/null # warm the cache
  /usr/bin/time -f "%U %S" -o "$WORK/$engine.time" "$MWSIEM" replay --engine "$engine" "$WORK/input.ndjson" -o /dev/null 2>/dev/null
done
ONLY_PERF=1 "$REPO/transforms/checks/fluent-bit-release.sh" "$FLB" "$WAMRC" "$WORK/fluent-bit" | tee "$WORK/fluent-bit.txt"
ONLY_PERF=1 "$REPO/transforms/checks/vector-release.sh" "$VECTOR" "$WORK/vector" | tee "$WORK/vector.txt"

python3 - "$WORK" "$PERF_RECORDS" "$("$VECTOR" --version | head -1)" "$("$FLB" --version | head -1)" <<'PY'
import re, sys
work, n, vector, flb = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
cpu = lambda f: sum(map(float, open(f"{work}/{f}.time").read().split()[-2:])) / n * 1e6
native, component = cpu("native"), cpu("component")
def us(file, label):
    for line in open(f"{work}/{file}.txt"):
        if line.startswith(label):
            return float(re.search(r"([0-9.]+) us per record", line).group(1))
    raise SystemExit(f"no '{label}' line in {file}.txt")
rows = [
    ("native core (mwsiem replay, whole process)", native, None),
    ("component (mwsiem replay, whole process)", component, "component / native throughput = {:.2f}".format(native / component)),
    (f"Fluent Bit AOT filter ({flb})", us("fluent-bit", "cpu aot"), None),
    (f"Fluent Bit interpreted filter", us("fluent-bit", "cpu interpreted"), None),
    (f"Vector remap stages ({vector})", us("vector", "cpu:"), None),
]
print(f"\n{n} records, CPU per record, one run")
for name, value, note in rows:
    ratio = f"{value / native:6.1f}x native" if note is None and name != rows[0][0] else ""
    print(f"  {name:55s} {value:8.1f} us  {ratio}{note or ''}")
PY
