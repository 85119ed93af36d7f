//! Printing results and errors, as aligned text for people or as JSON for programs. A closed
//! pipe or a full disk never panics: see [`Printer::lost`].

use std::cell::RefCell;
use std::fmt::Write as _;
use std::io::{self, Write};

use serde_json::{Map, Value};

use crate::args::OutputFormat;
use crate::error::{CliError, Lost};

/// Keys shown first in text output, in this order; the rest follow alphabetically.
const LEADING_KEYS: &str =
    "base_url step id type outcome status payment_status paid valid client_secret";

/// Writes results to stdout and errors to stderr in the chosen format.
#[derive(Debug)]
pub struct Printer {
    /// The chosen format.
    pub format: OutputFormat,
    /// The first failed write to stdout; nothing more is written there after it.
    lost: RefCell<Option<Lost>>,
}

impl Printer {
    /// A printer for `format`.
    pub fn new(format: OutputFormat) -> Self {
        Self {
            format,
            lost: RefCell::new(None),
        }
    }

    /// The first failed write to stdout, if any: the command then ends with exit code 5,
    /// saying on stderr what it did, since the result it printed is lost.
    pub fn lost(&self) -> Option<Lost> {
        self.lost.borrow().clone()
    }

    /// Prints a command's result: pretty JSON, or aligned `key value` lines. When this
    /// write fails, the result's `id` is kept in [`Printer::lost`].
    pub fn result(&self, value: &Value) {
        let failed_before = self.lost.borrow().is_some();
        match self.format {
            OutputFormat::Json => self.json(value),
            OutputFormat::Text => self.stdout(&render_text(value)),
        }
        if let (false, Some(lost)) = (failed_before, &mut *self.lost.borrow_mut()) {
            lost.id = value["id"].as_str().map(str::to_owned);
        }
    }

    /// Prints `value` as one pretty JSON document on stdout.
    pub fn json(&self, value: &Value) {
        let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".to_owned());
        self.stdout(&format!("{text}\n"));
    }

    /// Prints raw text on stdout (a text-mode line, newline included by the caller).
    pub fn stdout(&self, text: &str) {
        if self.lost.borrow().is_some() {
            return;
        }
        let mut out = io::stdout().lock();
        if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            // Broken pipe or a full disk: nothing more can be shown there.
            let error = e.to_string();
            *self.lost.borrow_mut() = Some(Lost { error, id: None });
        }
    }

    /// Prints an error on stderr: `error: …` in text mode, `{"error": …}` in JSON mode.
    pub fn error(&self, error: &CliError) {
        let text = match self.format {
            OutputFormat::Json => {
                let json = serde_json::to_string(&error.to_json()).unwrap_or_default();
                format!("{json}\n")
            }
            OutputFormat::Text => format!("error: {}\n", one_line(&error.line)),
        };
        stderr(&text);
    }
}

/// Writes `text` to stderr, ignoring failures (there is nowhere left to report them).
fn stderr(text: &str) {
    let mut err = io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

/// Writes `line` (made [`one_line`]) and a newline to stderr: the `-v` log.
pub fn log(line: &str) {
    stderr(&format!("{}\n", one_line(line)));
}

/// Makes text safe for one terminal line: control characters (newlines, escapes) are
/// shown escaped instead of acting on the terminal.
pub fn one_line(text: &str) -> String {
    let escaped = |c: char| {
        if c.is_control() {
            c.escape_default().collect()
        } else {
            c.to_string()
        }
    };
    text.chars().map(escaped).collect()
}

/// A value as aligned `key   value` lines. Objects are flattened with dotted keys
/// (`session.id`), arrays of scalars joined with `, `, arrays of objects indexed
/// (`items[0].price_id`), `null` shown as `-`.
pub fn render_text(value: &Value) -> String {
    let mut rows = Vec::new();
    match value {
        Value::Object(_) => flatten(String::new(), value, &mut rows),
        Value::Null => rows.push((String::new(), "(no content)".to_owned())),
        other => rows.push((String::new(), scalar(other))),
    }
    let width = rows.iter().map(|(k, _)| k.chars().count()).max();
    let width = width.unwrap_or(0).max(14) + 2;
    let mut out = String::new();
    for (key, value) in rows {
        if key.is_empty() {
            let _ = writeln!(out, "{value}");
        } else {
            let _ = writeln!(out, "{key:<width$}{value}");
        }
    }
    out
}

/// A one-line `key=value …` summary of an object's top-level scalar (and scalar list)
/// fields, skipping nulls and nested objects.
pub fn summary(value: &Value) -> String {
    let Value::Object(map) = value else {
        return scalar(value);
    };
    let mut rows = Vec::new();
    for (key, value) in ordered(map) {
        match value {
            Value::Null | Value::Object(_) => {}
            Value::Array(items) if items.iter().any(|v| v.is_object() || v.is_array()) => {}
            other => flatten(one_line(key), other, &mut rows),
        }
    }
    let pairs: Vec<String> = rows.iter().map(|(k, v)| format!("{k}={v}")).collect();
    pairs.join(" ")
}

/// The entries of `map`, [`LEADING_KEYS`] first, then alphabetically.
fn ordered(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by_key(|(k, _)| {
        let rank = LEADING_KEYS.split(' ').position(|l| l == k.as_str());
        (rank.unwrap_or(usize::MAX), k.as_str().to_owned())
    });
    entries
}

/// Appends the rows of `value`, named `name` (the top level has no name).
fn flatten(name: String, value: &Value, rows: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) if map.is_empty() && !name.is_empty() => rows.push((name, "{}".into())),
        Value::Object(map) => {
            for (key, value) in ordered(map) {
                let key = one_line(key);
                let full = if name.is_empty() {
                    key
                } else {
                    format!("{name}.{key}")
                };
                flatten(full, value, rows);
            }
        }
        Value::Array(items) if items.is_empty() => rows.push((name, "(none)".to_owned())),
        Value::Array(items) if items.iter().all(|v| !v.is_object() && !v.is_array()) => {
            let joined = items.iter().map(scalar).collect::<Vec<_>>().join(", ");
            rows.push((name, joined));
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten(format!("{name}[{i}]"), item, rows);
            }
        }
        other => rows.push((name, scalar(other))),
    }
}

/// A scalar as shown in text (`null` as `-`), made safe for one line.
fn scalar(value: &Value) -> String {
    match value {
        Value::Null => "-".to_owned(),
        Value::String(s) => one_line(s),
        other => one_line(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn text_is_aligned_flattened_and_escaped() {
        let value = json!({
            "status": "open",
            "id": "ecs_1",
            "amount": null,
            "allowed_origins": ["https://a.example", "https://b.example"],
            "session": {"id": "ecs_1", "nested": {"deep": true}},
            "items": [{"price_id": "p", "quantity": 2}],
            "empty": [],
        });
        let text = render_text(&value);
        let lines: Vec<&str> = text.lines().collect();
        let row = |k: &str, v: &str| format!("{k:<21}{v}");
        assert_eq!(lines[0], row("id", "ecs_1"));
        assert_eq!(lines[1], row("status", "open"));
        for (k, v) in [
            ("allowed_origins", "https://a.example, https://b.example"),
            ("amount", "-"),
            ("items[0].price_id", "p"),
            ("session.nested.deep", "true"),
            ("empty", "(none)"),
        ] {
            assert!(lines.contains(&row(k, v).as_str()), "{k} in\n{text}");
        }
        let text = render_text(&json!({"id": "a\nb\u{1b}[31m"}));
        assert_eq!(text.lines().count(), 1);
        assert!(text.contains("a\\nb\\u{1b}[31m"));
        assert_eq!(render_text(&Value::Null), "(no content)\n");
        assert_eq!(render_text(&json!("ok")), "ok\n");
    }
}
