//! Free text (`q`), typo-tolerant: the query's trigrams (of each folded word with a space
//! at each end, as the stored document has) are looked up in the document, and a study
//! matches when at least half of them are there, ranked by how many. The candidates come
//! from each catalog's trigram index (PostgreSQL `pg_trgm`, SQLite FTS5's `trigram`
//! tokenizer); the count is the same SQL on both, so both answer the same.
use super::fold::fold;

/// Most trigrams of a query looked up (a longer query is cut).
const MAX_TRIGRAMS: usize = 24;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeText {
    /// Distinct trigrams of the query.
    pub trigrams: Vec<String>,
    /// How many must be in a document for it to match.
    pub needed: usize,
    /// Trigrams of which a matching document holds at least one (the index lookup): any
    /// `trigrams.len() - needed + 1` of them; those without a space first (rarer).
    pub candidates: Vec<String>,
}

impl FreeText {
    pub fn parse(q: &str) -> Option<FreeText> {
        let folded = fold(q.trim());
        let mut trigrams: Vec<String> = Vec::new();
        // Control characters separate words: no document holds one, and a NUL inside an
        // FTS5 string ends it early (SQLite reads the query as a C string).
        for word in folded.split(|c: char| c.is_whitespace() || c.is_control()).filter(|w| !w.is_empty()) {
            let padded: Vec<char> = format!(" {word} ").chars().collect();
            for w in padded.windows(3) {
                let t: String = w.iter().collect();
                if !trigrams.contains(&t) {
                    trigrams.push(t);
                }
            }
        }
        trigrams.truncate(MAX_TRIGRAMS);
        if trigrams.is_empty() {
            return None;
        }
        // Half of them, or all but three (one typo inside a word costs up to three) for a
        // longer query: the fewer may be missing, the fewer lookups find the candidates.
        let needed = trigrams.len().div_ceil(2).max(trigrams.len().saturating_sub(3));
        // Likely rarer first: no word boundary, no repeated character, later in the query
        // (identifiers share their prefixes).
        let mut by_rarity: Vec<(usize, &String)> = trigrams.iter().enumerate().collect();
        by_rarity.sort_by_key(|(at, t)| {
            let c: Vec<char> = t.chars().collect();
            let repeats = usize::from(c[0] == c[1]) + usize::from(c[1] == c[2]) + usize::from(c[0] == c[2]);
            (t.contains(' '), repeats, std::cmp::Reverse(*at))
        });
        let candidates = by_rarity.into_iter().take(trigrams.len() - needed + 1).map(|(_, t)| t.clone()).collect();
        Some(FreeText { trigrams, needed, candidates })
    }
}

#[cfg(test)]
mod tests {
    use super::FreeText;

    #[test]
    fn a_word_gives_its_padded_trigrams_and_half_are_needed() {
        let f = FreeText::parse("Mullr").unwrap();
        assert_eq!(f.trigrams, [" mu", "mul", "ull", "llr", "lr "]);
        assert_eq!(f.needed, 3);
        assert_eq!(f.candidates, ["mul", "llr", "ull"]);
        let id = FreeText::parse("A0100012345").unwrap();
        assert_eq!((id.trigrams.len(), id.needed), (11, 8));
        assert_eq!(id.candidates, ["345", "234", "123", "012"]);
        assert_eq!(FreeText::parse("a").unwrap().trigrams, [" a "]);
        assert!(FreeText::parse("  ").is_none());
        assert!(FreeText::parse("\0").is_none());
        assert_eq!(FreeText::parse("true\0").unwrap().trigrams, [" tr", "tru", "rue", "ue "]);
    }
}
