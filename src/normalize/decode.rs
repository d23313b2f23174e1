//! Bytes to text: byte-order marks, UTF-16, legacy encodings detected with
//! chardetng, every line ending turned into `\n`, and the characters XML 1.0
//! forbids removed, so nothing downstream has to think about encodings.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};

use super::Refusal;

/// Decodes a release file. Refuses binary data: NUL bytes outside UTF-16,
/// or control characters no text has that many of.
pub fn decode(bytes: &[u8]) -> Result<String, Refusal> {
    let text = if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        without_nul(
            encoding
                .decode_without_bom_handling(&bytes[bom_len..])
                .0
                .into_owned(),
        )?
    } else if !bytes.contains(&0) {
        // Most files: no NUL, so neither UTF-16 nor binary, and a text
        // decoded from them holds no NUL either.
        match std::str::from_utf8(bytes) {
            Ok(s) => s.to_owned(),
            Err(_) => decode_legacy(bytes),
        }
    } else if let Some(encoding) = sniff_utf16(bytes) {
        without_nul(encoding.decode_without_bom_handling(bytes).0.into_owned())?
    } else {
        return Err(Refusal::Binary);
    };
    if mostly_not_text(&text) {
        return Err(Refusal::Binary);
    }
    Ok(clean_text(text))
}

/// Whether more than one character in a hundred of `text` is a control
/// character that text does not use. Binary data without a NUL byte (one
/// file in 3,000 of random bytes has none) decodes as some legacy
/// encoding, and about a tenth of its characters are C0 controls. Text has
/// next to none: tabs, line ends and form feeds, the vertical tab some
/// word processors end a line with, a DOS end-of-file mark, and now and
/// then a stray one from a copy and paste. The rare legacy encodings that
/// put letters there (VISCII) are not among those chardetng detects.
fn mostly_not_text(text: &str) -> bool {
    // A tally over every byte (vectorised), not a search: C0 controls are
    // single bytes in UTF-8, and no byte of a longer character is one.
    let controls = text
        .bytes()
        .filter(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | 0x1A))
        .count();
    controls > 8 && controls * 100 > text.len()
}

/// Text in the encoding chardetng guesses for bytes that are not UTF-8.
fn decode_legacy(bytes: &[u8]) -> String {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let encoding = detector.guess(None, chardetng::Utf8Detection::Deny);
    let encoding = if encoding == UTF_8 {
        encoding_rs::WINDOWS_1252
    } else {
        encoding
    };
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

/// `text`, unless it holds a NUL: binary data behind a byte-order mark, or
/// UTF-16 that encodes NULs.
fn without_nul(text: String) -> Result<String, Refusal> {
    if text.contains('\0') {
        Err(Refusal::Binary)
    } else {
        Ok(text)
    }
}

/// UTF-16 without a byte-order mark: text in it has a NUL in almost every
/// other byte, on the same side. Anything less regular stays binary.
fn sniff_utf16(bytes: &[u8]) -> Option<&'static Encoding> {
    if bytes.len() < 8 || !bytes.len().is_multiple_of(2) {
        return None;
    }
    let pairs = bytes.len() / 2;
    let even_nul = bytes.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd_nul = bytes.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    let mostly = |n: usize| n * 10 >= pairs * 9;
    let rarely = |n: usize| n * 20 <= pairs;
    if mostly(odd_nul) && rarely(even_nul) {
        Some(UTF_16LE)
    } else if mostly(even_nul) && rarely(odd_nul) {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Unifies line endings and drops characters that XML 1.0 forbids (and the
/// C1 controls that only ever come from mis-decoded text).
pub fn clean_text(text: String) -> String {
    if !needs_cleaning(text.as_bytes()) {
        return text;
    }
    clean_chars(&text)
}

/// [`clean_text`] character by character, for text the byte scan flagged.
pub(super) fn clean_chars(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\n' | '\t' => out.push(c),
            '\u{2028}' | '\u{2029}' | '\u{85}' => out.push('\n'),
            c if is_xml_forbidden(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// A byte scan for anything [`clean_text`] would change: CR, control
/// characters, and the UTF-8 forms of C1 controls, U+2028/9, BOMs, U+FFFE/F.
fn needs_cleaning(bytes: &[u8]) -> bool {
    // A cheap test first, which almost every byte passes: a lead byte of
    // one of those forms, or a control character. It is made without
    // branches over 32 bytes at a time, so that clean text goes at the
    // speed of vector compares; only a chunk with a suspect is looked into.
    let suspect = |b: u8| {
        (b < 0x20 || b == 0x7F || b == 0xC2 || b == 0xE2 || b == 0xEF) && b != b'\n' && b != b'\t'
    };
    let mut offset = 0;
    for chunk in bytes.chunks(32) {
        if chunk.iter().fold(false, |any, &b| any | suspect(b)) {
            let found = chunk
                .iter()
                .enumerate()
                .any(|(i, &b)| suspect(b) && changes_at(bytes, offset + i));
            if found {
                return true;
            }
        }
        offset += chunk.len();
    }
    false
}

/// Would [`clean_text`] change the character that starts at `bytes[i]`?
fn changes_at(bytes: &[u8], i: usize) -> bool {
    match bytes[i] {
        b'\n' | b'\t' => false,
        0..=0x1F | 0x7F => true,
        0xC2 => bytes.get(i + 1).is_some_and(|n| (0x80..=0x9F).contains(n)),
        0xE2 => {
            bytes.get(i + 1) == Some(&0x80)
                && bytes.get(i + 2).is_some_and(|n| *n == 0xA8 || *n == 0xA9)
        }
        0xEF => matches!(
            (bytes.get(i + 1), bytes.get(i + 2)),
            (Some(0xBB), Some(0xBF)) | (Some(0xBF), Some(0xBE | 0xBF))
        ),
        _ => false,
    }
}

/// True for characters XML 1.0 does not allow (plus C1 controls and BOMs).
pub fn is_xml_forbidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{7F}'..='\u{9F}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom() {
        assert_eq!(decode("Perú".as_bytes()).expect("utf8"), "Perú");
        assert_eq!(decode(b"\xEF\xBB\xBFPer\xC3\xBA").expect("bom"), "Perú");
    }

    #[test]
    fn utf16_with_bom_either_order() {
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("Haïti – IOM".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("Haïti – IOM".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode(&le).expect("le"), "Haïti – IOM");
        assert_eq!(decode(&be).expect("be"), "Haïti – IOM");
    }

    #[test]
    fn utf16_without_bom_is_recognised() {
        let le: Vec<u8> = "Plain text release body"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(decode(&le).expect("le"), "Plain text release body");
    }

    #[test]
    fn windows_1252_is_detected() {
        // "Côte d’Ivoire – réfugiés" in windows-1252.
        let bytes =
            b"C\xF4te d\x92Ivoire \x96 les r\xE9fugi\xE9s sont arriv\xE9s \xE0 la fronti\xE8re";
        assert_eq!(
            decode(bytes).expect("1252"),
            "Côte d’Ivoire – les réfugiés sont arrivés à la frontière"
        );
    }

    #[test]
    fn line_endings_are_unified() {
        assert_eq!(decode(b"a\r\nb\rc\n").expect("text"), "a\nb\nc\n");
    }

    #[test]
    fn nul_bytes_mean_binary() {
        assert_eq!(
            decode(b"PK\x03\x04\x00\x00binary").expect_err("binary"),
            Refusal::Binary
        );
    }

    #[test]
    fn a_nul_decoded_from_utf16_or_behind_a_bom_means_binary() {
        let utf16le =
            |text: &str| -> Vec<u8> { text.encode_utf16().flat_map(u16::to_le_bytes).collect() };
        let with_bom = [&[0xFF, 0xFE][..], &utf16le("Title\0\nBody text")].concat();
        assert_eq!(decode(&with_bom).expect_err("binary"), Refusal::Binary);
        let without_bom = utf16le("A release title\nIts body\0 goes on");
        assert_eq!(decode(&without_bom).expect_err("binary"), Refusal::Binary);
        let utf8_bom = b"\xEF\xBB\xBFTitle\x00 body";
        assert_eq!(decode(utf8_bom).expect_err("binary"), Refusal::Binary);
        assert_eq!(
            decode(&utf16le("A release title\nIts body goes on")).expect("text"),
            "A release title\nIts body goes on"
        );
    }

    #[test]
    fn bytes_full_of_control_characters_mean_binary_and_a_few_do_not() {
        // Bytes as random as a compressed file's, without a NUL.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let noise: Vec<u8> = (0..2048)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8 | 1
            })
            .collect();
        assert_eq!(decode(&noise).expect_err("binary"), Refusal::Binary);

        let mut text = "A release title\n\nIts body, over many lines of text.\n".repeat(20);
        text.push_str("A page break\x0C and soft\x0Breturns\r\n\x1A");
        text.insert_str(100, "\x01\x02\x1F\x07");
        assert!(decode(text.as_bytes()).is_ok());
    }

    #[test]
    fn xml_forbidden_characters_are_removed() {
        assert_eq!(decode(b"a\x0Bb\x1Fc\x7F").expect("text"), "abc");
    }
}
