//! Delimiter detection from the first non-blank line of a log.

use super::types::Delimiter;

/// The first line of `buf` that is not blank (only spaces, tabs and line ends), without its
/// line ending; empty when there is none. Leading blank lines are skipped by every reader, so
/// they must not decide the delimiter.
pub(super) fn first_line(buf: &[u8]) -> &[u8] {
    buf.split(|&b| b == b'\n')
        .find(|line| !line.iter().all(u8::is_ascii_whitespace))
        .unwrap_or_default()
}

/// The delimiter for a log whose first line is `line`: the most frequent of `,` `;` tab `|`,
/// ties going to the earlier one, or whitespace runs when none occurs.
pub fn detect_delimiter(line: &[u8]) -> Delimiter {
    let mut best: Option<(u8, usize)> = None;
    for d in [b',', b';', b'\t', b'|'] {
        let n = line.iter().filter(|&&b| b == d).count();
        if n > 0 && best.is_none_or(|(_, m)| n > m) {
            best = Some((d, n));
        }
    }
    best.map_or(Delimiter::Whitespace, |(d, _)| Delimiter::Byte(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_delimiters() {
        assert_eq!(detect_delimiter(b"id,date,amount"), Delimiter::Byte(b','));
        assert_eq!(detect_delimiter(b"id;date;amount"), Delimiter::Byte(b';'));
        assert_eq!(
            detect_delimiter(b"id\tdate\tamount"),
            Delimiter::Byte(b'\t')
        );
        assert_eq!(detect_delimiter(b"id|date|amount"), Delimiter::Byte(b'|'));
        assert_eq!(detect_delimiter(b"a;b;c,d"), Delimiter::Byte(b';'));
        assert_eq!(
            detect_delimiter(b" 00004 0001 19970101  2   29.33\r"),
            Delimiter::Whitespace
        );
        assert_eq!(detect_delimiter(b""), Delimiter::Whitespace);
    }

    /// Defect 5 of issue 11: a leading blank line switched detection to whitespace.
    #[test]
    fn skips_leading_blank_lines() {
        assert_eq!(first_line(b"\r\n \t\n\nid,date\na,b\n"), b"id,date");
        assert_eq!(
            detect_delimiter(first_line(b"\n\r\nid;date;amount\n")),
            Delimiter::Byte(b';')
        );
        assert_eq!(first_line(b"\n \n"), b"");
        assert_eq!(first_line(b"a b"), b"a b");
    }
}
