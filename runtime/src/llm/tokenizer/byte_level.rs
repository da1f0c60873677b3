//! GPT-2's reversible mapping between bytes and printable characters.

use std::sync::OnceLock;

/// First code point used for bytes that are not printable themselves.
const SHIFTED_BASE: u32 = 256;
/// Number of bytes that are not printable themselves.
const SHIFTED_COUNT: usize = 68;

/// Both directions of the mapping.
struct Tables {
    byte_to_char: [char; 256],
    /// Byte for code point `SHIFTED_BASE + i`.
    shifted_to_byte: [u8; SHIFTED_COUNT],
}

/// The mapping tables, built once.
fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut byte_to_char = ['\0'; 256];
        let mut shifted_to_byte = [0u8; SHIFTED_COUNT];
        let mut next = 0usize;
        for b in 0..=255u8 {
            byte_to_char[b as usize] = if is_printable(b) {
                b as char
            } else {
                shifted_to_byte[next] = b;
                let c = char::from_u32(SHIFTED_BASE + next as u32).expect("256..324 are chars");
                next += 1;
                c
            };
        }
        Tables {
            byte_to_char,
            shifted_to_byte,
        }
    })
}

/// The character that byte-level BPE vocabularies use for `byte`.
pub fn byte_to_char(byte: u8) -> char {
    tables().byte_to_char[byte as usize]
}

/// The byte a byte-level character stands for, or `None` for other characters.
pub fn char_to_byte(c: char) -> Option<u8> {
    let code = c as u32;
    if code < 256 && is_printable(code as u8) {
        return Some(code as u8);
    }
    let shifted = code.checked_sub(SHIFTED_BASE)? as usize;
    tables().shifted_to_byte.get(shifted).copied()
}

/// Decodes a byte-level token string to raw bytes; `None` if it has other characters.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    text.chars().map(char_to_byte).collect()
}

/// Bytes that map to themselves: `!`..`~`, `¡`..`¬`, `®`..`ÿ`.
fn is_printable(b: u8) -> bool {
    matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_is_a_bijection() {
        assert_eq!(byte_to_char(b' '), 'Ġ');
        assert_eq!(byte_to_char(b'\n'), 'Ċ');
        for b in 0..=255u8 {
            assert_eq!(char_to_byte(byte_to_char(b)), Some(b));
        }
        assert_eq!(char_to_byte('€'), None);
        assert_eq!(char_to_byte(char::from_u32(256 + 68).unwrap()), None);
        assert_eq!(decode("Ġhello").unwrap(), b" hello");
    }
}
