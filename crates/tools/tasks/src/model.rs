//! What the tasks tool shows and takes, and its rules that need no database: custom fields'
//! types, due dates, checklists, labels, columns, dependency cycles, a bounty's shares.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use kernel::Timestamp;
use kernel::error::Validation;
use kernel::groups::model::GroupSummary;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

pub use kernel::id::{AccountId, GroupId};

kernel::id_type!(
    /// A task board.
    BoardId
);
kernel::id_type!(
    /// A column of a board.
    ColumnId
);
kernel::id_type!(
    /// A card on a board.
    CardId
);

/// The tool's name: its activities' `tool`, its scopes' prefix, its permissions' namespace.
pub const TOOL: &str = "tasks";
/// Change any board's columns and fields, delete anyone's card.
pub const MANAGE: &str = "tool:tasks:manage";
/// Move a card that carries a bounty to done, which pays it.
pub const REVIEW: &str = "tool:tasks:review";
/// The job that tells assignees a card is due soon, then that it is overdue.
pub const DUE_JOB: &str = "tasks.due";
/// "Due soon" comes this long before the due time.
pub const DUE_SOON_S: i64 = 24 * 3600;

pub const MAX_COLUMNS: usize = 20;
pub const MAX_FIELDS: usize = 30;
pub const MAX_CHOICES: usize = 50;
pub const MAX_LABELS: usize = 20;
pub const MAX_ASSIGNEES: usize = 20;
pub const MAX_BLOCKERS: usize = 50;
pub const MAX_CHECKLISTS: usize = 10;
pub const MAX_CHECK_ITEMS: usize = 100;
pub const MAX_CARDS_PER_BOARD: i64 = 10_000;
pub const DEFAULT_COLUMNS: [&str; 4] = ["To do", "Doing", "Review", "Done"];

kernel::string_enum!(
    /// The type of a custom field's values.
    FieldType {
        Text = "text",
        Number = "number",
        Date = "date",
        Choice = "choice",
    }
);

kernel::string_enum!(
    /// Where a card's bounty stands. `escrowing`, `paying` and `refunding` are the steps
    /// between writing the card and the ledger answering; the tool finishes them at start.
    BountyState {
        Escrowing = "escrowing",
        Held = "held",
        Paying = "paying",
        Paid = "paid",
        Refunding = "refunding",
        Refunded = "refunded",
    }
);

/// A custom field of a board's cards.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// How cards name it in `fields` (lowercase letters, digits and `_`); made from `name`
    /// when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    /// The values a `choice` field takes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
}

/// A column as a new board or a board's change gives it: a name, or an object.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ColumnInput {
    Name(String),
    Full(ColumnSpec),
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    /// An existing column (in a change): it keeps its cards.
    pub id: Option<ColumnId>,
    pub name: String,
    /// Cards here are done. One column is; when none is marked, the one named "Done", else
    /// the last.
    pub done: Option<bool>,
}

impl ColumnInput {
    pub fn spec(&self) -> ColumnSpec {
        match self {
            ColumnInput::Name(name) => ColumnSpec {
                id: None,
                name: name.clone(),
                done: None,
            },
            ColumnInput::Full(spec) => spec.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBoard {
    pub name: String,
    /// In order; "To do", "Doing", "Review", "Done" when left out.
    pub columns: Option<Vec<ColumnInput>>,
    /// Custom fields every card of the board may fill.
    pub fields: Option<Vec<FieldDef>>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BoardChange {
    pub name: Option<String>,
    /// The whole list, in order: a column with an `id` keeps its cards; a column left out
    /// goes, if it has none.
    pub columns: Option<Vec<ColumnInput>>,
    /// The whole list: a field left out goes from every card.
    pub fields: Option<Vec<FieldDef>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Column {
    pub id: ColumnId,
    pub name: String,
    pub position: i64,
    pub done: bool,
    /// How many cards it holds.
    pub cards: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Board {
    pub id: BoardId,
    pub group: GroupSummary,
    pub name: String,
    pub columns: Vec<Column>,
    pub fields: Vec<FieldDef>,
    pub created_by: Option<AccountId>,
    pub created_at: Timestamp,
}

/// A checklist on a card.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Checklist {
    pub name: String,
    #[serde(default)]
    pub items: Vec<CheckItem>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CheckItem {
    pub text: String,
    #[serde(default)]
    pub done: bool,
}

/// A bounty as a new card takes it: this much of a currency of the group, paid in from the
/// card's author's account now.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBounty {
    /// The currency's id or code.
    pub currency: String,
    pub amount: ledger::Decimal,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCard {
    pub title: String,
    pub description: Option<String>,
    /// A column's id or name; the first column when left out.
    pub column: Option<String>,
    /// Handles or ids of members of the group.
    pub assignees: Option<Vec<String>>,
    /// A date (`2027-01-31`, due by the end of that day, UTC) or a moment (RFC 3339).
    pub due: Option<String>,
    pub labels: Option<Vec<String>>,
    /// Values of the board's custom fields, by key.
    #[schema(value_type = Option<Object>)]
    pub fields: Option<BTreeMap<String, Value>>,
    /// Cards of the same board that must be done first.
    pub blocked_by: Option<Vec<String>>,
    pub checklists: Option<Vec<Checklist>>,
    pub bounty: Option<NewBounty>,
}

/// A change to a card; what is left out stays. Moving is `{column, position}`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CardChange {
    pub title: Option<String>,
    pub description: Option<String>,
    /// A column's id or name.
    pub column: Option<String>,
    /// The 0-based place in the column after the move (the end when past it).
    pub position: Option<i64>,
    pub assignees: Option<Vec<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub due: Option<Option<String>>,
    pub labels: Option<Vec<String>>,
    /// Merged into the card's values; a `null` value clears that field.
    #[schema(value_type = Option<Object>)]
    pub fields: Option<BTreeMap<String, Value>>,
    /// The whole list.
    pub blocked_by: Option<Vec<String>>,
    pub checklists: Option<Vec<Checklist>>,
    /// Only on a card without one.
    pub bounty: Option<NewBounty>,
}

/// Tells a missing field (`None`) from an explicit `null` (`Some(None)`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct Person {
    pub id: AccountId,
    pub handle: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ColumnRef {
    pub id: ColumnId,
    pub name: String,
    pub done: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Bounty {
    pub currency_id: ledger::CurrencyId,
    pub currency: String,
    pub amount: String,
    pub state: BountyState,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Card {
    pub id: CardId,
    pub board: BoardId,
    pub group: GroupId,
    pub column: ColumnRef,
    pub position: i64,
    pub title: String,
    pub description: String,
    pub assignees: Vec<Person>,
    pub due: Option<String>,
    /// Past its due time and not done.
    pub overdue: bool,
    pub labels: Vec<String>,
    pub checklists: Vec<Checklist>,
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, Value>,
    pub blocked_by: Vec<CardId>,
    /// Some card it waits for is not done yet.
    pub blocked: bool,
    pub bounty: Option<Bounty>,
    pub created_by: Option<AccountId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub done_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CardFilter {
    /// Only this column (id or name).
    pub column: Option<String>,
    /// Only cards assigned to this handle or id.
    pub assignee: Option<String>,
    /// Only cards with this label.
    pub label: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MyTasksFilter {
    /// Also cards already done.
    #[serde(default)]
    pub done: bool,
}

/// A card on "my tasks": the card and where it lives.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyTask {
    #[serde(flatten)]
    pub card: Card,
    pub board_name: String,
    pub group_handle: String,
}

// ---------------------------------------------------------------------------------------
// Rules

/// Trims a name of 1 to `max` characters, or says what is wrong on `field`.
pub fn name(v: &mut Validation, field: &str, text: &str, max: usize) -> String {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max {
        v.push(field, format!("1 to {max} characters"));
    }
    text.to_string()
}

/// A field's key from its name: lowercase letters, digits and `_`.
pub fn key_of(name: &str) -> String {
    let mut key = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            key.push(c.to_ascii_lowercase());
        } else if !key.ends_with('_') && !key.is_empty() {
            key.push('_');
        }
    }
    key.trim_end_matches('_').chars().take(40).collect()
}

/// Checks a board's field definitions and fills in their keys.
pub fn field_defs(v: &mut Validation, defs: Vec<FieldDef>) -> Vec<FieldDef> {
    if defs.len() > MAX_FIELDS {
        v.push("fields", format!("at most {MAX_FIELDS} custom fields"));
    }
    let mut keys = HashSet::new();
    let mut out = Vec::with_capacity(defs.len());
    for (i, mut def) in defs.into_iter().enumerate() {
        let at = format!("fields[{i}]");
        def.name = name(v, &format!("{at}.name"), &def.name, 60);
        let key = def
            .key
            .as_deref()
            .map(str::to_string)
            .unwrap_or_else(|| key_of(&def.name));
        if key.is_empty()
            || key.len() > 40
            || !key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            v.push(
                format!("{at}.key"),
                "lowercase letters, digits and _, at most 40",
            );
        } else if !keys.insert(key.clone()) {
            v.push(format!("{at}.key"), "two fields have this key");
        }
        def.key = Some(key);
        if def.kind == FieldType::Choice {
            let mut seen = HashSet::new();
            def.choices = def.choices.iter().map(|c| c.trim().to_string()).collect();
            if def.choices.is_empty() || def.choices.len() > MAX_CHOICES {
                v.push(
                    format!("{at}.choices"),
                    format!("a choice field has 1 to {MAX_CHOICES} choices"),
                );
            }
            if def
                .choices
                .iter()
                .any(|c| c.is_empty() || c.chars().count() > 60 || !seen.insert(c.clone()))
            {
                v.push(
                    format!("{at}.choices"),
                    "each choice 1 to 60 characters, none twice",
                );
            }
        } else if !def.choices.is_empty() {
            v.push(format!("{at}.choices"), "only a choice field has choices");
        }
        out.push(def);
    }
    out
}

/// Checks one value against its field; `Ok(None)` clears it.
pub fn field_value(def: &FieldDef, value: &Value) -> Result<Option<Value>, String> {
    if value.is_null() {
        return Ok(None);
    }
    match def.kind {
        FieldType::Text => match value.as_str() {
            Some(s) if s.chars().count() <= 2000 => Ok(Some(Value::String(s.to_string()))),
            Some(_) => Err("at most 2000 characters".into()),
            None => Err(format!("{} is a text field: give a string", def.name)),
        },
        FieldType::Number => match value.as_f64() {
            Some(n) if n.is_finite() => Ok(Some(value.clone())),
            _ => Err(format!("{} is a number field: give a number", def.name)),
        },
        FieldType::Date => match value
            .as_str()
            .map(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
        {
            Some(Ok(d)) => Ok(Some(Value::String(d.format("%Y-%m-%d").to_string()))),
            _ => Err(format!(
                "{} is a date field: give a date like 2027-01-31",
                def.name
            )),
        },
        FieldType::Choice => match value.as_str() {
            Some(s) if def.choices.iter().any(|c| c == s) => Ok(Some(value.clone())),
            _ => Err(format!(
                "{} takes one of: {}",
                def.name,
                def.choices.join(", ")
            )),
        },
    }
}

/// Merges `given` into `current` by the board's definitions; errors name `fields.<key>`.
pub fn merge_fields(
    v: &mut Validation,
    defs: &[FieldDef],
    current: &mut BTreeMap<String, Value>,
    given: BTreeMap<String, Value>,
) {
    for (key, value) in given {
        let Some(def) = defs.iter().find(|d| d.key.as_deref() == Some(key.as_str())) else {
            v.push(format!("fields.{key}"), "this board has no such field");
            continue;
        };
        match field_value(def, &value) {
            Ok(Some(value)) => {
                current.insert(key, value);
            }
            Ok(None) => {
                current.remove(&key);
            }
            Err(e) => v.push(format!("fields.{key}"), e),
        }
    }
}

/// A due date or moment: what to show, and when the card is late.
pub fn due(text: &str) -> Result<(String, Timestamp), String> {
    let text = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let end = d.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default());
        return Ok((
            d.format("%Y-%m-%d").to_string(),
            Timestamp::from_datetime(end.and_utc()),
        ));
    }
    match DateTime::parse_from_rfc3339(text) {
        Ok(t) => {
            let t = t.with_timezone(&Utc);
            Ok((
                t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                Timestamp::from_datetime(t),
            ))
        }
        Err(_) => Err("a date like 2027-01-31, or a moment like 2027-01-31T17:00:00Z".into()),
    }
}

pub fn labels(v: &mut Validation, given: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for label in given {
        let label = label.trim().to_string();
        if label.is_empty() || label.chars().count() > 40 {
            v.push("labels", "each label 1 to 40 characters");
        } else if !out.contains(&label) {
            out.push(label);
        }
    }
    if out.len() > MAX_LABELS {
        v.push("labels", format!("at most {MAX_LABELS} labels"));
    }
    out
}

pub fn checklists(v: &mut Validation, given: Vec<Checklist>) -> Vec<Checklist> {
    if given.len() > MAX_CHECKLISTS {
        v.push("checklists", format!("at most {MAX_CHECKLISTS} checklists"));
    }
    given
        .into_iter()
        .enumerate()
        .map(|(i, list)| {
            let name = name(v, &format!("checklists[{i}].name"), &list.name, 100);
            if list.items.len() > MAX_CHECK_ITEMS {
                v.push(
                    format!("checklists[{i}].items"),
                    format!("at most {MAX_CHECK_ITEMS} items"),
                );
            }
            let items = list
                .items
                .into_iter()
                .enumerate()
                .map(|(j, item)| CheckItem {
                    text: self::name(
                        v,
                        &format!("checklists[{i}].items[{j}].text"),
                        &item.text,
                        500,
                    ),
                    done: item.done,
                })
                .collect();
            Checklist { name, items }
        })
        .collect()
}

/// Columns of a new or changed board: names checked, one `done` column chosen.
pub fn columns(v: &mut Validation, given: &[ColumnInput]) -> Vec<ColumnSpec> {
    let mut specs: Vec<ColumnSpec> = given.iter().map(ColumnInput::spec).collect();
    if specs.is_empty() || specs.len() > MAX_COLUMNS {
        v.push("columns", format!("1 to {MAX_COLUMNS} columns"));
        return specs;
    }
    let mut seen = HashSet::new();
    for (i, spec) in specs.iter_mut().enumerate() {
        spec.name = name(v, &format!("columns[{i}].name"), &spec.name, 60);
        if !seen.insert(spec.name.to_lowercase()) {
            v.push(format!("columns[{i}].name"), "two columns have this name");
        }
    }
    let marked = specs.iter().filter(|s| s.done == Some(true)).count();
    if marked > 1 {
        v.push("columns", "only one column means done");
    }
    if marked == 0 {
        let at = specs
            .iter()
            .position(|s| s.name.eq_ignore_ascii_case("done"))
            .unwrap_or(specs.len() - 1);
        specs[at].done = Some(true);
    }
    specs
}

/// Whether adding the edges `card → blockers` to `edges` (card → what it waits for) makes a
/// cycle: some blocker already waits, directly or not, for `card`.
pub fn makes_cycle(
    edges: &HashMap<CardId, Vec<CardId>>,
    card: CardId,
    blockers: &[CardId],
) -> bool {
    let mut stack: Vec<CardId> = blockers.to_vec();
    let mut seen = HashSet::new();
    while let Some(next) = stack.pop() {
        if next == card {
            return true;
        }
        if seen.insert(next)
            && let Some(more) = edges.get(&next)
        {
            stack.extend(more.iter().copied());
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_are_found_through_several_steps() {
        let (a, b, c) = (CardId::new(), CardId::new(), CardId::new());
        let mut edges = HashMap::new();
        edges.insert(b, vec![c]);
        edges.insert(c, vec![a]);
        // a waits for b, b for c, c for a: a cycle.
        assert!(makes_cycle(&edges, a, &[b]));
        assert!(makes_cycle(&edges, a, &[a]));
        // a waits for c only: c waits for a already.
        assert!(makes_cycle(&edges, a, &[c]));
        let d = CardId::new();
        assert!(!makes_cycle(&edges, d, &[a, b]));
    }

    #[test]
    fn due_dates_and_moments() {
        let (shown, at) = due("2027-01-31").unwrap();
        assert_eq!(shown, "2027-01-31");
        let end = DateTime::parse_from_rfc3339("2027-01-31T23:59:59Z").unwrap();
        assert_eq!(at, Timestamp::from_datetime(end.with_timezone(&Utc)));
        let (shown, _) = due("2027-01-31T18:00:00+01:00").unwrap();
        assert_eq!(shown, "2027-01-31T17:00:00Z");
        assert!(due("tomorrow").is_err());
        assert!(due("2027-02-30").is_err());
    }

    #[test]
    fn field_values_are_checked_by_type() {
        let number = FieldDef {
            key: Some("points".into()),
            name: "Points".into(),
            kind: FieldType::Number,
            choices: vec![],
        };
        assert!(field_value(&number, &serde_json::json!(3)).is_ok());
        assert!(field_value(&number, &serde_json::json!("3")).is_err());
        let choice = FieldDef {
            key: Some("size".into()),
            name: "Size".into(),
            kind: FieldType::Choice,
            choices: vec!["S".into(), "M".into()],
        };
        assert!(field_value(&choice, &serde_json::json!("M")).is_ok());
        assert!(field_value(&choice, &serde_json::json!("XL")).is_err());
        assert_eq!(field_value(&choice, &Value::Null), Ok(None));
        let date = FieldDef {
            key: Some("start".into()),
            name: "Start".into(),
            kind: FieldType::Date,
            choices: vec![],
        };
        assert!(field_value(&date, &serde_json::json!("2027-13-01")).is_err());
    }

    #[test]
    fn one_done_column_is_chosen() {
        let mut v = Validation::new();
        let specs = columns(
            &mut v,
            &[
                ColumnInput::Name("Backlog".into()),
                ColumnInput::Name("Done".into()),
                ColumnInput::Name("Archive".into()),
            ],
        );
        assert!(v.finish().is_ok());
        assert_eq!(specs[1].done, Some(true));
        assert_eq!(specs[2].done, None);
        assert_eq!(key_of("Story points!"), "story_points");
    }
}
