//! Results as the poll page draws them: one bar per option (or stance) and, for a count in
//! rounds (instant runoff, STV), each round as a column of the votes every option held —
//! the flow of votes as options drop out. Server-side SVG: no script draws a chart. Pure.

use serde_json::Value;

use crate::model::Results;

/// One option's bar.
pub struct Bar {
    pub label: String,
    /// What the bar stands for, in words ("5", "12 points, 3 raters", "2 yes, 1 maybe").
    pub value: String,
    /// Its length, 0 to 100, of the longest bar.
    pub width: u32,
    pub winner: bool,
    /// Its colour (chart-1 … chart-8).
    pub hue: usize,
}

/// One stacked piece of a round's column.
pub struct Segment {
    pub y: u32,
    pub height: u32,
    pub hue: usize,
    pub title: String,
}

pub struct Column {
    pub x: u32,
    pub label: String,
    pub segments: Vec<Segment>,
    /// What happened in the round, in words.
    pub note: String,
}

/// The rounds of a count as columns of one SVG, and the same numbers as a table.
pub struct Flow {
    pub width: u32,
    pub columns: Vec<Column>,
    pub options: Vec<(String, usize)>,
    /// Per option, its votes in each round ("" once it is out).
    pub rows: Vec<(String, Vec<String>)>,
}

/// Column height and width, in the SVG's units.
const HEIGHT: u32 = 200;
const COLUMN: u32 = 48;
const GAP: u32 = 24;

fn amount(value: &Value) -> f64 {
    match value {
        Value::Number(n) => n.as_f64().unwrap_or(0.0),
        Value::String(s) => s.parse().unwrap_or(0.0),
        Value::Object(map) => map
            .get("total")
            .or_else(|| map.get("yes"))
            .map_or(0.0, amount),
        _ => 0.0,
    }
}

fn words(value: &Value) -> String {
    match value {
        Value::Object(map) if map.contains_key("raters") => format!(
            "{} points from {} (mean {:.2})",
            map["total"],
            map["raters"],
            map["mean"].as_f64().unwrap_or(0.0)
        ),
        Value::Object(map) if map.contains_key("maybe") => {
            format!(
                "{} yes, {} maybe, {} no",
                map["yes"], map["maybe"], map["no"]
            )
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The bars of a count: options in the poll's order (stances in the count's), each as long
/// as its share of the largest. Schulze's pairwise table has no bars (its ranking is shown).
pub fn bars(options: &[String], results: &Results) -> Vec<Bar> {
    let Some(tallies) = results.tallies.as_object() else {
        return Vec::new();
    };
    if tallies.values().any(|v| {
        v.as_object()
            .is_some_and(|m| !m.contains_key("total") && !m.contains_key("yes"))
    }) {
        return Vec::new();
    }
    let mut names: Vec<&String> = options
        .iter()
        .filter(|o| tallies.contains_key(*o))
        .collect();
    for key in tallies.keys() {
        if !names.contains(&key) {
            names.push(key);
        }
    }
    let top = names
        .iter()
        .map(|n| amount(&tallies[n.as_str()]))
        .fold(0.0_f64, f64::max);
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let value = &tallies[name.as_str()];
            let width = if top > 0.0 {
                (amount(value) / top * 100.0).round() as u32
            } else {
                0
            };
            Bar {
                label: name.clone(),
                value: words(value),
                width,
                winner: results.winners.contains(name),
                hue: i % 8 + 1,
            }
        })
        .collect()
}

fn texts(value: &Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// What a round did, from its record: instant runoff's `eliminated`/`elected`, or STV's
/// `action` and `elected`.
fn note(round: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(action) = round.get("action") {
        match action["type"].as_str().unwrap_or_default() {
            "first_preferences" => parts.push("First preferences".to_string()),
            "surplus" => parts.push(format!(
                "Surplus of {} passed on",
                texts(&action["from"]).join(", ")
            )),
            "exclusion" => parts.push(format!("{} excluded", texts(&action["option"]).join(", "))),
            "redistribution" => parts.push("Surpluses redistributed".to_string()),
            "last_vacancies" => parts.push("The last seats filled".to_string()),
            _ => {}
        }
    }
    let eliminated = texts(&round["eliminated"]);
    if !eliminated.is_empty() {
        parts.push(format!("{} eliminated", eliminated.join(", ")));
    }
    let elected = texts(&round["elected"]);
    if !elected.is_empty() {
        parts.push(format!("elected: {}", elected.join(", ")));
    }
    parts.join("; ")
}

/// The rounds of an instant-runoff or STV count as a flow, when the count has rounds.
pub fn flow(options: &[String], results: &Results) -> Option<Flow> {
    let rounds = results.rounds.as_ref()?.as_array()?;
    if rounds.is_empty() {
        return None;
    }
    let totals: Vec<f64> = rounds
        .iter()
        .map(|r| {
            options
                .iter()
                .map(|o| amount(&r["tallies"][o]))
                .sum::<f64>()
                + amount(&r["exhausted"])
        })
        .collect();
    let most = totals.iter().copied().fold(0.0_f64, f64::max);
    let scale = |v: f64| -> u32 {
        if most > 0.0 {
            (v / most * f64::from(HEIGHT)).round() as u32
        } else {
            0
        }
    };
    let mut columns = Vec::with_capacity(rounds.len());
    for (i, round) in rounds.iter().enumerate() {
        let mut y = HEIGHT;
        let mut segments = Vec::new();
        for (o, option) in options.iter().enumerate() {
            let votes = amount(&round["tallies"][option]);
            let height = scale(votes);
            if height == 0 {
                continue;
            }
            y -= height.min(y);
            segments.push(Segment {
                y,
                height,
                hue: o % 8 + 1,
                title: format!("{option}: {}", words(&round["tallies"][option])),
            });
        }
        let exhausted = amount(&round["exhausted"]);
        let height = scale(exhausted);
        if height > 0 {
            y -= height.min(y);
            segments.push(Segment {
                y,
                height,
                hue: 0,
                title: format!("No preference left: {}", words(&round["exhausted"])),
            });
        }
        columns.push(Column {
            x: i as u32 * (COLUMN + GAP),
            label: format!("Round {}", i + 1),
            segments,
            note: note(round),
        });
    }
    let rows = options
        .iter()
        .map(|o| {
            (
                o.clone(),
                rounds
                    .iter()
                    .map(|r| r["tallies"].get(o).map(words).unwrap_or_default())
                    .collect(),
            )
        })
        .collect();
    Some(Flow {
        width: rounds.len() as u32 * (COLUMN + GAP) - GAP,
        columns,
        options: options
            .iter()
            .enumerate()
            .map(|(i, o)| (o.clone(), i % 8 + 1))
            .collect(),
        rows,
    })
}

/// A ranking's tiers (Schulze, Borda, scores, meetings) in words: "1. A", "2. B = C".
pub fn ranking(results: &Results) -> Vec<String> {
    results
        .rounds
        .as_ref()
        .and_then(|r| r.get("ranking"))
        .and_then(Value::as_array)
        .map(|tiers| {
            tiers
                .iter()
                .enumerate()
                .map(|(i, tier)| format!("{}. {}", i + 1, texts(tier).join(" = ")))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn results(tallies: Value, rounds: Option<Value>, winners: &[&str]) -> Results {
        Results {
            winners: winners.iter().map(|w| w.to_string()).collect(),
            tallies,
            rounds,
            voters_count: 3,
            eligible_count: 3,
            quorum_met: true,
            weight_counted: 3,
            outcome: None,
            closed: false,
        }
    }

    #[test]
    fn bars_are_as_long_as_their_share_of_the_largest() {
        let options = ["A".to_string(), "B".to_string()];
        let r = results(json!({"A": 4, "B": 1}), None, &["A"]);
        let bars = bars(&options, &r);
        assert_eq!(bars.len(), 2);
        assert_eq!((bars[0].width, bars[1].width), (100, 25));
        assert!(bars[0].winner && !bars[1].winner);
    }

    #[test]
    fn a_runoff_draws_a_column_per_round_stacked_to_the_votes() {
        let options = ["A".to_string(), "B".to_string(), "C".to_string()];
        let rounds = json!([
            {"tallies": {"A": 2, "B": 1, "C": 1}, "exhausted": 0, "eliminated": ["C"]},
            {"tallies": {"A": 2, "B": 1, "C": 0}, "exhausted": 1, "elected": ["A"]},
        ]);
        let r = results(json!({}), Some(rounds), &["A"]);
        let flow = flow(&options, &r).unwrap();
        assert_eq!(flow.columns.len(), 2);
        let heights: Vec<u32> = flow.columns[0].segments.iter().map(|s| s.height).collect();
        assert_eq!(heights, [100, 50, 50]);
        assert_eq!(
            flow.columns[1].segments.last().unwrap().hue,
            0,
            "exhausted is grey"
        );
        assert_eq!(flow.columns[0].note, "C eliminated");
        assert_eq!(flow.rows[2].1, ["1", "0"]);
    }
}
