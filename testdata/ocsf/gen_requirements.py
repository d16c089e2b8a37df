"""Extract OCSF requirement levels (class -> attribute -> requirement, object -> attribute ->
requirement) and the observable type_id tables from a compiled OCSF schema, into one small,
sorted, diff-friendly JSON file the project can vendor next to testdata/ocsf/1.8.0/.

  python gen_requirements.py 1.8.0 1.8.0/requirements.json
      # the compiled schema bundled in PyPI `ocsf-json-schema` (1.2.0 bundles
      # ocsf_json_schema/ocsf/1.8.0.json = https://schema.ocsf.io/1.8.0/export/v2/schema)
  python gen_requirements.py path/to/compiled.json OUT.json [--all-objects]
      # output of `ocsf-schema-compiler` (compile_version 1) on github.com/ocsf/ocsf-schema at
      # tag 1.8.0; the two give the same requirement/type/object_type/profiles/is_array for
      # every class and object attribute (checked: 0 differences)

Only the standard library is needed when a path is given. Objects: those reachable from the six
classes (every depth), or all with --all-objects. The observable tables always cover the whole
schema.
"""
import hashlib
import json
import pathlib
import sys

# The classes mwsiem emits (class_uid in the comment) and Base Event.
CLASSES = {
    "api_activity": 6003,
    "authentication": 3002,
    "datastore_activity": 6005,
    "entity_management": 3004,
    "user_access": 3005,
    "base_event": 0,
}
ATTR_KEYS = ("requirement", "type", "object_type", "is_array", "profiles", "observable", "@deprecated")


def load(src):
    if src.endswith(".json"):
        raw = pathlib.Path(src).read_bytes()
        return json.loads(raw), {"file": src, "sha256": hashlib.sha256(raw).hexdigest()}
    from ocsf_json_schema import get_ocsf_schema, __about__  # noqa: F401
    import ocsf_json_schema
    path = pathlib.Path(ocsf_json_schema.__file__).parent / "ocsf" / f"{src}.json"
    raw = path.read_bytes()
    ver = getattr(ocsf_json_schema, "__version__", None)
    if ver is None:
        try:
            from ocsf_json_schema.__about__ import __version__ as ver
        except ImportError:
            ver = "?"
    return json.loads(raw), {
        "package": f"ocsf-json-schema=={ver} (PyPI)",
        "file": f"ocsf_json_schema/ocsf/{src}.json",
        "sha256": hashlib.sha256(raw).hexdigest(),
    }


def slim_attr(a):
    out = {}
    for k in ATTR_KEYS:
        v = a.get(k)
        if v in (None, False, []):
            continue
        if k == "@deprecated":
            k, v = "deprecated", True
        out[k] = v
    return out


def reachable(s, class_names):
    seen, stack = set(), []
    for n in class_names:
        stack += [a["object_type"] for a in s["classes"][n]["attributes"].values() if a.get("object_type")]
    while stack:
        o = stack.pop()
        if o in seen:
            continue
        seen.add(o)
        stack += [a["object_type"] for a in s["objects"][o]["attributes"].values() if a.get("object_type")]
    return seen


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    src = args[0] if args else "1.8.0"
    dst = pathlib.Path(args[1] if len(args) > 1 else "ocsf-1.8.0-requirements.json")
    s, origin = load(src)
    assert s.get("compile_version") == 1, "expects compile_version 1 (OCSF server export v2 / ocsf-schema-compiler)"

    classes = {}
    for name, uid in CLASSES.items():
        c = s["classes"][name]
        assert c["uid"] == uid or (name == "base_event" and c["uid"] == 0), (name, c["uid"])
        classes[name] = {
            "uid": c["uid"],
            "caption": c["caption"],
            "profiles": sorted(c.get("profiles") or []),
            "constraints": c.get("constraints") or {},
            "attributes": {k: slim_attr(v) for k, v in sorted(c["attributes"].items())},
        }

    keep = set(s["objects"]) if "--all-objects" in sys.argv else reachable(s, CLASSES)
    objects = {}
    for name, o in sorted(s["objects"].items()):
        if name not in keep:
            continue
        entry = {"attributes": {k: slim_attr(v) for k, v in sorted(o["attributes"].items())}}
        if o.get("observable") is not None:
            entry["observable"] = o["observable"]
        if o.get("constraints"):
            entry["constraints"] = o["constraints"]
        if o.get("profiles"):
            entry["profiles"] = sorted(o["profiles"])
        objects[name] = entry

    enum = s["objects"]["observable"]["attributes"]["type_id"]["enum"]
    type_ids = {k: enum[k]["caption"] for k in sorted(enum, key=int)}
    types = s["dictionary"]["types"]["attributes"]
    dict_attrs = s["dictionary"]["attributes"]
    observables = {
        "type_id": type_ids,
        # Precedence (OCSF "Defining and Using Observables"): class-specific attribute path (none
        # in 1.8.0), object-specific attribute, dictionary attribute, dictionary type; plus whole
        # objects.
        "by_dictionary_type": {k: v["observable"] for k, v in sorted(types.items()) if "observable" in v},
        "by_dictionary_attribute": {k: v["observable"] for k, v in sorted(dict_attrs.items()) if "observable" in v},
        "by_object": {k: o["observable"] for k, o in sorted(s["objects"].items()) if o.get("observable") is not None},
        "by_object_attribute": {
            f"{k}.{a}": av["observable"]
            for k, o in sorted(s["objects"].items())
            for a, av in sorted(o["attributes"].items())
            if "observable" in av
        },
        "by_class_attribute_path": {
            name: c["observables"] for name, c in sorted(s["classes"].items()) if c.get("observables")
        },
    }
    profiles = {
        k: {"caption": p.get("caption"), "classes_allowing": sorted(
            n for n, c in s["classes"].items() if k in (c.get("profiles") or []))}
        for k, p in sorted(s["profiles"].items())
    }
    out = {
        "ocsf_version": s["version"],
        "source": origin,
        "classes": classes,
        "objects": objects,
        "observables": observables,
        "profiles": profiles,
    }
    dst.write_text(json.dumps(out, indent=1, sort_keys=False, ensure_ascii=False) + "\n")
    print(f"{dst}: {len(classes)} classes, {len(objects)} objects, {len(type_ids)} observable type_ids")


if __name__ == "__main__":
    main()
