//! A deterministic export corpus with a realistic mix of event types and sizes, shared by the
//! benches (the same bytes for every engine).
#![allow(dead_code)]

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

const HOSTS: [&str; 8] = [
    "acme.service-now.com",
    "slack.com",
    "acme.my.salesforce.com",
    "acme.atlassian.net",
    "graph.microsoft.com",
    "acme.okta.com",
    "wd5-impl-services1.workday.com",
    "api.github.com",
];
const PATHS: [&str; 6] = [
    "/api/now/table/incident",
    "/api/chat.postMessage",
    "/services/data/v58.0/query",
    "/rest/api/3/issue",
    "/v1.0/groups/5d2e/members",
    "/api/v1/users",
];
const METHODS: [&str; 5] = ["GET", "GET", "POST", "PUT", "PATCH"];

/// `n` records as NDJSON; about 60% EXTERNAL_API, the rest spread over the other types.
pub fn corpus(n: usize) -> Vec<u8> {
    let mut rng = Rng(0x05EE_D0FC_0FFE);
    let mut out = Vec::with_capacity(n * 400);
    for i in 0..n {
        let user = 1_000_000_000_000_000_000u64 + rng.below(1 << 60);
        let time = format!(
            "2025-10-{:02} {:02}:{:02}:{:02}.{:06}",
            1 + rng.below(28),
            rng.below(24),
            rng.below(60),
            rng.below(60),
            rng.below(1_000_000)
        );
        let head = |t: &str, v: &str| {
            format!(
                r#"{{"version": "{v}", "severity": "INFO", "event_id": "ev{i:010}", "event_type": "{t}", "event_source": "MOVEWORKS", "event_time": "{time}", "event_data": "#
            )
        };
        let roll = rng.below(100);
        let line = if roll < 60 {
            let query = if rng.below(3) == 0 {
                format!("?sysparm_query=active%3Dtrue&sysparm_limit={}", rng.below(500))
            } else {
                String::new()
            };
            let v = if rng.below(4) == 0 { "1" } else { "2" };
            format!(
                r#"{}{{"user_id": "{user}", "request_uri": "https://{}{}{}", "request_method": "{}", "response_status_code": "{}", "execution_time_ms": {}, "response_size_bytes": {}}}}}"#,
                head("EXTERNAL_API", v),
                rng.pick(&HOSTS),
                rng.pick(&PATHS),
                query,
                rng.pick(&METHODS),
                rng.pick(&["200", "200", "201", "204", "404", "500"]),
                rng.below(2000),
                rng.below(100_000)
            )
        } else if roll < 70 {
            format!(
                r#"{}{{"user_id": "{user}", "request": "{{'search_request': {{'base_dn': 'OU=Users,DC=acme,DC=com', 'scope': 2, 'filter': '(&(objectClass=user)(mail=u{}*))'}}}}"}}}}"#,
                head("EXTERNAL_LDAP_API", "2"),
                rng.below(10_000)
            )
        } else if roll < 80 {
            format!(
                r#"{}{{"user_id": "{user}", "authn_event_type": "{}", "app": "AUTHN_APP_MY_MOVEWORKS", "idp_metadata": {{}}, "source_ip": "203.0.113.{}", "user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15"}}}}"#,
                head("AUTHENTICATION", "2"),
                rng.pick(&[
                    "AUTHN_EVENT_LOGIN_SUCCESS",
                    "AUTHN_EVENT_LOGIN_FAILURE",
                    "AUTHN_EVENT_LOGOUT_SUCCESS"
                ]),
                rng.below(255)
            )
        } else if roll < 85 {
            format!(
                r#"{}{{"config_version": {}, "config_name": "ConversationalPluginBody", "change_origin_type": "USER", "user_id": "{user}"}}}}"#,
                head("CONFIG_CHANGE", "2"),
                rng.below(500)
            )
        } else if roll < 88 {
            format!(
                r#"{}{{"user_id": "{user}", "assigned_roles": [{{"app": "APP_CREATOR_STUDIO", "roles": ["ROLE_CREST_ADMIN"], "grantee": "{}"}}], "all_roles": [{{"app": "APP_CREATOR_STUDIO", "roles": ["ROLE_CREST_ADMIN"], "grantee": "{}"}}, {{"app": "APP_MW_SETUP", "roles": ["ROLE_MW_SETUP_ADMIN"], "grantee": "{}"}}]}}}}"#,
                head("PERMISSION_CHANGE", "2"),
                user + 1,
                user + 1,
                user + 1
            )
        } else if roll < 95 {
            format!(
                r#"{}{{"user_id": "{user}", "uivar_uuid": "5d6edaaa-fe72-4ef1-8c3f-{:012x}", "result": "AGENT_STUDIO_LOG_RESULT_SUCCESS", "method": "{}", "log_type": "AGENT_STUDIO_LOG_TYPE_AGENT_STUDIO_CONNECTORS"}}}}"#,
                head("AGENT_STUDIO_LOG", "2"),
                rng.below(1 << 40),
                rng.pick(&["AGENT_STUDIO_LOG_METHOD_READ", "AGENT_STUDIO_LOG_METHOD_UPDATE"])
            )
        } else {
            format!(
                r#"{}{{"user_id": "{user}", "status": "USER_TOKEN_EXECUTION_STATUS_SUCCESS", "retrieve_access_token_log": {{"integration_id": "enterprise_search_google_drive_connector", "sanitized_access_token_info": {{"integration_id": "enterprise_search_google_drive_connector", "expires_at": "2025-10-16T19:58:13.331639Z"}}}}}}}}"#,
                head("USER_TOKEN_LOG", "2")
            )
        };
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    out
}
