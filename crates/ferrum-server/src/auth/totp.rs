//! The TOTP second factor (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, one step of
//! clock skew either way) and its one-time recovery codes. Secrets are credentials: they are
//! shown once to their owner at enrolment and never logged.
use rand::RngCore;
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Secret, Totp};

/// What the account's authenticator app is told the codes are for.
const ISSUER: &str = "Ferrum PACS";
/// Recovery codes made at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// 16 characters of a 32-letter alphabet: 80 random bits, so a salted SHA-256 suffices.
const RECOVERY_LEN: usize = 16;
const RECOVERY_ALPHABET: &[u8; 32] = b"abcdefghjkmnpqrstuvwxyz023456789";

/// A new random secret (160 bits, as RFC 4226 recommends), base32 as apps take it.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::thread_rng().fill_bytes(&mut bytes);
    Secret::from(bytes).to_base32()
}

fn totp(secret_base32: &str, account: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret_base32).ok()?;
    Builder::new().with_secret(secret).with_account_name(account).with_issuer(Some(ISSUER)).build().ok()
}

/// The `otpauth://` URL an authenticator app reads from the QR code.
pub fn otpauth_url(secret_base32: &str, account: &str) -> Option<String> {
    totp(secret_base32, account)?.to_url().ok()
}

/// The QR code of `url` as an SVG document, rendered here (no outside service sees it).
pub fn qr_svg(url: &str) -> Option<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .dark_color(qrcode::render::svg::Color("#000000"))
            .light_color(qrcode::render::svg::Color("#ffffff"))
            .build(),
    )
}

/// Whether `code` looks like a TOTP code (six digits, spaces allowed) rather than a
/// recovery code.
pub fn looks_like_totp(code: &str) -> bool {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The time step `code` is right for at `unix_secs` (within one step either way), if any.
/// The caller must still refuse a step accepted before (`MfaCatalog::claim_totp_step`).
pub fn check(secret_base32: &str, code: &str, unix_secs: u64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let totp = totp(secret_base32, "account")?;
    totp.check(&code, unix_secs).and_then(|step| i64::try_from(step).ok())
}

pub fn now_secs() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}

/// Ten new recovery codes as shown to their owner (`abcd-efgh-jkmn-pqrs`).
pub fn new_recovery_codes() -> Vec<String> {
    let mut rng = rand::thread_rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; RECOVERY_LEN];
            rng.fill_bytes(&mut bytes);
            let chars: Vec<char> = bytes.iter().map(|b| RECOVERY_ALPHABET[usize::from(b & 31)] as char).collect();
            chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
        })
        .collect()
}

/// How a recovery code is kept: SHA-256 over the account id and the code as typed with
/// case, dashes and spaces ignored.
pub fn recovery_hash(user_id: i64, code: &str) -> String {
    let normal: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    let mut h = Sha256::new();
    h.update(b"ferrum recovery code v1\0");
    h.update(user_id.to_be_bytes());
    h.update(normal.as_bytes());
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_right_for_its_step_and_the_neighbours_only() {
        let secret = new_secret();
        let t = totp(&secret, "a").unwrap();
        let at = 1_800_000_000u64;
        let code = t.generate(at).to_string();
        assert_eq!(check(&secret, &code, at), Some((at / 30) as i64));
        assert!(check(&secret, &code, at + 30).is_some(), "one step of skew");
        assert_eq!(check(&secret, &code, at + 90), None);
        assert!(looks_like_totp(&code) && !looks_like_totp("abcd-efgh-jkmn-pqrs"));
    }

    #[test]
    fn recovery_codes_are_distinct_and_hash_alike_however_typed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        assert_eq!(codes[0].len(), 19);
        let set: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(set.len(), 10);
        assert_eq!(recovery_hash(1, &codes[0]), recovery_hash(1, &codes[0].to_uppercase().replace('-', " ")));
        assert_ne!(recovery_hash(1, &codes[0]), recovery_hash(2, &codes[0]));
    }

    #[test]
    fn the_qr_code_is_an_svg_of_the_otpauth_url() {
        let url = otpauth_url(&new_secret(), "alice").unwrap();
        assert!(url.starts_with("otpauth://totp/"), "{url}");
        assert!(qr_svg(&url).unwrap().contains("<svg"));
    }
}
