# Shared by transforms/checks/vector-release.sh and transforms/checks/fluent-bit-release.sh (sourced,
# not run): the inputs both checks feed a real forwarder, and how a run is waited for.

# Builds the release `mwsiem` of the repository $1 and sets MWSIEM to it; with MWSIEM already
# set (a binary's path, built elsewhere), uses that binary and builds nothing.
build_mwsiem() {
  if [ -n "${MWSIEM:-}" ]; then
    [ -x "$MWSIEM" ] || { echo "MWSIEM=$MWSIEM is not an executable" >&2; exit 2; }
    return
  fi
  cargo build --release --quiet --manifest-path "$1/Cargo.toml"
  MWSIEM="$1/target/release/mwsiem"
}

# Every input file, one per line: the SFTP fixture tree, every shape, and `growing` (a
# pretty-printed file written while the forwarder reads it).
release_inputs() {
  local repo=$1 f
  for f in "$repo"/testdata/sftp/logs/*/*.json "$repo"/testdata/sftp/logs/v1/*/*.json "$repo"/testdata/shapes/*.json; do
    echo "$f"
  done
  echo growing
}

# Puts input $2 at $3 (a file in the mirror). Sets `ref` (the file `mwsiem replay` should frame
# for the expected records) and `writer` (a command to run while the forwarder reads, or "").
place_input() {
  local repo=$1 f=$2 target=$3 src size half
  writer=""
  if [ "$f" = growing ]; then
    # The 3-hourly refresh as a writer that stalls 3 s inside records: half the pretty file, a
    # pause, 4,000 bytes more, a pause, the rest.
    src="$repo/testdata/shapes/pretty.json"; size=$(stat -c %s "$src"); half=$((size / 2 + 17))
    : > "$target"
    writer="head -c $half '$src' >> '$target'; sleep 3; tail -c +$((half + 1)) '$src' | head -c 4000 >> '$target'; sleep 3; tail -c +$((half + 4001)) '$src' >> '$target'"
    ref="$src"
  else
    cp "$f" "$target"; ref="$f"
  fi
}

# After the forwarder $1 (a pid) started and the writer ran: waits until something was written
# to the files in the directories after it (at most 60 s, or until the forwarder died), then
# until nothing more is for 4 s.
wait_until_quiet() {
  local pid=$1 last="" still=0 now
  shift
  size() { local d; for d in "$@"; do cat "$d"/* 2>/dev/null || true; done | wc -c; }
  for _ in $(seq 60); do
    kill -0 "$pid" 2>/dev/null || break
    [ "$(size "$@")" != 0 ] && break
    sleep 1
  done
  while [ $still -lt 4 ]; do
    sleep 1
    now=$(size "$@")
    if [ "$now" = "$last" ]; then still=$((still + 1)); else still=0; fi
    last=$now
  done
}

# $3 records of the bench corpus (a realistic mix of types and sizes), cycled, into $2.
make_perf_input() {
  python3 - "$1/testdata/shapes/bench_corpus.ndjson" "$2" "$3" <<'PY'
import sys
recs = [l for l in open(sys.argv[1], "rb") if l.strip()]
n = int(sys.argv[3])
with open(sys.argv[2], "wb") as f:
    for i in range(n):
        f.write(recs[i % len(recs)])
PY
}
