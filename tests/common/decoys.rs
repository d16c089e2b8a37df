//! Values that are not credentials, placed where credentials go: the false-positive side of
//! tests/credentials.rs.

use crate::credentials::{HEX, Rng, api, record};
use serde_json::json;

/// Values that are not credentials, under names that hint at one and in text that talks about
/// them: ids, UUIDs, document hashes, timestamps, host names, words, short flags. None may be
/// masked under `full`. Random where the real thing is random (UUIDs, hashes, ids).
pub fn decoys(rng: &mut Rng) -> Vec<(String, String)> {
    let hex = |rng: &mut Rng, n| rng.string(HEX, n);
    let uuid = format!(
        "{}-{}-4{}-a{}-{}",
        hex(rng, 8),
        hex(rng, 4),
        hex(rng, 3),
        hex(rng, 3),
        hex(rng, 12)
    );
    let digits = rng.string(b"0123456789", 19);
    let pairs: Vec<(&str, String)> = vec![
        ("key", uuid.clone()),
        ("credential_id", uuid),
        ("content_hash", hex(rng, 64)),
        ("key", hex(rng, 40)),
        ("signature_md5", hex(rng, 32)),
        ("token_expires_at", "2026-12-01T09:00:00.123456Z".into()),
        ("session_started", "2026-12-01 09:00:00.000000".into()),
        ("auth_user_id", digits),
        ("auth_host", "login.microsoftonline.com".into()),
        ("key", "CustomerServiceRepresentative".into()),
        ("keyName", "integration-servicenow-prod-01".into()),
        ("auth_type", "saml".into()),
        ("token_type", "Bearer".into()),
        ("authMethod", "password".into()),
        ("cred_count", "3".into()),
        ("license", "Apache-2.0".into()),
        ("private", "false".into()),
        ("signature_algorithm", "RS256".into()),
        ("password_last_set", "2026-11-30T08:00:00Z".into()),
        ("secret_name", "prod/servicenow/oauth".into()),
        ("status_code", "200".into()),
        ("sortKey", "event_time".into()),
        ("authority", "https://login.microsoftonline.com/common".into()),
    ];
    pairs.into_iter().map(|(n, v)| (n.to_owned(), v)).collect()
}

/// Free text that mentions credentials without holding one.
pub const DECOY_TEXT: &[&str] = &[
    "Authentication: Logon",
    "token expired at 2026-12-01 09:00:00",
    "password reset requested by user 9422067216216842966",
    "auth=true&key=en-US",
    "The API key was rotated by an administrator",
    "pattern matching on sk-learn models",
    "ghp_ is the prefix of GitHub tokens",
    "Basic setup finished, token expired",
    "status_code=200 code_path=/api/now",
    "Digest auth not supported",
    "see https://docs.moveworks.com/auth/keys for key rotation",
];

/// Records carrying only decoys, in the field kinds names and text can take.
pub fn decoy_records(seed: u64) -> Vec<serde_json::Value> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    for (i, (name, value)) in decoys(&mut rng).into_iter().enumerate() {
        let id = format!("decoy-{i:03}");
        out.push(record(
            &id,
            "SCIM_PROVISIONING_LOG",
            json!({"user_id": "7", "detail": {&name: &value}}),
        ));
        out.push(api(&format!("{id}h"), "https://api.vendor.example/v1/items", json!({"request_headers": {&name: &value}, "trace": format!("{name}={value}"), "response_body": json!({&name: &value}).to_string()})));
        out.push(api(
            &format!("{id}e"),
            "https://api.vendor.example/v1/items",
            json!({"request_headers": [{"name": &name, "value": &value}], "headers": [[&name, &value]]}),
        ));
        if value.bytes().all(|c| c.is_ascii_alphanumeric() || b"-._~".contains(&c)) {
            out.push(api(
                &format!("{id}q"),
                &format!("https://api.vendor.example/v1/items?{name}={value}"),
                json!({}),
            ));
        }
    }
    for (i, text) in DECOY_TEXT.iter().enumerate() {
        out.push(api(
            &format!("decoy-text-{i:02}"),
            "https://api.vendor.example/v1/items",
            json!({"trace": text, "message": format!("{{'note': '{text}'}}")}),
        ));
    }
    out
}
