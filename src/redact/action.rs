//! What happens to a value that must not be shown.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// A redaction action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// First and last character kept, as the vendor prints `B*****h`; the length is not shown.
    Mask,
    /// `hmac-sha256:<hex>` of the value with the configured key: the same value always gives
    /// the same pseudonym, so analysts can still join on it.
    Hash,
    /// Removed: the field goes, or the text span becomes empty.
    Drop,
}

/// The mask placeholder between the kept characters.
pub const MASK: &str = "*****";

/// An action bound to its key.
#[derive(Clone)]
pub struct Applier {
    key: Option<Hmac<Sha256>>,
}

impl std::fmt::Debug for Applier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Applier")
            .field("key", &self.key.as_ref().map(|_| "<set>"))
            .finish()
    }
}

impl Applier {
    /// `key` is required for [`Action::Hash`] (checked by the config).
    pub fn new(key: Option<&[u8]>) -> Self {
        Applier {
            key: key.and_then(|k| Hmac::<Sha256>::new_from_slice(k).ok()),
        }
    }

    /// `value` after `action`; `None` means drop.
    pub fn apply(&self, action: Action, value: &str) -> Option<String> {
        match action {
            Action::Mask => Some(mask(value)),
            Action::Hash => Some(self.hash(value)),
            Action::Drop => None,
        }
    }

    /// `value` after `action`, as text (drop gives the empty string), for spans inside a string.
    pub fn apply_inline(&self, action: Action, value: &str) -> String {
        self.apply(action, value).unwrap_or_default()
    }

    fn hash(&self, value: &str) -> String {
        match &self.key {
            Some(key) => {
                let mut mac = key.clone();
                mac.update(value.as_bytes());
                let digest = mac.finalize().into_bytes();
                let mut out = String::with_capacity(12 + 64);
                out.push_str("hmac-sha256:");
                for b in digest {
                    out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
                    out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
                }
                out
            }
            // Unreachable through a validated config; never fall back to showing the value.
            None => MASK.to_owned(),
        }
    }
}

/// `B*****h`: first and last character, or only the mask for values of one or two characters.
pub fn mask(value: &str) -> String {
    // Masking a masked value changes nothing (`*****` would become `*******`).
    if value == MASK {
        return MASK.to_owned();
    }
    let mut chars = value.chars();
    match (chars.next(), chars.next_back()) {
        (Some(first), Some(last)) if value.chars().count() > 2 => {
            let mut out = String::with_capacity(MASK.len() + 8);
            out.push(first);
            out.push_str(MASK);
            out.push(last);
            out
        }
        _ => MASK.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_like_the_vendor() {
        assert_eq!(mask("Bearer abc.def.ghi"), "B*****i");
        assert_eq!(mask("SELECT Id FROM Case'"), "S*****'");
        assert_eq!(mask("ab"), "*****");
        assert_eq!(mask(""), "*****");
        assert_eq!(mask(&mask("")), "*****", "idempotent");
        assert_eq!(mask(&mask("Bearer abc.def.ghi")), "B*****i", "idempotent");
        assert_eq!(mask("é日本"), "é*****本");
    }

    #[test]
    fn hash_is_keyed_and_stable() {
        let a = Applier::new(Some(b"0123456789abcdef"));
        let b = Applier::new(Some(b"another key 0123"));
        let h = a.apply(Action::Hash, "jane@acme.com").unwrap();
        assert_eq!(h, a.apply(Action::Hash, "jane@acme.com").unwrap());
        assert_ne!(h, b.apply(Action::Hash, "jane@acme.com").unwrap());
        assert_ne!(h, a.apply(Action::Hash, "john@acme.com").unwrap());
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            Applier::new(Some(b"Jefe"))
                .apply(Action::Hash, "what do ya want for nothing?")
                .unwrap(),
            "hmac-sha256:5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(a.apply(Action::Drop, "x"), None);
    }
}
