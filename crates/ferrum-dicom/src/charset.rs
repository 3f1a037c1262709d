//! Text in the declared Specific Character Set (0008,0005), PS3.5 6.1.
//!
//! Single-byte and UTF-8 character sets are decoded in one step. Values that use the ISO 2022
//! code extensions (Japanese `\ISO 2022 IR 87`, Korean `\ISO 2022 IR 149`, mixed Latin) switch
//! character sets in mid-string with escape sequences, so they are decoded by a small state
//! machine here: the parser underneath decodes such values as if they were Latin-1 and
//! [`recover_bytes`] turns that back into the original bytes.
use encoding_rs::{
    Encoding, EUC_JP, EUC_KR, GB18030, GBK, ISO_2022_JP, ISO_8859_2, ISO_8859_3, ISO_8859_4, ISO_8859_5, ISO_8859_6,
    ISO_8859_7, ISO_8859_8, SHIFT_JIS, UTF_8, WINDOWS_1252, WINDOWS_1254, WINDOWS_874,
};

const ESC: u8 = 0x1b;

/// Normalises one Defined Term of (0008,0005): `ISO_IR 100`, `ISO 2022 IR 100` → `IR 100`.
pub(crate) fn term(code: &str) -> String {
    let c = code.trim().to_ascii_uppercase().replace('_', " ");
    match c.strip_prefix("ISO 2022 ").or_else(|| c.strip_prefix("ISO ")) {
        Some(rest) => rest.to_owned(),
        None => c,
    }
}

/// True when the declared character sets use ISO 2022 code extensions (escape sequences).
pub fn uses_code_extensions(charsets: &[String]) -> bool {
    charsets.len() > 1 || charsets.iter().any(|c| c.trim().to_ascii_uppercase().starts_with("ISO 2022"))
}

/// The single-byte or multi-byte encoding a Defined Term names without code extensions.
pub(crate) fn plain_encoding(term: &str) -> Option<&'static Encoding> {
    Some(match term {
        "" | "IR 6" | "IR 100" => WINDOWS_1252,
        "IR 101" => ISO_8859_2,
        "IR 109" => ISO_8859_3,
        "IR 110" => ISO_8859_4,
        "IR 144" => ISO_8859_5,
        "IR 127" => ISO_8859_6,
        "IR 126" => ISO_8859_7,
        "IR 138" => ISO_8859_8,
        "IR 148" => WINDOWS_1254,
        "IR 13" => SHIFT_JIS,
        "IR 166" => WINDOWS_874,
        "IR 192" => UTF_8,
        "IR 149" => EUC_KR,
        "IR 87" => ISO_2022_JP,
        "GB18030" => GB18030,
        "GBK" | "IR 58" | "GB2312" => GBK,
        _ => return None,
    })
}

/// Turns the string the parser produced back into the value's bytes. The parser decodes
/// with the first declared character set only; for the Latin-1 family that mapping is
/// one byte per character and so exactly reversible.
pub fn recover_bytes(decoded: &str, charsets: &[String]) -> Vec<u8> {
    let first = charsets.first().map(|c| term(c)).unwrap_or_default();
    let latin1 = || -> Option<Vec<u8>> { decoded.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect() };
    match first.as_str() {
        "" | "IR 6" | "IR 100" => latin1().unwrap_or_else(|| decoded.as_bytes().to_vec()),
        other => match plain_encoding(other) {
            Some(enc) => enc.encode(decoded).0.into_owned(),
            None => latin1().unwrap_or_else(|| decoded.as_bytes().to_vec()),
        },
    }
}

/// Decodes a value's bytes in the declared character sets.
pub fn decode(bytes: &[u8], charsets: &[String]) -> String {
    if !uses_code_extensions(charsets) {
        let t = charsets.first().map(|c| term(c)).unwrap_or_default();
        let enc = plain_encoding(&t).unwrap_or(WINDOWS_1252);
        return enc.decode_without_bom_handling(bytes).0.into_owned();
    }
    Iso2022::new(charsets).decode(bytes)
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum G0 {
    Ascii,
    JisX0208,
    JisX0212,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum G1 {
    None,
    SingleByte(&'static Encoding),
    Katakana,
    KsX1001,
    Gb2312,
}

struct Iso2022 {
    initial: (G0, G1),
}

impl Iso2022 {
    fn new(charsets: &[String]) -> Self {
        let first = charsets.first().map(|c| term(c)).unwrap_or_default();
        let g1 = match first.as_str() {
            "IR 100" => G1::SingleByte(WINDOWS_1252),
            "IR 13" => G1::Katakana,
            "IR 149" => G1::KsX1001,
            "IR 58" => G1::Gb2312,
            "" | "IR 6" => G1::None,
            other => plain_encoding(other).map_or(G1::None, G1::SingleByte),
        };
        Iso2022 { initial: (G0::Ascii, g1) }
    }

    fn decode(&self, bytes: &[u8]) -> String {
        let (mut g0, mut g1) = self.initial;
        let mut out = String::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b == ESC {
                let rest = &bytes[i + 1..];
                let (consumed, change) = escape(rest);
                match change {
                    Some(Designation::Zero(n)) => g0 = n,
                    Some(Designation::One(n)) => g1 = n,
                    None => {}
                }
                i += 1 + consumed;
                continue;
            }
            if b < 0x80 {
                let two_byte = matches!(g0, G0::JisX0208 | G0::JisX0212);
                if two_byte && (0x21..0x7f).contains(&b) && i + 1 < bytes.len() {
                    let pair = [b | 0x80, bytes[i + 1] | 0x80];
                    let text = if g0 == G0::JisX0212 {
                        EUC_JP.decode_without_bom_handling(&[0x8f, pair[0], pair[1]]).0.into_owned()
                    } else {
                        EUC_JP.decode_without_bom_handling(&pair).0.into_owned()
                    };
                    out.push_str(&text);
                    i += 2;
                } else {
                    out.push(char::from(b));
                    i += 1;
                }
                continue;
            }
            match g1 {
                G1::KsX1001 | G1::Gb2312 if i + 1 < bytes.len() => {
                    let enc = if g1 == G1::KsX1001 { EUC_KR } else { GBK };
                    out.push_str(&enc.decode_without_bom_handling(&bytes[i..i + 2]).0);
                    i += 2;
                }
                G1::Katakana => {
                    out.push_str(&SHIFT_JIS.decode_without_bom_handling(&[b]).0);
                    i += 1;
                }
                G1::SingleByte(enc) => {
                    out.push_str(&enc.decode_without_bom_handling(&[b]).0);
                    i += 1;
                }
                _ => {
                    out.push(char::REPLACEMENT_CHARACTER);
                    i += 1;
                }
            }
        }
        out
    }
}

enum Designation {
    Zero(G0),
    One(G1),
}

/// Reads the escape sequence after ESC; answers how many bytes it took and what it designates.
fn escape(rest: &[u8]) -> (usize, Option<Designation>) {
    use Designation::*;
    let single = |final_byte: u8| -> Option<&'static Encoding> {
        Some(match final_byte {
            b'A' => WINDOWS_1252,
            b'B' => ISO_8859_2,
            b'C' => ISO_8859_3,
            b'D' => ISO_8859_4,
            b'L' => ISO_8859_5,
            b'G' => ISO_8859_6,
            b'F' => ISO_8859_7,
            b'H' => ISO_8859_8,
            b'M' => WINDOWS_1254,
            b'T' => WINDOWS_874,
            _ => return None,
        })
    };
    match rest {
        [b'(', b'B' | b'J', ..] => (2, Some(Zero(G0::Ascii))),
        [b')', b'I', ..] => (2, Some(One(G1::Katakana))),
        [b'$', b'B', ..] | [b'$', b'@', ..] => (2, Some(Zero(G0::JisX0208))),
        [b'$', b'(', b'D', ..] => (3, Some(Zero(G0::JisX0212))),
        [b'$', b')', b'C', ..] => (3, Some(One(G1::KsX1001))),
        [b'$', b')', b'A', ..] => (3, Some(One(G1::Gb2312))),
        [b'-', f, ..] => (2, single(*f).map(|e| One(G1::SingleByte(e)))),
        [_, _, ..] => (2, None),
        _ => (rest.len(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cs(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn japanese_iso_2022_ir_87_example_of_ps3_5_h_3_1() {
        let mut bytes = b"Yamada^Tarou=".to_vec();
        for (jis, sep) in [(&b";3ED"[..], &b"^"[..]), (b"B@O:", b"="), (b"$d$^$@", b"^"), (b"$?$m$&", b"")] {
            bytes.extend_from_slice(b"\x1b$B");
            bytes.extend_from_slice(jis);
            bytes.extend_from_slice(b"\x1b(B");
            bytes.extend_from_slice(sep);
        }
        let name = decode(&bytes, &cs(&["", "ISO 2022 IR 87"]));
        assert_eq!(name, "Yamada^Tarou=山田^太郎=やまだ^たろう");
    }

    #[test]
    fn korean_iso_2022_ir_149_example_of_ps3_5_i_2() {
        let mut bytes = b"Hong^Gildong=".to_vec();
        bytes.extend_from_slice(b"\x1b$)C\xfb\xf3^\x1b$)C\xd1\xce\xd4\xd7=\x1b$)C\xc8\xab^\x1b$)C\xb1\xe6\xb5\xbf");
        assert_eq!(decode(&bytes, &cs(&["", "ISO 2022 IR 149"])), "Hong^Gildong=洪^吉洞=홍^길동");
    }

    #[test]
    fn latin1_and_utf8_decode_in_one_step() {
        assert_eq!(decode(b"M\xfcller^J\xfcrgen", &cs(&["ISO_IR 100"])), "Müller^Jürgen");
        assert_eq!(decode("Müller".as_bytes(), &cs(&["ISO_IR 192"])), "Müller");
        assert_eq!(decode(b"Smith^John", &[]), "Smith^John");
    }

    #[test]
    fn latin1_recovery_is_exact() {
        let original = b"\x1b$)C\xfb\xf3^x";
        let as_parsed: String = original.iter().map(|&b| char::from(b)).collect();
        assert_eq!(recover_bytes(&as_parsed, &cs(&["", "ISO 2022 IR 149"])), original);
    }
}
