//! Byte scanning for the hot paths. URL delimiters are ASCII, so a byte position found here
//! is always a `char` boundary and slicing the `str` there is valid. These loops avoid the
//! per-call set-up of `str::find(char)`, which dominates on short, many-times-split text,
//! and look at 8 bytes per step (SWAR) on longer text.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// High bit set in each byte of `word` equal to `needle`. Bytes above a match may be flagged
/// falsely, never bytes below it, so the lowest flag is the first match.
#[inline(always)]
fn flags(word: u64, needle: u8) -> u64 {
    let x = word ^ ONES.wrapping_mul(u64::from(needle));
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// Position of the first byte of `bytes` that is one of `needles`.
#[inline]
pub(crate) fn find_any<const N: usize>(bytes: &[u8], needles: [u8; N]) -> Option<usize> {
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let found = needles.iter().fold(0, |acc, &n| acc | flags(word, n));
        if found != 0 {
            return Some(offset + (found.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|b| needles.contains(b))
        .map(|i| offset + i)
}

/// Whether some byte of `bytes` is below `limit` (at most 128). One SWAR test per 8 bytes.
#[inline]
pub(crate) fn any_below(bytes: &[u8], limit: u8) -> bool {
    debug_assert!(limit <= 128);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        if word.wrapping_sub(ONES.wrapping_mul(u64::from(limit))) & !word & HIGHS != 0 {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| b < limit)
}

/// A 256-entry table, built at compile time, of the bytes `b` for which the expression holds:
/// `byte_table!(|b| b.is_ascii_digit())`. A lookup is cheaper than a chain of comparisons.
macro_rules! byte_table {
    (|$b:ident| $class:expr) => {{
        let mut table = [false; 256];
        let mut i = 0;
        while i < 256 {
            let $b = i as u8;
            table[i] = $class;
            i += 1;
        }
        table
    }};
}
pub(crate) use byte_table;

/// How many bytes of `bytes` equal `needle`. Exact per byte (no false flags), 8 at a time.
#[inline]
pub(crate) fn count(bytes: &[u8], needle: u8) -> usize {
    const LOWS: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let mut chunks = bytes.chunks_exact(8);
    let mut total = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ ONES.wrapping_mul(u64::from(needle));
        // High bit of each byte set iff the byte of `x` is not zero.
        let nonzero = ((x & LOWS).wrapping_add(LOWS)) | x;
        total += (!nonzero & HIGHS).count_ones() as usize;
    }
    total + chunks.remainder().iter().filter(|&&b| b == needle).count()
}

/// `s.split(needle)` for short text, where a plain byte loop beats word-at-a-time search.
#[inline]
pub(crate) fn split_short(s: &str, needle: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let current = rest?;
        match current.bytes().position(|b| b == needle) {
            Some(i) => {
                rest = Some(&current[i + 1..]);
                Some(&current[..i])
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// Whether `bytes` holds one of `needles`.
#[inline]
pub(crate) fn contains_any<const N: usize>(bytes: &[u8], needles: [u8; N]) -> bool {
    find_any(bytes, needles).is_some()
}

/// Position of the first `needle` (an ASCII byte) in `s`.
#[inline]
pub(crate) fn find(s: &str, needle: u8) -> Option<usize> {
    find_any(s.as_bytes(), [needle])
}

/// `s.split_once(needle)` for an ASCII `needle`.
#[inline]
pub(crate) fn split_once(s: &str, needle: u8) -> Option<(&str, &str)> {
    find(s, needle).map(|i| (&s[..i], &s[i + 1..]))
}

/// `s.split(needle)` for an ASCII `needle`.
#[inline]
pub(crate) fn split(s: &str, needle: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let current = rest?;
        match find(current, needle) {
            Some(i) => {
                rest = Some(&current[i + 1..]);
                Some(&current[..i])
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_across_word_boundaries() {
        let text = "abcdefghijklmnopqrstuvwxyz0123456789";
        for (i, b) in text.bytes().enumerate() {
            assert_eq!(find(text, b), Some(i));
        }
        assert_eq!(find(text, b'/'), None);
        assert_eq!(find("", b'/'), None);
        assert_eq!(find_any(text.as_bytes(), [b'z', b'k', b'9']), Some(10));
    }

    #[test]
    fn no_false_match_below_the_first() {
        // A zero byte followed by 0x01 is the classic false-positive pattern of the trick.
        let bytes = [0x20, 0x01, 0x00, 0x01, 0x21, 0x00, 0x01, 0x02, 0x00];
        assert_eq!(find_any(&bytes, [0x00]), Some(2));
        assert_eq!(find_any(&bytes, [0x01]), Some(1));
        assert_eq!(find_any(&bytes, [0x02]), Some(7));
        for needle in 0..=255u8 {
            let bytes: Vec<u8> = (0..=255u8).rev().collect();
            assert_eq!(
                find_any(&bytes, [needle]),
                bytes.iter().position(|&b| b == needle)
            );
        }
    }

    #[test]
    fn count_is_exact() {
        for needle in [0u8, 1, b'~', 0x80, 0xff] {
            let bytes: Vec<u8> = (0..=255u8).chain(0..=255u8).chain([needle; 5]).collect();
            assert_eq!(
                count(&bytes, needle),
                bytes.iter().filter(|&&b| b == needle).count()
            );
        }
        assert_eq!(count(b"t.a()~t.b()~t.c()", b'~'), 2);
        assert_eq!(
            split_short("a,,b", b',').collect::<Vec<_>>(),
            vec!["a", "", "b"]
        );
    }

    #[test]
    fn any_below_is_exact() {
        assert!(!any_below(b"https://cdn.pixelbin.io/v2/abc", 0x0e));
        assert!(any_below(b"https://cdn.pixelbin.io/v2/a\tbc", 0x0e));
        assert!(any_below(b"\n", 0x0e));
        for b in 0..=255u8 {
            let text = [b'a', b'b', b'c', b'd', b'e', b'f', b'g', b, b'i'];
            assert_eq!(any_below(&text, 0x0e), b < 0x0e, "{b}");
        }
    }

    #[test]
    fn split_matches_std() {
        for text in [
            "",
            "a",
            "~",
            "a~b",
            "~a~~b~",
            "t.resize(h:1)~t.flip()~erase.bg(shadow:true)",
        ] {
            assert_eq!(
                split(text, b'~').collect::<Vec<_>>(),
                text.split('~').collect::<Vec<_>>()
            );
            assert_eq!(split_once(text, b'~'), text.split_once('~'));
        }
    }

    #[test]
    fn non_ascii_text_is_sliced_on_boundaries() {
        let text = "é/ü/x";
        assert_eq!(split(text, b'/').collect::<Vec<_>>(), vec!["é", "ü", "x"]);
        assert!(contains_any(text.as_bytes(), [b'x']));
    }
}
