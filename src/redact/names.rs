//! Which field and parameter names say "secret" (always redacted) or "content" (redacted under
//! the restricted profile).

/// Lower-cases and unifies separators into `buf`: `Client-Secret`, `clientSecret` and
/// `client_secret` are the same name. `None` for names too long to be one we know.
fn normalize<'b>(name: &str, buf: &'b mut [u8; 64]) -> Option<&'b str> {
    let mut n = 0;
    let mut prev_lower = false;
    for &c in name.as_bytes() {
        if c.is_ascii_uppercase() && prev_lower {
            *buf.get_mut(n)? = b'_';
            n += 1;
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        *buf.get_mut(n)? = match c {
            b'-' | b'.' | b' ' => b'_',
            c if c.is_ascii() => c.to_ascii_lowercase(),
            _ => return None,
        };
        n += 1;
    }
    std::str::from_utf8(&buf[..n]).ok()
}

pub const SECRET_NAMES: [&str; 39] = [
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "secret",
    "client_secret",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "auth_token",
    "session_token",
    "api_token",
    "bearer",
    "jwt",
    "api_key",
    "apikey",
    "x_api_key",
    "private_key",
    "authorization",
    "proxy_authorization",
    "www_authenticate",
    "cookie",
    "set_cookie",
    "session",
    "sessionid",
    "session_id",
    "sid",
    "signature",
    "sig",
    "code",
    "assertion",
    "saml_response",
    "saml_assertion",
    "credential",
    "credentials",
    "otp",
    "mfa_code",
];

pub const SECRET_SUFFIXES: [&str; 9] = [
    "_password",
    "_passwd",
    "_secret",
    "_token",
    "_api_key",
    "_apikey",
    "_private_key",
    "_assertion",
    "_credentials",
];

/// A name whose value is a credential: redacted under every profile.
///
/// Deliberately not matched: names that only contain such a word (`sanitized_access_token_info`,
/// `token_type`, `status_code`), whose values are facts about credentials, not credentials.
pub fn is_secret_name(name: &str) -> bool {
    let mut buf = [0u8; 64];
    let Some(n) = normalize(name, &mut buf).filter(|n| n.len() >= 2) else {
        return false;
    };
    SECRET_NAMES.contains(&n) || SECRET_SUFFIXES.iter().any(|s| n.ends_with(s)) || n == "samlresponse"
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
    let Some(n) = normalize(name, &mut buf) else {
        return false;
    };
    CONTENT_NAMES.contains(&n) || n == "return_value" || n.ends_with("_body") || n.ends_with("_payload")
}

#[cfg(test)]
mod tests {
    use super::*;

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
            "",
        ] {
            assert!(!is_secret_name(n), "{n}");
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
