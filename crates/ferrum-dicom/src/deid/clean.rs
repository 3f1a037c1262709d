//! Clean Descriptors: free text the profile keeps "cleaned" (descriptions, comments,
//! protocol names) with what identifies removed. Free text cannot be understood here, so the
//! cleaning is conservative and mechanical:
//!
//! - every value the profile removes or replaces in the same object (names, IDs, accession
//!   number, institution, addresses, dates, …), and each part of every person name, is
//!   searched for as a whole word, ignoring case, and replaced by `*`;
//! - every run of digits and `.`, `/`, `-` holding four digits or more (dates, record
//!   numbers, telephone numbers) is replaced by `*`.
//!
//! What it cannot find is a name or number that appears nowhere else in the object's header
//! and has fewer than four digits; the README says so.

/// The words and phrases to remove from cleaned text, gathered from one object.
#[derive(Debug, Default)]
pub(crate) struct Identifiers {
    phrases: Vec<String>,
}

impl Identifiers {
    /// `value` as removed from the object (and, for a person name, each of its parts).
    pub(crate) fn add(&mut self, value: &str, person_name: bool) {
        let value = value.trim_end_matches(['\0', ' ']).trim();
        self.push(value);
        if person_name {
            for part in value.split(['^', '=', ' ', ',']) {
                self.push(part);
            }
        }
    }

    fn push(&mut self, phrase: &str) {
        let phrase = phrase.trim().to_lowercase();
        // Shorter than two letters would wipe out initials and units ("M", "L").
        if phrase.chars().filter(|c| c.is_alphanumeric()).count() >= 2 && !self.phrases.contains(&phrase) {
            self.phrases.push(phrase);
        }
    }

    /// `text` without the identifiers and long digit runs.
    pub(crate) fn clean(&self, text: &str) -> String {
        let mut out = text.to_owned();
        // Longest first, so that a whole name goes before its parts.
        let mut phrases: Vec<&String> = self.phrases.iter().collect();
        phrases.sort_by_key(|p| std::cmp::Reverse(p.len()));
        for phrase in phrases {
            out = replace_words(&out, phrase);
        }
        scrub_digit_runs(&out).trim().to_owned()
    }
}

/// `text` with each whole-word, case-insensitive occurrence of `phrase` (already lowercase)
/// replaced by `*`.
fn replace_words(text: &str, phrase: &str) -> String {
    let lower = text.to_lowercase();
    // Lowercasing may change byte lengths (rare scripts): then match on the original.
    let haystack = if lower.len() == text.len() { lower.as_str() } else { text };
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(found) = haystack[at..].find(phrase) {
        let start = at + found;
        let end = start + phrase.len();
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        if before.is_some_and(char::is_alphanumeric) || after.is_some_and(char::is_alphanumeric) {
            let next = start + text[start..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&text[at..next]);
            at = next;
            continue;
        }
        out.push_str(&text[at..start]);
        out.push('*');
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

fn scrub_digit_runs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.bytes().filter(u8::is_ascii_digit).count() >= 4 {
            out.push('*');
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() || (matches!(c, '.' | '/' | '-') && !run.is_empty()) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::Identifiers;

    #[test]
    fn names_ids_and_dates_are_removed_from_descriptions() {
        let mut ids = Identifiers::default();
        ids.add("DOE^JANE^Q", true);
        ids.add("MRN-778899", false);
        ids.add("St. Elsewhere Hospital", false);
        assert_eq!(ids.clean("CT head for Jane Doe (MRN-778899)"), "CT head for * * (*)");
        assert_eq!(ids.clean("Follow-up 15.03.2024 at St. Elsewhere Hospital"), "Follow-up * at *");
        assert_eq!(ids.clean("T1 AXIAL 3D 512x512"), "T1 AXIAL 3D 512x512", "nothing identifying stays as it was");
        assert_eq!(ids.clean("JANEWAY protocol"), "JANEWAY protocol", "whole words only");
        assert_eq!(ids.clean("call 0612345678"), "call *");
    }
}
