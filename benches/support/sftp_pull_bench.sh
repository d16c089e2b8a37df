#!/usr/bin/env bash
# `mwsiem pull` against OpenSSH's own `sftp` client, fetching the same ~200 MB export tree
# from a local sshd in the same run (README, "Pull"). Rounds alternate the two clients.
#
#   benches/support/sftp_pull_bench.sh [SIZE_MB] [ROUNDS]      (root; needs openssh-server)
#
# The tree is benches/support/mirror_tree.py's (real records, both layouts). sftp writes
# without fsync; mwsiem fsyncs every file and verifies it (the figures include that).
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE_MB=${1:-200}
ROUNDS=${2:-5}
cargo build --release --locked -q
BIN=$PWD/target/release/mwsiem
T=$(mktemp -d /tmp/mwsiem-sftp-bench.XXXXXX)
trap 'kill $(cat "$T/sshd.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$T"' EXIT
chmod 755 "$T"
mkdir -p /run/sshd "$T/root"
python3 benches/support/mirror_tree.py "$T/root" "$SIZE_MB" 10 >/dev/null
ssh-keygen -q -t ed25519 -N '' -f "$T/host_ed25519"
ssh-keygen -q -t ed25519 -N '' -f "$T/id_ed25519"
cp "$T/id_ed25519.pub" "$T/authorized_keys"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$T/sshd_config" <<CFG
ListenAddress 127.0.0.1
Port $PORT
HostKey $T/host_ed25519
PidFile $T/sshd.pid
AuthorizedKeysFile $T/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
ForceCommand internal-sftp -d $T/root
CFG
/usr/sbin/sshd -f "$T/sshd_config"
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$T/host_ed25519.pub")" > "$T/known_hosts"
printf 'lcd %s/sftp-out\nget -r %s/root/logs\n' "$T" "$T" > "$T/batch"
BYTES=$(du -sb "$T/root" | cut -f1)
FILES=$(find "$T/root" -type f | wc -l)
echo "tree: $FILES files, $BYTES bytes; sshd $(/usr/sbin/sshd -V 2>&1 | head -1)"

now() { date +%s.%N; }
for i in $(seq "$ROUNDS"); do
  rm -rf "$T/sftp-out" "$T/mirror"; mkdir -p "$T/sftp-out"; sync
  a=$(now)
  sftp -q -b "$T/batch" -P "$PORT" -i "$T/id_ed25519" -o UserKnownHostsFile="$T/known_hosts" \
    -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes root@127.0.0.1 >/dev/null
  b=$(now)
  /usr/bin/time -f %M -o "$T/rss" "$BIN" pull "sftp://root@127.0.0.1:$PORT$T/root" --mirror "$T/mirror" \
    --known-hosts "$T/known_hosts" -i "$T/id_ed25519" -q
  c=$(now)
  "$BIN" pull "sftp://root@127.0.0.1:$PORT$T/root" --mirror "$T/mirror" \
    --known-hosts "$T/known_hosts" -i "$T/id_ed25519" -q
  d=$(now)
  diff -r "$T/root/logs" "$T/sftp-out/logs" >/dev/null
  diff -r -x '.mwsiem-pull.lock' "$T/root/logs" "$T/mirror/logs" >/dev/null
  python3 - "$a" "$b" "$c" "$d" "$(cat "$T/rss")" <<'PY'
import sys
a, b, c, d = map(float, sys.argv[1:5])
print(f"round: sftp {b - a:.2f} s   mwsiem pull {c - b:.2f} s (peak RSS {int(sys.argv[5]) / 1024:.1f} MB)   ratio {(c - b) / (b - a):.2f}   pull again (nothing new) {d - c:.2f} s")
PY
done
