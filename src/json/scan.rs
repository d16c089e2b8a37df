//! Finding the next byte a JSON string cannot hold as is (`"`, `\`, or a control character),
//! eight bytes at a time. Both the parser and the writer spend most of their time here.

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// True when one of the eight bytes of `w` may be special. Exact for ASCII; a byte >= 0x80 never
/// triggers it, and a borrow can only cause a false positive after a true one.
#[inline]
fn may_have_special(w: u64) -> bool {
    let has_zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
    let quote = has_zero(w ^ (LO * u64::from(b'"')));
    let backslash = has_zero(w ^ (LO * u64::from(b'\\')));
    let control = w.wrapping_sub(LO * 0x20) & !w & HI;
    (quote | backslash | control) != 0
}

/// `SPECIAL[b]`: one load instead of three comparisons in the byte loop.
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

#[inline]
fn is_special(b: u8) -> bool {
    SPECIAL[usize::from(b)]
}

/// Index of the first special byte at or after `from`, or `bytes.len()`.
#[inline]
pub fn find_special(bytes: &[u8], mut from: usize) -> usize {
    while from + 8 <= bytes.len() {
        let mut chunk = [0u8; 8];
        chunk.copy_from_slice(&bytes[from..from + 8]);
        if may_have_special(u64::from_le_bytes(chunk)) {
            break;
        }
        from += 8;
    }
    while from < bytes.len() && !is_special(bytes[from]) {
        from += 1;
    }
    from
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_a_byte_loop_everywhere() {
        for special in [b'"', b'\\', 0u8, 0x1f, b'\n'] {
            for len in 0..20 {
                for at in 0..=len {
                    let mut v: Vec<u8> = (0..len).map(|i| [b'a', 0xc3, 0xa9, b'~', 0x7f, 0xff][i % 6]).collect();
                    if at < len {
                        v[at] = special;
                    }
                    let expected = v.iter().position(|&b| is_special(b)).unwrap_or(v.len());
                    for from in 0..=expected {
                        assert_eq!(find_special(&v, from), expected, "{v:?} from {from}");
                    }
                }
            }
        }
    }
}
