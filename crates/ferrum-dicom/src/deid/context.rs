//! What makes one link's or one export's de-identification its own: a secret, from which
//! the new UIDs, the date offset and the patient pseudonyms are derived. The same secret
//! gives the same answers (a link's routes, an export's files agree with each other); two
//! secrets give unrelated ones, and nothing derived reveals an original value.
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The shift of dates lies in this many days before the original, at least a year: far
/// enough that a shifted date says nothing about the real one.
const SHIFT_MIN_DAYS: u32 = 365;
const SHIFT_SPAN_DAYS: u32 = 9 * 365;

/// The secret and the choices of one de-identification (a viewer link, an export).
#[derive(Clone)]
pub struct Context {
    secret: Vec<u8>,
    keep_burned_in: bool,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context").field("secret", &"<redacted>").field("keep_burned_in", &self.keep_burned_in).finish()
    }
}

impl Context {
    /// A context keyed by `secret` (random, at least 16 bytes, kept as long as the link or
    /// export that uses it).
    pub fn new(secret: impl Into<Vec<u8>>) -> Context {
        Context { secret: secret.into(), keep_burned_in: false }
    }

    /// Also de-identify objects that declare Burned In Annotation = YES. Their pixels may
    /// show a name or an ID that no header change removes: they are refused unless asked.
    pub fn keep_burned_in(mut self, keep: bool) -> Context {
        self.keep_burned_in = keep;
        self
    }

    pub fn keeps_burned_in(&self) -> bool {
        self.keep_burned_in
    }

    fn mac(&self, purpose: &str, value: &[u8]) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes a key of any length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(value);
        mac.finalize().into_bytes().into()
    }

    /// The new UID of `original`: `2.25.` and the decimal of 128 bits of an HMAC-SHA-256 of
    /// it (PS3.5 B.2, a UUID-derived UID; at most 44 characters). Padding is ignored.
    pub fn uid(&self, original: &str) -> String {
        let original = original.trim_end_matches(['\0', ' ']).trim_start();
        let mac = self.mac("uid", original.as_bytes());
        let bits = u128::from_be_bytes(mac[..16].try_into().expect("16 bytes"));
        format!("2.25.{bits}")
    }

    /// How many days every date is moved back.
    pub fn date_shift_days(&self) -> u32 {
        let mac = self.mac("date-shift", b"");
        SHIFT_MIN_DAYS + u32::from_be_bytes(mac[..4].try_into().expect("4 bytes")) % SHIFT_SPAN_DAYS
    }

    /// The dummy Patient ID of `original`: the same patient keeps one pseudonym within a
    /// link or an export (so that a DICOMDIR's patients stay apart), unrelated elsewhere.
    pub fn patient_pseudonym(&self, original: &str) -> String {
        let mac = self.mac("patient-id", original.trim().as_bytes());
        format!("ANON-{}", hex_upper(&mac[..6]))
    }

    /// A value that stands for `original` in ETags and names: stable within the context,
    /// unrelated to the original elsewhere.
    pub fn token(&self, original: &str) -> String {
        hex_upper(&self.mac("token", original.as_bytes())[..12]).to_ascii_lowercase()
    }
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use super::Context;

    #[test]
    fn uids_are_stable_within_a_context_and_differ_across_contexts() {
        let (a, b) =
            (Context::new(*b"first secret of 32 bytes........"), Context::new(*b"another secret of 32 bytes......"));
        assert_eq!(a.uid("1.2.3.4"), a.uid("1.2.3.4\0"), "padding does not change the UID");
        assert_ne!(a.uid("1.2.3.4"), a.uid("1.2.3.5"));
        assert_ne!(a.uid("1.2.3.4"), b.uid("1.2.3.4"));
        let uid = a.uid("1.2.3.4");
        assert!(uid.starts_with("2.25.") && uid.len() <= 44 && uid[5..].bytes().all(|c| c.is_ascii_digit()));
        assert!(!uid[5..].starts_with('0') || uid.len() == 6, "no leading zero: {uid}");
        assert_eq!(a.patient_pseudonym("PAT-1"), a.patient_pseudonym("PAT-1"));
        assert_ne!(a.patient_pseudonym("PAT-1"), b.patient_pseudonym("PAT-1"));
        let shift = a.date_shift_days();
        assert!((365..365 * 10).contains(&shift), "{shift}");
    }
}
