//! Values that are not credentials, from public facts: the precision side of
//! tests/credentials_outside.rs.
//!
//! The kinds come from gitleaks' own false-positive examples (the `fps` lists of
//! `cmd/generate/config/rules/*.go` and the allowlists of `config/gitleaks.toml`, commit
//! b58d3f102cf3a2c84cb7f923d05c25c9b1aed84b): placeholders (`xxxx` bodies, `${VAR}`, `<token>`,
//! `$1:$2`, template expressions), identifiers in code that start with a token prefix, file
//! names, hashes, UUIDs, versions, build strings, words under names that hint at a credential.
//! Each one here is generated fresh from the seed; none is copied. Vendors' published example
//! keys are the exception (they are documented to be fake): AWS's
//! (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html) and
//! Stripe's (https://docs.stripe.com/keys).
//!
//! Every decoy has a kind: `placeholder`, `ordinary` (identifiers, file names, text, ids) or
//! `defensible` (masking it is arguable: a random-looking value under a secret-looking name that
//! is not a secret, a client id, a published example key).
#![allow(dead_code)]

use crate::credentials::Rng;
use serde_json::Value;

#[derive(Debug, Clone)]
pub enum Bait {
    /// A string placed as a value and inside text.
    Text(String),
    /// A name and its value.
    Named(String, String),
    /// An argv or environment array.
    Array(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Decoy {
    pub kind: &'static str,
    pub label: String,
    pub bait: Bait,
}

/// One record carrying one decoy.
pub struct DecoyCase {
    pub id: String,
    pub kind: &'static str,
    pub label: String,
    pub field_kind: &'static str,
    /// Strings that must reach the output whole.
    pub keep: Vec<String>,
    pub record: Value,
}

/// Words of identifiers, picked at random.
const WORDS: &str = "required characteristic types for display metadata fetch repository owner name build cache lightmap texture array \
    create update config controller session handler request timeout retry policy default value format index table";
const VENDORS: &[&str] = &[
    "Sumo", "Datadog", "Stripe", "Algolia", "Sendgrid", "Okta", "Github", "Slack",
];
const HEX: &[u8] = b"0123456789abcdef";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A random word of [`WORDS`].
fn word(rng: &mut Rng) -> &'static str {
    let words: Vec<&'static str> = WORDS.split_whitespace().collect();
    words[rng.below(words.len())]
}

fn cap(w: &str) -> String {
    w[..1].to_ascii_uppercase() + &w[1..]
}

/// camelCase words (`fetchRepositoryOwner`), `len` characters or more when `len` > 0.
fn camel_words(rng: &mut Rng, n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        let w = word(rng);
        s.push_str(&if i == 0 { w.to_owned() } else { cap(w) });
    }
    s
}

/// Exactly `len` characters of CamelCase words.
fn camel_exact(rng: &mut Rng, len: usize) -> String {
    let mut s = String::new();
    while s.len() < len {
        s.push_str(&cap(word(rng)));
    }
    s.truncate(len);
    s
}

fn snake_words(rng: &mut Rng, n: usize) -> String {
    (0..n).map(|_| word(rng)).collect::<Vec<_>>().join("_")
}

fn uuid(rng: &mut Rng) -> String {
    let h = |rng: &mut Rng, n| rng.string(HEX, n);
    format!(
        "{}-{}-4{}-a{}-{}",
        h(rng, 8),
        h(rng, 4),
        h(rng, 3),
        h(rng, 3),
        h(rng, 12)
    )
}

fn d(rng: &mut Rng, n: usize) -> String {
    rng.string(b"0123456789", n)
}

fn text(kind: &'static str, label: &str, t: String) -> Decoy {
    Decoy {
        kind,
        label: label.to_owned(),
        bait: Bait::Text(t),
    }
}
fn named(kind: &'static str, label: &str, n: &str, v: String) -> Decoy {
    Decoy {
        kind,
        label: format!("{label} ({n})"),
        bait: Bait::Named(n.to_owned(), v),
    }
}
fn array(kind: &'static str, label: &str, xs: &[&str]) -> Decoy {
    Decoy {
        kind,
        label: label.to_owned(),
        bait: Bait::Array(xs.iter().map(|s| s.to_string()).collect()),
    }
}

/// Token prefixes and their body lengths, for placeholders of the right shape.
const PREFIXES: &str = "ghp_:36 gho_:36 glpat-:20 sk_live_:24 sk_test_:24 hf_:34 AKIA:16 pnu_:36 rdme_:70 glc_:40 dop_v1_:64 sntryu_:64 pplx-:48 npm_:36 shpat_:32 xapp-1-:40 lin_api_:40 AIza:35";

fn placeholders(rng: &mut Rng) -> Vec<Decoy> {
    let mut out = Vec::new();
    for (p, n) in PREFIXES.split(' ').filter_map(|x| x.split_once(':')) {
        let x = if rng.below(2) == 0 { "x" } else { "X" };
        out.push(text(
            "placeholder",
            "prefix + x body",
            format!("{p}{}", x.repeat(n.parse().unwrap())),
        ));
    }
    out.push(text(
        "placeholder",
        "prefix + x body",
        format!("xoxb-{}-{}-{}", "x".repeat(10), "x".repeat(12), "x".repeat(24)),
    ));
    out.push(text(
        "placeholder",
        "prefix + x body",
        format!(
            "xoxp-{}",
            "X".repeat(10) + "-" + &"X".repeat(10) + "-" + &"X".repeat(11) + "-" + &"X".repeat(32)
        ),
    ));
    let v = rng.pick(VENDORS).to_string();
    let up = v.to_ascii_uppercase();
    for (label, t) in [
        ("braced name", format!("{{{v}AccessKey}}")),
        ("shell variable", format!("${{{up}_API_KEY}}")),
        ("shell variable", format!("${up}_SECRET")),
        ("windows variable", format!("%{up}_PASSWORD%")),
        (
            "command substitution",
            format!("$(cat /run/secrets/{}_token)", v.to_ascii_lowercase()),
        ),
        (
            "helm template",
            format!("{{{{ .Values.{}.apiKey }}}}", v.to_ascii_lowercase()),
        ),
        ("actions expression", format!("${{{{ secrets.{up}_TOKEN }}}}")),
        ("python format", "%(password)s".to_owned()),
        ("printf", "%s".to_owned()),
        ("angle brackets", "<token>".to_owned()),
        ("angle brackets", format!("<your-{}-api-key>", v.to_ascii_lowercase())),
        ("square brackets", "[PASSWORD]".to_owned()),
        ("stars", "****".to_owned()),
        ("stars", "*".repeat(8 + rng.below(8))),
        ("redacted", "REDACTED".to_owned()),
        ("instruction", format!("your_{}_api_key_here", v.to_ascii_lowercase())),
        ("prefix + identifier", format!("xoxb-{v}_BOT_TOKEN")),
        ("prefix + identifier", format!("sk_live_YOUR_{up}_SECRET_KEY")),
        ("positional", "$1:$2".to_owned()),
        ("code reference", format!("process.env.{up}_API_KEY")),
        ("code reference", format!("os.environ[\"{up}_TOKEN\"]")),
        ("low entropy", "a".repeat(32)),
        (
            "low entropy",
            format!(
                "{}{}",
                "0".repeat(30 + rng.below(6)),
                rng.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 7)
            ),
        ),
    ] {
        out.push(text("placeholder", label, t));
    }
    // The same under secret names and in the commands gitleaks' fps show them in.
    for (n, v) in [
        ("password", format!("${{{up}_DB_PASSWORD}}")),
        ("api_key", format!("<your-{}-api-key>", v.to_ascii_lowercase())),
        ("client_secret", "********".to_owned()),
        ("CO_API_KEY", "x".repeat(40)),
        ("token", format!("{{{{ .Values.{}.token }}}}", v.to_ascii_lowercase())),
        ("HUGGINGFACE_API_TOKEN", format!("hf_{}", "x".repeat(34))),
    ] {
        out.push(named("placeholder", "placeholder under a secret name", n, v));
    }
    for (label, t) in [
        (
            "curl positional user",
            format!(
                "curl -sL --user \"${0}:${1}\" \"${2}\" > out.json",
                1 + rng.below(3),
                4 + rng.below(3),
                7 + rng.below(3)
            ),
        ),
        (
            "curl variables",
            format!("curl -u \"${{{up}_USER}}:${{{up}_PASS}}\" https://api.vendor.example/v1"),
        ),
        (
            "curl placeholder user",
            "curl -u <user:password> https://api.vendor.example/endpoint".to_owned(),
        ),
        (
            "curl placeholder bearer",
            "curl -H \"Authorization: Bearer <token>\" https://api.vendor.example/v1".to_owned(),
        ),
        (
            "curl variable bearer",
            "curl -H \"Authorization: Bearer $API_KEY\" https://api.vendor.example/v1".to_owned(),
        ),
        ("header placeholder", "Authorization: Bearer XXXXXXXXXXXX".to_owned()),
    ] {
        out.push(text("placeholder", label, t));
    }
    out.push(array(
        "placeholder",
        "argv variable",
        &["/usr/local/bin/sync", "--password", "$DB_PASSWORD", "--verbose"],
    ));
    out.push(array(
        "placeholder",
        "env placeholder",
        &["PATH=/usr/bin", "API_KEY=${API_KEY}", "HOME=/root"],
    ));
    out
}

fn ordinary(rng: &mut Rng) -> Vec<Decoy> {
    let mut out = Vec::new();
    // Identifiers that start with a token prefix.
    let cw = camel_words(rng, 5);
    out.push(text("ordinary", "objc selector hf_", format!("- (id)hf_{cw};")));
    out.push(text(
        "ordinary",
        "identifier sk_test_",
        format!("sk_test_{}", snake_words(rng, 2)),
    ));
    out.push(text(
        "ordinary",
        "identifier sk_live_",
        format!("sk_live_{}_enabled", snake_words(rng, 2)),
    ));
    out.push(text(
        "ordinary",
        "identifier ghp_ + words",
        format!("ghp_{}", camel_exact(rng, 36)),
    ));
    out.push(text(
        "ordinary",
        "identifier glc_ + words",
        format!("GLC_{}", camel_exact(rng, 30)),
    ));
    out.push(text(
        "ordinary",
        "identifier glc_ + words",
        format!("void glc_{}(int unit);", camel_exact(rng, 32)),
    ));
    out.push(text(
        "ordinary",
        "identifier api_org_",
        format!("const api_org_{} = require('./api').orgs;", snake_words(rng, 2)),
    ));
    out.push(text("ordinary", "identifier s.", format!("s.{}", camel_words(rng, 4))));
    out.push(text(
        "ordinary",
        "identifier hf_ in C macro",
        format!("&hf_{}_{}", snake_words(rng, 3), snake_words(rng, 2)),
    ));
    out.push(text(
        "ordinary",
        "identifier AKIA-like words",
        camel_exact(rng, 30).to_ascii_uppercase(),
    ));
    // `xoxa-<word of 8+ letters>` has the documented shape of a Slack legacy workspace token
    // (`xox[ar]-(?:\d-)?[0-9a-zA-Z]{8,48}`), and gitleaks flags it too: masked when the word is
    // long enough, so it counts as defensible. Shorter words are never masked.
    out.push(text(
        "defensible",
        "xoxa- repository name",
        format!(
            "https://github.com/xoxa-{0}/xoxa-{0}.github.io/blob/master/README.md",
            word(rng)
        ),
    ));
    // File names.
    out.push(text(
        "ordinary",
        "file name xoxo",
        format!(
            "{}-{}-xoxo-{}-{}.jpg",
            2010 + rng.below(15),
            100 + rng.below(900),
            word(rng),
            1 + rng.below(9)
        ),
    ));
    out.push(text(
        "ordinary",
        "file name XOXO",
        format!(
            "{}-XOXO-teaser-{}-{}-{}-{}.jpg",
            word(rng).to_ascii_uppercase(),
            word(rng),
            d(rng, 8),
            640 + rng.below(640),
            360 + rng.below(360)
        ),
    ));
    out.push(text(
        "ordinary",
        "fingerprinted asset ico-",
        format!(
            "https://assets.example.com/media/{}_box.ico-{}.png",
            word(rng),
            rng.string(HEX, 32)
        ),
    ));
    out.push(text(
        "ordinary",
        "fingerprinted asset pul-",
        format!("./assets/{}pul-{}.png", word(rng), rng.string(HEX, 64)),
    ));
    out.push(text(
        "ordinary",
        "firmware file name",
        format!(
            "{}{}-A-V{}SP{}-Release-OTA-{}.bfu",
            rng.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 3),
            d(rng, 2),
            d(rng, 3),
            d(rng, 2),
            rng.string(b"0123456789ABCDEF", 32)
        ),
    ));
    out.push(text(
        "ordinary",
        "bundle file name",
        format!("static/js/main.{}.chunk.js", rng.string(HEX, 20)),
    ));
    // Ids, hashes, digests, versions.
    out.push(text("ordinary", "uuid", uuid(rng)));
    out.push(text("ordinary", "md5", rng.string(HEX, 32)));
    out.push(text("ordinary", "sha1 commit", rng.string(HEX, 40)));
    out.push(text("ordinary", "sha256", rng.string(HEX, 64)));
    out.push(text("ordinary", "sha512", rng.string(HEX, 128)));
    out.push(text(
        "ordinary",
        "docker digest",
        format!("aws-cli@sha256:{}", rng.string(HEX, 64)),
    ));
    out.push(text(
        "ordinary",
        "subresource integrity",
        format!("sha384-{}", rng.string(B64, 64)),
    ));
    out.push(text("ordinary", "event id", rng.string(ALNUM, 12)));
    out.push(text("ordinary", "numeric id", d(rng, 19)));
    out.push(text(
        "ordinary",
        "semver",
        format!(
            "v{}.{}.{}-rc.{}+build.{}",
            rng.below(5),
            rng.below(30),
            rng.below(20),
            rng.below(9),
            d(rng, 4)
        ),
    ));
    out.push(text(
        "ordinary",
        "snapshot version",
        format!(
            "{}_API_VERSION=rc0.{}.0_2026{}_{}-SNAPSHOT",
            word(rng).to_ascii_uppercase(),
            rng.below(20),
            d(rng, 4),
            d(rng, 4)
        ),
    ));
    out.push(text(
        "ordinary",
        "maven coordinate",
        format!(
            "org.{0}:{0}-api:jar:1.{1}.{2}:compile",
            word(rng),
            rng.below(9),
            rng.below(40)
        ),
    ));
    out.push(text(
        "ordinary",
        "pinned revision",
        format!("SRCREV_{} = \"{}\"", word(rng), rng.string(HEX, 40)),
    ));
    out.push(text(
        "ordinary",
        "license checksum",
        format!(
            "LIC_FILES_CHKSUM = \"file://${{WORKDIR}}/license.html;md5={}\"",
            rng.string(HEX, 32)
        ),
    ));
    out.push(text(
        "ordinary",
        "api version hash",
        format!("{}API_version={}", cap(word(rng)), rng.string(HEX, 40)),
    ));
    out.push(text("ordinary", "timestamp", "2026-12-01T09:00:00.123456Z".to_owned()));
    // Text that talks about credentials.
    for t in [
        "The API key was rotated by an administrator".to_owned(),
        format!("Authentication-Results: mx{}.example.com; spf=pass", rng.below(9)),
        format!("LLM_SECRET_NAME = \"{}-GPT4-API-KEY\"", word(rng).to_ascii_uppercase()),
        format!(
            "secretSize must be >= {}_SECRET_SIZE_MIN",
            word(rng).to_ascii_uppercase()
        ),
        format!(
            "access_token_url='https://{}.example.com/login/oauth/access_token'",
            word(rng)
        ),
        format!("apiUrl=apigee.{}.example.com", word(rng)),
        format!(
            "X-API-Name: {}-{}-INTERNAL-API",
            word(rng).to_ascii_uppercase(),
            cap(word(rng))
        ),
        format!("IceSSL.KeyFile={}_rsa2048_priv.pem", word(rng)),
        format!("app.keystore.file=env/{}.p12", word(rng)),
        format!("-DKEYTAB_FILE=/tmp/{}.keytab", word(rng)),
        format!(
            "withCredentials([usernamePassword(credentialsId: '{}', usernameVariable: '{1}_USER', passwordVariable: '{1}_PASSWORD')])",
            uuid(rng),
            word(rng).to_ascii_uppercase()
        ),
        "password reset requested; token expired at 2026-12-01 09:00:00".to_owned(),
        "Basic setup finished. Bearer tokens are issued by the IdP.".to_owned(),
    ] {
        out.push(text("ordinary", "text about credentials", t));
    }
    // Words and ids under names that hint at a credential.
    for (n, v) in [
        ("key", "en-US".to_owned()),
        ("auth_type", "saml".to_owned()),
        ("token_type", "Bearer".to_owned()),
        ("sortKey", "event_time".to_owned()),
        ("passwordPolicy", "strict".to_owned()),
        ("pass", "true".to_owned()),
        ("credential_type", "oauth2".to_owned()),
        ("secret_name", format!("prod/{}/oauth", word(rng))),
        (
            "key_name",
            format!("prod{}-cmk", rng.string(b"abcdefghijklmnopqrstuvwxyz", 7)),
        ),
        ("kms_key_id", uuid(rng)),
        ("credentialsId", uuid(rng)),
        ("tokenizer", "bert-base-uncased".to_owned()),
        ("primaryKey", "id".to_owned()),
        (
            "token_url",
            "https://login.microsoftonline.com/common/oauth2/v2.0/token".to_owned(),
        ),
        ("license", "Apache-2.0".to_owned()),
        ("signature_algorithm", "RS256".to_owned()),
        ("password_last_set", "2026-11-30T08:00:00Z".to_owned()),
        (
            "secretArn",
            format!(
                "arn:aws:secretsmanager:us-east-1:{}:secret:prod/db-{}",
                d(rng, 12),
                rng.string(ALNUM, 6)
            ),
        ),
        ("bucket_key", format!("{}Results-1.{}", cap(word(rng)), rng.below(9))),
        (
            "schemaKey",
            format!("DOC_{}_{}_{}", cap(word(rng)), rng.below(9), 16 << rng.below(3)),
        ),
        ("keyword", format!("{}_P{}", cap(word(rng)), rng.below(9))),
        ("content_hash", rng.string(HEX, 64)),
        ("auth_user_id", d(rng, 19)),
        ("session_started", "2026-12-01 09:00:00.000000".to_owned()),
    ] {
        out.push(named("ordinary", "word or id under a hint name", n, v));
    }
    // Command lines without a credential.
    out.push(array(
        "ordinary",
        "argv -p port",
        &["docker", "run", "-p", "8080:80", "nginx:1.27"],
    ));
    out.push(array(
        "ordinary",
        "argv -p port",
        &["ssh", "-i", "/home/ci/.ssh/id_ed25519", "-p", "2222", "deploy@bastion"],
    ));
    out.push(array(
        "ordinary",
        "argv key file",
        &[
            "/usr/local/bin/sync",
            "--key-file",
            "/etc/ssl/private/server.key",
            "--token-ttl",
            "3600",
        ],
    ));
    out.push(array(
        "ordinary",
        "argv no password",
        &["psql", "--no-password", "-h", "db.internal", "-U", "app"],
    ));
    out.push(array(
        "ordinary",
        "argv password file",
        &["/usr/local/bin/sync", "--password-file", "/run/secrets/db_password"],
    ));
    out.push(array(
        "ordinary",
        "env without secret",
        &[
            "PATH=/usr/bin",
            "HOME=/root",
            "TOKEN_URL=https://login.example.com/oauth2/token",
            "AUTH_MODE=saml",
        ],
    ));
    out.push(text(
        "ordinary",
        "command line port",
        "docker run -d -p 5432:5432 --name db postgres:16".to_owned(),
    ));
    out
}

fn defensible(rng: &mut Rng) -> Vec<Decoy> {
    let mut out = Vec::new();
    for (n, v) in [
        ("public_key", rng.string(B58, 44)),
        ("publicToken", rng.string(B58, 43)),
        ("ADOBE_CLIENT_ID", rng.string(HEX, 32)),
        ("ASANA_CLIENT_ID", d(rng, 16)),
        ("DISCORD_CLIENT_ID", d(rng, 18)),
        ("PLAID_CLIENT_ID", rng.string(HEX, 24)),
        (
            "LOOKER_CLIENT_ID",
            rng.string(b"abcdefghijklmnopqrstuvwxyz0123456789", 20),
        ),
        ("clientId", uuid(rng)),
        ("SUMO_ACCESS_ID", format!("su{}", rng.string(ALNUM, 12))),
        ("csrf-token", rng.string(B64, 86) + "=="),
        (
            "authenticity_token",
            rng.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 86),
        ),
        ("accessor", rng.string(ALNUM, 16)),
        (
            "password_hash",
            format!(
                "$2b$12${}",
                rng.string(b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 53)
            ),
        ),
        (
            "aws_secret_access_key",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_owned(),
        ),
    ] {
        out.push(named(
            "defensible",
            "random-looking value under a secret-looking name",
            n,
            v,
        ));
    }
    out.push(text(
        "defensible",
        "AWS published example key id",
        "AKIAIOSFODNN7EXAMPLE".to_owned(),
    ));
    out.push(text(
        "defensible",
        "Stripe published test key",
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc".to_owned(),
    ));
    out.push(text("defensible", "random value, no name", rng.string(ALNUM, 40)));
    // A value under a name that says secret is masked whatever it is (the safe side the issue
    // keeps), even a setting: `RetryPassword=1`.
    out.push(text(
        "defensible",
        "value under a secret name",
        format!("{}Password={}", cap(word(rng)), rng.below(2)),
    ));
    // A hint name over a value with a random tail: detect-secrets' entropy test would flag it too.
    out.push(named(
        "defensible",
        "random-tailed value under a hint name",
        "keyVaultName",
        format!(
            "{}{}{}{}",
            word(rng),
            d(rng, 2),
            rng.string(b"abcdefghijklmnopqrstuvwxyz", 6),
            d(rng, 5)
        ),
    ));
    out
}

/// Every decoy of one run.
pub fn decoys(seed: u64) -> Vec<Decoy> {
    let mut rng = Rng::new(seed ^ 0x5eed_dec0);
    let mut out = placeholders(&mut rng);
    out.extend(ordinary(&mut rng));
    out.extend(defensible(&mut rng));
    out
}
