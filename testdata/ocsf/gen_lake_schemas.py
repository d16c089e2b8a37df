"""Write the OCSF 1.3.0 JSON Schemas of the classes mwsiem emits, for the Security Lake output
(src/lake/): Security Lake's custom sources take OCSF 1.3 and earlier, so the Parquet rows are
projected onto these schemas and their columns derived from them. Generated exactly as
shared/ocsf/gen_schemas.py generates the 1.8.0 ones.

  pip install ocsf-json-schema==1.2.0 && python gen_lake_schemas.py
"""
import json, pathlib
from ocsf_json_schema import get_ocsf_schema, OcsfJsonSchemaEmbedded

CLASSES = ["api_activity", "authentication", "user_access", "entity_management", "datastore_activity"]

raw = get_ocsf_schema(version="1.3.0")
s = OcsfJsonSchemaEmbedded(raw)
out = pathlib.Path(__file__).resolve().parent / raw["version"]
out.mkdir(exist_ok=True)
for c in CLASSES:
    js = s.get_class_schema(class_name=c, profiles=[])
    p = out / f"ocsf-{raw['version']}-{c}.schema.json"
    # sort_keys: $defs order comes from a Python set (hash-seed dependent)
    p.write_text(json.dumps(js, indent=2, sort_keys=True) + "\n")
    print(p.name)
