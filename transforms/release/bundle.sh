#!/usr/bin/env bash
# A release bundle: everything a deployment takes, in one versioned directory and a tarball.
#
#   transforms/release/bundle.sh [OUT_DIR]        (default: target/dist)
#   TARGET=x86_64-unknown-linux-musl transforms/release/bundle.sh   (a static binary, see below)
#
# Builds the release binary (cargo, --locked), then writes OUT_DIR/mwsiem-VERSION-TARGET/ with:
#   bin/mwsiem                      the CLI (native core, embedded component and module)
#   wasm/mwsiem.wasm                the WebAssembly component (mwsiem:transform, for other hosts)
#   wasm/mwsiem_fluentbit.wasm      the Fluent Bit wasm filter module (AOT: fluent-bit/compile-aot.sh)
#   vector/                         frame.vrl, mwsiem.vrl, vector.yaml, follow.yaml
#   fluent-bit/                     fluent-bit.yaml, follow.yaml, mwsiem.toml, compile-aot.sh
#   systemd/, container/            the units and the Dockerfile
#   man/man1/, completions/         from `mwsiem man` and `mwsiem completions`
#   mwsiem.example.toml, README.md, VERSION (`mwsiem --version`), SHA256SUMS (of everything)
# and OUT_DIR/mwsiem-VERSION-TARGET.tar.gz with its .sha256. The musl target needs
# `rustup target add x86_64-unknown-linux-musl` and Debian's musl-tools (C dependencies).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$REPO/target/dist}
cd "$REPO"
if [ -n "${TARGET:-}" ]; then
  cargo build --release --locked --target "$TARGET" --bin mwsiem
  BIN="$REPO/target/$TARGET/release/mwsiem"
else
  # The host's target, in target/release (shared with every other release build).
  TARGET=$(rustc -vV | sed -n 's/^host: //p')
  cargo build --release --locked --bin mwsiem
  BIN="$REPO/target/release/mwsiem"
fi
VERSION=$("$BIN" --version | head -1 | cut -d' ' -f2)
NAME="mwsiem-$VERSION-$TARGET"
DIST="$OUT/$NAME"
rm -rf "$DIST" "$OUT/$NAME.tar.gz" "$OUT/$NAME.tar.gz.sha256"
mkdir -p "$DIST"/{bin,wasm,vector,fluent-bit,systemd,container,man/man1,completions}
install -m 755 "$BIN" "$DIST/bin/mwsiem"
"$BIN" export-component "$DIST/wasm/mwsiem.wasm"
"$BIN" export-fluentbit-module "$DIST/wasm/mwsiem_fluentbit.wasm"
install -m 644 transforms/vector/{frame.vrl,mwsiem.vrl,vector.yaml,follow.yaml} "$DIST/vector/"
install -m 644 transforms/fluent-bit/{fluent-bit.yaml,follow.yaml,mwsiem.toml} "$DIST/fluent-bit/"
install -m 755 transforms/fluent-bit/compile-aot.sh "$DIST/fluent-bit/"
install -m 644 transforms/systemd/* "$DIST/systemd/"
install -m 644 transforms/container/Dockerfile "$DIST/container/"
"$BIN" man "$DIST/man/man1"
"$BIN" completions bash > "$DIST/completions/mwsiem.bash"
"$BIN" completions zsh > "$DIST/completions/_mwsiem"
"$BIN" completions fish > "$DIST/completions/mwsiem.fish"
install -m 644 mwsiem.example.toml README.md "$DIST/"
"$BIN" --version > "$DIST/VERSION"
(cd "$DIST" && find . -type f ! -name SHA256SUMS | sed 's#^\./##' | LC_ALL=C sort | xargs sha256sum > SHA256SUMS)
tar -C "$OUT" --owner=0 --group=0 --sort=name -czf "$OUT/$NAME.tar.gz" "$NAME"
(cd "$OUT" && sha256sum "$NAME.tar.gz" > "$NAME.tar.gz.sha256")
(cd "$DIST" && sha256sum --quiet -c SHA256SUMS)
echo "$DIST"
echo "$OUT/$NAME.tar.gz"
