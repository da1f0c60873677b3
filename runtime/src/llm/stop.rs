//! Stop strings on streamed text: emits only what cannot be the start of a stop string.

/// Watches generated text for stop strings.
#[derive(Debug, Clone, Default)]
pub(crate) struct StopMatcher {
    stops: Vec<String>,
    text: String,
    emitted: usize,
}

impl StopMatcher {
    /// Watches for `stops` (empty strings are ignored).
    pub(crate) fn new(stops: &[String]) -> StopMatcher {
        StopMatcher {
            stops: stops.iter().filter(|s| !s.is_empty()).cloned().collect(),
            ..StopMatcher::default()
        }
    }

    /// Adds a piece; returns the text that is now safe to emit and whether a stop
    /// string was reached (the stop string and anything after it are never emitted).
    pub(crate) fn push(&mut self, piece: &str) -> (String, bool) {
        let search_from = self.emitted;
        self.text.push_str(piece);
        let hit = self
            .stops
            .iter()
            .filter_map(|s| self.text[search_from..].find(s.as_str()))
            .min();
        if let Some(at) = hit {
            let out = self.text[self.emitted..search_from + at].to_string();
            self.emitted = self.text.len();
            return (out, true);
        }
        let safe = self.text.len() - self.held_back();
        let out = self.text[self.emitted..safe].to_string();
        self.emitted = safe;
        (out, false)
    }

    /// Everything not yet emitted (at the end of generation).
    pub(crate) fn finish(&mut self) -> String {
        let out = self.text[self.emitted..].to_string();
        self.emitted = self.text.len();
        out
    }

    /// Length of the longest unemitted suffix that begins some stop string.
    fn held_back(&self) -> usize {
        let tail = &self.text[self.emitted..];
        tail.char_indices()
            .map(|(i, _)| &tail[i..])
            .find(|suffix| self.stops.iter().any(|s| s.starts_with(suffix)))
            .map_or(0, str::len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_back_partial_matches_and_stops_before_the_string() {
        let mut m = StopMatcher::new(&["\nUser:".to_string()]);
        assert_eq!(m.push("Hello"), ("Hello".to_string(), false));
        assert_eq!(m.push(" there\nUs"), (" there".to_string(), false));
        assert_eq!(m.push("ually"), ("\nUsually".to_string(), false));
        assert_eq!(m.push("\nUser: hi"), (String::new(), true));
    }

    #[test]
    fn stop_inside_one_piece_and_flush_at_end() {
        let mut m = StopMatcher::new(&["END".to_string(), "é!".to_string()]);
        assert_eq!(m.push("abcENDdef"), ("abc".to_string(), true));
        let mut m = StopMatcher::new(&["é!".to_string()]);
        assert_eq!(m.push("café"), ("caf".to_string(), false));
        assert_eq!(m.finish(), "é");
    }
}
