//! A poll's results as files: CSV for a spreadsheet, and a meeting poll's chosen time as an
//! iCalendar invitation (RFC 5545). Pure: no database.

use kernel::Timestamp;
use serde_json::Value;

use crate::model::Results;
use crate::store::PollRow;

/// One CSV field: quoted when it holds a comma, a quote or a line break, and prefixed with
/// a quote mark when a spreadsheet would take it for a formula.
fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn number(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// `option,<total…>,winner`: one row per option or stance, with every total the count has
/// for it (votes; or points, raters and mean; or yes, maybe and no).
pub(crate) fn csv(options: &[String], results: &Results) -> String {
    let Some(tallies) = results.tallies.as_object() else {
        return "option\r\n".into();
    };
    let columns: Vec<String> = match tallies.values().next() {
        Some(Value::Object(first)) => first.keys().cloned().collect(),
        _ => vec!["total".into()],
    };
    // Options in the poll's order; stances in the count's.
    let mut names: Vec<&String> = options
        .iter()
        .filter(|o| tallies.contains_key(*o))
        .collect();
    for key in tallies.keys() {
        if !names.contains(&key) {
            names.push(key);
        }
    }
    let mut out = String::from("option");
    for c in &columns {
        out.push(',');
        out.push_str(&field(c));
    }
    out.push_str(",winner\r\n");
    for name in names {
        out.push_str(&field(name));
        let value = &tallies[name.as_str()];
        for c in &columns {
            out.push(',');
            out.push_str(&field(&number(match value {
                Value::Object(map) => map.get(c).unwrap_or(&Value::Null),
                other => other,
            })));
        }
        out.push(',');
        out.push_str(if results.winners.contains(name) {
            "yes"
        } else {
            "no"
        });
        out.push_str("\r\n");
    }
    out
}

/// Escapes a text value of iCalendar.
fn ics_text(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
        .replace('\r', "")
}

/// Folds a content line at 75 octets, on character boundaries (RFC 5545 section 3.1).
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

fn ics_time(t: Timestamp) -> String {
    t.to_datetime().format("%Y%m%dT%H%M%SZ").to_string()
}

/// The invitation to a meeting poll's chosen time.
pub(crate) fn ics(poll: &PollRow, start: Timestamp, minutes: u32, link: &str) -> String {
    let end = start.plus_seconds(i64::from(minutes) * 60);
    let stamp = Timestamp(poll.closed_at.unwrap_or(poll.closes_at));
    let mut out = String::new();
    for line in [
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        "PRODID:-//Weft//decide//EN".into(),
        "METHOD:PUBLISH".into(),
        "BEGIN:VEVENT".into(),
        format!("UID:{}@weft", poll.id),
        format!("DTSTAMP:{}", ics_time(stamp)),
        format!("DTSTART:{}", ics_time(start)),
        format!("DTEND:{}", ics_time(end)),
        format!("SUMMARY:{}", ics_text(&poll.title)),
        format!(
            "DESCRIPTION:{}",
            ics_text(&format!("{}\n\n{link}", poll.details))
        ),
        format!("URL:{link}"),
        "END:VEVENT".into(),
        "END:VCALENDAR".into(),
    ] {
        out.push_str(&fold(&line));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=SUM(A1)"), "'=SUM(A1)");
    }

    #[test]
    fn long_ics_lines_fold_at_75_octets() {
        let folded = fold(&"é".repeat(60));
        for line in folded.split("\r\n") {
            assert!(line.len() <= 75, "{line}");
        }
        assert_eq!(folded.replace("\r\n ", "").trim_end(), "é".repeat(60));
    }
}
