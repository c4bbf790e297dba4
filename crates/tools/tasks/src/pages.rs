//! The tasks tool in the browser: a group's boards and a form for a new one; a board with
//! its columns, cards moved by drag and drop, by keyboard (Alt+arrows) or by a plain form,
//! refreshed live from the activity stream; a board's settings (columns, custom fields); a
//! card's page (every field, checklists, dependencies, bounty, files, discussion); and my
//! tasks across groups. The same services as the API.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Router};
use kernel::page::PageRequest;
use kernel::policy::Action;
use ledger::Ledger;
use serde::Deserialize;
use serde_json::{Value, json};
use web::pages::groups::{GroupContext, enter_tool};
use web::pages::{
    CsrfForm, EmptyForm, Flash, NavLink, Shell, field_errors, redirect, render, render_with,
    sentence, values_of,
};
use web::{AppState, Problem};

use crate::cache::BoardCache;
use crate::model::*;
use crate::service;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(boards_page).post(create_board))
        .route("/{board}", get(board_page))
        .route("/{board}/cards", post(create_card))
        .route("/{board}/settings", get(settings_page).post(save_settings))
        .route("/cards/{card}", get(card_page).post(save_card))
        .route("/cards/{card}/delete", post(delete_card))
        .route("/cards/{card}/comments", post(comment))
}

/// Pages outside any group: my tasks.
pub fn root_routes() -> Router<AppState> {
    Router::new().route("/tasks", get(my_tasks_page))
}

/// The tab, where the group uses tasks and the viewer may read its boards.
pub fn nav(group: &GroupContext) -> Option<NavLink> {
    (group.uses(TOOL) && group.may(Action::ToolRead(TOOL))).then(|| NavLink {
        href: format!("/groups/{}/{TOOL}", group.group.handle),
        label: "Tasks".into(),
        icon: "check".into(),
        current: false,
    })
}

#[derive(Deserialize)]
struct GroupPath {
    group: String,
}

#[derive(Deserialize)]
struct BoardPath {
    group: String,
    board: String,
}

#[derive(Deserialize)]
struct CardPath {
    group: String,
    card: String,
}

async fn enter(app: &AppState, shell: &mut Shell, group: &str) -> Result<GroupContext, Problem> {
    enter_tool(app, shell, group, TOOL).await
}

fn board_id(text: &str) -> Result<BoardId, Problem> {
    text.parse().map_err(|_| Problem::not_found("board"))
}

fn card_id(text: &str) -> Result<CardId, Problem> {
    text.parse().map_err(|_| Problem::not_found("card"))
}

/// A board must be of the group in the address.
fn same_group(
    context: &GroupContext,
    group: &kernel::groups::model::GroupSummary,
) -> Result<(), Problem> {
    if context.group.id == group.id {
        Ok(())
    } else {
        Err(Problem::not_found("board"))
    }
}

fn messages(errors: Vec<(String, String)>) -> Vec<String> {
    errors
        .into_iter()
        .map(|(field, detail)| sentence(&format!("{}: {detail}", field.replace('_', " "))))
        .collect()
}

/// Words a list typed in one field: split on commas and line ends.
fn words(text: &str) -> Vec<String> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

// ---------------------------------------------------------------------------------------
// A group's boards

#[derive(Default, Deserialize)]
struct NewBoardForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    columns: String,
}

#[derive(Template)]
#[template(path = "tasks_boards.html")]
struct BoardsPage {
    shell: Shell,
    group: String,
    boards: Vec<Board>,
    may_create: bool,
    form: NewBoardForm,
    errors: Vec<String>,
}

async fn boards_page(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let page = boards_of(&app, shell, &context, NewBoardForm::default(), Vec::new()).await?;
    Ok(render(&page))
}

async fn boards_of(
    app: &AppState,
    shell: Shell,
    context: &GroupContext,
    form: NewBoardForm,
    errors: Vec<String>,
) -> Result<BoardsPage, Problem> {
    let boards =
        service::list_boards(&app.kernel, shell.actor.as_ref(), &context.group.handle).await?;
    Ok(BoardsPage {
        may_create: context.may(Action::ToolUse(TOOL)),
        group: context.group.handle.clone(),
        boards,
        shell,
        form,
        errors,
    })
}

async fn create_board(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
    CsrfForm(form): CsrfForm<NewBoardForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let columns = words(&form.columns);
    let input = NewBoard {
        name: form.name.clone(),
        columns: (!columns.is_empty())
            .then(|| columns.into_iter().map(ColumnInput::Name).collect()),
        fields: None,
    };
    match service::create_board(&app.kernel, &actor, &context.group.handle, input).await {
        Ok(board) => Ok(redirect(
            &format!("/groups/{}/{TOOL}/{}", context.group.handle, board.id),
            Some(Flash::Saved),
        )),
        Err(e) => {
            let errors = messages(field_errors(e)?);
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &boards_of(&app, shell, &context, form, errors).await?,
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------
// A board

struct CardLine {
    card: Card,
    due: String,
    checked: String,
}

struct ColumnView {
    column: Column,
    cards: Vec<CardLine>,
}

/// The board's columns and cards, kept with the board's copy (`cache`).
#[derive(Template)]
#[template(path = "tasks_columns.html")]
struct ColumnsPart {
    group: String,
    columns: Vec<ColumnView>,
    may_post: bool,
}

#[derive(Template)]
#[template(path = "tasks_board.html")]
struct BoardPage {
    shell: Shell,
    group: String,
    board: Board,
    columns_html: Arc<str>,
    may_post: bool,
    may_manage: bool,
    errors: Vec<String>,
    title: String,
}

fn due_words(card: &Card) -> String {
    card.due.clone().unwrap_or_default()
}

fn checked(card: &Card) -> String {
    let (done, all) = card
        .checklists
        .iter()
        .flat_map(|l| &l.items)
        .fold((0, 0), |(d, a), i| (d + usize::from(i.done), a + 1));
    if all == 0 {
        String::new()
    } else {
        format!("{done}/{all}")
    }
}

async fn board_page(
    State(app): State<AppState>,
    Extension(cache): Extension<Arc<BoardCache>>,
    mut shell: Shell,
    Path(p): Path<BoardPath>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let id = board_id(&p.board)?;
    let page = board_of(&app, &cache, shell, &context, id, Vec::new(), String::new()).await?;
    Ok(render(&page))
}

async fn board_of(
    app: &AppState,
    cache: &BoardCache,
    shell: Shell,
    context: &GroupContext,
    id: BoardId,
    errors: Vec<String>,
    title: String,
) -> Result<BoardPage, Problem> {
    let k = &app.kernel;
    let found = service::board_for(k, shell.actor.as_ref(), id).await?;
    same_group(context, &found.group.row.summary())?;
    let copy = service::board_copy(k, cache, &found).await?;
    let board = service::board_of_copy(&found, &copy);
    let may_post = context.may(Action::ToolUse(TOOL));
    let group = context.group.handle.clone();
    let columns_html = copy.fragment((group.clone(), may_post), || {
        let mut by_column: HashMap<ColumnId, Vec<CardLine>> = HashMap::new();
        for card in &copy.cards {
            by_column.entry(card.column.id).or_default().push(CardLine {
                due: due_words(card),
                checked: checked(card),
                card: card.clone(),
            });
        }
        ColumnsPart {
            group: group.clone(),
            columns: board
                .columns
                .iter()
                .map(|c| ColumnView {
                    column: c.clone(),
                    cards: by_column.remove(&c.id).unwrap_or_default(),
                })
                .collect(),
            may_post,
        }
        .render()
        .map_err(kernel::Error::internal)
    })?;
    let may_manage = shell.actor.as_ref().is_some_and(|a| {
        board.created_by == Some(a.account) && context.may(Action::ToolUse(TOOL))
            || context.may(Action::Tool(MANAGE))
    });
    Ok(BoardPage {
        may_post,
        may_manage,
        group,
        board,
        columns_html,
        shell,
        errors,
        title,
    })
}

#[derive(Default, Deserialize)]
struct NewCardForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    column: String,
}

async fn create_card(
    State(app): State<AppState>,
    Extension(ledger): Extension<Ledger>,
    Extension(cache): Extension<Arc<BoardCache>>,
    mut shell: Shell,
    Path(p): Path<BoardPath>,
    CsrfForm(form): CsrfForm<NewCardForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id = board_id(&p.board)?;
    let input = NewCard {
        title: form.title.clone(),
        description: None,
        column: (!form.column.is_empty()).then(|| form.column.clone()),
        assignees: None,
        due: None,
        labels: None,
        fields: None,
        blocked_by: None,
        checklists: None,
        bounty: None,
    };
    match service::create_card(&ledger, &actor, id, input).await {
        Ok(card) => Ok(redirect(
            &format!(
                "/groups/{}/{TOOL}/{id}#card-{}",
                context.group.handle, card.id
            ),
            Some(Flash::Saved),
        )),
        Err(e) => {
            let errors = messages(field_errors(e)?);
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &board_of(&app, &cache, shell, &context, id, errors, form.title).await?,
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------
// A board's settings

#[derive(Template)]
#[template(path = "tasks_settings.html")]
struct SettingsPage {
    shell: Shell,
    group: String,
    board: Board,
    name: String,
    columns: String,
    fields: String,
    errors: Vec<String>,
}

/// Columns as one line each: "Name", with " *" after the one that means done.
fn columns_text(board: &Board) -> String {
    board
        .columns
        .iter()
        .map(|c| {
            if c.done {
                format!("{} *", c.name)
            } else {
                c.name.clone()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Fields as one line each: "Name: type" or "Name: choice: A, B, C".
fn fields_text(board: &Board) -> String {
    board
        .fields
        .iter()
        .map(|f| {
            if f.kind == FieldType::Choice {
                format!("{}: choice: {}", f.name, f.choices.join(", "))
            } else {
                format!("{}: {}", f.name, f.kind)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn settings_page(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<BoardPath>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let board = service::get_board(&app.kernel, shell.actor.as_ref(), board_id(&p.board)?).await?;
    same_group(&context, &board.group)?;
    Ok(render(&SettingsPage {
        group: context.group.handle.clone(),
        name: board.name.clone(),
        columns: columns_text(&board),
        fields: fields_text(&board),
        board,
        shell,
        errors: Vec::new(),
    }))
}

#[derive(Default, Deserialize)]
struct SettingsForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    columns: String,
    #[serde(default)]
    fields: String,
}

/// The change a settings form asks for: columns matched to the existing ones by name (so
/// they keep their cards), fields read from their lines.
fn board_change(board: &Board, form: &SettingsForm) -> Result<BoardChange, Vec<(String, String)>> {
    let columns = form
        .columns
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let (name, done) = match line.strip_suffix('*') {
                Some(name) => (name.trim(), true),
                None => (line, false),
            };
            ColumnInput::Full(ColumnSpec {
                id: board
                    .columns
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(name))
                    .map(|c| c.id),
                name: name.to_string(),
                done: done.then_some(true),
            })
        })
        .collect();
    let mut fields = Vec::new();
    let mut errors = Vec::new();
    for line in form.fields.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let mut parts = line.splitn(3, ':').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let kind = parts.next().unwrap_or("text");
        let Ok(kind) = kind.parse::<FieldType>() else {
            errors.push((
                "fields".to_string(),
                format!("{line}: a type is text, number, date or choice"),
            ));
            continue;
        };
        let choices = parts.next().map(words).unwrap_or_default();
        let key = board
            .fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
            .and_then(|f| f.key.clone());
        fields.push(FieldDef {
            key,
            name: name.to_string(),
            kind,
            choices,
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(BoardChange {
        name: Some(form.name.clone()),
        columns: Some(columns),
        fields: Some(fields),
    })
}

async fn save_settings(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<BoardPath>,
    CsrfForm(form): CsrfForm<SettingsForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id = board_id(&p.board)?;
    let board = service::get_board(&app.kernel, Some(&actor), id).await?;
    same_group(&context, &board.group)?;
    let outcome = match board_change(&board, &form) {
        Ok(change) => service::update_board(&app.kernel, &actor, id, change)
            .await
            .map_err(field_errors),
        Err(errors) => Err(Ok(errors)),
    };
    match outcome {
        Ok(_) => Ok(redirect(
            &format!("/groups/{}/{TOOL}/{id}", context.group.handle),
            Some(Flash::Saved),
        )),
        Err(errors) => Ok(render_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SettingsPage {
                group: context.group.handle.clone(),
                name: form.name,
                columns: form.columns,
                fields: form.fields,
                board,
                shell,
                errors: messages(errors?),
            },
        )),
    }
}

// ---------------------------------------------------------------------------------------
// A card

/// One custom field of the card form.
struct FieldRow {
    key: String,
    name: String,
    kind: &'static str,
    choices: Vec<String>,
    value: String,
}

struct CommentLine {
    comment: kernel::comments::Comment,
    author: String,
    when: String,
}

/// The card form's values, as the card has them or as they were typed.
#[derive(Default)]
struct CardFormView {
    title: String,
    description: String,
    column: String,
    assignees: String,
    due: String,
    labels: String,
    checklists: String,
    blocked_by: Vec<String>,
    fields: BTreeMap<String, String>,
}

#[derive(Template)]
#[template(path = "tasks_card.html")]
struct CardPage {
    shell: Shell,
    group: String,
    board: Board,
    card: Card,
    form: CardFormView,
    field_rows: Vec<FieldRow>,
    /// Other cards of the board it may wait for: (id, title).
    others: Vec<(String, String)>,
    currencies: Vec<String>,
    files: Vec<kernel::files::FileInfo>,
    comments: Vec<CommentLine>,
    may_post: bool,
    may_delete: bool,
    errors: Vec<String>,
}

/// Checklists as text: "# Name" starts one, "[x] item" and "[ ] item" are its items.
fn checklists_text(lists: &[Checklist]) -> String {
    let mut out = String::new();
    for list in lists {
        out.push_str(&format!("# {}\n", list.name));
        for item in &list.items {
            out.push_str(if item.done { "[x] " } else { "[ ] " });
            out.push_str(&item.text);
            out.push('\n');
        }
    }
    out
}

fn checklists_of(text: &str) -> Vec<Checklist> {
    let mut lists: Vec<Checklist> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(name) = line.strip_prefix('#') {
            lists.push(Checklist {
                name: name.trim().to_string(),
                items: Vec::new(),
            });
            continue;
        }
        let (done, text) = if let Some(t) = line.strip_prefix("[x]").or(line.strip_prefix("[X]")) {
            (true, t)
        } else if let Some(t) = line.strip_prefix("[ ]").or(line.strip_prefix("[]")) {
            (false, t)
        } else {
            (false, line)
        };
        if lists.is_empty() {
            lists.push(Checklist {
                name: "Checklist".into(),
                items: Vec::new(),
            });
        }
        if let Some(list) = lists.last_mut() {
            list.items.push(CheckItem {
                text: text.trim().to_string(),
                done,
            });
        }
    }
    lists
}

fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn form_of(card: &Card) -> CardFormView {
    CardFormView {
        title: card.title.clone(),
        description: card.description.clone(),
        column: card.column.id.to_string(),
        assignees: card
            .assignees
            .iter()
            .map(|p| p.handle.clone())
            .collect::<Vec<_>>()
            .join(", "),
        due: card.due.clone().unwrap_or_default(),
        labels: card.labels.join(", "),
        checklists: checklists_text(&card.checklists),
        blocked_by: card.blocked_by.iter().map(ToString::to_string).collect(),
        fields: card
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), shown(v)))
            .collect(),
    }
}

async fn card_page(
    State(app): State<AppState>,
    Extension(cache): Extension<Arc<BoardCache>>,
    mut shell: Shell,
    Path(p): Path<CardPath>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let id = card_id(&p.card)?;
    let card = service::get_card(&app.kernel, shell.actor.as_ref(), id).await?;
    let form = form_of(&card);
    Ok(render(
        &card_of(&app, &cache, shell, &context, card, form, Vec::new()).await?,
    ))
}

async fn card_of(
    app: &AppState,
    cache: &BoardCache,
    shell: Shell,
    context: &GroupContext,
    card: Card,
    form: CardFormView,
    errors: Vec<String>,
) -> Result<CardPage, Problem> {
    let k = &app.kernel;
    let actor = shell.actor.clone();
    if card.group != context.group.id {
        return Err(Problem::not_found("card"));
    }
    let found = service::board_for(k, actor.as_ref(), card.board).await?;
    let copy = service::board_copy(k, cache, &found).await?;
    let board = service::board_of_copy(&found, &copy);
    let others = copy
        .cards
        .iter()
        .filter(|c| c.id != card.id)
        .map(|c| (c.id.to_string(), c.title.clone()))
        .collect();
    let field_rows = board
        .fields
        .iter()
        .map(|f| {
            let key = f.key.clone().unwrap_or_default();
            FieldRow {
                value: form.fields.get(&key).cloned().unwrap_or_default(),
                key,
                name: f.name.clone(),
                kind: f.kind.as_str(),
                choices: f.choices.clone(),
            }
        })
        .collect();
    let currencies = ledger::store::currencies_of_group(&k.db, context.group.id)
        .await?
        .into_iter()
        .map(|c| c.code)
        .collect();
    let subject = card.id.to_string();
    let files = kernel::files::list(k, actor.as_ref(), "card", &subject).await?;
    let comments = kernel::comments::list(
        k,
        actor.as_ref(),
        "card",
        &subject,
        &PageRequest {
            limit: Some(100),
            cursor: None,
        },
    )
    .await?
    .items
    .into_iter()
    .map(|c| CommentLine {
        author: c
            .author
            .as_ref()
            .map_or("(gone)".into(), |a| a.handle.clone()),
        when: web::pages::day(c.created_at),
        comment: c,
    })
    .collect();
    let may_delete = actor.as_ref().is_some_and(|a| {
        card.created_by == Some(a.account) && context.may(Action::ToolUse(TOOL))
            || context.may(Action::Tool(MANAGE))
    });
    Ok(CardPage {
        may_post: context.may(Action::ToolUse(TOOL)),
        may_delete,
        group: context.group.handle.clone(),
        board,
        card,
        form,
        field_rows,
        others,
        currencies,
        files,
        comments,
        shell,
        errors,
    })
}

/// The change a card form asks for; custom fields by their type (a number typed as text
/// goes to the service as text, which refuses it by name).
fn card_change(board: &Board, fields: &[(String, String)]) -> (CardChange, CardFormView) {
    let one = |name: &str| {
        values_of(fields, name)
            .into_iter()
            .next()
            .unwrap_or_default()
    };
    let mut values = BTreeMap::new();
    let mut typed = BTreeMap::new();
    for def in &board.fields {
        let key = def.key.clone().unwrap_or_default();
        let text = one(&format!("field_{key}"));
        let text = text.trim().to_string();
        let value = if text.is_empty() {
            Value::Null
        } else if def.kind == FieldType::Number {
            text.parse::<f64>()
                .map_or_else(|_| json!(text), |n| json!(n))
        } else {
            json!(text)
        };
        typed.insert(key.clone(), text);
        values.insert(key, value);
    }
    let blocked_by = values_of(fields, "blocked_by");
    let view = CardFormView {
        title: one("title"),
        description: one("description"),
        column: one("column"),
        assignees: one("assignees"),
        due: one("due"),
        labels: one("labels"),
        checklists: one("checklists"),
        blocked_by: blocked_by.clone(),
        fields: typed,
    };
    let due = view.due.trim().to_string();
    // The place is typed from 1; the API counts from 0 (a word that is no number is sent as
    // -1, which the service refuses by name).
    let place = one("position");
    let position = match place.trim() {
        "" => None,
        text => Some(text.parse::<i64>().map_or(-1, |n| n - 1)),
    };
    let change = CardChange {
        title: Some(view.title.clone()),
        description: Some(view.description.clone()),
        column: (!view.column.is_empty()).then(|| view.column.clone()),
        position,
        assignees: Some(words(&view.assignees)),
        due: Some((!due.is_empty()).then_some(due)),
        labels: Some(words(&view.labels)),
        fields: Some(values),
        blocked_by: Some(blocked_by),
        checklists: Some(checklists_of(&view.checklists)),
        bounty: {
            let amount = one("bounty_amount");
            let currency = one("bounty_currency");
            (!amount.trim().is_empty()).then(|| NewBounty {
                currency,
                amount: ledger::Decimal(amount.trim().to_string()),
            })
        },
    };
    (change, view)
}

async fn save_card(
    State(app): State<AppState>,
    Extension(ledger): Extension<Ledger>,
    Extension(cache): Extension<Arc<BoardCache>>,
    mut shell: Shell,
    Path(p): Path<CardPath>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id = card_id(&p.card)?;
    let card = service::get_card(&app.kernel, Some(&actor), id).await?;
    if card.group != context.group.id {
        return Err(Problem::not_found("card"));
    }
    let board = service::get_board(&app.kernel, Some(&actor), card.board).await?;
    let (change, view) = card_change(&board, &fields);
    // Only a column chosen anew, or a place typed, moves the card.
    let change = CardChange {
        column: change
            .column
            .filter(|c| *c != card.column.id.to_string() || change.position.is_some()),
        ..change
    };
    match service::update_card(&ledger, &actor, id, change).await {
        Ok(_) => Ok(redirect(
            &format!("/groups/{}/{TOOL}/cards/{id}", context.group.handle),
            Some(Flash::Saved),
        )),
        Err(e) => {
            let errors = messages(field_errors(e)?);
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &card_of(&app, &cache, shell, &context, card, view, errors).await?,
            ))
        }
    }
}

async fn delete_card(
    State(app): State<AppState>,
    Extension(ledger): Extension<Ledger>,
    mut shell: Shell,
    Path(p): Path<CardPath>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id = card_id(&p.card)?;
    let card = service::get_card(&app.kernel, Some(&actor), id).await?;
    if card.group != context.group.id {
        return Err(Problem::not_found("card"));
    }
    service::delete_card(&ledger, &actor, id).await?;
    Ok(redirect(
        &format!("/groups/{}/{TOOL}/{}", context.group.handle, card.board),
        Some(Flash::Saved),
    ))
}

#[derive(Deserialize)]
struct CommentForm {
    #[serde(default)]
    body: String,
}

async fn comment(
    State(app): State<AppState>,
    Extension(cache): Extension<Arc<BoardCache>>,
    mut shell: Shell,
    Path(p): Path<CardPath>,
    CsrfForm(form): CsrfForm<CommentForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id = card_id(&p.card)?;
    let new = kernel::comments::NewComment {
        subject_type: "card".into(),
        subject_id: id.to_string(),
        body: form.body,
        parent: None,
    };
    match kernel::comments::create(&app.kernel, &actor, new).await {
        Ok(_) => Ok(redirect(
            &format!(
                "/groups/{}/{TOOL}/cards/{id}#discussion",
                context.group.handle
            ),
            Some(Flash::Saved),
        )),
        Err(e) => {
            let errors = messages(field_errors(e)?);
            let card = service::get_card(&app.kernel, Some(&actor), id).await?;
            let form = form_of(&card);
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &card_of(&app, &cache, shell, &context, card, form, errors).await?,
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------
// My tasks

struct TaskLine {
    task: MyTask,
    due: String,
}

#[derive(Template)]
#[template(path = "tasks_mine.html")]
struct MinePage {
    shell: Shell,
    tasks: Vec<TaskLine>,
    done: bool,
}

#[derive(Deserialize)]
struct MineQuery {
    #[serde(default)]
    done: Option<String>,
}

async fn my_tasks_page(
    State(app): State<AppState>,
    shell: Shell,
    Query(q): Query<MineQuery>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?.clone();
    let done = q.done.is_some();
    let tasks = service::my_tasks(&app.kernel, &actor, &MyTasksFilter { done })
        .await?
        .into_iter()
        .map(|task| TaskLine {
            due: task.card.due.clone().unwrap_or_default(),
            task,
        })
        .collect();
    Ok(render(&MinePage { shell, tasks, done }))
}
