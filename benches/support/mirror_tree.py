#!/usr/bin/env python3
"""Writes a mirrored SFTP tree of about SIZE_MB megabytes for the follow/replay measurements
(README, "Follow"): the valid records of testdata/sftp with fresh event ids, NDJSON, spread over
day files of both layouts.

    python3 benches/support/mirror_tree.py OUT_DIR SIZE_MB [DAYS]
"""
import json
import os
import sys

repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out, size_mb = sys.argv[1], float(sys.argv[2])
days = int(sys.argv[3]) if len(sys.argv) > 3 else 10

templates = {"1": [], "2": []}
for root, _, files in os.walk(os.path.join(repo, "testdata/sftp/logs")):
    for name in sorted(files):
        for line in open(os.path.join(root, name)):
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict) and rec.get("version") in templates and "event_data" in rec:
                templates[rec["version"]].append(rec)

per_file = int(size_mb * 1e6 / days)
n = 0
for day in range(days):
    version = "1" if day % 2 == 0 else "2"
    date = f"2025-09-{day + 1:02d}"
    d = os.path.join(out, "logs" if version == "1" else "logs/v1", date)
    os.makedirs(d, exist_ok=True)
    written = 0
    with open(os.path.join(d, f"{date}_audit_log.json"), "w") as f:
        while written < per_file:
            rec = dict(templates[version][n % len(templates[version])])
            rec["event_id"] = f"bench-{n:010d}"
            line = json.dumps(rec) + "\n"
            f.write(line)
            written += len(line)
            n += 1
print(f"{out}: {n} records, {days} files")
