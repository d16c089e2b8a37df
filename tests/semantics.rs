//! What each event says, checked against what the vendor's documents say the record means, on
//! records written for the purpose (`testdata/cases/semantics.json`): for each event type, who
//! acted, on whom, with what, and the outcome. The goldens prove the bytes stay the same; these
//! assertions prove the bytes say something true (a schema cannot: an admin role credited to
//! the wrong grantee validates).
//!
//! The records are also a golden case, so every engine's parity test runs them too.

mod common;

use common::repo;
use mwsiem::{Config, Framer, Pipeline};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Every event of every record of the semantics case, by the record's `event_id`.
fn events_with(config: Config) -> BTreeMap<String, Vec<Value>> {
    let bytes = std::fs::read(repo().join("testdata/cases/semantics.json")).unwrap();
    let pipeline = Pipeline::new(config);
    let mut out = BTreeMap::new();
    for record in Framer::new(&bytes) {
        let id = serde_json::from_slice::<Value>(record.bytes).unwrap()["event_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (_, bytes) = pipeline.process(record.bytes).unwrap_or_else(|e| panic!("{id}: {e}"));
        let events = bytes
            .split(|&b| b == b'\n')
            .map(|e| serde_json::from_slice(e).unwrap())
            .collect();
        out.insert(id, events);
    }
    out
}

fn events() -> BTreeMap<String, Vec<Value>> {
    events_with(Config::default())
}

/// Under the `full` profile (the PII Viewer's view): request content as written.
fn full_events() -> BTreeMap<String, Vec<Value>> {
    events_with(Config::from_toml("[redaction]\nprofile = \"full\"\n").unwrap())
}

/// The one event of a record.
fn one(all: &BTreeMap<String, Vec<Value>>, id: &str) -> Value {
    let events = &all[id];
    assert_eq!(events.len(), 1, "{id}: one event, not {}", events.len());
    events[0].clone()
}

fn observed(ev: &Value, name: &str) -> Vec<String> {
    ev["observables"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|o| o["name"] == name)
        .map(|o| o["value"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn an_api_call_names_its_endpoint_and_the_user_moveworks_acted_for() {
    let all = events();
    // REST: the method says what was done to the resource the path names.
    let read = one(&all, "sem-api-rest-read");
    assert_eq!(read["class_uid"], 6003);
    assert_eq!(read["activity_id"], 2, "GET reads");
    assert_eq!(read["api"]["operation"], "/api/now/table/incident");
    assert_eq!(read["http_request"]["http_method"], "GET");
    assert_eq!(read["actor"]["app_name"], "Moveworks");
    assert_eq!(read["actor"]["user"]["uid"], "9422067216216842966");
    assert_eq!(read["status_id"], 1);
    assert_eq!(read["dst_endpoint"]["hostname"], "acme.service-now.com");
    assert_eq!(
        one(&all, "sem-api-rest-create")["activity_id"],
        1,
        "POST to a REST collection creates"
    );
    let denied = one(&all, "sem-api-rest-denied");
    assert_eq!(
        (denied["activity_id"].clone(), denied["status_id"].clone()),
        (json!(4), json!(2))
    );
    assert_eq!(denied["http_response"]["code"], 403);

    // RPC: Slack's Web API POSTs to read a channel's history; the method name is the operation.
    let slack = one(&all, "sem-api-slack-rpc");
    assert_eq!(slack["api"]["operation"], "conversations.history");
    assert_eq!(slack["activity_id"], 99, "an RPC POST is no Create");
    assert_eq!(slack["activity_name"], "Other");
    assert_eq!(slack["http_request"]["http_method"], "POST", "the method is kept");
    let graphql = one(&all, "sem-api-graphql");
    assert_eq!(graphql["api"]["operation"], "/graphql");
    assert_eq!(graphql["activity_id"], 99);
    // A method OCSF does not list keeps its name as the activity's.
    let propfind = one(&all, "sem-api-propfind");
    assert_eq!(propfind["activity_id"], 99);
    assert_eq!(propfind["activity_name"], "PROPFIND");
    assert!(propfind["http_request"].get("http_method").is_none());
    assert!(
        propfind["message"]
            .as_str()
            .unwrap()
            .starts_with("PROPFIND files.acme.example /dav/reports/ -> 207")
    );
    for ev in all
        .values()
        .flatten()
        .filter(|e| e["metadata"]["event_code"] == "EXTERNAL_API")
    {
        assert_ne!(ev["api"]["operation"], ev["http_request"]["http_method"], "{ev}");
    }
}

#[test]
fn an_ldap_search_is_a_query_of_the_directory_and_a_bind_is_an_authentication() {
    let all = events();
    let search = one(&all, "sem-ldap-search");
    assert_eq!(
        (search["class_uid"].clone(), search["activity_id"].clone()),
        (json!(6005), json!(4))
    );
    assert_eq!(search["database"]["name"], "OU=Users,DC=acme,DC=com");
    assert_eq!(search["actor"]["user"]["uid"], "12608431283658477771");
    // The filter is the query; its values are request content (restricted: masked).
    assert_eq!(search["query_info"]["query_string"], "(&(objectClass=user)(mail=…*))");
    // This query's execution is identified by the record's event id.
    assert_eq!(search["query_info"]["uid"], "sem-ldap-search");
    // Request arguments are no returned data and no saved query's name.
    assert!(search["query_info"].get("data").is_none(), "{search}");
    assert!(search["query_info"].get("name").is_none(), "{search}");
    // Request content, masked under `restricted`; as written under `full` (the PII Viewer's view).
    let request = &search["unmapped"]["event_data"]["request"];
    assert!(
        request.get("scope").is_some() && request.get("attributes").is_some(),
        "{search}"
    );
    let full = one(&full_events(), "sem-ldap-search");
    assert_eq!(full["unmapped"]["event_data"]["request"]["scope"], 2);
    assert_eq!(
        full["unmapped"]["event_data"]["request"]["attributes"],
        json!(["mail", "manager"])
    );
    assert_eq!(
        full["query_info"]["query_string"],
        "(&(objectClass=user)(mail=coryweb*))"
    );

    let bind = one(&all, "sem-ldap-bind");
    assert_eq!(bind["class_uid"], 3002, "a bind authenticates: {bind}");
    assert_eq!(bind["activity_id"], 1);
    assert_eq!(bind["auth_protocol_id"], 12);
    assert_eq!(bind["auth_protocol"], "LDAP");
    assert_eq!(
        bind["user"]["name"],
        "CN=svc-moveworks,OU=Service Accounts,DC=acme,DC=com"
    );
    assert!(bind.get("database").is_none(), "a bind DN is no database: {bind}");
    assert_eq!(bind["status_id"], 0, "the export records no outcome");
    assert_eq!(bind["actor"]["user"]["uid"], "12608431283658477771");
    assert_eq!(
        observed(&bind, "user.name"),
        ["CN=svc-moveworks,OU=Service Accounts,DC=acme,DC=com"]
    );
    assert!(observed(&bind, "database.name").is_empty());
    assert_eq!(
        bind["message"],
        "LDAP bind as CN=svc-moveworks,OU=Service Accounts,DC=acme,DC=com for user 12608431283658477771"
    );
    let anonymous = one(&all, "sem-ldap-anonymous-bind");
    assert_eq!(anonymous["class_uid"], 3002);
    assert_eq!(anonymous["message"], "LDAP anonymous bind");
    assert!(
        observed(&anonymous, "user.name").is_empty(),
        "the placeholder is no observable"
    );
    assert!(
        anonymous["unmapped"]["event_data"]["request"].get("dn").is_some(),
        "the empty DN stays"
    );
    let full = one(&full_events(), "sem-ldap-anonymous-bind");
    assert_eq!(
        full["unmapped"]["event_data"]["request"]["dn"], "",
        "the empty DN stays as it was"
    );
}

#[test]
fn a_config_change_is_credited_to_the_user_or_to_the_system() {
    let all = events();
    let system = one(&all, "sem-config-system");
    assert_eq!(system["actor"], json!({"app_name": "Moveworks"}));
    assert!(system["unmapped"]["event_data"].get("change_origin_type").is_none());
    assert_eq!(
        system["message"],
        "Update configuration ConversationalPluginBody version 118 -> Success by Moveworks"
    );
    let user = one(&all, "sem-config-user");
    assert_eq!(user["actor"], json!({"user": {"uid": "1234223234"}}));
    assert_eq!(user["unmapped"]["event_data"]["change_origin_type"], "USER");
    let delete = one(&all, "sem-config-delete");
    assert_eq!(delete["activity_id"], 4);
    assert_eq!(delete["entity"]["name"], "ApprovalsSettings");
}

#[test]
fn a_grant_to_several_users_is_one_event_per_grantee_with_only_their_roles() {
    let all = events();
    let events = &all["sem-perm-two-grantees"];
    assert_eq!(events.len(), 2, "{events:#?}");
    let by_grantee: BTreeMap<String, &Value> = events
        .iter()
        .map(|e| (e["user"]["uid"].as_str().unwrap().to_owned(), e))
        .collect();
    let first = by_grantee["111"];
    assert_eq!(
        first["privileges"],
        json!([
            "APP_MW_SETUP:ROLE_MW_SETUP_ADMIN",
            "APP_MW_SETUP:ROLE_PII_VIEWER",
            "APP_CREATOR_STUDIO:ROLE_CREST_ADMIN"
        ])
    );
    assert_eq!(
        first["resources"],
        json!([{"name": "APP_MW_SETUP", "type": "Application"}, {"name": "APP_CREATOR_STUDIO", "type": "Application"}])
    );
    let second = by_grantee["222"];
    assert_eq!(
        second["privileges"],
        json!(["APP_BOT_ANALYTICS:ROLE_BOT_ANALYTICS_ADMIN"])
    );
    assert_eq!(
        second["resources"],
        json!([{"name": "APP_BOT_ANALYTICS", "type": "Application"}])
    );
    assert!(
        !first["message"].as_str().unwrap().contains("BOT_ANALYTICS"),
        "{}",
        first["message"]
    );
    for ev in events {
        assert_eq!(ev["activity_id"], 1);
        assert_eq!(ev["actor"]["user"]["uid"], "16054822774505271985");
        assert_eq!(ev["metadata"]["correlation_uid"], "2:sem-perm-two-grantees");
        assert!(ev["unmapped"]["event_data"].get("assigned_roles").is_none(), "{ev}");
    }
    assert_ne!(events[0]["metadata"]["uid"], events[1]["metadata"]["uid"]);

    // A single grantee keeps the record's uid.
    let single = one(&all, "sem-perm-one");
    assert_eq!(
        single["metadata"]["uid"],
        "2:sem-perm-two-grantees".replace("two-grantees", "one")
    );
    assert_eq!(single["user"]["uid"], "3743745632043933493");
}

/// `all_roles` (the roles each grantee now holds) is split the same way: each event shows its
/// own grantee's, and what names no grantee with an event rides with the first, never dropped.
/// Copied whole into every event, a record naming n grantees made n copies of every grantee's
/// roles: 5,000 grantees took 8.5 GB.
#[test]
fn each_grantee_event_holds_only_that_grantees_current_roles() {
    let all = events();
    let events = &all["sem-perm-all-roles-split"];
    let roles: Vec<(&str, Vec<String>)> = events
        .iter()
        .map(|e| {
            let held = e["unmapped"]["event_data"]["all_roles"].as_array().unwrap();
            let held = held
                .iter()
                .map(|r| {
                    format!(
                        "{}:{}:{}",
                        r["grantee"].as_str().unwrap_or("-"),
                        r["app"].as_str().unwrap(),
                        r["roles"][0].as_str().unwrap()
                    )
                })
                .collect();
            (e["user"]["uid"].as_str().unwrap(), held)
        })
        .collect();
    assert_eq!(
        roles,
        [
            (
                "111",
                vec![
                    "111:APP_MW_SETUP:ROLE_MW_SETUP_ADMIN".to_owned(),
                    "111:APP_CREATOR_STUDIO:ROLE_CREST_ADMIN".to_owned(),
                    "999:APP_MW_SETUP:ROLE_PII_VIEWER".to_owned(),
                    "-:APP_MW_SETUP:ROLE_PII_VIEWER".to_owned(),
                ]
            ),
            ("222", vec!["222:APP_BOT_ANALYTICS:ROLE_BOT_ANALYTICS_ADMIN".to_owned()]),
        ]
    );
}

#[test]
fn an_empty_grant_is_no_assignment() {
    let all = events();
    for id in ["sem-perm-empty", "sem-perm-no-roles"] {
        let ev = one(&all, id);
        assert_ne!(ev["activity_id"], 1, "{id}: nothing was assigned: {ev}");
        assert_eq!(ev["privileges"], json!([]), "{id}");
        assert!(
            !ev["message"].as_str().unwrap().starts_with("Assigned"),
            "{id}: {}",
            ev["message"]
        );
    }
    assert_eq!(one(&all, "sem-perm-no-roles")["user"]["uid"], "333");
}

#[test]
fn a_login_and_a_logout_say_who_from_where_and_how_it_ended() {
    let all = events();
    let failed = one(&all, "sem-auth-login-failed");
    assert_eq!(
        (failed["activity_id"].clone(), failed["status_id"].clone()),
        (json!(1), json!(2))
    );
    assert_eq!(failed["user"]["uid"], "9733382206290329491");
    assert_eq!(failed["src_endpoint"]["ip"], "198.51.100.23");
    assert_eq!(failed["status_detail"], "INVALID_CREDENTIALS");
    let logout = one(&all, "sem-auth-logout");
    assert_eq!(
        (logout["activity_id"].clone(), logout["status_id"].clone()),
        (json!(2), json!(1))
    );
}

#[test]
fn agent_studio_and_token_events_name_their_object_and_outcome() {
    let all = events();
    let studio = one(&all, "sem-agent-studio-untyped");
    assert_eq!(
        (studio["activity_id"].clone(), studio["status_id"].clone()),
        (json!(4), json!(2))
    );
    assert_eq!(studio["entity"]["type_id"], 99);
    assert_eq!(
        studio["entity"]["type"], "Agent Studio Entity",
        "type_id 99 needs its type"
    );
    let token = one(&all, "sem-token-failed");
    assert_eq!(token["activity_id"], 2);
    assert_eq!(token["status_id"], 2);
    assert_eq!(token["status_detail"], "token expired");
    assert_eq!(token["resources"][0]["uid"], "servicenow_oauth");
}

#[test]
fn unknown_types_are_api_activity_named_by_their_type() {
    let all = events();
    for (id, user) in [
        ("sem-unknown-with-user", Some("555")),
        ("sem-unknown-without-user", None),
        ("sem-unknown-version", Some("777")),
    ] {
        let ev = one(&all, id);
        assert_eq!(
            (ev["class_uid"].clone(), ev["activity_id"].clone()),
            (json!(6003), json!(99)),
            "{id}"
        );
        assert_eq!(ev["api"]["operation"], ev["metadata"]["event_code"], "{id}");
        assert_eq!(ev["actor"]["user"]["uid"].as_str(), user, "{id}");
        // The rest of the record is kept as it was.
        assert!(ev["unmapped"]["event_data"].get("user_id").is_none(), "{id}");
        assert_eq!(ev["unmapped"]["event_id"], id, "{id}");
    }
}

#[test]
fn captions_are_written_and_can_be_left_out() {
    let all = events();
    let ev = one(&all, "sem-api-rest-read");
    assert_eq!(ev["category_name"], "Application Activity");
    assert_eq!(ev["type_name"], "API Activity: Read");
    assert_eq!(ev["observables"][0]["type"], "User Object: uid");
    let auth = one(&all, "sem-auth-login-failed");
    assert_eq!(auth["category_name"], "Identity & Access Management");
    assert_eq!(auth["type_name"], "Authentication: Logon");

    let mut config = Config::default();
    config.output.captions = false;
    let bare = events_with(config);
    for (id, events) in &bare {
        for (ev, full) in events.iter().zip(&all[id]) {
            for (key, id_key) in [
                ("class_name", None),
                ("category_name", None),
                ("type_name", None),
                ("activity_name", Some("activity_id")),
                ("severity", Some("severity_id")),
                ("status", Some("status_id")),
            ] {
                // A source word (id 99) is no derivable caption and stays.
                let kept = id_key.is_some_and(|k| full[k] == 99 && full[key] != "Other");
                assert_eq!(ev.get(key).is_some(), kept, "{id}: {key} in {ev}");
            }
            for o in ev["observables"].as_array().into_iter().flatten() {
                assert_eq!(o.get("type").is_some(), o["type_id"] == 99, "{id}: {o}");
            }
            // The message reads the same without captions.
            assert_eq!(ev["message"], full["message"], "{id}");
        }
    }
}

#[test]
fn a_tenant_and_a_log_name_are_set_by_the_config() {
    let mut config = Config::default();
    config.output.tenant_uid = Some("acme-prod".into());
    config.output.log_name = Some("moveworks-audit".into());
    let all = events_with(config);
    let ev = one(&all, "sem-api-rest-read");
    assert_eq!(ev["metadata"]["tenant_uid"], "acme-prod");
    assert_eq!(ev["metadata"]["log_name"], "moveworks-audit");
    assert_eq!(ev["metadata"]["uid"], "acme-prod:2:sem-api-rest-read");
    // Without a tenant the uid is the record's own.
    assert_eq!(
        one(&events(), "sem-api-rest-read")["metadata"]["uid"],
        "2:sem-api-rest-read"
    );
}
