#!/bin/sh
# Installs the Python readers (pyarrow, DuckDB) and the S3 server (moto) the Security Lake tests
# use into target/pyenv, pinned by tests/lake/requirements.txt; nothing when they are there.
set -eu
cd "$(dirname "$0")/../.."
venv=target/pyenv
if ! cmp -s tests/lake/requirements.txt "$venv/requirements.txt" 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/lake/requirements.txt
    cp tests/lake/requirements.txt "$venv/requirements.txt"
fi
