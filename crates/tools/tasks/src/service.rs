//! The tasks tool's use cases: load the facts, ask the policy, act in one transaction and
//! record the activity. A bounty moves money through the ledger (`bounty`), in steps the
//! tool can finish after a crash.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use kernel::activity::{self, Audience, NewActivity, ObjectRef};
use kernel::error::Validation;
use kernel::groups::access::Loaded;
use kernel::people::Actor;
use kernel::policy::Action;
use kernel::{Error, Kernel, Result, Timestamp};
use ledger::{Ledger, amount};
use serde_json::{Value, json};

use crate::bounty;
use crate::cache::{BoardCache, Copy};
use crate::model::*;
use crate::store::{self, BoardRow, CardRow, ColumnRow};

/// A board and its group, for a reader.
pub(crate) struct FoundBoard {
    pub row: BoardRow,
    pub group: Loaded,
    pub columns: Vec<ColumnRow>,
    pub fields: Vec<FieldDef>,
}

impl FoundBoard {
    pub fn column(&self, key: &str) -> Option<&ColumnRow> {
        let key = key.trim();
        self.columns
            .iter()
            .find(|c| c.id.to_string() == key)
            .or_else(|| {
                self.columns
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(key))
            })
    }
}

pub(crate) async fn group_for(k: &Kernel, actor: Option<&Actor>, key: &str) -> Result<Loaded> {
    kernel::groups::access::for_tool(k, actor, key, TOOL).await
}

pub(crate) async fn board_for(
    k: &Kernel,
    actor: Option<&Actor>,
    id: BoardId,
) -> Result<FoundBoard> {
    let row = store::board(&k.db, id)
        .await?
        .ok_or(Error::NotFound("board"))?;
    let group = group_for(k, actor, &row.group_id.to_string())
        .await
        .map_err(Error::hidden_as("board"))?;
    let columns = store::columns(&k.db, id).await?;
    let fields = serde_json::from_str(&row.fields).map_err(Error::internal)?;
    Ok(FoundBoard {
        row,
        group,
        columns,
        fields,
    })
}

fn board_view(b: &FoundBoard, counts: &HashMap<ColumnId, i64>) -> Board {
    Board {
        id: b.row.id,
        group: b.group.row.summary(),
        name: b.row.name.clone(),
        columns: b
            .columns
            .iter()
            .map(|c| Column {
                id: c.id,
                name: c.name.clone(),
                position: c.position,
                done: c.done == 1,
                cards: counts.get(&c.id).copied().unwrap_or(0),
            })
            .collect(),
        fields: b.fields.clone(),
        created_by: b.row.created_by,
        created_at: Timestamp(b.row.created_at),
    }
}

/// A board as its copy shows it: each column's count from the copy's cards.
pub(crate) fn board_of_copy(b: &FoundBoard, copy: &Copy) -> Board {
    let mut counts: HashMap<ColumnId, i64> = HashMap::new();
    for card in &copy.cards {
        *counts.entry(card.column.id).or_default() += 1;
    }
    board_view(b, &counts)
}

async fn counts(k: &Kernel, boards: &[BoardId]) -> Result<HashMap<ColumnId, i64>> {
    Ok(store::column_counts(&k.db, boards)
        .await?
        .into_iter()
        .map(|c| (c.column_id, c.n))
        .collect())
}

/// Its author, or a role holding `tool:tasks:manage`, changes a board.
fn manage_board(b: &FoundBoard, actor: &Actor) -> Result<()> {
    if b.row.created_by == Some(actor.account) {
        b.group.authorize(Some(actor), Action::ToolUse(TOOL))
    } else {
        b.group.authorize(Some(actor), Action::Tool(MANAGE))
    }
}

// ---------------------------------------------------------------------------------------
// Boards

pub async fn create_board(
    k: &Kernel,
    actor: &Actor,
    group: &str,
    input: NewBoard,
) -> Result<Board> {
    let group = group_for(k, Some(actor), group).await?;
    group.authorize(Some(actor), Action::ToolUse(TOOL))?;
    let mut v = Validation::new();
    let name = name(&mut v, "name", &input.name, 100);
    let given = input.columns.unwrap_or_else(|| {
        DEFAULT_COLUMNS
            .iter()
            .map(|n| ColumnInput::Name((*n).to_string()))
            .collect()
    });
    let specs = columns(&mut v, &given);
    if specs.iter().any(|s| s.id.is_some()) {
        v.push("columns", "a new board's columns have no ids yet");
    }
    let fields = field_defs(&mut v, input.fields.unwrap_or_default());
    v.finish()?;
    let row = BoardRow {
        id: BoardId::new(),
        group_id: group.row.id,
        name,
        fields: serde_json::to_string(&fields).map_err(Error::internal)?,
        created_by: Some(actor.account),
        created_at: k.now().0,
        version: 0,
    };
    let columns: Vec<ColumnRow> = specs
        .iter()
        .enumerate()
        .map(|(i, s)| ColumnRow {
            id: ColumnId::new(),
            board_id: row.id,
            position: i as i64,
            name: s.name.clone(),
            done: i64::from(s.done == Some(true)),
        })
        .collect();
    let mut tx = k.db.begin().await?;
    store::insert_board(&mut tx, &row).await?;
    store::insert_columns(&mut tx, &columns).await?;
    activity::record(
        &mut tx,
        k.now(),
        NewActivity::new(
            "Create",
            Some(actor.account),
            ObjectRef::new("weft:TaskBoard", row.id, Some(&row.name)),
            Audience::Group(group.row.id),
        )
        .tool(TOOL)
        .summary(format!("{} made the board {}", actor.handle, row.name)),
    )
    .await?;
    tx.commit().await?;
    let found = FoundBoard {
        row,
        group,
        columns,
        fields,
    };
    Ok(board_view(&found, &HashMap::new()))
}

pub async fn list_boards(k: &Kernel, actor: Option<&Actor>, group: &str) -> Result<Vec<Board>> {
    let group = group_for(k, actor, group).await?;
    let rows = store::group_boards(&k.db, group.row.id).await?;
    let ids: Vec<BoardId> = rows.iter().map(|r| r.id).collect();
    let counts = counts(k, &ids).await?;
    let mut columns: HashMap<BoardId, Vec<ColumnRow>> = HashMap::new();
    for c in store::columns_of(&k.db, &ids).await? {
        columns.entry(c.board_id).or_default().push(c);
    }
    let summary = group.row.summary();
    rows.into_iter()
        .map(|row| {
            let fields: Vec<FieldDef> =
                serde_json::from_str(&row.fields).map_err(Error::internal)?;
            Ok(Board {
                id: row.id,
                group: summary.clone(),
                name: row.name,
                columns: columns
                    .remove(&row.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|c| Column {
                        id: c.id,
                        name: c.name,
                        position: c.position,
                        done: c.done == 1,
                        cards: counts.get(&c.id).copied().unwrap_or(0),
                    })
                    .collect(),
                fields,
                created_by: row.created_by,
                created_at: Timestamp(row.created_at),
            })
        })
        .collect()
}

pub async fn get_board(k: &Kernel, actor: Option<&Actor>, id: BoardId) -> Result<Board> {
    let b = board_for(k, actor, id).await?;
    Ok(board_view(&b, &counts(k, &[id]).await?))
}

pub async fn update_board(
    k: &Kernel,
    actor: &Actor,
    id: BoardId,
    input: BoardChange,
) -> Result<Board> {
    let mut b = board_for(k, Some(actor), id).await?;
    manage_board(&b, actor)?;
    let mut v = Validation::new();
    if let Some(n) = &input.name {
        b.row.name = name(&mut v, "name", n, 100);
    }
    let specs = input.columns.as_ref().map(|c| columns(&mut v, c));
    let fields = input.fields.map(|f| field_defs(&mut v, f));
    let counts = counts(k, &[id]).await?;
    let mut inserts = Vec::new();
    let mut updates = Vec::new();
    let mut deletes = Vec::new();
    if let Some(specs) = &specs {
        let mut kept = HashSet::new();
        for (i, s) in specs.iter().enumerate() {
            let row = ColumnRow {
                id: s.id.unwrap_or_default(),
                board_id: id,
                position: i as i64,
                name: s.name.clone(),
                done: i64::from(s.done == Some(true)),
            };
            match s.id {
                Some(cid) if b.columns.iter().any(|c| c.id == cid) => {
                    if !kept.insert(cid) {
                        v.push(format!("columns[{i}].id"), "this column is listed twice");
                    }
                    updates.push(row);
                }
                Some(_) => v.push(format!("columns[{i}].id"), "no such column on this board"),
                None => inserts.push(row),
            }
        }
        for c in &b.columns {
            if !kept.contains(&c.id) {
                if counts.get(&c.id).copied().unwrap_or(0) > 0 {
                    v.push(
                        "columns",
                        format!("the column {} still holds cards: move them first", c.name),
                    );
                }
                deletes.push(c.id);
            }
        }
    }
    v.finish()?;
    let dropped: Vec<String> = match &fields {
        Some(new) => b
            .fields
            .iter()
            .filter_map(|f| f.key.clone())
            .filter(|k| !new.iter().any(|n| n.key.as_deref() == Some(k)))
            .collect(),
        None => Vec::new(),
    };
    if let Some(fields) = fields {
        b.row.fields = serde_json::to_string(&fields).map_err(Error::internal)?;
        b.fields = fields;
    }
    let touched = if dropped.is_empty() {
        Vec::new()
    } else {
        store::board_cards(&k.db, id).await?
    };
    let mut tx = k.db.begin().await?;
    store::lock_board(&mut tx, id).await?;
    store::update_board(&mut tx, &b.row).await?;
    // Positions move out of the way first: (board, position) is not unique, but the order
    // must hold after the change.
    for c in &deletes {
        store::delete_column(&mut tx, *c).await?;
    }
    for c in &updates {
        store::update_column(&mut tx, c).await?;
    }
    store::insert_columns(&mut tx, &inserts).await?;
    if !dropped.is_empty() {
        // A field that goes leaves no value behind on any card.
        for mut card in touched {
            let mut values: BTreeMap<String, Value> =
                serde_json::from_str(&card.fields).map_err(Error::internal)?;
            let removed = dropped
                .iter()
                .filter(|d| values.remove(*d).is_some())
                .count();
            if removed > 0 {
                card.fields = serde_json::to_string(&values).map_err(Error::internal)?;
                store::update_card(&mut tx, &card).await?;
            }
        }
    }
    activity::record(
        &mut tx,
        k.now(),
        NewActivity::new(
            "Update",
            Some(actor.account),
            ObjectRef::new("weft:TaskBoard", id, Some(&b.row.name)),
            Audience::Group(b.group.row.id),
        )
        .tool(TOOL)
        .summary(format!("{} changed the board {}", actor.handle, b.row.name)),
    )
    .await?;
    tx.commit().await?;
    get_board(k, Some(actor), id).await
}

// ---------------------------------------------------------------------------------------
// Reading cards

/// Turns rows into cards: their assignees, dependencies, whether they wait, their bounty.
/// `board` set: every row is of that board, read with one query per part.
async fn cards_of(
    k: &Kernel,
    board: Option<BoardId>,
    rows: Vec<CardRow>,
    columns: &HashMap<ColumnId, ColumnRow>,
) -> Result<Vec<Card>> {
    let ids: Vec<CardId> = rows.iter().map(|r| r.id).collect();
    let (assignees, blockers) = match board {
        Some(b) => (
            store::board_assignees(&k.db, b).await?,
            store::board_blockers(&k.db, b).await?,
        ),
        None => (
            store::assignees_of(&k.db, &ids).await?,
            store::blockers_of(&k.db, &ids).await?,
        ),
    };
    let mut people: HashMap<CardId, Vec<AccountId>> = HashMap::new();
    for p in assignees {
        people
            .entry(p.card_id)
            .or_default()
            .push(AccountId(p.other));
    }
    let mut waits: HashMap<CardId, Vec<CardId>> = HashMap::new();
    for p in blockers {
        waits.entry(p.card_id).or_default().push(CardId(p.other));
    }
    // Where each blocker is: among the rows, or read (cards of other lists).
    let mut column_of: HashMap<CardId, ColumnId> =
        rows.iter().map(|r| (r.id, r.column_id)).collect();
    let missing: Vec<CardId> = waits
        .values()
        .flatten()
        .filter(|b| !column_of.contains_key(b))
        .copied()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    for r in store::cards_by_ids(&k.db, &missing).await? {
        column_of.insert(r.id, r.column_id);
    }
    let ids_of_people: Vec<AccountId> = people
        .values()
        .flatten()
        .copied()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let handles = kernel::people::service::handles(k, &ids_of_people).await?;
    let mut currencies: HashMap<ledger::CurrencyId, (String, u32)> = HashMap::new();
    for c in rows.iter().filter_map(|r| r.bounty_currency) {
        if let std::collections::hash_map::Entry::Vacant(e) = currencies.entry(c)
            && let Some(row) = ledger::store::currency(&k.db, c).await?
        {
            e.insert((row.code.clone(), row.scale()));
        }
    }
    let now = k.now().0;
    let done = |c: &ColumnId| columns.get(c).is_some_and(|c| c.done == 1);
    rows.into_iter()
        .map(|r| {
            let column = columns
                .get(&r.column_id)
                .ok_or(Error::internal("a card in a column of no board"))?;
            let mut assignees: Vec<Person> = people
                .remove(&r.id)
                .unwrap_or_default()
                .into_iter()
                .map(|id| Person {
                    id,
                    handle: handles.get(&id).cloned().unwrap_or_default(),
                })
                .collect();
            assignees.sort_by(|a, b| a.handle.cmp(&b.handle));
            let blocked_by = waits.remove(&r.id).unwrap_or_default();
            let blocked = blocked_by
                .iter()
                .any(|b| column_of.get(b).is_some_and(|c| !done(c)));
            let is_done = column.done == 1;
            let bounty = match (r.bounty_currency, r.bounty_amount, &r.bounty_state) {
                (Some(c), Some(a), Some(s)) => {
                    let (code, scale) = currencies.get(&c).cloned().unwrap_or_default();
                    Some(Bounty {
                        currency_id: c,
                        currency: code,
                        amount: amount::format(a, scale),
                        state: s.parse().map_err(Error::internal)?,
                    })
                }
                _ => None,
            };
            Ok(Card {
                id: r.id,
                board: r.board_id,
                group: r.group_id,
                column: ColumnRef {
                    id: column.id,
                    name: column.name.clone(),
                    done: is_done,
                },
                position: r.position,
                title: r.title,
                description: r.description,
                assignees,
                overdue: !is_done && r.due_at.is_some_and(|d| d < now),
                due: r.due,
                labels: serde_json::from_str(&r.labels).map_err(Error::internal)?,
                checklists: serde_json::from_str(&r.checklists).map_err(Error::internal)?,
                fields: serde_json::from_str(&r.fields).map_err(Error::internal)?,
                blocked_by,
                blocked,
                bounty,
                created_by: r.created_by,
                created_at: Timestamp(r.created_at),
                updated_at: Timestamp(r.updated_at),
                done_at: r.done_at.map(Timestamp),
            })
        })
        .collect()
}

fn column_map(columns: &[ColumnRow]) -> HashMap<ColumnId, ColumnRow> {
    columns.iter().map(|c| (c.id, c.clone())).collect()
}

/// A board's cards, by column and place, for whoever may read the board: the node's copy
/// when the board has not changed since it was made (`cache`), and `filter` applied.
pub async fn list_cards(
    k: &Kernel,
    cache: &BoardCache,
    actor: Option<&Actor>,
    id: BoardId,
    filter: &CardFilter,
) -> Result<(Arc<Copy>, Option<Vec<Card>>)> {
    let b = board_for(k, actor, id).await?;
    let copy = board_copy(k, cache, &b).await?;
    if filter.column.is_none() && filter.assignee.is_none() && filter.label.is_none() {
        return Ok((copy, None));
    }
    let column = match &filter.column {
        Some(key) => Some(
            b.column(key)
                .ok_or(Error::invalid("column", "no such column on this board"))?
                .id,
        ),
        None => None,
    };
    let who = filter
        .assignee
        .as_deref()
        .map(|w| w.trim().trim_start_matches('@'));
    let cards = copy
        .cards
        .iter()
        .filter(|c| column.is_none_or(|col| c.column.id == col))
        .filter(|c| {
            who.is_none_or(|w| {
                c.assignees
                    .iter()
                    .any(|p| p.handle == w || p.id.to_string() == w)
            })
        })
        .filter(|c| {
            filter
                .label
                .as_ref()
                .is_none_or(|l| c.labels.iter().any(|x| x == l))
        })
        .cloned()
        .collect();
    Ok((copy, Some(cards)))
}

/// The board's cards as this node last made them, or made now (and kept) if the board has
/// changed since, or a card has come due.
pub(crate) async fn board_copy(
    k: &Kernel,
    cache: &BoardCache,
    b: &FoundBoard,
) -> Result<Arc<Copy>> {
    let now = k.now().0;
    if let Some(copy) = cache.get(b.row.id, b.row.version, now) {
        return Ok(copy);
    }
    let rows = store::board_cards(&k.db, b.row.id).await?;
    let columns = column_map(&b.columns);
    let fresh_until = rows
        .iter()
        .filter(|r| columns.get(&r.column_id).is_some_and(|c| c.done == 0))
        .filter_map(|r| r.due_at)
        .filter(|due| *due >= now)
        .min()
        .map_or(i64::MAX, |due| due + 1);
    let mut cards = cards_of(k, Some(b.row.id), rows, &columns).await?;
    // Columns in the board's order, cards by place.
    let order: HashMap<ColumnId, i64> = b.columns.iter().map(|c| (c.id, c.position)).collect();
    cards.sort_by_key(|c| {
        (
            order.get(&c.column.id).copied().unwrap_or(i64::MAX),
            c.position,
        )
    });
    let json = serde_json::to_vec(&cards).map_err(Error::internal)?;
    let copy = Arc::new(Copy::new(b.row.version, fresh_until, cards, json.into()));
    cache.put(b.row.id, Arc::clone(&copy));
    Ok(copy)
}

/// A card and its board, for a reader.
pub(crate) async fn card_for(
    k: &Kernel,
    actor: Option<&Actor>,
    id: CardId,
) -> Result<(CardRow, FoundBoard)> {
    let row = store::card(&k.db, id)
        .await?
        .ok_or(Error::NotFound("card"))?;
    let board = board_for(k, actor, row.board_id)
        .await
        .map_err(Error::hidden_as("card"))?;
    Ok((row, board))
}

pub async fn get_card(k: &Kernel, actor: Option<&Actor>, id: CardId) -> Result<Card> {
    let (row, board) = card_for(k, actor, id).await?;
    one_card(k, &board, row).await
}

async fn one_card(k: &Kernel, board: &FoundBoard, row: CardRow) -> Result<Card> {
    let columns = column_map(&board.columns);
    cards_of(k, None, vec![row], &columns)
        .await?
        .pop()
        .ok_or(Error::internal("a card vanished while it was read"))
}

/// The caller's cards in every group they may still read, soonest due first.
pub async fn my_tasks(k: &Kernel, actor: &Actor, filter: &MyTasksFilter) -> Result<Vec<MyTask>> {
    let name = kernel::people::ToolName::new(TOOL).ok_or(Error::internal("a tool's name"))?;
    actor.require(kernel::people::Scope::Tool(
        name,
        kernel::people::Access::Read,
    ))?;
    let rows = store::assigned_to(&k.db, actor.account).await?;
    let mut boards: HashMap<BoardId, Option<FoundBoard>> = HashMap::new();
    for r in &rows {
        if let std::collections::hash_map::Entry::Vacant(e) = boards.entry(r.board_id) {
            e.insert(board_for(k, Some(actor), r.board_id).await.ok());
        }
    }
    let rows: Vec<CardRow> = rows
        .into_iter()
        .filter(|r| boards.get(&r.board_id).is_some_and(Option::is_some))
        .collect();
    let columns: HashMap<ColumnId, ColumnRow> = boards
        .values()
        .flatten()
        .flat_map(|b| b.columns.iter().map(|c| (c.id, c.clone())))
        .collect();
    let mut tasks: Vec<MyTask> = cards_of(k, None, rows, &columns)
        .await?
        .into_iter()
        .filter(|c| filter.done || !c.column.done)
        .filter_map(|card| {
            let b = boards.get(&card.board)?.as_ref()?;
            Some(MyTask {
                board_name: b.row.name.clone(),
                group_handle: b.group.row.handle.clone(),
                card,
            })
        })
        .collect();
    tasks.sort_by(|a, b| {
        (
            a.card.due.is_none(),
            a.card.due.as_deref().unwrap_or(""),
            a.card.id,
        )
            .cmp(&(
                b.card.due.is_none(),
                b.card.due.as_deref().unwrap_or(""),
                b.card.id,
            ))
    });
    Ok(tasks)
}

// ---------------------------------------------------------------------------------------
// Writing cards

/// Members of the group by handle or id; errors on `field`.
async fn people(
    k: &Kernel,
    v: &mut Validation,
    group: GroupId,
    given: &[String],
) -> Result<Vec<AccountId>> {
    if given.len() > MAX_ASSIGNEES {
        v.push("assignees", format!("at most {MAX_ASSIGNEES} people"));
        return Ok(Vec::new());
    }
    if given.is_empty() {
        return Ok(Vec::new());
    }
    let roster = kernel::groups::access::roster(k, group).await?;
    let mut out = Vec::new();
    for key in given {
        let key = key.trim().trim_start_matches('@');
        match roster
            .iter()
            .find(|m| m.handle == key || m.id.to_string() == key)
        {
            Some(m) if !out.contains(&m.id) => out.push(m.id),
            Some(_) => {}
            None => v.push("assignees", format!("{key} is not a member of this group")),
        }
    }
    Ok(out)
}

/// Cards of the board by id; errors on `blocked_by`.
fn blockers(
    v: &mut Validation,
    on_board: &HashSet<CardId>,
    card: CardId,
    given: &[String],
) -> Vec<CardId> {
    if given.len() > MAX_BLOCKERS {
        v.push("blocked_by", format!("at most {MAX_BLOCKERS} cards"));
    }
    let mut out = Vec::new();
    for key in given {
        match key.trim().parse::<CardId>() {
            Ok(id) if id == card => v.push("blocked_by", "a card cannot wait for itself"),
            Ok(id) if on_board.contains(&id) => {
                if !out.contains(&id) {
                    out.push(id);
                }
            }
            _ => v.push("blocked_by", format!("{key} is not a card of this board")),
        }
    }
    out
}

/// Refuses a change of dependencies that would close a loop.
async fn check_cycle(
    tx: &mut kernel::db::Tx,
    board: BoardId,
    card: CardId,
    blockers: &[CardId],
) -> Result<()> {
    let mut edges: HashMap<CardId, Vec<CardId>> = HashMap::new();
    for p in store::board_blockers_in(tx, board).await? {
        if p.card_id != card {
            edges.entry(p.card_id).or_default().push(CardId(p.other));
        }
    }
    if makes_cycle(&edges, card, blockers) {
        return Err(Error::conflict(
            "blocked_by",
            "this would make a loop of cards waiting for each other",
        ));
    }
    Ok(())
}

fn card_activity(
    kind: &str,
    actor: &Actor,
    board: &FoundBoard,
    card: &CardRow,
    summary: String,
) -> NewActivity {
    NewActivity::new(
        kind,
        Some(actor.account),
        ObjectRef::new("weft:Task", card.id, Some(&card.title)),
        Audience::Group(board.group.row.id),
    )
    .target(ObjectRef::new(
        "weft:TaskBoard",
        board.row.id,
        Some(&board.row.name),
    ))
    .tool(TOOL)
    .summary(summary)
}

/// Jobs that tell the assignees a card is due soon, then overdue; keyed by the due time, so
/// a changed date leaves the old jobs nothing to do.
async fn schedule_due(tx: &mut kernel::db::Tx, now: Timestamp, card: &CardRow) -> Result<()> {
    let Some(due_at) = card.due_at else {
        return Ok(());
    };
    for (stage, at) in [
        ("soon", due_at - DUE_SOON_S * Timestamp::MICROS_PER_SECOND),
        ("overdue", due_at),
    ] {
        if at <= now.0 && stage == "soon" {
            continue;
        }
        kernel::jobs::enqueue(
            tx,
            now,
            kernel::jobs::NewJob::new(
                DUE_JOB,
                json!({"card": card.id, "due_at": due_at, "stage": stage}),
            )
            .at(Timestamp(at.max(now.0)))
            .unique(format!("{TOOL}:due:{}:{due_at}:{stage}", card.id)),
        )
        .await?;
    }
    Ok(())
}

pub async fn create_card(
    ledger: &Ledger,
    actor: &Actor,
    board: BoardId,
    input: NewCard,
) -> Result<Card> {
    let k = ledger.kernel();
    let b = board_for(k, Some(actor), board).await?;
    b.group.authorize(Some(actor), Action::ToolUse(TOOL))?;
    let mut v = Validation::new();
    let title = name(&mut v, "title", &input.title, 200);
    let description = input.description.unwrap_or_default().trim().to_string();
    if description.chars().count() > 20_000 {
        v.push("description", "at most 20000 characters");
    }
    let column = match &input.column {
        Some(key) => b.column(key).cloned(),
        None => b.columns.first().cloned(),
    };
    if column.is_none() {
        v.push("column", "no such column on this board");
    }
    let assignees = people(
        k,
        &mut v,
        b.group.row.id,
        &input.assignees.unwrap_or_default(),
    )
    .await?;
    let due = match input
        .due
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        Some(text) => match crate::model::due(text) {
            Ok(d) => Some(d),
            Err(e) => {
                v.push("due", e);
                None
            }
        },
        None => None,
    };
    let labels = labels(&mut v, input.labels.unwrap_or_default());
    let checklists = checklists(&mut v, input.checklists.unwrap_or_default());
    let mut fields = BTreeMap::new();
    merge_fields(
        &mut v,
        &b.fields,
        &mut fields,
        input.fields.unwrap_or_default(),
    );
    let id = CardId::new();
    let on_board: HashSet<CardId> = match &input.blocked_by {
        Some(list) if !list.is_empty() => store::board_cards(&k.db, board)
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect(),
        _ => HashSet::new(),
    };
    let waits = blockers(&mut v, &on_board, id, &input.blocked_by.unwrap_or_default());
    let bounty = match &input.bounty {
        Some(given) => bounty::check(k, actor, &mut v, b.group.row.id, given).await?,
        None => None,
    };
    v.finish()?;
    let column = column.ok_or(Error::internal("a column checked but missing"))?;
    if column.done == 1 && bounty.is_some() {
        return Err(Error::conflict(
            "column",
            "a card with a bounty starts before done: a reviewer moves it there",
        ));
    }
    if column.done == 1 && !waits.is_empty() {
        return Err(Error::conflict(
            "column",
            "a card that waits for others cannot start done",
        ));
    }
    let now = k.now();
    let mut row = CardRow {
        id,
        board_id: board,
        group_id: b.group.row.id,
        column_id: column.id,
        position: 0,
        title,
        description,
        due: due.as_ref().map(|d| d.0.clone()),
        due_at: due.as_ref().map(|d| d.1.0),
        labels: serde_json::to_string(&labels).map_err(Error::internal)?,
        checklists: serde_json::to_string(&checklists).map_err(Error::internal)?,
        fields: serde_json::to_string(&fields).map_err(Error::internal)?,
        created_by: Some(actor.account),
        created_at: now.0,
        updated_at: now.0,
        done_at: (column.done == 1).then_some(now.0),
        bounty_currency: bounty.as_ref().map(|b| b.currency),
        bounty_amount: bounty.as_ref().map(|b| b.amount),
        bounty_payer: bounty.as_ref().map(|b| b.payer),
        bounty_state: bounty
            .as_ref()
            .map(|_| BountyState::Escrowing.as_str().to_string()),
    };
    let mut tx = k.db.begin().await?;
    store::lock_board(&mut tx, board).await?;
    if store::count_cards(&mut tx, board).await? >= MAX_CARDS_PER_BOARD {
        return Err(Error::conflict(
            "board",
            format!("a board holds at most {MAX_CARDS_PER_BOARD} cards"),
        ));
    }
    // A new card goes to the end of its column.
    row.position = store::column_length(&mut tx, column.id).await?;
    store::insert_card(&mut tx, &row).await?;
    store::set_assignees(&mut tx, id, &assignees).await?;
    store::set_blockers(&mut tx, id, &waits).await?;
    let mut new = card_activity(
        "Create",
        actor,
        &b,
        &row,
        format!(
            "{} added the card {} to {}",
            actor.handle, row.title, b.row.name
        ),
    );
    let told: Vec<AccountId> = assignees
        .iter()
        .copied()
        .filter(|a| *a != actor.account)
        .collect();
    if !told.is_empty() {
        new = new.notify(told, "assigned");
    }
    activity::record(&mut tx, now, new).await?;
    schedule_due(&mut tx, now, &row).await?;
    tx.commit().await?;
    if let Some(bounty) = bounty {
        // The card exists as "escrowing"; the money moves now. Refused: the card goes, as if
        // never made (nothing moved).
        if let Err(e) = bounty::escrow(ledger, actor, &row, &bounty).await {
            let mut tx = k.db.begin().await?;
            store::lock_board(&mut tx, board).await?;
            store::remove_card(&mut tx, &row).await?;
            tx.commit().await?;
            return Err(e);
        }
    }
    get_card(k, Some(actor), id).await
}

pub async fn update_card(
    ledger: &Ledger,
    actor: &Actor,
    id: CardId,
    input: CardChange,
) -> Result<Card> {
    let k = ledger.kernel();
    let (mut row, b) = card_for(k, Some(actor), id).await?;
    b.group.authorize(Some(actor), Action::ToolUse(TOOL))?;
    let before = row.clone();
    let mut v = Validation::new();
    if let Some(t) = &input.title {
        row.title = name(&mut v, "title", t, 200);
    }
    if let Some(d) = &input.description {
        row.description = d.trim().to_string();
        if row.description.chars().count() > 20_000 {
            v.push("description", "at most 20000 characters");
        }
    }
    let target = match &input.column {
        Some(key) => match b.column(key) {
            Some(c) => Some(c.clone()),
            None => {
                v.push("column", "no such column on this board");
                None
            }
        },
        None => input
            .position
            .and_then(|_| b.columns.iter().find(|c| c.id == row.column_id).cloned()),
    };
    if input.position.is_some_and(|p| p < 0) {
        v.push("position", "a place in the column, from 0");
    }
    let assignees = match &input.assignees {
        Some(list) => Some(people(k, &mut v, b.group.row.id, list).await?),
        None => None,
    };
    match &input.due {
        Some(Some(text)) if !text.trim().is_empty() => match crate::model::due(text) {
            Ok((shown, at)) => {
                row.due = Some(shown);
                row.due_at = Some(at.0);
            }
            Err(e) => v.push("due", e),
        },
        Some(_) => {
            row.due = None;
            row.due_at = None;
        }
        None => {}
    }
    if let Some(l) = input.labels {
        row.labels = serde_json::to_string(&labels(&mut v, l)).map_err(Error::internal)?;
    }
    if let Some(c) = input.checklists {
        row.checklists = serde_json::to_string(&checklists(&mut v, c)).map_err(Error::internal)?;
    }
    if let Some(given) = input.fields {
        let mut values: BTreeMap<String, Value> =
            serde_json::from_str(&row.fields).map_err(Error::internal)?;
        merge_fields(&mut v, &b.fields, &mut values, given);
        row.fields = serde_json::to_string(&values).map_err(Error::internal)?;
    }
    let waits = match &input.blocked_by {
        Some(list) => {
            let on_board: HashSet<CardId> = if list.is_empty() {
                HashSet::new()
            } else {
                store::board_cards(&k.db, b.row.id)
                    .await?
                    .into_iter()
                    .map(|c| c.id)
                    .collect()
            };
            Some(blockers(&mut v, &on_board, id, list))
        }
        None => None,
    };
    let new_bounty = match &input.bounty {
        Some(_) if row.bounty_state.is_some() => {
            v.push("bounty", "this card has a bounty already");
            None
        }
        Some(given) => bounty::check(k, actor, &mut v, b.group.row.id, given).await?,
        None => None,
    };
    v.finish()?;
    if row
        .bounty_state
        .as_deref()
        .is_some_and(|s| s != "held" && s != "paid" && s != "refunded")
    {
        return Err(Error::conflict(
            "bounty",
            "this card's bounty is moving; try again in a moment",
        ));
    }
    let now = k.now();
    let moving_to_done = target
        .as_ref()
        .is_some_and(|c| c.done == 1 && c.id != before.column_id);
    let pays = moving_to_done && row.bounty_state.as_deref() == Some("held");
    // What the checks need is read before the transaction (SQLite has one writer).
    let prior_waits: Vec<CardId> = store::blockers_of(&k.db, &[id])
        .await?
        .into_iter()
        .map(|p| CardId(p.other))
        .collect();
    let waits_now: Vec<CardId> = waits.clone().unwrap_or_else(|| prior_waits.clone());
    let prior: Vec<AccountId> = store::assignees_of(&k.db, &[id])
        .await?
        .into_iter()
        .map(|p| AccountId(p.other))
        .collect();
    let final_assignees: Vec<AccountId> = assignees.clone().unwrap_or_else(|| prior.clone());
    if moving_to_done {
        let open: Vec<CardRow> = store::cards_by_ids(&k.db, &waits_now)
            .await?
            .into_iter()
            .filter(|c| {
                !b.columns
                    .iter()
                    .any(|col| col.id == c.column_id && col.done == 1)
            })
            .collect();
        if !open.is_empty() {
            let names: Vec<String> = open.iter().map(|c| c.title.clone()).collect();
            return Err(Error::conflict(
                "column",
                format!(
                    "this card waits for cards not done yet: {}",
                    names.join(", ")
                ),
            ));
        }
    }
    if pays {
        b.group
            .authorize(Some(actor), Action::Tool(REVIEW))
            .map_err(|_| {
                Error::Forbidden("only a reviewer moves a card with a bounty to done".into())
            })?;
        if final_assignees.is_empty() {
            return Err(Error::conflict(
                "assignees",
                "assign who did it before the bounty is paid",
            ));
        }
        if final_assignees.contains(&actor.account) {
            return Err(Error::conflict(
                "column",
                "someone other than its assignees reviews a card with a bounty",
            ));
        }
    }
    let mut tx = k.db.begin().await?;
    store::lock_board(&mut tx, b.row.id).await?;
    // Read again inside the transaction: what it decides on is what it writes over.
    let current = store::card_in(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("card"))?;
    if current.column_id != before.column_id
        || current.position != before.position
        || current.bounty_state != before.bounty_state
    {
        return Err(Error::conflict(
            "card",
            "this card changed meanwhile; load it and try again",
        ));
    }
    if let Some(w) = &waits {
        check_cycle(&mut tx, b.row.id, id, w).await?;
        store::set_blockers(&mut tx, id, w).await?;
    }
    if let Some(target) = &target {
        let from = (row.column_id, row.position);
        store::close_gap(&mut tx, from.0, from.1).await?;
        let len = store::column_length(&mut tx, target.id).await?;
        // The card itself is still counted in its old column until it is written.
        let len = if target.id == from.0 { len - 1 } else { len };
        let position = input.position.unwrap_or(len).clamp(0, len);
        store::open_gap(&mut tx, target.id, position).await?;
        row.column_id = target.id;
        row.position = position;
        if target.done == 1 && row.done_at.is_none() {
            row.done_at = Some(now.0);
        } else if target.done != 1 {
            row.done_at = None;
        }
    }
    if pays {
        row.bounty_state = Some(BountyState::Paying.as_str().into());
    }
    if let Some(bounty) = &new_bounty {
        row.bounty_currency = Some(bounty.currency);
        row.bounty_amount = Some(bounty.amount);
        row.bounty_payer = Some(bounty.payer);
        row.bounty_state = Some(BountyState::Escrowing.as_str().into());
    }
    row.updated_at = now.0;
    store::update_card(&mut tx, &row).await?;
    if let Some(list) = &assignees {
        store::set_assignees(&mut tx, id, list).await?;
    }
    // What changed, in words, and who hears of it.
    let mut new = if moving_to_done {
        card_activity(
            "Complete",
            actor,
            &b,
            &row,
            format!(
                "{} moved {} to {}",
                actor.handle,
                row.title,
                target.as_ref().map_or("", |t| t.name.as_str())
            ),
        )
    } else if let Some(t) = target.as_ref().filter(|t| t.id != before.column_id) {
        card_activity(
            "Move",
            actor,
            &b,
            &row,
            format!("{} moved {} to {}", actor.handle, row.title, t.name),
        )
    } else {
        card_activity(
            "Update",
            actor,
            &b,
            &row,
            format!("{} changed {}", actor.handle, row.title),
        )
    };
    if let Some(list) = &assignees {
        // Who is newly assigned hears of it; who was already does not hear it again.
        let told: Vec<AccountId> = list
            .iter()
            .copied()
            .filter(|a| *a != actor.account && !prior.contains(a))
            .collect();
        if !told.is_empty() {
            new = new.notify(told, "assigned");
        }
    }
    activity::record(&mut tx, now, new).await?;
    if row.due_at != before.due_at {
        schedule_due(&mut tx, now, &row).await?;
    }
    tx.commit().await?;
    if pays && let Err(e) = bounty::pay(ledger, &row, &final_assignees).await {
        // Refused (an assignee at their ceiling, say): the card goes back, the bounty stays.
        undo_move(k, &before).await?;
        return Err(e);
    }
    if let Some(bounty) = new_bounty
        && let Err(e) = bounty::escrow(ledger, actor, &row, &bounty).await
    {
        // Refused (beyond the author's floor, say): the whole change is undone.
        let mut tx = k.db.begin().await?;
        store::lock_board(&mut tx, before.board_id).await?;
        store::update_card(&mut tx, &before).await?;
        store::set_assignees(&mut tx, id, &prior).await?;
        store::set_blockers(&mut tx, id, &prior_waits).await?;
        tx.commit().await?;
        return Err(e);
    }
    get_card(k, Some(actor), id).await
}

pub async fn delete_card(ledger: &Ledger, actor: &Actor, id: CardId) -> Result<()> {
    let k = ledger.kernel();
    let (row, b) = card_for(k, Some(actor), id).await?;
    if row.created_by == Some(actor.account) {
        b.group.authorize(Some(actor), Action::ToolUse(TOOL))?;
    } else {
        b.group.authorize(Some(actor), Action::Tool(MANAGE))?;
    }
    let mut tx = k.db.begin().await?;
    store::lock_board(&mut tx, b.row.id).await?;
    let current = store::card_in(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("card"))?;
    let refunds = match current.bounty_state.as_deref() {
        Some("held") => true,
        Some("paying" | "escrowing" | "refunding") => {
            return Err(Error::conflict(
                "bounty",
                "this card's bounty is moving; try again in a moment",
            ));
        }
        _ => false,
    };
    activity::record(
        &mut tx,
        k.now(),
        card_activity(
            "Delete",
            actor,
            &b,
            &current,
            format!("{} deleted the card {}", actor.handle, current.title),
        ),
    )
    .await?;
    if refunds {
        // The card stays, hidden as "refunding", until the money is back.
        store::set_bounty_state(&mut tx, id, Some(BountyState::Refunding.as_str())).await?;
        tx.commit().await?;
        bounty::refund(ledger, &current).await?;
        let mut tx = k.db.begin().await?;
        store::lock_board(&mut tx, current.board_id).await?;
        store::remove_card(&mut tx, &current).await?;
        tx.commit().await?;
    } else {
        store::remove_card(&mut tx, &current).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Puts a card whose payment the ledger refused back where it was, its bounty held.
async fn undo_move(k: &Kernel, before: &CardRow) -> Result<()> {
    let mut tx = k.db.begin().await?;
    store::lock_board(&mut tx, before.board_id).await?;
    let mut back = store::card_in(&mut tx, before.id)
        .await?
        .ok_or(Error::NotFound("card"))?;
    store::close_gap(&mut tx, back.column_id, back.position).await?;
    store::open_gap(&mut tx, before.column_id, before.position).await?;
    back.column_id = before.column_id;
    back.position = before.position;
    back.done_at = before.done_at;
    back.bounty_state = Some(BountyState::Held.as_str().into());
    store::update_card(&mut tx, &back).await?;
    tx.commit().await
}

// ---------------------------------------------------------------------------------------
// Due dates

/// Tells a card's assignees it is due soon, or overdue: if it is still due then, and not done.
pub async fn remind_due(k: &Kernel, card: CardId, due_at: i64, stage: &str) -> Result<()> {
    let Some(row) = store::card(&k.db, card).await? else {
        return Ok(());
    };
    if row.due_at != Some(due_at) || row.done_at.is_some() {
        return Ok(());
    }
    let people: Vec<AccountId> = store::assignees_of(&k.db, &[card])
        .await?
        .into_iter()
        .map(|p| AccountId(p.other))
        .collect();
    if people.is_empty() {
        return Ok(());
    }
    let (reason, words) = if stage == "soon" {
        ("task_due_soon", "is due soon")
    } else {
        ("task_overdue", "is overdue")
    };
    let board = store::board(&k.db, row.board_id).await?;
    let mut tx = k.db.begin().await?;
    let mut new = NewActivity::new(
        "Announce",
        None,
        ObjectRef::new("weft:Task", row.id, Some(&row.title)),
        Audience::Accounts {
            group: Some(row.group_id),
            accounts: people.clone(),
        },
    )
    .tool(TOOL)
    .summary(format!(
        "{} {words} ({})",
        row.title,
        row.due.clone().unwrap_or_default()
    ))
    .notify(people, reason);
    if let Some(board) = board {
        new = new.target(ObjectRef::new(
            "weft:TaskBoard",
            board.id,
            Some(&board.name),
        ));
    }
    activity::record(&mut tx, k.now(), new).await?;
    tx.commit().await
}

// ---------------------------------------------------------------------------------------
// Comments and files

/// A card, as comments and files see it: readable by whoever may read its board.
pub struct CardSubject;

impl kernel::subjects::Subject for CardSubject {
    fn readable<'a>(
        &'a self,
        k: &'a Kernel,
        actor: Option<&'a Actor>,
        id: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<kernel::subjects::Found>> {
        Box::pin(async move {
            let id: CardId = id.parse().map_err(|_| Error::NotFound("card"))?;
            let (_, board) = card_for(k, actor, id).await?;
            Ok(kernel::subjects::Found {
                group: board.group,
                id: id.to_string(),
                readers: kernel::subjects::Readers::Group,
            })
        })
    }
}
