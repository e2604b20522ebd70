//! Small helpers that bound plugin-supplied text before it reaches the host's log or a client.

/// Cuts `text` to at most `max` bytes on a character boundary, marking the cut.
pub(crate) fn capped(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… [{} bytes cut]", &text[..end], text.len() - end)
}

#[cfg(test)]
mod tests {
    use super::capped;

    #[test]
    fn short_text_is_kept_whole() {
        assert_eq!(capped("hello", 5), "hello");
    }

    #[test]
    fn long_text_is_cut_on_a_char_boundary() {
        let cut = capped("ééé", 3);
        assert!(cut.starts_with('é'), "{cut}");
        assert!(cut.ends_with("[4 bytes cut]"), "{cut}");
    }
}
