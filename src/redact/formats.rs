//! Well-known credential formats, recognized by their fixed prefix wherever they appear: under
//! any name, inside free text, in a URL path.
//!
//! [`FORMATS`] is data: each format is a prefix (or several), optionally a fixed number of
//! characters before it (`<3 chars><digit>Q~` Azure AD secrets, `<32 hex>-us<dc>` Mailchimp), and
//! the character class and minimum length of the body after it. It is compiled once into an
//! Aho-Corasick automaton over all prefixes; each hit is checked by its format's cheap validator
//! (a boundary before the token, the body's class and length). The table follows gitleaks'
//! high-confidence (prefixed) rules; the README lists the coverage. The VRL program holds the
//! same table as one regular expression, which a test regenerates from [`FORMATS`].
//!
//! A format matches more than gitleaks' rule where that is safer for redaction: bodies have a
//! minimum length and no maximum (a longer token is still masked whole).

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use std::sync::OnceLock;

/// The characters a token's body (or lead) is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// `[A-Za-z0-9]`
    Alnum,
    /// `[A-Za-z]`
    Alpha,
    /// `[A-Za-z0-9_]`
    Word,
    /// `[A-Za-z0-9_-]`
    WordDash,
    /// `[A-Za-z0-9_.=-]`
    WordDashDot,
    /// `[A-Za-z0-9+/=]`
    Base64,
    /// `[A-Za-z0-9_+/=-]`
    Base64Any,
    /// `[0-9A-Fa-f]`
    Hex,
    /// `[0-9A-Fa-f-]`
    HexDash,
    /// `[A-Z0-9]`
    UpperDigit,
    /// `[A-Z0-9-]`
    UpperDigitDash,
    /// `[A-Za-z0-9_~.]`
    AzureLead,
    /// `[A-Za-z0-9_~.-]`
    AzureBody,
    /// `[A-Za-z0-9@/-]`
    PathAt,
    /// `[0-9]`
    Digit,
}

impl Charset {
    pub fn contains(self, c: u8) -> bool {
        let word = c.is_ascii_alphanumeric() || c == b'_';
        match self {
            Charset::Alnum => c.is_ascii_alphanumeric(),
            Charset::Alpha => c.is_ascii_alphabetic(),
            Charset::Word => word,
            Charset::WordDash => word || c == b'-',
            Charset::WordDashDot => word || matches!(c, b'-' | b'.' | b'='),
            Charset::Base64 => c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='),
            Charset::Base64Any => word || matches!(c, b'+' | b'/' | b'=' | b'-'),
            Charset::Hex => c.is_ascii_hexdigit(),
            Charset::HexDash => c.is_ascii_hexdigit() || c == b'-',
            Charset::UpperDigit => c.is_ascii_uppercase() || c.is_ascii_digit(),
            Charset::UpperDigitDash => c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'-',
            Charset::AzureLead => word || matches!(c, b'~' | b'.'),
            Charset::AzureBody => word || matches!(c, b'~' | b'.' | b'-'),
            Charset::PathAt => c.is_ascii_alphanumeric() || matches!(c, b'@' | b'/' | b'-'),
            Charset::Digit => c.is_ascii_digit(),
        }
    }

    /// The same class as a regular expression (Rust `regex` syntax, which VRL uses).
    pub fn regex_class(self) -> &'static str {
        match self {
            Charset::Alnum => "[A-Za-z0-9]",
            Charset::Alpha => "[A-Za-z]",
            Charset::Word => "[A-Za-z0-9_]",
            Charset::WordDash => r"[A-Za-z0-9_\-]",
            Charset::WordDashDot => r"[A-Za-z0-9_.=\-]",
            Charset::Base64 => "[A-Za-z0-9+/=]",
            Charset::Base64Any => r"[A-Za-z0-9_+/=\-]",
            Charset::Hex => "[0-9A-Fa-f]",
            Charset::HexDash => r"[0-9A-Fa-f\-]",
            Charset::UpperDigit => "[A-Z0-9]",
            Charset::UpperDigitDash => r"[A-Z0-9\-]",
            Charset::AzureLead => "[A-Za-z0-9_~.]",
            Charset::AzureBody => r"[A-Za-z0-9_~.\-]",
            Charset::PathAt => r"[A-Za-z0-9@/\-]",
            Charset::Digit => "[0-9]",
        }
    }
}

/// One credential format.
#[derive(Debug, Clone, Copy)]
pub struct TokenFormat {
    /// The gitleaks rule id it covers, or our own name for formats gitleaks has no rule for.
    pub id: &'static str,
    /// Fixed text the token starts with (after its lead).
    pub prefixes: &'static [&'static str],
    /// Characters of the token before the prefix: class and exact count.
    pub lead: Option<(Charset, usize)>,
    /// The body after the prefix: class and minimum length.
    pub body: Charset,
    pub min: usize,
}

const fn f(id: &'static str, prefixes: &'static [&'static str], body: Charset, min: usize) -> TokenFormat {
    TokenFormat {
        id,
        prefixes,
        lead: None,
        body,
        min,
    }
}

const fn led(
    id: &'static str,
    lead: (Charset, usize),
    prefixes: &'static [&'static str],
    body: Charset,
    min: usize,
) -> TokenFormat {
    TokenFormat {
        id,
        prefixes,
        lead: Some(lead),
        body,
        min,
    }
}

use Charset::*;

/// The formats, by vendor. Ids are gitleaks' rule ids where one exists.
pub const FORMATS: &[TokenFormat] = &[
    f("1password-secret-key", &["A3-"], UpperDigitDash, 30),
    f("1password-service-account-token", &["ops_eyJ"], Base64, 250),
    f("adobe-client-secret", &["p8e-"], Alnum, 32),
    f("age-secret-key", &["AGE-SECRET-KEY-1"], UpperDigit, 58),
    f("airtable-personnal-access-token", &["pat"], WordDashDot, 70),
    f("alibaba-access-key-id", &["LTAI"], Alnum, 20),
    f(
        "anthropic-api-key",
        &["sk-ant-api03-", "sk-ant-admin01-", "sk-ant-"],
        WordDash,
        80,
    ),
    f("artifactory-api-key", &["AKCp"], Alnum, 69),
    f("artifactory-reference-token", &["cmVmd"], Alnum, 59),
    f(
        "authress-service-client-access-key",
        &["authress_", "scauth_", "sc_", "ext_"],
        Base64Any,
        56,
    ),
    f("aws-access-token", &["AKIA", "ASIA", "ABIA", "ACCA"], UpperDigit, 16),
    f("aws-access-token", &["A3T"], UpperDigit, 17),
    f("aws-amazon-bedrock-api-key-long-lived", &["ABSK"], Base64, 109),
    f(
        "aws-amazon-bedrock-api-key-short-lived",
        &["bedrock-api-key-"],
        Base64,
        20,
    ),
    led("azure-ad-client-secret", (AzureLead, 4), &["Q~"], AzureBody, 31),
    f("clickhouse-cloud-api-secret-key", &["4b1d"], Alnum, 38),
    f("clojars-api-token", &["CLOJARS_", "clojars_"], Alnum, 60),
    f("cloudflare-origin-ca-key", &["v1.0-"], HexDash, 170),
    f("databricks-api-token", &["dapi"], Hex, 32),
    f("digitalocean-access-token", &["doo_v1_", "dop_v1_", "dor_v1_"], Hex, 64),
    f(
        "doppler-api-token",
        &["dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.", "dp.audit."],
        WordDashDot,
        40,
    ),
    f("duffel-api-token", &["duffel_test_", "duffel_live_"], WordDashDot, 43),
    f("dynatrace-api-token", &["dt0c01."], WordDashDot, 89),
    f("easypost-api-token", &["EZAK", "EZTK"], Alnum, 54),
    f("facebook-page-access-token", &["EAAM", "EAAC"], Alnum, 100),
    led("facebook-access-token", (Digit, 15), &["|"], WordDash, 27),
    led("facebook-access-token", (Digit, 16), &["|"], WordDash, 27),
    f(
        "flutterwave-secret-key",
        &["FLWSECK_TEST-", "FLWSECK-", "FLWPUBK_TEST-", "FLWPUBK-"],
        WordDash,
        12,
    ),
    f("flyio-access-token", &["fo1_"], WordDash, 43),
    f("flyio-access-token", &["fm1a_", "fm1r_", "fm2_"], Base64, 100),
    f("frameio-api-token", &["fio-u-"], WordDashDot, 64),
    f("gcp-api-key", &["AIza"], WordDash, 35),
    f("gcp-oauth-client-secret", &["GOCSPX-"], WordDash, 28),
    f("google-oauth-access-token", &["ya29."], WordDashDot, 20),
    f("google-oauth-refresh-token", &["1//"], WordDash, 20),
    f("github-pat", &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"], Alnum, 36),
    f("github-fine-grained-pat", &["github_pat_"], Word, 82),
    f(
        "gitlab-pat",
        &["glpat-", "glrt-", "gldt-", "glffct-", "glft-", "glsoat-"],
        WordDashDot,
        20,
    ),
    f("gitlab-cicd-job-token", &["glcbt-"], WordDash, 20),
    f("gitlab-incoming-mail-token", &["glimt-"], WordDash, 25),
    f("gitlab-kubernetes-agent-token", &["glagent-"], WordDash, 50),
    f("gitlab-oauth-app-secret", &["gloas-"], WordDash, 64),
    f("gitlab-ptt", &["glptt-"], Hex, 40),
    f("gitlab-rrt", &["GR1348941"], WordDash, 20),
    f("gitlab-session-cookie", &["_gitlab_session="], Alnum, 32),
    f("grafana-api-key", &["eyJrIjoi"], Base64, 70),
    f("grafana-cloud-api-token", &["glc_"], Base64, 32),
    f("grafana-service-account-token", &["glsa_"], Word, 41),
    f("harness-api-key", &["pat.", "sat."], WordDashDot, 60),
    led("hashicorp-tf-api-token", (Alnum, 14), &[".atlasv1."], WordDashDot, 60),
    f("heroku-api-key-v2", &["HRKU-AA"], WordDash, 58),
    f("huggingface-access-token", &["hf_", "api_org_"], Alpha, 34),
    f("infracost-api-token", &["ico-"], Alnum, 32),
    f("intra42-client-secret", &["s-s4t2ud-", "s-s4t2af-"], Hex, 64),
    f("jwt-base64", &["ZXlK"], Base64, 40),
    f("linear-api-key", &["lin_api_"], Alnum, 40),
    f("mailgun-private-api-token", &["key-"], Hex, 32),
    led("mailchimp-api-key", (Hex, 32), &["-us"], Digit, 1),
    led("maxmind-license-key", (Word, 36), &["_mmk"], Alnum, 0),
    f(
        "microsoft-teams-webhook",
        &["webhook.office.com/webhookb2/"],
        PathAt,
        60,
    ),
    f("notion-api-token", &["ntn_"], Alnum, 46),
    f("npm-access-token", &["npm_"], Alnum, 36),
    f("octopus-deploy-api-key", &["API-"], UpperDigit, 26),
    f(
        "openai-api-key",
        &["sk-proj-", "sk-svcacct-", "sk-admin-"],
        WordDash,
        100,
    ),
    f("openai-api-key", &["sk-"], Alnum, 48),
    f("openshift-user-token", &["sha256~"], WordDash, 43),
    f("perplexity-api-key", &["pplx-"], Alnum, 48),
    f(
        "planetscale-api-token",
        &["pscale_tkn_", "pscale_oauth_", "pscale_pw_"],
        WordDashDot,
        32,
    ),
    f("postman-api-token", &["PMAK-"], HexDash, 59),
    f("prefect-api-token", &["pnu_"], Alnum, 36),
    f("pulumi-api-token", &["pul-"], Hex, 40),
    f("pypi-upload-token", &["pypi-AgEIcHlwaS5vcmc"], WordDash, 50),
    f("readme-api-token", &["rdme_"], Alnum, 70),
    f("rubygems-api-token", &["rubygems_"], Hex, 48),
    f("scalingo-api-token", &["tk-us-"], WordDash, 48),
    f("sendgrid-api-token", &["SG."], WordDashDot, 66),
    f("sendinblue-api-token", &["xkeysib-"], HexDash, 81),
    f("sentry-org-token", &["sntrys_"], Base64Any, 100),
    f("sentry-user-token", &["sntryu_"], Hex, 64),
    f("settlemint-access-token", &["sm_aat_", "sm_pat_", "sm_sat_"], Alnum, 16),
    f("shippo-api-token", &["shippo_live_", "shippo_test_"], Hex, 40),
    f(
        "shopify-access-token",
        &["shpat_", "shpca_", "shppa_", "shpss_"],
        Hex,
        32,
    ),
    f(
        "slack-bot-token",
        &[
            "xoxb-",
            "xoxp-",
            "xoxa-",
            "xoxr-",
            "xoxs-",
            "xoxo-",
            "xoxe-",
            "xoxe.xoxb-",
            "xoxe.xoxp-",
            "xapp-",
        ],
        WordDash,
        10,
    ),
    f(
        "slack-webhook-url",
        &[
            "hooks.slack.com/services/",
            "hooks.slack.com/workflows/",
            "hooks.slack.com/triggers/",
        ],
        Base64,
        43,
    ),
    f("sourcegraph-access-token", &["sgp_"], Word, 40),
    f("square-access-token", &["sq0atp-", "sq0csp-", "EAAA"], WordDash, 22),
    f(
        "stripe-access-token",
        &[
            "sk_live_", "sk_test_", "sk_prod_", "rk_live_", "rk_test_", "rk_prod_", "whsec_",
        ],
        Alnum,
        10,
    ),
    f("twilio-api-key", &["SK"], Hex, 32),
    f("vault-service-token", &["hvs.", "hvb."], WordDash, 90),
    f("vault-service-token", &["s."], Alnum, 24),
];

/// The shortest token any format can match: strings without a run of token characters this long
/// need no search.
pub const MIN_TOKEN_LEN: usize = shortest_token();

const fn shortest_token() -> usize {
    let mut min = usize::MAX;
    let mut i = 0;
    while i < FORMATS.len() {
        let f = &FORMATS[i];
        let mut j = 0;
        while j < f.prefixes.len() {
            let lead = match f.lead {
                Some((_, n)) => n,
                None => 0,
            };
            let len = lead + f.prefixes[j].len() + f.min;
            if len < min {
                min = len;
            }
            j += 1;
        }
        i += 1;
    }
    min
}

struct Matcher {
    automaton: AhoCorasick,
    /// For each pattern, the format it belongs to.
    owner: Vec<usize>,
}

fn matcher() -> &'static Matcher {
    static MATCHER: OnceLock<Matcher> = OnceLock::new();
    MATCHER.get_or_init(|| {
        let mut patterns = Vec::new();
        let mut owner = Vec::new();
        for (i, format) in FORMATS.iter().enumerate() {
            for p in format.prefixes {
                patterns.push(*p);
                owner.push(i);
            }
        }
        // A DFA: a few hundred KiB once, and the fastest overlapping search.
        let automaton = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::DFA))
            .build(&patterns)
            .expect("the prefix table compiles");
        Matcher { automaton, owner }
    })
}

/// Spans (start, end) of every well-known credential token in `b`; overlapping spans are
/// merged by the caller.
pub fn token_spans(b: &[u8], spans: &mut Vec<(usize, usize)>) {
    let m = matcher();
    for hit in m.automaton.find_overlapping_iter(b) {
        let format = &FORMATS[m.owner[hit.pattern().as_usize()]];
        let mut start = hit.start();
        if let Some((class, n)) = format.lead {
            if start < n || !b[start - n..start].iter().all(|&c| class.contains(c)) {
                continue;
            }
            start -= n;
        }
        if start > 0 && b[start - 1].is_ascii_alphanumeric() {
            continue;
        }
        let body = hit.end();
        let end = b[body..]
            .iter()
            .position(|&c| !format.body.contains(c))
            .map_or(b.len(), |n| body + n);
        if end - body >= format.min && end > start {
            spans.push((start, end));
        }
    }
}

/// [`FORMATS`] as one regular expression: `(?P<pre>^|[^A-Za-z0-9])(?P<tok>...)`, longer prefixes
/// first. The VRL program carries exactly this text (tests/vector.rs checks it).
pub fn vrl_regex() -> String {
    let mut alternatives: Vec<(usize, String)> = Vec::new();
    for format in FORMATS {
        for p in format.prefixes {
            let mut alt = String::new();
            if let Some((class, n)) = format.lead {
                alt.push_str(&format!("{}{{{n}}}", class.regex_class()));
            }
            for c in p.chars() {
                if "\\.+*?()|[]{}^$".contains(c) {
                    alt.push('\\');
                }
                alt.push(c);
            }
            alt.push_str(format.body.regex_class());
            alt.push_str(&format!("{{{},}}", format.min));
            alternatives.push((p.len(), alt));
        }
    }
    // Stable: formats of the same prefix length keep the table's order.
    alternatives.sort_by_key(|a| std::cmp::Reverse(a.0));
    let alts: Vec<String> = alternatives.into_iter().map(|(_, a)| a).collect();
    format!("(?P<pre>^|[^A-Za-z0-9])(?P<tok>{})", alts.join("|"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&str> {
        let mut spans = Vec::new();
        token_spans(text.as_bytes(), &mut spans);
        spans.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (s, e) in spans {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        merged.iter().map(|&(s, e)| &text[s..e]).collect()
    }

    #[test]
    fn vendor_tokens_in_text() {
        let stripe = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
        assert_eq!(found(&format!("charge failed: invalid key {stripe}.")), [stripe]);
        let google = "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY";
        assert_eq!(found(&format!("/maps?key={google}&x=1")), [google]);
        let npm = "npm_abcdefghijklmnopqrstuvwxyz0123456789";
        assert_eq!(found(&format!("{{\"note\":\"{npm}\"}}")), [npm]);
        assert_eq!(found("AKIAIOSFODNN7EXAMPLE"), ["AKIAIOSFODNN7EXAMPLE"]);
        let azure = "abc8Q~defghijklmnopqrstuvwxyz0123456789";
        assert_eq!(found(&format!("secret '{azure}'")), [azure]);
    }

    #[test]
    fn needs_a_boundary_and_a_body() {
        assert!(found("MASKAKIAIOSFODNN7EXAMPLE").is_empty());
        assert!(found("sk_live_short").is_empty());
        assert!(found("pattern matching is fun").is_empty());
        assert!(found("ghp_ is the GitHub prefix").is_empty());
    }

    #[test]
    fn every_prefix_is_found_with_a_minimal_body() {
        for format in FORMATS {
            for p in format.prefixes {
                let lead = format
                    .lead
                    .map_or(String::new(), |(_, n)| "a".repeat(n).replace('a', "7"));
                let body: String = std::iter::repeat_n(sample(format.body), format.min.max(1)).collect();
                let token = format!("{lead}{p}{body}");
                assert_eq!(found(&format!("x {token} y")), [token.as_str()], "{}", format.id);
            }
        }
    }

    fn sample(c: Charset) -> char {
        match c {
            Alpha => 'q',
            UpperDigit | UpperDigitDash => 'Q',
            Hex | HexDash | Digit => '7',
            _ => 'k',
        }
    }

    #[test]
    fn the_shortest_token_is_a_slack_one() {
        assert_eq!(MIN_TOKEN_LEN, "xoxb-".len() + 10);
    }

    #[test]
    fn the_regex_is_valid_and_names_every_prefix() {
        let r = vrl_regex();
        for format in FORMATS {
            assert!(r.contains(format.body.regex_class()));
        }
        assert!(r.starts_with("(?P<pre>^|[^A-Za-z0-9])(?P<tok>"));
    }
}
