//! Which field and parameter names say "secret" (always redacted), "content" (redacted under
//! the restricted profile) or merely hint at a credential (redacted when the value looks random).
//!
//! Names are decided by rule over their words, not by a list of spellings: a name is split into
//! lower-case words at separators (`-`, `.`, space, `_`) and case changes (`clientSecret`,
//! `SecretAccessKey`, `AWSSecretKey`, `X-Amz-Signature` are `client_secret`, `secret_access_key`,
//! `aws_secret_key`, `x_amz_signature`), then:
//!
//! | rule | words | examples |
//! |---|---|---|
//! | ends with a secret word | [`SECRET_LAST_WORDS`] | `db_password`, `X-Amz-Signature`, `csrf_token` |
//! | ends with a secret pair | [`SECRET_LAST_PAIRS`] | `SecretAccessKey`, `x-goog-api-key`, `AccountKey` |
//! | starts with a secret word, unless it ends with a word about the secret | [`SECRET_FIRST_WORDS`], [`META_WORDS`] | `secret_value`, `password_hash`; not `secret_name`, `password_last_set` |
//! | is a secret name, after vendor words | [`SECRET_EXACT`], [`VENDOR_WORDS`] | `code`, `X-Session`, `HTTP_AUTHORIZATION` |
//! | is an LDAP bind credential member (source data, quoted text values) | [`AUTH_STRUCTURES`] | `authentication`, `simple`, `sasl` |
//!
//! Deliberately not secret: names that only contain such a word elsewhere
//! (`sanitized_access_token_info`, `token_type`, `status_code`, `access_key_id`), whose values
//! are facts about credentials. Those that contain a hint ([`HINT_WORDS`]: `key`, `auth`,
//! `cred`, ...) are credentials only when their value looks random (`super::entropy`).
//!
//! transforms/vector/mwsiem.vrl holds the same rules as regular expressions over the same
//! normalized name; tests/vector.rs runs both on the same names.

/// Lower-cases `name` and separates its words by `_` into `buf`; `None` for names too long to be
/// one we know, or not ASCII.
fn normalize<'b>(name: &str, buf: &'b mut [u8; 64]) -> Option<&'b str> {
    let b = name.as_bytes();
    let mut n = 0;
    for (i, &c) in b.iter().enumerate() {
        // A word starts at an upper-case letter after a lower-case one or a digit (`clientSecret`),
        // or at the last capital of an acronym before a lower-case letter (`AWSSecret`).
        if c.is_ascii_uppercase() && i > 0 {
            let prev = b[i - 1];
            let next_lower = b.get(i + 1).is_some_and(u8::is_ascii_lowercase);
            if prev.is_ascii_lowercase() || prev.is_ascii_digit() || (prev.is_ascii_uppercase() && next_lower) {
                *buf.get_mut(n)? = b'_';
                n += 1;
            }
        }
        *buf.get_mut(n)? = match c {
            b'-' | b'.' | b' ' => b'_',
            c if c.is_ascii() => c.to_ascii_lowercase(),
            _ => return None,
        };
        n += 1;
    }
    std::str::from_utf8(&buf[..n]).ok()
}

/// A name that ends with one of these words is secret.
pub const SECRET_LAST_WORDS: [&str; 22] = [
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "passcode",
    "secret",
    "token",
    "signature",
    "sig",
    "credential",
    "credentials",
    "creds",
    "assertion",
    "cookie",
    "jwt",
    "bearer",
    "apikey",
    "otp",
    "authorization",
    "privatekey",
    "samlresponse",
];

/// A name that ends with one of these two words is secret.
pub const SECRET_LAST_PAIRS: [&str; 23] = [
    "access_key",
    "secret_key",
    "private_key",
    "api_key",
    "client_key",
    "signing_key",
    "master_key",
    "account_key",
    "shared_key",
    "encryption_key",
    "session_key",
    "auth_key",
    "app_key",
    "subscription_key",
    "sas_key",
    "license_key",
    "access_code",
    "auth_code",
    "mfa_code",
    "otp_code",
    "session_id",
    "saml_response",
    "admin_key",
];

/// A name that starts with one of these words is secret, unless it ends with a [`META_WORDS`] word.
pub const SECRET_FIRST_WORDS: [&str; 5] = ["secret", "password", "passwd", "pwd", "passphrase"];

/// Words that make a name about a secret, not the secret itself (`secret_name`, `password_policy`).
pub const META_WORDS: [&str; 50] = [
    "type",
    "name",
    "names",
    "id",
    "ids",
    "arn",
    "url",
    "uri",
    "endpoint",
    "path",
    "file",
    "length",
    "len",
    "count",
    "policy",
    "hint",
    "expiry",
    "expires",
    "expiration",
    "expired",
    "at",
    "time",
    "date",
    "ts",
    "set",
    "changed",
    "updated",
    "created",
    "last",
    "age",
    "version",
    "enabled",
    "required",
    "format",
    "kind",
    "mode",
    "status",
    "state",
    "info",
    "provider",
    "method",
    "scope",
    "label",
    "reset",
    "variable",
    "var",
    "env",
    "field",
    "prompt",
    "placeholder",
];

/// Whole names that are secret (after any [`VENDOR_WORDS`]): session ids and one-time codes.
pub const SECRET_EXACT: [&str; 5] = ["session", "sessionid", "sid", "code", "www_authenticate"];

/// The credential members of an LDAP bind request (`{'authentication': {'simple': '...'}}`,
/// `{'sasl': {'mechanism': .., 'credentials': b'..'}}`): everything under them in source data is
/// a credential, and so is their quoted value in text. Not names in general, as an unquoted
/// `Authentication: Logon` in text is a caption.
pub const AUTH_STRUCTURES: [&str; 3] = ["authentication", "simple", "sasl"];

/// Leading words of vendor header names, skipped before [`SECRET_EXACT`] (`X-Session`,
/// `HTTP_AUTHORIZATION`).
pub const VENDOR_WORDS: [&str; 7] = ["x", "amz", "goog", "ms", "ocp", "apim", "http"];

/// A name containing one of these is a credential when its value looks random.
pub const HINT_WORDS: [&str; 12] = [
    "key", "auth", "cred", "token", "secret", "pass", "pwd", "sig", "sess", "private", "cookie", "license",
];

/// What a name says about its value, decided from one normalization.
#[derive(Debug, Clone, Copy)]
pub struct NameClass {
    /// A credential name: redacted under every profile.
    pub secret: bool,
    /// Request or response content: redacted under the restricted profile.
    pub content: bool,
    /// A member of an LDAP bind's credentials ([`AUTH_STRUCTURES`]).
    pub structure: bool,
    normalized: [u8; 64],
    len: Option<u8>,
}

impl NameClass {
    /// Not secret, but hints at a credential: redacted when the value looks random. Computed
    /// on demand, as only string values long enough to look random need it.
    pub fn hint(&self) -> bool {
        !self.secret && self.len.is_some_and(|n| has_hint(&self.normalized[..usize::from(n)]))
    }
}

/// Every rule at once, for callers that need more than one answer about a name.
pub fn classify(name: &str) -> NameClass {
    let mut normalized = [0u8; 64];
    let (secret, content, len) = match normalize(name, &mut normalized) {
        Some(n) => (
            n.len() >= 2 && is_secret_normalized(n),
            is_content_normalized(n),
            u8::try_from(n.len()).ok(),
        ),
        None => (false, false, None),
    };
    NameClass {
        secret,
        content,
        structure: is_auth_structure_name(name),
        normalized,
        len,
    }
}

/// A name whose value is a credential: redacted under every profile.
pub fn is_secret_name(name: &str) -> bool {
    let mut buf = [0u8; 64];
    let Some(n) = normalize(name, &mut buf).filter(|n| n.len() >= 2) else {
        return false;
    };
    is_secret_normalized(n)
}

fn is_secret_normalized(n: &str) -> bool {
    // Bundler keeps a gem server's `user:password` under `BUNDLE_<HOST>`, the host's dots
    // written as `__` (`BUNDLE_GEMS__CONTRIBSYS__COM`); its settings (`BUNDLE_PATH`) have none.
    if n.starts_with("bundle_") && n[7..].contains("__") {
        return true;
    }
    // Names are compared word by word: the last word, the last two, the first. Byte searches:
    // this runs for every key of source data.
    let b = n.as_bytes();
    let last_sep = b.iter().rposition(|&c| c == b'_');
    let last = last_sep.map_or(n, |i| &n[i + 1..]);
    if SECRET_LAST_WORDS.contains(&last) {
        return true;
    }
    if let Some(sep) = last_sep {
        let pair_start = b[..sep].iter().rposition(|&c| c == b'_').map_or(0, |i| i + 1);
        if SECRET_LAST_PAIRS.contains(&&n[pair_start..]) {
            return true;
        }
        let first_end = b.iter().position(|&c| c == b'_').unwrap_or(b.len());
        if SECRET_FIRST_WORDS.contains(&&n[..first_end]) && !META_WORDS.contains(&last) {
            return true;
        }
    }
    let mut rest = n;
    while let Some(i) = rest.as_bytes().iter().position(|&c| c == b'_') {
        if !VENDOR_WORDS.contains(&&rest[..i]) {
            break;
        }
        rest = &rest[i + 1..];
    }
    SECRET_EXACT.contains(&rest)
}

/// A member of an LDAP bind request's credentials ([`AUTH_STRUCTURES`]).
pub fn is_auth_structure_name(name: &str) -> bool {
    AUTH_STRUCTURES.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// A name that hints at a credential without saying so (`key`, `auth_value`, `CredBlob`): its
/// value is one when it looks random.
pub fn is_hint_name(name: &str) -> bool {
    let mut buf = [0u8; 64];
    let Some(n) = normalize(name, &mut buf) else {
        return false;
    };
    has_hint(n.as_bytes())
}

fn has_hint(b: &[u8]) -> bool {
    // Every hint word starts with one of these letters: look only where one is.
    b.iter().enumerate().any(|(i, c)| {
        matches!(c, b'k' | b'a' | b'c' | b't' | b's' | b'p' | b'l')
            && HINT_WORDS.iter().any(|w| b[i..].starts_with(w.as_bytes()))
    })
}

pub const CONTENT_NAMES: [&str; 20] = [
    "body",
    "request_body",
    "response_body",
    "payload",
    "request_payload",
    "response_payload",
    "payload_data",
    "headers",
    "request_headers",
    "response_headers",
    "http_headers",
    "params",
    "query",
    "query_params",
    "form",
    "form_data",
    "request",
    "response",
    "input_arguments",
    "accessed_variables",
];

/// A name whose value is request or response content (bodies, payloads, headers, query
/// parameters): hidden under the restricted profile, like the vendor's view for admins without
/// the PII Viewer role. Agent Studio's always-redacted attributes are among them.
pub fn is_content_name(name: &str) -> bool {
    let mut buf = [0u8; 64];
    normalize(name, &mut buf).is_some_and(is_content_normalized)
}

fn is_content_normalized(n: &str) -> bool {
    CONTENT_NAMES.contains(&n) || n == "return_value" || n.ends_with("_body") || n.ends_with("_payload")
}

/// `name` as the rules see it.
#[cfg(test)]
fn normalized(name: &str) -> Option<String> {
    let mut buf = [0u8; 64];
    normalize(name, &mut buf).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_like_people_write_them() {
        for (name, n) in [
            ("clientSecret", "client_secret"),
            ("SecretAccessKey", "secret_access_key"),
            ("AWSSecretKey", "aws_secret_key"),
            ("X-Amz-Signature", "x_amz_signature"),
            ("XAmzSignature", "x_amz_signature"),
            ("SAMLResponse", "saml_response"),
            ("HTTP_AUTHORIZATION", "http_authorization"),
            ("api.key", "api_key"),
            ("user2FA", "user2_fa"),
        ] {
            assert_eq!(normalized(name).as_deref(), Some(n), "{name}");
        }
    }

    #[test]
    fn secret_names() {
        for n in [
            "password",
            "Client-Secret",
            "clientSecret",
            "refresh_token",
            "X-Api-Key",
            "SAMLResponse",
            "db_password",
            "code",
            "SecretAccessKey",
            "AWS_SECRET_ACCESS_KEY",
            "X-Amz-Signature",
            "x-amz-security-token",
            "X-Goog-Api-Key",
            "AccountKey",
            "SharedAccessKey",
            "SharedAccessSignature",
            "Ocp-Apim-Subscription-Key",
            "secret_value",
            "password_hash",
            "admin_pwd",
            "X-Session",
            "HTTP_AUTHORIZATION",
            "mfaCode",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "sanitized_access_token_info",
            "token_type",
            "status_code",
            "expires_at",
            "integration_id",
            "user_id",
            "access_key_id",
            "AccessKeyId",
            "secret_name",
            "password_last_set",
            "pwdLastSet",
            "passwordPolicy",
            "bypass",
            "key",
            "authentication",
            "",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    #[test]
    fn hint_names() {
        for n in ["key", "auth", "x-cred-blob", "signingMaterial", "monkey"] {
            assert!(is_hint_name(n), "{n}");
        }
        for n in ["user_id", "event_time", "name"] {
            assert!(!is_hint_name(n), "{n}");
        }
    }

    #[test]
    fn content_names() {
        for n in [
            "request_body",
            "Request-Headers",
            "payload",
            "response_payload",
            "input_arguments",
        ] {
            assert!(is_content_name(n), "{n}");
        }
        for n in ["request_method", "request_uri", "response_status_code"] {
            assert!(!is_content_name(n), "{n}");
        }
    }
}
