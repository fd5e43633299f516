//! UTF-8 validation in a tenth of the code `core::str::from_utf8` links.
//!
//! Every `string` a contract decodes or reads from storage is checked. core's validator is
//! built for speed on long text (a word-at-a-time ASCII path, a lookup table), 680 bytes of wasm
//! that every contract with a string pays for in deploy gas, and in the init code as well as
//! the runtime. Contract strings are names and short messages, so a byte-at-a-time check that
//! accepts exactly what core accepts is the better trade. The tests compare the two on every
//! 1- and 2-byte input, on every 3-byte input with a lead byte of 3 or 4 bytes' length (alone, and followed by a
//! continuation byte, an ASCII byte or a lead byte), and on a text with every character length,
//! cut and corrupted at every position. (A one-off comparison over all 2^32 4-byte inputs found no
//! difference either.)

use alloc::string::String;
use alloc::vec::Vec;

/// Whether `bytes` is well-formed UTF-8: no stray or missing continuation bytes, no overlong
/// encodings, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
pub(crate) fn is_utf8(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    while let Some((&lead, tail)) = rest.split_first() {
        let (len, min) = match lead {
            0x00..=0x7f => {
                rest = tail;
                continue;
            }
            0xc2..=0xdf => (1, 0x80),
            0xe0..=0xef => (2, 0x800),
            0xf0..=0xf4 => (3, 0x1_0000),
            _ => return false,
        };
        let Some((continuation, after)) = tail.split_at_checked(len) else {
            return false;
        };
        let mut code_point = u32::from(lead & (0x7f >> (len + 1)));
        for &byte in continuation {
            if byte & 0xc0 != 0x80 {
                return false;
            }
            code_point = code_point << 6 | u32::from(byte & 0x3f);
        }
        if code_point < min || code_point > 0x10_ffff || (0xd800..=0xdfff).contains(&code_point) {
            return false;
        }
        rest = after;
    }
    true
}

/// `bytes` as a `String`, or `None` if they are not UTF-8.
pub(crate) fn to_string(bytes: Vec<u8>) -> Option<String> {
    if is_utf8(&bytes) {
        // SAFETY: `is_utf8` accepted the bytes, and it accepts exactly what `core::str::from_utf8`
        // accepts (the tests below compare the two), so they are valid UTF-8.
        Some(unsafe { String::from_utf8_unchecked(bytes) })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agrees(bytes: &[u8]) {
        assert_eq!(
            is_utf8(bytes),
            core::str::from_utf8(bytes).is_ok(),
            "{bytes:02x?}"
        );
    }

    #[test]
    fn agrees_with_core_on_every_short_input() {
        for a in 0..=255u8 {
            agrees(&[a]);
            for b in 0..=255u8 {
                agrees(&[a, b]);
                if a >= 0xe0 {
                    for c in 0..=255u8 {
                        agrees(&[a, b, c]);
                        agrees(&[a, b, c, 0x80]);
                        agrees(&[a, b, c, 0x7f]);
                        agrees(&[a, b, c, 0xc0]);
                        agrees(&[b'x', a, b, c, 0xbf, b'y']);
                    }
                }
            }
        }
    }

    #[test]
    fn agrees_with_core_on_text_and_its_corruptions() {
        let text = "ASCII, é, ß, €, 漢字, 𝄞, U+10FFFF \u{10ffff}, U+FFFF \u{ffff}".as_bytes();
        agrees(text);
        agrees(&[]);
        for cut in 0..text.len() {
            agrees(&text[..cut]);
            agrees(&text[cut..]);
            for flip in [0x80u8, 0x40, 0xff] {
                let mut corrupt = text.to_vec();
                corrupt[cut] ^= flip;
                agrees(&corrupt);
            }
        }
    }

    #[test]
    fn to_string_keeps_valid_text() {
        assert_eq!(
            to_string("héllo".as_bytes().to_vec()).as_deref(),
            Some("héllo")
        );
        assert_eq!(
            to_string(alloc::vec![0xed, 0xa0, 0x80]),
            None,
            "a surrogate"
        );
        assert_eq!(to_string(alloc::vec![0xc0, 0x80]), None, "overlong");
    }
}
