"""Write the JSON Schemas of the class + profile combinations mwsiem emits (an event's
`metadata.profiles` picks its schema: `ocsf-1.8.0-api_activity+trace.schema.json` validates an
API Activity event that declares `trace`). The profile-less schemas beside them come from
shared/ocsf/gen_schemas.py, which this follows exactly but for the profiles.

  pip install ocsf-json-schema==1.2.0 && python gen_profile_schemas.py 1.8.0
"""
import json, sys, pathlib
from ocsf_json_schema import get_ocsf_schema, OcsfJsonSchemaEmbedded

COMBINATIONS = [("api_activity", ["trace"])]

version = sys.argv[1] if len(sys.argv) > 1 else "1.8.0"
raw = get_ocsf_schema(version=version)
s = OcsfJsonSchemaEmbedded(raw)
out = pathlib.Path(__file__).resolve().parent / raw["version"]
for c, profiles in COMBINATIONS:
    js = s.get_class_schema(class_name=c, profiles=profiles)
    p = out / f"ocsf-{raw['version']}-{c}+{'+'.join(profiles)}.schema.json"
    # sort_keys: $defs order comes from a Python set (hash-seed dependent)
    p.write_text(json.dumps(js, indent=2, sort_keys=True) + "\n")
    print(p.name)
