//! The OCSF 1.8.0 requirement levels and observable types (`testdata/ocsf/1.8.0/requirements.json`,
//! extracted from the official compiled schema by `testdata/ocsf/gen_requirements.py`).

use serde_json::Value as Json;

pub struct Requirements {
    doc: Json,
}

/// One attribute of a class or object, as the compiled schema defines it.
pub struct Attribute<'r> {
    pub def: &'r Json,
    /// The object that holds it (`None`: the class itself).
    pub owner: Option<&'r str>,
    pub name: &'r str,
}

impl Requirements {
    pub fn load() -> Self {
        let path = super::repo().join("testdata/ocsf/1.8.0/requirements.json");
        let doc = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        Requirements { doc }
    }

    pub fn class(&self, name: &str) -> &Json {
        &self.doc["classes"][name]
    }

    /// The attribute at a dotted path (`actor.user.uid`, `resources.uid`), or none.
    pub fn resolve<'r>(&'r self, class: &str, path: &'r str) -> Option<Attribute<'r>> {
        let mut attrs = &self.class(class)["attributes"];
        let mut owner = None;
        let parts: Vec<&str> = path.split('.').collect();
        for (i, part) in parts.iter().enumerate() {
            let def = attrs.get(part)?;
            if i + 1 == parts.len() {
                return Some(Attribute { def, owner, name: part });
            }
            let object = def["object_type"].as_str()?;
            owner = Some(object);
            attrs = &self.doc["objects"][object]["attributes"];
        }
        None
    }

    /// The observable `type_id` OCSF 1.8.0 defines for the attribute at `path`, by the rule of
    /// OCSF's "Defining and Using Observables": the dictionary type first (`ip_t`), then the
    /// dictionary attribute (`user_agent`), the object (`user`), the object attribute
    /// (`user.uid`), a class path. `None`: the schema defines none (an observable of it is 99).
    pub fn observable_type(&self, class: &str, path: &str) -> Option<u64> {
        let a = self.resolve(class, path)?;
        let obs = &self.doc["observables"];
        let by = |table: &str, key: &str| obs[table].get(key).and_then(Json::as_u64);
        a.def["type"]
            .as_str()
            .and_then(|t| by("by_dictionary_type", t))
            .or_else(|| by("by_dictionary_attribute", a.name))
            .or_else(|| a.def["object_type"].as_str().and_then(|o| by("by_object", o)))
            .or_else(|| a.def["observable"].as_u64())
            .or_else(|| obs["by_class_attribute_path"][class].get(path).and_then(Json::as_u64))
    }

    /// Whether `class` allows `profile` (`metadata.profiles`).
    pub fn allows_profile(&self, class: &str, profile: &str) -> bool {
        self.doc["profiles"][profile]["classes_allowing"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c == class))
    }

    /// The class's top-level attributes at `level` (`recommended`), with the profiles that own
    /// them (empty: core).
    pub fn top_level(&self, class: &str, level: &str) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = self.class(class)["attributes"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, a)| a["requirement"] == level)
            .map(|(k, a)| {
                let profiles = a["profiles"]
                    .as_array()
                    .map(|p| p.iter().map(|p| p.as_str().unwrap().to_owned()).collect())
                    .unwrap_or_default();
                (k.clone(), profiles)
            })
            .collect();
        out.sort();
        out
    }
}
