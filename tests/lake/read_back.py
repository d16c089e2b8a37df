"""Reads every Security Lake object mwsiem wrote with pyarrow and with DuckDB, and checks them
against the NDJSON events of the same run, row for row.

  python read_back.py EVENTS.ndjson LAKE_DIR REGION ACCOUNT_ID SCHEMA_DIR [SOURCE=CLASS_UID ...]

Written apart from the Rust projection (src/lake/project.rs) on purpose: it undoes the 1.3.0
projection from what the object says (`unmapped.ocsf_1_8_0` holds every moved attribute by its
path) and must arrive at the NDJSON event exactly. Checked:
* the layout: ext/<source>/region=<r>/accountId=<a>/eventDay=<YYYYMMDD>/<name>.parquet, the
  source's class, each row's UTC day;
* the schema: identical in every object of a source (no drift), zstd on every column
  that holds a value, OCSF 1.3.0 metadata;
* every row, its JSON text read back, is valid against the OCSF 1.3.0 class schema;
* pyarrow and DuckDB read the same rows, and DuckDB the partition keys from the path;
* rows ordered by time within each object;
* the multiset of restored rows equals the multiset of NDJSON events of the named classes:
  every event once, nothing else.
Prints a summary line; exits 1 with the first differences otherwise.
"""
import collections
import datetime
import json
import pathlib
import re
import sys

import duckdb
import jsonschema
import pyarrow
import pyarrow.parquet as pq

events_path, lake_dir, region, account, schema_dir = sys.argv[1:6]
sources = dict(a.split("=", 1) for a in sys.argv[6:])  # source -> class_uid
sources = {k: int(v) for k, v in sources.items()}
CLASS_FILES = {6003: "api_activity", 3002: "authentication", 3005: "user_access",
               3004: "entity_management", 6005: "datastore_activity"}
failures = []


def fail(msg):
    failures.append(msg)


def json_paths(class_uid):
    """The attribute paths whose values are JSON text in the objects: json_t attributes
    (`$defs/object` or any-typed), found from the 1.3.0 JSON Schema itself."""
    js = json.load(open(pathlib.Path(schema_dir) / f"ocsf-1.3.0-{CLASS_FILES[class_uid]}.schema.json"))
    defs = js["$defs"]
    out = set()

    def walk(props, prefix, ancestry):
        for name, p in props.items():
            path = prefix + name
            item = p["items"] if p.get("type") == "array" else p
            ref = item.get("$ref", "").removeprefix("#/$defs/")
            if ref:
                d = defs[ref]
                if not d.get("properties") or ref in ancestry:
                    out.add(path)
                else:
                    walk(d["properties"], path + ".", ancestry | {ref})
            elif not isinstance(item.get("type"), str) or item.get("type") == "object":
                out.add(path)

    walk(js["properties"], "", frozenset())
    return out


VALIDATORS = {}


def validator(class_uid):
    if class_uid not in VALIDATORS:
        js = json.load(open(pathlib.Path(schema_dir) / f"ocsf-1.3.0-{CLASS_FILES[class_uid]}.schema.json"))
        VALIDATORS[class_uid] = jsonschema.Draft202012Validator(js)
    return VALIDATORS[class_uid]


def drop_nulls(v):
    if isinstance(v, dict):
        return {k: drop_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [drop_nulls(x) for x in v]
    return v


def fix_json_text(row, jpaths, prefix=""):
    out = {}
    for k, x in row.items():
        path = prefix + k
        if path in jpaths:
            out[k] = [json.loads(i) for i in x] if isinstance(x, list) else json.loads(x)
        elif isinstance(x, dict):
            out[k] = fix_json_text(x, jpaths, path + ".")
        elif isinstance(x, list):
            out[k] = [fix_json_text(i, jpaths, path + ".") if isinstance(i, dict) else i for i in x]
        else:
            out[k] = x
    return out


STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def restore(row):
    """The 1.8.0 event the row was projected from."""
    unmapped = row.get("unmapped")
    moved = {}
    if isinstance(unmapped, dict) and "ocsf_1_8_0" in unmapped:
        moved = unmapped.pop("ocsf_1_8_0")
        if not unmapped:
            row.pop("unmapped")
    row["metadata"]["version"] = "1.8.0"
    for path, value in moved.items():
        # An enum id 1.3.0 lacks was written as 99: the original replaces it.
        put_back(row, path, value)
    return row


def put_back(row, path, value):
    steps = [(m.group(1), m.group(2)) for m in STEP.finditer(path)]
    node = row
    for i, (key, index) in enumerate(steps):
        last = i == len(steps) - 1
        if key is not None:
            if last:
                node[key] = value
            else:
                nxt = steps[i + 1]
                node = node.setdefault(key, [] if nxt[1] is not None else {})
        else:
            index = int(index)
            if last:
                node.insert(index, value)  # a list item that moved whole
            else:
                node = node[index]


def canonical(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"))


expected = collections.Counter()
for line in open(events_path, encoding="utf-8"):
    if line.strip():
        e = json.loads(line)
        if e.get("class_uid") in sources.values():
            expected[canonical(e)] += 1

got = collections.Counter()
layout = re.compile(r"ext/([^/]+)/region=([^/]+)/accountId=([^/]+)/eventDay=(\d{8})/[^/]+\.parquet")
schemas = {}
objects = 0
rows_total = 0
for path in sorted(pathlib.Path(lake_dir).rglob("*")):
    if path.is_dir():
        continue
    rel = path.relative_to(lake_dir).as_posix()
    m = layout.fullmatch(rel)
    if not m:
        fail(f"{rel}: not in the custom-source layout")
        continue
    source, r, a, day = m.groups()
    if (r, a) != (region, account):
        fail(f"{rel}: region/accountId {r}/{a}")
    if source not in sources:
        fail(f"{rel}: unknown source {source}")
        continue
    class_uid = sources[source]
    objects += 1
    pf = pq.ParquetFile(path)
    meta = pf.metadata
    kv = {k.decode(): v.decode() for k, v in (meta.metadata or {}).items()}
    if kv.get("ocsf_version") != "1.3.0" or kv.get("ocsf_class_uid") != str(class_uid):
        fail(f"{rel}: key-value metadata {kv}")
    # Every column holding a value (its chunk has a min and a max) is zstd; all-null columns
    # may stay uncompressed. At least one column per row group holds values.
    for g in range(meta.num_row_groups):
        filled = 0
        for c in range(meta.num_columns):
            col = meta.row_group(g).column(c)
            stats = col.statistics
            if stats is None:
                fail(f"{rel}: column {col.path_in_schema} has no statistics")
                break
            if stats.has_min_max:
                filled += 1
                if col.compression != "ZSTD":
                    fail(f"{rel}: column {col.path_in_schema} holds values and is {col.compression}")
                    break
        if filled == 0:
            fail(f"{rel}: row group {g} has no column with values")
    schema = pf.schema_arrow
    if source in schemas and not schemas[source].equals(schema):
        fail(f"{rel}: schema differs from the source's other objects")
    schemas.setdefault(source, schema)
    arrow_rows = [drop_nulls(r) for r in pf.read().to_pylist()]
    # DuckDB reads the partition keys from the path (hive partitioning), as Athena does.
    duck = duckdb.sql(f"SELECT * FROM read_parquet('{path}', hive_partitioning = true)")
    duck_rows = [drop_nulls(dict(zip(duck.columns, r))) for r in duck.fetchall()]
    for r in duck_rows:
        keys = (str(r.pop("region", None)), str(r.pop("accountId", None)), str(r.pop("eventDay", None)))
        if keys != (region, account, day):
            fail(f"{rel}: DuckDB reads the partition as {keys}")
    if canonical(arrow_rows) != canonical(duck_rows):
        fail(f"{rel}: pyarrow and DuckDB read different rows")
    times = [r["time"] for r in arrow_rows]
    if times != sorted(times):
        fail(f"{rel}: rows not ordered by time")
    jpaths = json_paths(class_uid)
    for row in arrow_rows:
        rows_total += 1
        if row.get("class_uid") != class_uid:
            fail(f"{rel}: a row of class {row.get('class_uid')}")
        d = datetime.datetime.fromtimestamp(row["time"] / 1000, datetime.timezone.utc).strftime("%Y%m%d")
        if d != day:
            fail(f"{rel}: a row of day {d}")
        if row.get("metadata", {}).get("version") != "1.3.0":
            fail(f"{rel}: metadata.version {row.get('metadata', {}).get('version')}")
        row = fix_json_text(row, jpaths)
        for err in list(validator(class_uid).iter_errors(row))[:2]:
            fail(f"{rel}: not OCSF 1.3.0: {'/'.join(map(str, err.absolute_path))}: {err.message[:200]}")
        got[canonical(restore(row))] += 1

missing = expected - got
extra = got - expected
for e in list(missing)[:3]:
    fail(f"an event with no row: {e[:600]}")
for e in list(extra)[:3]:
    fail(f"a row that is no event: {e[:600]}")
if missing or extra:
    fail(f"{sum(missing.values())} events missing, {sum(extra.values())} rows extra")
print(f"read back: {objects} objects, {rows_total} rows, {sum(expected.values())} events, "
      f"{len(schemas)} sources, pyarrow {pyarrow.__version__}, duckdb {duckdb.__version__}")
if failures:
    for f in failures[:20]:
        print("FAIL:", f)
    sys.exit(1)
