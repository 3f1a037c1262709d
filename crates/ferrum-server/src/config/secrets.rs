//! Refusing secrets that protect nothing: too short, a placeholder left from an example, or
//! a few characters repeated. Checked at start-up, so that a deployment never runs for a day
//! with `FERRUM_JWT_SECRET=change-me` before someone notices. It judges shape only; it cannot
//! tell a strong secret from a guessable one that happens to look random.

/// Words that mark a value as a placeholder, compared on the value's letters and digits only
/// (so `Change_Me` and `change-me` are both `changeme`).
const PLACEHOLDER_WORDS: &[&str] =
    &["changeme", "changeit", "replaceme", "placeholder", "secret", "password", "example", "default"];

/// Fewer distinct characters than this is a repetition (`xxxxxxxx…`, `abababab…`), not a secret.
const MIN_DISTINCT: usize = 6;

/// The values `.env.example` ships with; a deployment that copied it without changing a
/// value must not start.
const ENV_EXAMPLE: &str = include_str!("../../../../.env.example");

/// Why `value` cannot serve as a secret of at least `min_len` characters, if it cannot.
pub fn weakness(value: &str, min_len: usize) -> Option<String> {
    let chars = value.chars().count();
    if chars < min_len {
        return Some(format!("must be at least {min_len} characters (it has {chars})"));
    }
    if example_values().any(|example| example == value) {
        return Some("is the example value from .env.example; set a secret of your own".into());
    }
    let letters: String = value.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    if let Some(word) = PLACEHOLDER_WORDS.iter().find(|w| letters.contains(*w)) {
        return Some(format!("looks like a placeholder (it contains \"{word}\"); set a random value"));
    }
    let mut distinct: Vec<char> = value.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < MIN_DISTINCT {
        return Some(format!("repeats a few characters (only {} different ones); set a random value", distinct.len()));
    }
    None
}

fn example_values() -> impl Iterator<Item = &'static str> {
    ENV_EXAMPLE
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::weakness;

    #[test]
    fn a_random_hex_secret_is_accepted() {
        assert_eq!(weakness("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", 32), None);
    }

    #[test]
    fn a_passphrase_of_ordinary_words_is_accepted() {
        assert_eq!(weakness("correct-horse-battery", 10), None);
    }

    #[test]
    fn a_short_value_is_refused_with_the_length_needed() {
        let why = weakness("f3a9c1e7d2", 32).unwrap();
        assert!(why.contains("at least 32"), "{why}");
    }

    #[test]
    fn placeholders_are_refused_whatever_their_punctuation_and_case() {
        for value in [
            "change-me-change-me-change-me-change-me",
            "Change_Me_Please_To_Something_Random_0123",
            "my-super-secret-jwt-signing-key-for-prod",
            "replace-me-with-forty-random-characters!",
        ] {
            assert!(weakness(value, 32).unwrap().contains("placeholder"), "{value}");
        }
    }

    #[test]
    fn repeated_characters_are_refused() {
        assert!(weakness(&"x".repeat(40), 32).unwrap().contains("repeats"));
        assert!(weakness(&"ab".repeat(20), 32).unwrap().contains("repeats"));
    }

    #[test]
    fn the_example_secrets_of_env_example_are_refused_even_when_long_enough() {
        let example = |name: &str| {
            super::ENV_EXAMPLE
                .lines()
                .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix('=')))
                .unwrap_or_else(|| panic!("{name} is not in .env.example"))
                .trim()
        };
        for name in ["FERRUM_JWT_SECRET", "FERRUM_ADMIN_PASSWORD"] {
            assert!(weakness(example(name), 1).is_some(), "{name} of .env.example is accepted");
        }
    }
}
