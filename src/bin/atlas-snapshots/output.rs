//! Rendering: JSON as Atlas sent it, or an aligned table; and stderr lines.
//!
//! Everything here writes as it goes, so `list --all` holds one page at a time.

use std::{
    borrow::Cow,
    io::{self, Write},
};

use serde_json::value::RawValue;

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON document with Atlas's own field names and values, exactly as received.
    Json,
    /// Aligned columns, chosen per item type (snapshots: id, time, status, type, size).
    Table,
}

/// The placeholder for an absent value in a table.
pub const NONE: &str = "-";

/// Writes one line to stderr. A failure is ignored: with stderr gone there is nobody
/// to tell, and the exit code still says what happened.
pub fn stderr_line(text: &str) {
    let _ = writeln!(io::stderr().lock(), "{text}");
}

/// Whether `c` could drive a terminal or reorder what it shows: C0 and C1 controls
/// and DEL (ESC starts CSI and OSC sequences; U+009B is CSI on its own), and the
/// bidirectional formatting characters.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// Server text made safe for a terminal: every unsafe character written as `\u{1b}`.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut safe = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe(c) {
            safe.extend(c.escape_unicode());
        } else {
            safe.push(c);
        }
    }
    Cow::Owned(safe)
}

/// One JSON document and a newline.
pub fn json(out: &mut impl Write, value: &RawValue) -> io::Result<()> {
    pretty(out, value, 0)?;
    writeln!(out)
}

/// `value` laid out as `serde_json::to_writer_pretty` does, at `depth` levels of
/// indentation, but with every token (numbers, strings, keys in their order) copied
/// as received: going through `serde_json::Value` would round big integers and long
/// decimals. `RawValue` guarantees the text is valid JSON, so this only re-spaces it.
fn pretty(out: &mut impl Write, value: &RawValue, depth: usize) -> io::Result<()> {
    let text = value.get().as_bytes();
    // Per open array or object: whether it has a member yet.
    let mut open: Vec<bool> = Vec::new();
    // An object member's value follows its key on the same line.
    let mut after_colon = false;
    let mut i = 0;
    while let Some(&byte) = text.get(i) {
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => {
                i += 1;
                continue;
            }
            b':' => {
                out.write_all(b": ")?;
                after_colon = true;
                i += 1;
                continue;
            }
            b'}' | b']' => {
                if open.pop() == Some(true) {
                    newline(out, depth + open.len())?;
                }
                out.write_all(&[byte])?;
                i += 1;
                continue;
            }
            _ => {}
        }
        // A value or a key starts here.
        if !after_colon && let Some(has_member) = open.last_mut() {
            if *has_member {
                out.write_all(b",")?;
            }
            *has_member = true;
            newline(out, depth + open.len())?;
        }
        after_colon = false;
        let end = match byte {
            b'{' | b'[' => {
                open.push(false);
                i + 1
            }
            b'"' => string_end(text, i),
            _ => {
                let len = text[i..]
                    .iter()
                    .position(|b| matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                    .unwrap_or(text.len() - i);
                i + len
            }
        };
        out.write_all(&text[i..end])?;
        i = end;
    }
    Ok(())
}

/// Just past the closing quote of the string that opens at `start`.
fn string_end(text: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while let Some(&byte) = text.get(i) {
        match byte {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    text.len()
}

fn newline(out: &mut impl Write, depth: usize) -> io::Result<()> {
    out.write_all(b"\n")?;
    for _ in 0..depth {
        out.write_all(b"  ")?;
    }
    Ok(())
}

/// A JSON array written an element at a time, laid out as `json` would lay out the
/// whole array. Until `finish`, the output is an unterminated array.
#[derive(Debug, Default)]
pub struct JsonArray {
    started: bool,
}

impl JsonArray {
    pub fn element(&mut self, out: &mut impl Write, value: &RawValue) -> io::Result<()> {
        out.write_all(if self.started { b"," } else { b"[" })?;
        self.started = true;
        newline(out, 1)?;
        pretty(out, value, 1)
    }

    /// Closes the array (`[]` if there was no element).
    pub fn finish(self, out: &mut impl Write) -> io::Result<()> {
        if self.started {
            out.write_all(b"\n]\n")
        } else {
            out.write_all(b"[]\n")
        }
    }

    /// Ends the last line of an array that will not be finished, so that what follows
    /// on a terminal starts on a line of its own; the array stays unterminated.
    pub fn abandon(self, out: &mut impl Write) -> io::Result<()> {
        if self.started {
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// A table column: its header, and whether its cells align right (sizes do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heading {
    pub header: &'static str,
    pub right: bool,
}

/// A table written a batch of rows (a page) at a time. The header and the first batch
/// set the column widths; a later batch widens a column it does not fit in, from that
/// batch on. Every cell is [`escape`]d; nothing trails the last column.
#[derive(Debug)]
pub struct Table {
    headings: Vec<Heading>,
    widths: Option<Vec<usize>>,
}

impl Table {
    pub fn new(headings: Vec<Heading>) -> Self {
        Table {
            headings,
            widths: None,
        }
    }

    /// Writes the header first, then `rows` (each one cell per heading, unescaped).
    pub fn rows(&mut self, out: &mut impl Write, rows: &[Vec<String>]) -> io::Result<()> {
        let rows: Vec<Vec<Cow<'_, str>>> = rows
            .iter()
            .map(|row| row.iter().map(|cell| escape(cell)).collect())
            .collect();
        let header = self.widths.is_none();
        let mut widths = self
            .widths
            .take()
            .unwrap_or_else(|| self.headings.iter().map(|h| h.header.len()).collect());
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        if header {
            let cells: Vec<&str> = self.headings.iter().map(|h| h.header).collect();
            self.line(out, &cells, &widths)?;
        }
        for row in &rows {
            let cells: Vec<&str> = row.iter().map(AsRef::as_ref).collect();
            self.line(out, &cells, &widths)?;
        }
        self.widths = Some(widths);
        Ok(())
    }

    fn line(&self, out: &mut impl Write, cells: &[&str], widths: &[usize]) -> io::Result<()> {
        let mut text = String::new();
        let columns = self.headings.iter().zip(widths).enumerate();
        for (i, (heading, &width)) in columns {
            let cell = cells.get(i).copied().unwrap_or(NONE);
            let last = i + 1 == widths.len();
            match (heading.right, last) {
                (true, _) => text.push_str(&format!("{cell:>width$}")),
                (false, true) => text.push_str(cell),
                (false, false) => text.push_str(&format!("{cell:<width$}")),
            }
            if !last {
                text.push_str("  ");
            }
        }
        writeln!(out, "{text}")
    }
}

/// A byte count in binary units, e.g. `512 B`, `1.5 GiB`.
pub fn human_size(bytes: i64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes.unsigned_abs() < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = UNITS[0];
    for next in &UNITS[1..] {
        if value.abs() < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = next;
    }
    format!("{value:.1} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_use_binary_units() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1024), "1.0 KiB");
        assert_eq!(human_size(1_610_612_736), "1.5 GiB");
        assert_eq!(human_size(52_428_800), "50.0 MiB");
        assert_eq!(human_size(i64::MAX), "8.0 EiB");
    }

    fn row(id: &str, size: &str) -> Vec<String> {
        [id, "2026-01-10T04:00:00Z", "completed", NONE, size]
            .map(str::to_owned)
            .to_vec()
    }

    fn table() -> Table {
        let heading = |header| Heading {
            header,
            right: header == "SIZE",
        };
        Table::new(
            ["ID", "TIME", "STATUS", "TYPE", "SIZE"]
                .map(heading)
                .to_vec(),
        )
    }

    #[test]
    fn table_columns_line_up() {
        let mut out = Vec::new();
        let rows = [row("a", "1.5 GiB"), row("bbbb", "7 B")];
        table().rows(&mut out, &rows).unwrap_or_default();
        let text = String::from_utf8_lossy(&out);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| l.len() == lines[0].len()), "{text}");
        assert!(lines[2].ends_with("    7 B"), "{text}");
    }

    #[test]
    fn later_batches_keep_or_widen_the_columns() {
        let mut out = Vec::new();
        let mut table = table();
        table
            .rows(&mut out, &[row("aaaa", "7 B")])
            .unwrap_or_default();
        table.rows(&mut out, &[row("a", "7 B")]).unwrap_or_default();
        table
            .rows(&mut out, &[row("aaaaaa", "7 B")])
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&out);
        let lengths: Vec<usize> = text.lines().map(str::len).collect();
        assert_eq!(lengths[0], lengths[1], "{text}");
        assert_eq!(lengths[1], lengths[2], "{text}");
        assert_eq!(lengths[3], lengths[2] + 2, "{text}");
    }

    #[test]
    fn escape_covers_c0_c1_del_and_bidi_only() {
        assert_eq!(escape("plain é ✓"), "plain é ✓");
        assert_eq!(escape("\x1b]52;c;SGk=\x07"), "\\u{1b}]52;c;SGk=\\u{7}");
        assert_eq!(escape("a\u{9b}2Jb\u{7f}"), "a\\u{9b}2Jb\\u{7f}");
        assert_eq!(
            escape("\u{202e}txt.exe\u{2066}"),
            "\\u{202e}txt.exe\\u{2066}"
        );
        assert_eq!(escape("line\nnext"), "line\\u{a}next");
    }

    /// Laid out like `serde_json::to_string_pretty` (for text serde_json wrote), at
    /// any depth, but with numbers as received.
    #[test]
    fn pretty_matches_serde_json_and_keeps_numbers() {
        let value = serde_json::json!({
            "b": [1, [], {}, {"x": [true, null]}, "s\"t\\\u{1b}/"],
            "a": {"k": -1.5e-7, "e": []},
        });
        let compact = serde_json::to_string(&value).unwrap_or_default();
        let raw: Box<RawValue> = serde_json::from_str(&compact).unwrap_or_else(|e| panic!("{e}"));
        let mut out = Vec::new();
        json(&mut out, &raw).unwrap_or_default();
        let expected = serde_json::to_string_pretty(&value).unwrap_or_default() + "\n";
        assert_eq!(String::from_utf8_lossy(&out), expected);

        let odd = " { \"n\" : 123456789012345678901234567890 ,\"d\":[0.1000000000000000055511151231257827, 1E+2, -0] } ";
        let raw: Box<RawValue> = serde_json::from_str(odd).unwrap_or_else(|e| panic!("{e}"));
        let mut out = Vec::new();
        json(&mut out, &raw).unwrap_or_default();
        assert_eq!(
            String::from_utf8_lossy(&out),
            "{\n  \"n\": 123456789012345678901234567890,\n  \"d\": [\n    0.1000000000000000055511151231257827,\n    1E+2,\n    -0\n  ]\n}\n"
        );
    }

    #[test]
    fn an_array_written_element_by_element_is_the_whole_array() {
        let items = [serde_json::json!({"a": [1, 2]}), serde_json::json!("x")];
        let mut out = Vec::new();
        let mut array = JsonArray::default();
        for item in &items {
            let raw = serde_json::value::to_raw_value(item).unwrap_or_else(|e| panic!("{e}"));
            array.element(&mut out, &raw).unwrap_or_default();
        }
        array.finish(&mut out).unwrap_or_default();
        let expected = serde_json::to_string_pretty(&items).unwrap_or_default() + "\n";
        assert_eq!(String::from_utf8_lossy(&out), expected);

        let mut out = Vec::new();
        JsonArray::default().finish(&mut out).unwrap_or_default();
        assert_eq!(out, b"[]\n");
    }
}
