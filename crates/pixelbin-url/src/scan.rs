//! Byte scanning for the hot paths. URL delimiters are ASCII, so a byte position found here
//! is always a `char` boundary and slicing the `str` there is valid. These loops avoid the
//! per-call set-up of `str::find(char)`, which dominates on short, many-times-split text,
//! and look at 8 bytes per step (SWAR: [`find_any`], [`ascii_run`]) on longer text, or 16 at
//! a time with [`find_first`], whose test the compiler turns into vector code.

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
#[allow(
    clippy::manual_contains,
    reason = "`contains` on bytes calls `memchr`, several times slower on a few needles"
)]
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
        .position(|&b| needles.iter().any(|&n| n == b))
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

/// `0x7f` in each byte: added to a byte below `0x80`, it sets the byte's high bit exactly when
/// the byte is not zero, and carries no further.
const LOWS: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// Flags (high bit of each byte) of the bytes of `word` equal to `c`. Exact, for bytes below
/// `0x80`; above a byte of `0x80` or more, flags are unreliable.
#[inline(always)]
pub(crate) fn equal(word: u64, c: u8) -> u64 {
    let x = word ^ ONES.wrapping_mul(u64::from(c));
    !(x.wrapping_add(LOWS) | x) & HIGHS
}

/// Flags of the bytes of `word` in `lo..=hi` (`hi` below `0x80`). Exact for bytes below `0x80`;
/// above a byte of `0x80` or more, flags are unreliable.
#[inline(always)]
pub(crate) fn in_range(word: u64, lo: u8, hi: u8) -> u64 {
    // High bit set when the byte is at least `lo`, and when it is above `hi`.
    let from_lo = word.wrapping_add(ONES.wrapping_mul(u64::from(0x80 - lo)));
    let above_hi = word.wrapping_add(ONES.wrapping_mul(u64::from(0x7f - hi)));
    from_lo & !above_hi & HIGHS
}

/// How many bytes at the start of `bytes` are ASCII and flagged by `class`, a function of
/// [`equal`] and [`in_range`] flags. Eight bytes per step; the last, partial word is padded
/// with a non-ASCII byte. Where a byte of `0x80` or more makes the flags above it
/// unreliable, that byte ends the run first, so the answer is exact.
#[inline(always)]
pub(crate) fn ascii_run(bytes: &[u8], class: impl Fn(u64) -> u64) -> usize {
    let run_in = |word: u64| (!class(word) | word) & HIGHS;
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let end = run_in(u64::from_le_bytes(word));
        if end != 0 {
            return offset + (end.trailing_zeros() / 8) as usize;
        }
        offset += 8;
    }
    let tail = chunks.remainder();
    let mut word = [0x80u8; 8];
    word[..tail.len()].copy_from_slice(tail);
    let end = run_in(u64::from_le_bytes(word));
    offset + (end.trailing_zeros() / 8) as usize
}

/// Bytes per block of [`find_first`].
const BLOCK: usize = 16;

/// Position of the first byte of `bytes` for which `hit` holds.
///
/// `hit` must test without branching (combine tests with `|`, not `||`, and use no lookup
/// table), so that it folds into vector code. Only the block holding the first hit is looked
/// at byte by byte; a last, partial block is read overlapping the one before, whose bytes are
/// known not to hit. Text shorter than a block is looked at byte by byte.
#[inline(always)]
pub(crate) fn find_first(bytes: &[u8], hit: impl Fn(u8) -> bool + Copy) -> Option<usize> {
    if bytes.len() < BLOCK {
        return bytes.iter().position(|&b| hit(b));
    }
    let mut offset = 0;
    while let Some(block) = bytes[offset..].first_chunk::<BLOCK>() {
        if let Some(i) = find_in_block(block, hit) {
            return Some(offset + i);
        }
        offset += BLOCK;
    }
    if offset == bytes.len() {
        return None;
    }
    let block = bytes.last_chunk::<BLOCK>()?;
    let last = bytes.len() - BLOCK;
    find_in_block(block, hit).map(|i| last + i)
}

/// [`find_first`] within one block.
#[inline(always)]
fn find_in_block(block: &[u8; BLOCK], hit: impl Fn(u8) -> bool + Copy) -> Option<usize> {
    if block.iter().fold(false, |found, &b| found | hit(b)) {
        block.iter().position(|&b| hit(b))
    } else {
        None
    }
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

/// `s.strip_prefix(byte)` for an ASCII `byte`, as one comparison (the general `char` pattern
/// costs more on these hot paths).
#[inline(always)]
pub(crate) fn strip_byte(s: &str, byte: u8) -> Option<&str> {
    match s.as_bytes().first() {
        Some(&first) if first == byte => s.get(1..),
        _ => None,
    }
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
    fn find_first_is_exact() {
        let special = |b: u8| (b == b'?') | (b == b'#') | (b < 0x0e);
        for len in [0, 1, 15, 16, 17, 31, 32, 33, 40] {
            for b in 0..=255u8 {
                for at in 0..len {
                    let mut text = vec![b'a'; len];
                    text[at] = b;
                    let expected = special(b).then_some(at);
                    assert_eq!(find_first(&text, special), expected, "{b} at {at} of {len}");
                }
            }
            assert_eq!(find_first(&vec![b'a'; len], special), None);
        }
        // The first of several hits, in every block position.
        for len in [16, 20, 32, 45] {
            for first in 0..len {
                let mut text = vec![b'a'; len];
                text[first..].fill(b'#');
                assert_eq!(find_first(&text, special), Some(first), "{first} of {len}");
            }
        }
    }

    #[test]
    fn ascii_runs_are_exact() {
        let class = |w: u64| {
            in_range(w | ONES.wrapping_mul(0x20), b'a', b'z')
                | in_range(w, b'0', b'9')
                | equal(w, b'_')
                | equal(w, b'-')
        };
        let scalar = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        for len in 0..20 {
            for b in 0..=255u8 {
                for at in 0..len {
                    let mut text = vec![b'a'; len];
                    text[at] = b;
                    // A byte after the one tested, to catch flags carried upwards.
                    if at + 1 < len {
                        text[at + 1] = 0xff;
                    }
                    let expected = text.iter().position(|&b| !scalar(b)).unwrap_or(len);
                    assert_eq!(ascii_run(&text, class), expected, "{b} at {at} of {len}");
                }
            }
        }
        for b in 0..=255u8 {
            let word = u64::from(b) << 24;
            assert_eq!(equal(word, b'/') >> 31 & 1 == 1, b == b'/', "{b}");
            assert_eq!(
                in_range(word, b'0', b'9') >> 31 & 1 == 1,
                b.is_ascii_digit(),
                "{b}"
            );
        }
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
    fn strip_byte_matches_std() {
        for text in ["", "(", "(a", "a(", "é", "(é"] {
            assert_eq!(strip_byte(text, b'('), text.strip_prefix('('), "{text}");
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
