//! The last line of credential detection: a value under a name that merely hints at one
//! (`key`, `auth_value`, `x-cred`) is a credential when it looks random, as detect-secrets
//! decides, but without its false positives on the values audit logs are full of: ids, UUIDs,
//! document hashes, timestamps, host names and words.
//!
//! transforms/vector/mwsiem.vrl states the same test with VRL's `shannon_entropy` (byte
//! segmentation, the same sum as [`shannon_entropy`]).

/// Bits per byte below which a value is not random enough: random base64 or hex of 16 or more
/// characters stays above it, words and structured ids fall below.
pub const MIN_ENTROPY: f64 = 3.5;

/// Shannon entropy of the bytes of `text`, in bits per byte.
pub fn shannon_entropy(text: &[u8]) -> f64 {
    let mut counts = [0usize; 256];
    for &b in text {
        counts[usize::from(b)] += 1;
    }
    let total = text.len() as f64;
    let mut entropy = 0.0;
    for count in counts {
        if count == 0 {
            continue;
        }
        let p = count as f64 / total;
        entropy -= p * p.log2();
    }
    entropy
}

/// True for a random-looking token: 16 to 1024 characters of base64, base64url or hex
/// (with `.` and `~`, and a generated password's `!#$%&*^`), letters and digits both, not a UUID, a hash of a document (MD5, SHA-1,
/// SHA-256, SHA-512 length hex) or words and numbers joined by separators, and at least
/// [`MIN_ENTROPY`] bits per byte.
pub fn looks_random(value: &str) -> bool {
    let b = value.as_bytes();
    if b.len() < 16 || b.len() > 1024 {
        return false;
    }
    // Token alphabets, and the punctuation generated passwords add (`fThRepcxz%x414K!`).
    let token = |c: &u8| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'+' | b'/' | b'=' | b'_' | b'.' | b'~' | b'-' | b'!' | b'#' | b'$' | b'%' | b'&' | b'*' | b'^'
            )
    };
    if !b.iter().all(token) || !b.iter().any(u8::is_ascii_digit) || !b.iter().any(u8::is_ascii_alphabetic) {
        return false;
    }
    if is_uuid(b) || (matches!(b.len(), 32 | 40 | 64 | 128) && b.iter().all(u8::is_ascii_hexdigit)) || is_slug(b) {
        return false;
    }
    shannon_entropy(b) >= MIN_ENTROPY
}

/// Words and numbers joined by `-`, `_`, `.`, `~` or `/` (`integration-servicenow-prod-01`,
/// `env/controller.p12`,
/// `Prod_Server_2`): each part one lower-case word, one upper-case word, one capitalized word or
/// one number. Random tokens mix classes within their parts.
fn is_slug(b: &[u8]) -> bool {
    b.split(|c| matches!(c, b'-' | b'_' | b'.' | b'~' | b'/')).all(|part| {
        let (first, rest) = match part.split_first() {
            Some(x) => x,
            None => return false,
        };
        part.iter().all(u8::is_ascii_lowercase)
            || part.iter().all(u8::is_ascii_uppercase)
            || part.iter().all(u8::is_ascii_digit)
            || (first.is_ascii_uppercase() && !rest.is_empty() && rest.iter().all(u8::is_ascii_lowercase))
            || is_camel_case(part)
            || letters_then_digits(part)
    })
}

/// `rsa2048`, `GPT4`, `prod01`: one word of one case, then a number.
fn letters_then_digits(part: &[u8]) -> bool {
    let letters = part.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    let word = &part[..letters];
    letters > 0
        && letters < part.len()
        && (word.iter().all(u8::is_ascii_lowercase) || word.iter().all(u8::is_ascii_uppercase))
        && part[letters..].iter().all(u8::is_ascii_digit)
}

/// `buildResults`, `BuildResults`: lower-case words, each after the first capitalized. Random
/// tokens switch case far more often than once per word.
fn is_camel_case(part: &[u8]) -> bool {
    let lead = part.iter().take_while(|c| c.is_ascii_lowercase()).count();
    let mut rest = &part[lead..];
    if rest.is_empty() {
        return false;
    }
    while let [first, tail @ ..] = rest {
        let lower = tail.iter().take_while(|c| c.is_ascii_lowercase()).count();
        if !first.is_ascii_uppercase() || lower == 0 {
            return false;
        }
        rest = &tail[lower..];
    }
    true
}

fn is_uuid(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_tokens_are_random() {
        for v in [
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c",
            "Zx81_kq-P0aLm2Vn9Bc4",
            "q9W2e8R3t7Y4u6I5",
        ] {
            assert!(looks_random(v), "{v} {}", shannon_entropy(v.as_bytes()));
        }
    }

    #[test]
    fn ids_hashes_times_and_words_are_not() {
        for v in [
            "12608431283658477771",
            "3f2b8c1e-9d4a-4b7e-8f6a-1c2d3e4f5a6b",
            "d41d8cd98f00b204e9800998ecf8427e",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "2025-10-16T19:00:23.850992Z",
            "20251016T190023Z",
            "company.service-now.com",
            "CustomerServiceRepresentative",
            "integration-servicenow-prod",
            "short1",
            "aaaaaaaaaaaaaaaa1111111111111111",
        ] {
            assert!(!looks_random(v), "{v} {}", shannon_entropy(v.as_bytes()));
        }
    }

    #[test]
    fn entropy_is_bits_per_byte() {
        assert_eq!(shannon_entropy(b"aaaa"), 0.0);
        assert_eq!(shannon_entropy(b"ab"), 1.0);
        assert_eq!(shannon_entropy(b"0123456789abcdef"), 4.0);
    }
}
