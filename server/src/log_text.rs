//! Text from outside (a file's entry, a message, a parser's error quoting either) cut to a length a log line
//! can carry: a 1 MB string in a price file must not become a 1 MB log line.

/// The most characters of outside text one log line quotes.
pub const MOST: usize = 120;

/// The most of a client's input an answer quotes back: enough to recognise it.
pub const IN_ANSWERS: usize = 40;

/// `text`, or its first [`MOST`] characters and an ellipsis.
pub fn clipped(text: &str) -> String {
    clipped_to(text, MOST)
}

/// `text`, or its first `most` characters and an ellipsis.
pub fn clipped_to(text: &str, most: usize) -> String {
    match text.char_indices().nth(most) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_at_a_character_boundary_and_short_text_kept() {
        assert_eq!(clipped("short"), "short");
        let long = "ä".repeat(1000);
        let cut = clipped(&long);
        assert_eq!(cut.chars().count(), MOST + 1);
        assert!(cut.ends_with('…'));
    }
}
