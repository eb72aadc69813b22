//! Text from outside (Shopify, CSV files) made safe to print on a terminal.
//!
//! Order names, addresses, tags, notes, titles and CSV cells are typed by shoppers, staff or whoever wrote the
//! file. Printed raw, an escape sequence in them clears the screen, moves the cursor over earlier lines or shows
//! a hyperlink whose text hides where it goes. Human output passes such text through [`clean`]; `--json` prints
//! it exactly, escaped by JSON itself.

use std::borrow::Cow;

/// `text` without control characters (C0, DEL, C1: the start of every escape sequence) and without the
/// bidirectional overrides that make text display in another order than it reads. A line break or a tab
/// becomes a space, so one value stays on its line.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter_map(|c| match c {
                '\n' | '\r' | '\t' => Some(' '),
                c if unsafe_char(c) => None,
                c => Some(c),
            })
            .collect(),
    )
}

fn unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_overrides_are_removed_and_plain_text_is_kept() {
        assert_eq!(clean("Anna Berg, Öster 3"), "Anna Berg, Öster 3");
        assert!(matches!(clean("plain"), Cow::Borrowed(_)));
        assert_eq!(clean("vip\u{1b}[2J\u{1b}[H"), "vip[2J[H");
        assert_eq!(clean("a\u{1b}]8;;https://x/\u{7}b\u{9b}c\u{7f}"), "a]8;;https://x/bc");
        assert_eq!(clean("line\nnext\ttab"), "line next tab");
        assert_eq!(clean("abc\u{202E}fdp.exe"), "abcfdp.exe");
    }
}
