//! Folding text for case- and accent-insensitive search, the same in Rust for both catalogs
//! (SQL's `lower()` differs between them: SQLite's is ASCII-only).
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The kana voicing marks: combining, but they make a different sound (か/が), so they stay.
fn keeps_mark(c: char) -> bool {
    matches!(c, '\u{3099}' | '\u{309A}')
}

/// Letters that carry no decomposable accent but that people type without it.
fn spelled_out(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' | 'ẞ' => "ss",
        'æ' | 'Æ' => "ae",
        'œ' | 'Œ' => "oe",
        'ø' | 'Ø' => "o",
        'đ' | 'Đ' | 'ð' | 'Ð' => "d",
        'ł' | 'Ł' => "l",
        'þ' | 'Þ' => "th",
        'ı' => "i",
        _ => return None,
    })
}

/// Lower-cases and strips accents, keeping every script as it is: `MÜLLER` and `Müller` →
/// `muller`, `Strauß` → `strauss`, `山田` stays `山田`, `やまだ` stays `やまだ`. Compatibility
/// forms are unified too (full-width `ＡＢＣ` → `abc`, half-width katakana → full-width).
pub fn fold(text: &str) -> String {
    let stripped: String = text.nfkd().filter(|c| !is_combining_mark(*c) || keeps_mark(*c)).collect();
    let mut out = String::with_capacity(stripped.len());
    for c in stripped.nfc() {
        match spelled_out(c) {
            Some(s) => out.push_str(s),
            None => out.extend(c.to_lowercase()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folding_drops_case_and_accents_only() {
        assert_eq!(fold("MÜLLER^Zoë"), "muller^zoe");
        assert_eq!(fold("Müller"), fold("MULLER"));
        assert_eq!(fold("Strauß"), "strauss");
        assert_eq!(fold("ØSTERGÅRD"), "ostergard");
        assert_eq!(fold("山田^太郎=やまだ^たろう"), "山田^太郎=やまだ^たろう");
        assert_eq!(fold("ＹＡＭＡＤＡ"), "yamada");
        assert_eq!(fold("ｶﾞ"), "ガ", "half-width kana with its voicing mark becomes one full-width kana");
        assert_eq!(fold("홍길동"), "홍길동", "Hangul stays composed");
        assert_eq!(fold("ΣΩΚΡΆΤΗΣ"), "σωκρατησ");
    }
}
