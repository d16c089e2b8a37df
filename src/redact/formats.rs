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
    /// `[A-Za-z0-9-]`
    AlnumDash,
    /// `[A-Za-z0-9_.=-]`
    WordDashDot,
    /// `[A-Za-z0-9+/=]`
    Base64,
    /// `[A-Za-z0-9_+/=-]`
    Base64Any,
    /// `[A-Za-z0-9_+/=.-]`
    Base64AnyDot,
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
            Charset::AlnumDash => c.is_ascii_alphanumeric() || c == b'-',
            Charset::WordDashDot => word || matches!(c, b'-' | b'.' | b'='),
            Charset::Base64 => c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='),
            Charset::Base64Any => word || matches!(c, b'+' | b'/' | b'=' | b'-'),
            Charset::Base64AnyDot => word || matches!(c, b'+' | b'/' | b'=' | b'-' | b'.'),
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
            Charset::AlnumDash => r"[A-Za-z0-9\-]",
            Charset::WordDashDot => r"[A-Za-z0-9_.=\-]",
            Charset::Base64 => "[A-Za-z0-9+/=]",
            Charset::Base64Any => r"[A-Za-z0-9_+/=\-]",
            Charset::Base64AnyDot => r"[A-Za-z0-9_+/=.\-]",
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

/// A piece of a token's documented structure before its final run: a run of a class (minimum
/// and maximum length) or fixed text. A run never holds the character that follows it, so a
/// greedy scan and the regular expression agree.
#[derive(Debug, Clone, Copy)]
pub enum Part {
    Run(Charset, usize, usize),
    Lit(&'static str),
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
    /// The vendor's documented structure between the prefix and the final run (`xoxb-` is
    /// followed by digits and a dash; an identifier that starts with `xoxb-` is not).
    pub shape: &'static [Part],
    /// The final run: class, minimum length, and the documented maximum where the prefix is
    /// weak enough (`hf_`, `SK`, `s.`) that a longer run is a word, not a token. Without a
    /// maximum, a longer token is masked whole.
    pub body: Charset,
    pub min: usize,
    pub max: Option<usize>,
}

const fn f(id: &'static str, prefixes: &'static [&'static str], body: Charset, min: usize) -> TokenFormat {
    TokenFormat {
        id,
        prefixes,
        lead: None,
        shape: &[],
        body,
        min,
        max: None,
    }
}

/// A format whose final run has a documented exact or maximum length.
const fn capped(
    id: &'static str,
    prefixes: &'static [&'static str],
    body: Charset,
    min: usize,
    max: usize,
) -> TokenFormat {
    TokenFormat {
        max: Some(max),
        ..f(id, prefixes, body, min)
    }
}

/// A format with a documented structure before its final run.
const fn shaped(
    id: &'static str,
    prefixes: &'static [&'static str],
    shape: &'static [Part],
    body: Charset,
    min: usize,
    max: Option<usize>,
) -> TokenFormat {
    TokenFormat {
        shape,
        max,
        ..f(id, prefixes, body, min)
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
        lead: Some(lead),
        ..f(id, prefixes, body, min)
    }
}

use Charset::*;
use Part::*;

/// The formats, by vendor. Ids are gitleaks' rule ids where one exists.
pub const FORMATS: &[TokenFormat] = &[
    f("1password-secret-key", &["A3-"], UpperDigitDash, 30),
    f("1password-service-account-token", &["ops_eyJ"], Base64, 250),
    f("adobe-client-secret", &["p8e-"], Alnum, 32),
    f("age-secret-key", &["AGE-SECRET-KEY-1"], UpperDigit, 58),
    // `pat<14>.<64 hex>`
    shaped(
        "airtable-personnal-access-token",
        &["pat"],
        &[Run(Alnum, 14, 14), Lit(".")],
        Hex,
        64,
        Some(64),
    ),
    f("alibaba-access-key-id", &["LTAI"], Alnum, 20),
    f(
        "anthropic-api-key",
        &["sk-ant-api03-", "sk-ant-admin01-", "sk-ant-"],
        WordDash,
        80,
    ),
    f("artifactory-api-key", &["AKCp"], Alnum, 69),
    f("atlassian-api-token", &["ATATT3"], Base64Any, 180),
    f("artifactory-reference-token", &["cmVmd"], Alnum, 59),
    // `<prefix><5-30>.<4-6>.acc_<10-32>.<30-120>`
    shaped(
        "authress-service-client-access-key",
        &["authress_", "scauth_", "sc_", "ext_"],
        &[Run(Alnum, 5, 30), Lit("."), Run(Alnum, 4, 6), Lit(".acc")],
        Base64AnyDot,
        40,
        None,
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
    // `<app id>|<secret>`, the `|` percent-encoded when it travels in a URL.
    led("facebook-access-token", (Digit, 15), &["|", "%7C", "%7c"], WordDash, 27),
    led("facebook-access-token", (Digit, 16), &["|", "%7C", "%7c"], WordDash, 27),
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
    // `pat.<22>.<24>.<20>`
    shaped(
        "harness-api-key",
        &["pat.", "sat."],
        &[Run(WordDash, 22, 22), Lit("."), Run(Alnum, 24, 24), Lit(".")],
        Alnum,
        20,
        Some(20),
    ),
    led("hashicorp-tf-api-token", (Alnum, 14), &[".atlasv1."], WordDashDot, 60),
    f("heroku-api-key-v2", &["HRKU-AA"], WordDash, 58),
    capped("huggingface-access-token", &["hf_", "api_org_"], Alpha, 34, 34),
    f("infracost-api-token", &["ico-"], Alnum, 32),
    f("intra42-client-secret", &["s-s4t2ud-", "s-s4t2af-"], Hex, 64),
    f("jwt-base64", &["ZXlK"], Base64, 40),
    f("linear-api-key", &["lin_api_"], Alnum, 40),
    capped("mailgun-private-api-token", &["key-"], Hex, 32, 32),
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
    capped("octopus-deploy-api-key", &["API-"], UpperDigit, 26, 26),
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
    // `xkeysib-<64 hex>-<16 alphanumerics>`
    shaped(
        "sendinblue-api-token",
        &["xkeysib-"],
        &[Run(Hex, 64, 64), Lit("-")],
        Alnum,
        16,
        Some(16),
    ),
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
    // Bot, user, legacy, refresh, config and app tokens all start with a number and a dash
    // (`xoxb-<8-14 digits>-...`, `xoxe-1-...`, `xapp-1-...`); legacy workspace tokens are
    // `xox[ar]-(<digit>-)?<8-48 alphanumerics>`.
    shaped(
        "slack-bot-token",
        &[
            "xoxb-",
            "xoxp-",
            "xoxs-",
            "xoxo-",
            "xoxe-",
            "xoxe.xoxb-",
            "xoxe.xoxp-",
            "xapp-",
        ],
        &[Run(Digit, 1, usize::MAX), Lit("-")],
        AlnumDash,
        10,
        None,
    ),
    f("slack-legacy-workspace-token", &["xoxa-", "xoxr-"], AlnumDash, 8),
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
    capped("twilio-api-key", &["SK"], Hex, 32, 32),
    f("vault-service-token", &["hvs.", "hvb."], WordDash, 90),
    capped("vault-service-token", &["s."], Alnum, 24, 24),
];

/// The shortest token any format can match: strings without a run of token characters this long
/// need no search.
pub const MIN_TOKEN_LEN: usize = shortest_token();

const fn shortest_token() -> usize {
    let mut min = usize::MAX;
    let mut i = 0;
    while i < FORMATS.len() {
        let f = &FORMATS[i];
        let mut len = f.min;
        if let Some((_, n)) = f.lead {
            len += n;
        }
        let mut k = 0;
        while k < f.shape.len() {
            len += match f.shape[k] {
                Part::Run(_, n, _) => n,
                Part::Lit(t) => t.len(),
            };
            k += 1;
        }
        let mut j = 0;
        while j < f.prefixes.len() {
            if len + f.prefixes[j].len() < min {
                min = len + f.prefixes[j].len();
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

fn run_of(b: &[u8], from: usize, class: Charset) -> usize {
    b[from..]
        .iter()
        .position(|&c| !class.contains(c))
        .unwrap_or(b.len() - from)
}

impl TokenFormat {
    /// Where this format's token ends when its prefix ends at `at`: the shape and the final
    /// run, whole (a run longer than its maximum is some other word).
    fn end(&self, b: &[u8], mut at: usize) -> Option<usize> {
        for part in self.shape {
            match *part {
                Part::Lit(t) => {
                    if !b[at..].starts_with(t.as_bytes()) {
                        return None;
                    }
                    at += t.len();
                }
                Part::Run(class, min, max) => {
                    let n = run_of(b, at, class);
                    if n < min || n > max {
                        return None;
                    }
                    at += n;
                }
            }
        }
        let n = run_of(b, at, self.body);
        (n >= self.min && self.max.is_none_or(|max| n <= max)).then_some(at + n)
    }
}

impl TokenFormat {
    /// A token of this format after `prefix`, its random characters drawn by `pick` from the
    /// alphabet it is given; `extra` characters more than the minimum in each open-ended run.
    /// Runs start and end with a letter or digit, as real tokens do (for tests and benches).
    pub fn example(&self, prefix: &str, extra: usize, pick: &mut dyn FnMut(&[u8]) -> u8) -> String {
        let mut draw = |class: Charset, n: usize| -> String {
            let all: Vec<u8> = (0u8..128).filter(|&c| class.contains(c)).collect();
            let ends: Vec<u8> = all.iter().copied().filter(u8::is_ascii_alphanumeric).collect();
            (0..n)
                .map(|i| char::from(pick(if i == 0 || i + 1 == n { &ends } else { &all })))
                .collect()
        };
        let mut out = String::new();
        if let Some((class, n)) = self.lead {
            out.push_str(&draw(class, n));
        }
        out.push_str(prefix);
        for part in self.shape {
            match *part {
                Part::Lit(t) => out.push_str(t),
                Part::Run(class, min, max) => out.push_str(&draw(class, (min + extra).min(max))),
            }
        }
        let n = (self.min + extra).min(self.max.unwrap_or(usize::MAX)).max(1);
        out.push_str(&draw(self.body, n));
        out
    }
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
        // A token starts a word. The last character of a mask (`t*****1`) stands for the word
        // it ended: a token starting there was inside that word before masking (a chain of
        // `1//...` tokens each starting at the last character of the one before was masked one
        // link per pass; found by the `credentials` fuzz target).
        if start > 0 && b[start - 1].is_ascii_alphanumeric() || start >= 5 && &b[start - 5..start] == b"*****" {
            continue;
        }
        if let Some(end) = format.end(b, hit.end())
            && !file_extension(&b[end..])
            && plausible(&b[start..end])
        {
            spans.push((start, end));
        }
    }
}

/// Whether a token of some format can start in this URL host and run on into the path: the
/// host is (or ends with `.` and) the host part of a prefix that holds a `/`
/// (`hooks.slack.com/services/`, `webhook.office.com/webhookb2/`). Other URLs are scanned path
/// alone: a host holds no token.
pub fn token_spans_host(host: &str) -> bool {
    static HOSTS: OnceLock<Vec<&'static str>> = OnceLock::new();
    let hosts = HOSTS.get_or_init(|| {
        let mut hosts: Vec<&str> = FORMATS
            .iter()
            .flat_map(|f| f.prefixes)
            .filter_map(|p| p.split_once('/').map(|(h, _)| h))
            .collect();
        hosts.dedup();
        hosts
    });
    let b = host.as_bytes();
    hosts.iter().any(|h| {
        b.len() >= h.len()
            && b[b.len() - h.len()..].eq_ignore_ascii_case(h.as_bytes())
            && (b.len() == h.len() || b[b.len() - h.len() - 1] == b'.')
    })
}

/// What follows a hit that makes it part of a longer name, not a token: a file extension
/// (`box.ico-<hash>.png`, a fingerprinted asset) or more of a snake_case identifier
/// (`sk_test_controller_build`; no body class stops before a `_` that a token would hold).
fn file_extension(rest: &[u8]) -> bool {
    if let [b'_', next, ..] = rest {
        return next.is_ascii_alphanumeric();
    }
    let [b'.', first, tail @ ..] = rest else { return false };
    let n = tail.iter().take(4).take_while(|c| c.is_ascii_alphanumeric()).count();
    first.is_ascii_alphabetic() && (1..=3).contains(&n) && tail.get(n).is_none_or(|c| !c.is_ascii_alphanumeric())
}

/// A hit is a token only when it could be a random secret: not a placeholder
/// (`AKIAXXXXXXXXXXXXXXXX`, [`super::placeholder`]), not a camel-case identifier that starts
/// with a prefix, and not low in entropy for its length (`sk_live_aaaaaaaaaaaaaaaa`). Random
/// tokens stay far from all three; the VRL program states the same tests as regular
/// expressions and `shannon_entropy`.
pub fn plausible(token: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(token) else {
        return false;
    };
    if super::placeholder::is_placeholder(text) {
        return false;
    }
    let floor = if token.len() >= 16 { 3.0 } else { 2.5 };
    !camel_identifier(token) && super::entropy::shannon_entropy(token) >= floor
}

/// `ghp_OwnerHandlerUpdateRepository`, `s.cacheCreateDefaultCreate`,
/// `ghp_ValueFetchSessionForCacheRequ`: no digit, and after the token's last `_`, `.` or `-`,
/// nothing but camel-case words, three or more of them four letters long or more. Every word
/// but the last (which a length limit may cut) holds a vowel, as words do: short ones
/// (`For`, `Id`) are allowed, but a random body's consonant runs are not. Three-letter words
/// without that test let `whsec_ZislDwlMwaq` pass (fresh-credential test, seed
/// 1796662524969513270); words of four letters or more only masked
/// `ghp_ValueFetchSessionSessionForCacheRequ` (outside decoys, seed 1796667583997837462).
/// A random alphanumeric body of 12 to 20 characters passes about once in 40,000.
fn camel_identifier(token: &[u8]) -> bool {
    // A digit anywhere says random (`sgp_OuLVI7...GcC_QshbUafVng` ends in three camel-case
    // words by chance); identifiers built from words carry none.
    if token.iter().any(u8::is_ascii_digit) {
        return false;
    }
    let Some(sep) = token.iter().rposition(|c| matches!(c, b'_' | b'.' | b'-')) else {
        return false;
    };
    let vowel = |c: &u8| b"aeiouyAEIOUY".contains(c);
    let w = &token[sep + 1..];
    let lead = w.iter().take_while(|c| c.is_ascii_lowercase()).count();
    if lead == 1 || (lead > 1 && !w[..lead].iter().any(vowel)) {
        return false;
    }
    let (mut rest, mut long_words) = (&w[lead..], 0);
    while let [first, tail @ ..] = rest {
        let lower = tail.iter().take_while(|c| c.is_ascii_lowercase()).count();
        let word = &rest[..=lower];
        let last = lower == tail.len();
        if !first.is_ascii_uppercase() || (!last && (lower == 0 || !word.iter().any(vowel))) {
            return false;
        }
        long_words += usize::from(word.len() >= 4);
        rest = &tail[lower..];
    }
    long_words >= 3
}

/// The regular-expression text of a format after its prefix (shape and final run, with the
/// final run's minimum only: a maximum is checked by [`vrl_too_long`]).
fn regex_after_prefix(format: &TokenFormat) -> String {
    let mut out = String::new();
    for part in format.shape {
        match *part {
            Part::Lit(t) => out.push_str(&escape(t)),
            Part::Run(class, min, max) if max == usize::MAX => {
                out.push_str(&format!("{}{{{min},}}", class.regex_class()))
            }
            Part::Run(class, min, max) if min == max => out.push_str(&format!("{}{{{min}}}", class.regex_class())),
            Part::Run(class, min, max) => out.push_str(&format!("{}{{{min},{max}}}", class.regex_class())),
        }
    }
    out.push_str(format.body.regex_class());
    out.push_str(&format!("{{{},}}", format.min));
    out
}

fn escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn lead_regex(format: &TokenFormat) -> String {
    format
        .lead
        .map_or(String::new(), |(class, n)| format!("{}{{{n}}}", class.regex_class()))
}

/// [`FORMATS`] as one regular expression: `(?P<pre>^|[^A-Za-z0-9])(?P<tok>...)`, longer prefixes
/// first. The VRL program carries exactly this text (tests/vector.rs checks it).
pub fn vrl_regex() -> String {
    let mut alternatives: Vec<(usize, String)> = Vec::new();
    for format in FORMATS {
        for p in format.prefixes {
            let alt = format!("{}{}{}", lead_regex(format), escape(p), regex_after_prefix(format));
            alternatives.push((p.len(), alt));
        }
    }
    // Stable: formats of the same prefix length keep the table's order.
    alternatives.sort_by_key(|a| std::cmp::Reverse(a.0));
    let alts: Vec<String> = alternatives.into_iter().map(|(_, a)| a).collect();
    format!(
        "(?P<pre>^|[^A-Za-z0-9])(?P<tok>{})(?P<ext>\\.[A-Za-z][A-Za-z0-9]{{1,3}}(?:[^A-Za-z0-9]|$)|_[A-Za-z0-9])?",
        alts.join("|")
    )
}

/// The tokens [`vrl_regex`] finds whose final run is longer than its format allows (Rust's
/// `regex` has no look-ahead to refuse them in the match): the VRL program keeps a match of
/// this expression as it is.
pub fn vrl_too_long() -> String {
    let mut alts = Vec::new();
    for format in FORMATS {
        let Some(max) = format.max else { continue };
        for p in format.prefixes {
            let mut alt = format!("{}{}", lead_regex(format), escape(p));
            for part in format.shape {
                match *part {
                    Part::Lit(t) => alt.push_str(&escape(t)),
                    Part::Run(class, min, max) if max == usize::MAX => {
                        alt.push_str(&format!("{}{{{min},}}", class.regex_class()))
                    }
                    Part::Run(class, min, max) if min == max => {
                        alt.push_str(&format!("{}{{{min}}}", class.regex_class()))
                    }
                    Part::Run(class, min, max) => alt.push_str(&format!("{}{{{min},{max}}}", class.regex_class())),
                }
            }
            alt.push_str(&format!("{}{{{},}}", format.body.regex_class(), max + 1));
            alts.push(alt);
        }
    }
    format!("^(?:{})$", alts.join("|"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A random body can end in three camel-case words by chance (found by the fresh-credential
    /// test, seed 1796650936355776302): a digit says it is not an identifier.
    #[test]
    fn a_random_token_ending_in_camel_words_is_still_a_token() {
        assert!(plausible(b"sgp_OuLVI7JBPddTtxFlhCySumsG93aRx8GcC_QshbUafVng"));
        // No digit, and three-letter words: seed 1796662524969513270.
        assert!(plausible(b"whsec_ZislDwlMwaq"));
        // Short words with a vowel are words: seed 1796667583997837462 of the outside decoys.
        assert!(!plausible(b"ghp_ValueFetchSessionSessionForCacheRequ"));
        assert!(!plausible(b"s.getValueForIdTimeoutPolicy"));
        assert!(plausible(b"whsec_ZislDwlMwaqTxbe"));
        assert!(!plausible(b"ghp_OwnerHandlerUpdateRepository"));
        assert!(!plausible(b"s.cacheCreateDefaultCreate"));
    }

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

    /// A fixed pseudo-random sequence: the same tokens every run.
    fn picker() -> impl FnMut(&[u8]) -> u8 {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        move |alphabet: &[u8]| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            alphabet[(state % alphabet.len() as u64) as usize]
        }
    }

    #[test]
    fn every_prefix_is_found_with_a_minimal_body() {
        let mut pick = picker();
        for format in FORMATS {
            for p in format.prefixes {
                let token = format.example(p, 0, &mut pick);
                assert_eq!(found(&format!("x {token} y")), [token.as_str()], "{}", format.id);
            }
        }
    }

    #[test]
    fn documented_shapes_refuse_identifiers_and_placeholders() {
        for text in [
            "- (id)hf_requiredCharacteristicTypesForDisplayMetadata;",
            "2018-250-xoxo-indieweb-1.jpg",
            "export SLACK=xoxb-Slack_BOT_TOKEN",
            "AKIAXXXXXXXXXXXXXXXX",
            "sk_live_aaaaaaaaaaaaaaaaaaaa",
            "sk_test_000000000000000000000000",
            "SKa1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8",
            "sk_test_controller_build",
            "https://assets.example.com/media/box.ico-b8df59b4ce3f206f8400736b061628c4.png",
            "ghp_OwnerHandlerUpdateUpdateRepositorySe",
        ] {
            assert!(found(text).is_empty(), "{text}: {:?}", found(text));
        }
        let sendinblue = format!("xkeysib-{}-{}", "0a1b2c3d4e5f6789".repeat(4), "Zq8Lm3Nv0Rt6Wx1Y");
        assert_eq!(found(&format!("key {sendinblue} ok")), [sendinblue.as_str()]);
        let facebook = "1234567890123456%7CAbCdEf_0123456789-GhIjKlMnOpQr";
        assert_eq!(found(&format!("?access_token={facebook}&x=1")), [facebook]);
        assert_eq!(found("legacy xoxa-8Hq2Lm0Z"), ["xoxa-8Hq2Lm0Z"]);
        assert!(token_spans_host("acme.webhook.office.com") && token_spans_host("HOOKS.slack.com"));
        assert!(!token_spans_host("notwebhook.office.com") && !token_spans_host("é.slack.com"));
    }

    /// src/redact/scrub.rs searches runs of 13 or 14 bytes only when they hold `xox`.
    #[test]
    fn the_shortest_token_is_a_slack_legacy_one() {
        assert_eq!(MIN_TOKEN_LEN, "xoxa-".len() + 8);
        for format in FORMATS {
            for p in format.prefixes {
                let lead = format.lead.map_or(0, |(_, n)| n);
                let shape: usize = format
                    .shape
                    .iter()
                    .map(|part| match *part {
                        Part::Run(_, n, _) => n,
                        Part::Lit(t) => t.len(),
                    })
                    .sum();
                let shortest = lead + p.len() + shape + format.min;
                assert!(shortest >= 15 || p.starts_with("xox"), "{} {p}: {shortest}", format.id);
            }
        }
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
