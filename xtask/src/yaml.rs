//! Small helpers over `serde_yaml_ng::Value` (which keeps mapping key order).

use std::path::Path;

pub use serde_yaml_ng::{Mapping, Value};

use crate::{Error, Result};

/// Parse YAML text; `name` (usually a file path) appears in the error.
pub fn parse(text: &str, name: &str) -> Result<Value> {
    let value: Value =
        serde_yaml_ng::from_str(text).map_err(|e| Error(format!("{name}: not valid YAML: {e}")))?;
    if !value.is_mapping() {
        return Err(Error(format!(
            "{name}: expected a YAML mapping at the top level"
        )));
    }
    Ok(value)
}

/// Read and parse a YAML file.
pub fn load(path: &Path) -> Result<Value> {
    let text = crate::read_to_string(path)?;
    parse(&text, &path.display().to_string())
}

/// Serialise a value as block-style YAML, deterministically.
///
/// This is a small emitter of our own rather than `serde_yaml_ng::to_string`, because that
/// one writes strings such as `2024-11-13` or `yes` unquoted: YAML 1.2 readers see strings,
/// but YAML 1.1 readers (PyYAML, js-yaml and many OpenAPI tools) see a date or a boolean.
/// Here every string that any common YAML reader could take for something else is quoted,
/// and multi-line strings become literal block scalars (`|-`). Mapping order is kept.
pub fn to_string(value: &Value) -> Result<String> {
    let mut out = String::new();
    match value {
        Value::Mapping(m) if !m.is_empty() => emit_mapping(&mut out, m, 0, false)?,
        Value::Sequence(s) if !s.is_empty() => emit_sequence(&mut out, s, 0, false)?,
        other => {
            out.push_str(&inline_scalar(other, 0)?);
            out.push('\n');
        }
    }
    Ok(out)
}

const INDENT: usize = 2;

fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// `first_inline`: the first entry goes on the current line (after a sequence's `- `).
fn emit_mapping(out: &mut String, m: &Mapping, indent: usize, first_inline: bool) -> Result<()> {
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 || !first_inline {
            pad(out, indent);
        }
        out.push_str(&key_scalar(k)?);
        out.push(':');
        emit_value_after_indicator(out, v, indent, true)?;
    }
    Ok(())
}

fn emit_sequence(out: &mut String, s: &[Value], indent: usize, first_inline: bool) -> Result<()> {
    for (i, v) in s.iter().enumerate() {
        if i > 0 || !first_inline {
            pad(out, indent);
        }
        out.push('-');
        emit_value_after_indicator(out, v, indent, false)?;
    }
    Ok(())
}

/// Emit `v` after a `key:` or `-` at `indent`.
fn emit_value_after_indicator(
    out: &mut String,
    v: &Value,
    indent: usize,
    after_key: bool,
) -> Result<()> {
    let child = indent + INDENT;
    match v {
        Value::Mapping(m) if !m.is_empty() => {
            if after_key {
                out.push('\n');
                emit_mapping(out, m, child, false)
            } else {
                out.push(' ');
                emit_mapping(out, m, child, true)
            }
        }
        Value::Sequence(s) if !s.is_empty() => {
            if after_key {
                out.push('\n');
                emit_sequence(out, s, child, false)
            } else {
                out.push(' ');
                emit_sequence(out, s, child, true)
            }
        }
        scalar => {
            out.push(' ');
            out.push_str(&inline_scalar(scalar, child)?);
            out.push('\n');
            Ok(())
        }
    }
}

fn key_scalar(k: &Value) -> Result<String> {
    match k {
        Value::String(s) if s.contains('\n') => Ok(double_quoted(s)),
        Value::Mapping(_) | Value::Sequence(_) | Value::Tagged(_) => {
            Err(Error(format!("cannot write a complex mapping key: {k:?}")))
        }
        other => inline_scalar(other, 0),
    }
}

/// A scalar (or empty collection) as it appears after `key: `; block scalars continue on the
/// following lines at `indent`.
fn inline_scalar(v: &Value, indent: usize) -> Result<String> {
    Ok(match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number_text(n),
        Value::String(s) => string_scalar(s, indent),
        Value::Mapping(_) => "{}".to_string(),
        Value::Sequence(_) => "[]".to_string(),
        Value::Tagged(t) => {
            return Err(Error(format!("cannot write tagged YAML value `{}`", t.tag)));
        }
    })
}

/// Floats in a form YAML 1.1 readers also take for floats (`1.0e+20`, not `1e20`).
fn number_text(n: &serde_yaml_ng::Number) -> String {
    let text = n.to_string();
    if !n.is_f64() || !text.contains(['e', 'E']) {
        return text;
    }
    let (mantissa, exp) = text.split_once(['e', 'E']).unwrap_or((&text, "0"));
    let mantissa = if mantissa.contains('.') {
        mantissa.to_string()
    } else {
        format!("{mantissa}.0")
    };
    let exp = if exp.starts_with(['-', '+']) {
        exp.to_string()
    } else {
        format!("+{exp}")
    };
    format!("{mantissa}e{exp}")
}

/// Characters that no plain, single-quoted or literal scalar should carry.
fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n')
        || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}')
}

fn string_scalar(s: &str, indent: usize) -> String {
    if s.chars().any(needs_escape) {
        return double_quoted(s);
    }
    if s.contains('\n') {
        return literal_block(s, indent);
    }
    if is_plain_safe(s) {
        s.to_string()
    } else if s.contains('\t') {
        double_quoted(s)
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

/// `|-` / `|` / `|+` block. Text whose first line starts with a space (which would need an
/// indentation indicator) or that is only line breaks is double-quoted instead.
fn literal_block(s: &str, indent: usize) -> String {
    let body = s.trim_end_matches('\n');
    let first_text_line = s.lines().find(|l| !l.is_empty()).unwrap_or("");
    if body.is_empty() || first_text_line.starts_with(' ') {
        return double_quoted(s);
    }
    let chomp = match s.len() - body.len() {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let mut out = format!("|{chomp}");
    // `lines()` drops one trailing newline; keep every line of `s`, empty ones without padding.
    let mut lines: Vec<&str> = s.split('\n').collect();
    if lines.last() == Some(&"") {
        lines.pop();
    }
    for line in lines {
        out.push('\n');
        if !line.is_empty() {
            out.extend(std::iter::repeat_n(' ', indent));
            out.push_str(line);
        }
    }
    out
}

fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => {
                let n = c as u32;
                if n <= 0xff {
                    out.push_str(&format!("\\x{n:02x}"));
                } else {
                    out.push_str(&format!("\\u{n:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `s` can be written plain and still read back as this string by YAML 1.1 and 1.2
/// readers alike. Deliberately conservative: anything number-, date- or keyword-like is quoted.
fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    let second = s.chars().nth(1);
    if s.starts_with(' ') || s.ends_with(' ') || s.contains('\t') {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        // `-x`, `?x`, `:x` are plain in YAML, but keep it simple unless clearly a word.
        let wordish = matches!(first, '-') && second.is_some_and(|c| c.is_ascii_alphabetic());
        if !wordish {
            return false;
        }
    }
    if first.is_ascii_digit()
        || (matches!(first, '+' | '-' | '.')
            && second.is_some_and(|c| c.is_ascii_digit() || c == '.'))
    {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    const KEYWORDS: [&str; 16] = [
        "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n", ".inf", "-.inf", "+.inf",
        ".nan", "<<", "=",
    ];
    !KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(s))
}

/// A string-keyed lookup on a mapping value; `None` for anything else.
pub fn get<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    value.as_mapping().and_then(|m| m.get(key))
}

/// A string-keyed lookup that must find a string.
pub fn get_str<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    get(value, key).and_then(Value::as_str)
}

/// The text of a mapping key (keys in OpenAPI are strings; numbers are shown as written).
pub fn key_text(key: &Value) -> String {
    match key {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => format!("{other:?}"),
    }
}

/// The `$ref` string of a reference object, if `value` is one.
pub fn ref_of(value: &Value) -> Option<&str> {
    get_str(value, "$ref")
}

/// Split a local JSON-pointer reference (`#/components/schemas/Foo`) into unescaped segments.
pub fn pointer_segments(reference: &str) -> Option<Vec<String>> {
    let rest = reference.strip_prefix("#/")?;
    Some(
        rest.split('/')
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

/// Follow a local `$ref` from the document root.
pub fn resolve_pointer<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let mut node = root;
    for seg in pointer_segments(reference)? {
        node = match node {
            Value::Mapping(m) => m.get(seg.as_str())?,
            Value::Sequence(s) => s.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

/// A short one-line rendering of a scalar (for reports).
pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Tagged(t) => scalar_text(&t.value),
        Value::Sequence(_) | Value::Mapping(_) => to_string(value)
            .map(|s| s.trim_end().replace('\n', " "))
            .unwrap_or_else(|_| "<value>".to_string()),
    }
}
