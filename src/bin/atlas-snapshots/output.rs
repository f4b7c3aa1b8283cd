//! Rendering: one JSON document as Atlas sent it, or an aligned table.

use std::io::{self, Write};

use serde_json::Value;

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON document with Atlas's own field names and values, exactly as received.
    Json,
    /// Aligned columns: id, time, status, type, size.
    Table,
}

/// One table line: a snapshot as the user reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub id: String,
    pub time: String,
    pub status: String,
    pub kind: String,
    pub size: String,
}

/// What a command produces, ready to print.
#[derive(Debug)]
pub enum Rendered {
    Json(Value),
    Table(Vec<Row>),
}

/// The placeholder for an absent value in a table.
pub const NONE: &str = "-";

/// Writes one line to stderr. A failure is ignored: with stderr gone there is nobody
/// to tell, and the exit code still says what happened.
pub fn stderr_line(text: &str) {
    let _ = writeln!(io::stderr().lock(), "{text}");
}

/// Prints to stdout, flushing at the end so a write error is seen here.
pub fn print(rendered: &Rendered) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    write(&mut out, rendered)?;
    out.flush()
}

pub fn write(out: &mut impl Write, rendered: &Rendered) -> io::Result<()> {
    match rendered {
        Rendered::Json(value) => {
            serde_json::to_writer_pretty(&mut *out, value)?;
            writeln!(out)
        }
        Rendered::Table(rows) => write_table(out, rows),
    }
}

impl Row {
    fn cells(&self) -> [&str; 5] {
        [&self.id, &self.time, &self.status, &self.kind, &self.size]
    }
}

fn write_table(out: &mut impl Write, rows: &[Row]) -> io::Result<()> {
    let header = ["ID", "TIME", "STATUS", "TYPE", "SIZE"];
    let mut widths = header.map(str::len);
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row.cells()) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut line = |cells: [&str; 5]| -> io::Result<()> {
        let mut text = String::new();
        for (i, (cell, width)) in cells.into_iter().zip(widths).enumerate() {
            if i + 1 == widths.len() {
                // Sizes align right; nothing trails the last column.
                text.push_str(&format!("{cell:>width$}"));
            } else {
                text.push_str(&format!("{cell:<width$}  "));
            }
        }
        writeln!(out, "{text}")
    };
    line(header)?;
    for row in rows {
        line(row.cells())?;
    }
    Ok(())
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

/// An optional timestamp as RFC 3339 in UTC to the second, or `-`.
pub fn time(t: Option<&chrono::DateTime<chrono::Utc>>) -> String {
    t.map_or_else(
        || NONE.to_owned(),
        |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}

/// Any displayable optional value (open enums display as their wire string), or `-`.
pub fn text(value: Option<&impl std::fmt::Display>) -> String {
    value.map_or_else(|| NONE.to_owned(), ToString::to_string)
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

    #[test]
    fn table_columns_line_up() {
        let row = |id: &str, size: &str| Row {
            id: id.to_owned(),
            time: "2026-01-10T04:00:00Z".to_owned(),
            status: "completed".to_owned(),
            kind: NONE.to_owned(),
            size: size.to_owned(),
        };
        let mut out = Vec::new();
        let rows = vec![row("a", "1.5 GiB"), row("bbbb", "7 B")];
        write(&mut out, &Rendered::Table(rows)).unwrap_or_default();
        let text = String::from_utf8_lossy(&out);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| l.len() == lines[0].len()), "{text}");
        assert!(lines[2].ends_with("    7 B"), "{text}");
    }
}
