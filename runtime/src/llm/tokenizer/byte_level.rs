//! GPT-2's reversible mapping between bytes and printable characters.

/// The character that byte-level BPE vocabularies use for `byte`.
pub fn byte_to_char(byte: u8) -> char {
    BYTE_TO_CHAR.with(|t| t[byte as usize])
}

/// The byte a byte-level character stands for, or `None` for other characters.
pub fn char_to_byte(c: char) -> Option<u8> {
    let code = c as u32;
    if code < 256 && is_printable(code as u8) {
        return Some(code as u8);
    }
    (256..256 + 68)
        .contains(&code)
        .then(|| BYTE_TO_CHAR.with(|t| t.iter().position(|&x| x == c).map(|b| b as u8)))
        .flatten()
}

/// Decodes a byte-level token string to raw bytes; `None` if it has other characters.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    text.chars().map(char_to_byte).collect()
}

/// Bytes that map to themselves: `!`..`~`, `¡`..`¬`, `®`..`ÿ`.
fn is_printable(b: u8) -> bool {
    matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF)
}

thread_local! {
    static BYTE_TO_CHAR: [char; 256] = {
        let mut table = ['\0'; 256];
        let mut next = 256u32;
        for b in 0..=255u8 {
            table[b as usize] = if is_printable(b) {
                b as char
            } else {
                let c = char::from_u32(next).expect("256..324 are valid chars");
                next += 1;
                c
            };
        }
        table
    };
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
        assert_eq!(decode("Ġhello").unwrap(), b" hello");
    }
}
