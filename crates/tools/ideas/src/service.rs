//! The ideas tool's use cases: boards, ideas and what people do with them (endorse, react,
//! place dots, comment through the kernel), merging duplicates, the wiki-survey's pairs,
//! answers and ranking, and promoting ideas to polls through the kernel's `Decisions` port.

use std::collections::{BTreeMap, HashMap};

use kernel::activity::{self, NewActivity, ObjectRef};
use kernel::error::Validation;
use kernel::groups::access::Loaded;
use kernel::motions::{self, NewMotion, PassRule};
use kernel::people::Actor;
use kernel::policy::Action;
use kernel::subjects::Readers;
use kernel::{Error, Kernel, Result, Timestamp};
use serde::{Deserialize, Serialize};

use crate::model::*;
use crate::store::{self, BoardRow, IdeaBoards, IdeaRow, PromotionRow};
use crate::survey::Surveys;

// ---------------------------------------------------------------------------------------
// Loading with the policy

/// A group whose boards `actor` may read, with the tool on.
pub(crate) async fn group_for(k: &Kernel, actor: Option<&Actor>, key: &str) -> Result<Loaded> {
    kernel::groups::access::for_tool(k, actor, key, TOOL).await
}

/// Who may read a board: its group, or its listed readers and its creator.
pub(crate) fn readers(row: &BoardRow) -> Readers {
    match row.reader_ids() {
        None => Readers::Group,
        Some(mut ids) => {
            if !ids.contains(&row.created_by) {
                ids.push(row.created_by);
            }
            Readers::Only(ids)
        }
    }
}

/// Whether `actor` sees the board, its group's content readable: a listed board shows to its
/// readers and to who moderates the tool.
fn sees(row: &BoardRow, group: &Loaded, actor: Option<&Actor>) -> bool {
    match readers(row) {
        Readers::Group => true,
        // Listed readers who are still members, through a credential that may act in this
        // group (not a token limited to another one).
        Readers::Only(ids) => actor.is_some_and(|a| {
            let here = group.standing.is_some()
                && kernel::policy::confined_to(Some(a)).is_none_or(|g| g == group.row.id);
            here && (ids.contains(&a.account)
                || group.authorize(Some(a), Action::Tool(MANAGE)).is_ok())
        }),
    }
}

/// A board `actor` may read, with its group; one answer (404) for missing and hidden.
pub(crate) async fn board_for(
    k: &Kernel,
    actor: Option<&Actor>,
    id: BoardId,
) -> Result<(BoardRow, Loaded)> {
    let row = store::board(&k.db, id)
        .await?
        .ok_or(Error::NotFound("board"))?;
    let group = group_for(k, actor, &row.group_id.to_string())
        .await
        .map_err(Error::hidden_as("board"))?;
    if !sees(&row, &group, actor) {
        return Err(Error::NotFound("board"));
    }
    Ok((row, group))
}

/// An idea `actor` may read, with its board and group.
pub(crate) async fn idea_for(
    k: &Kernel,
    actor: Option<&Actor>,
    id: IdeaId,
) -> Result<(IdeaRow, BoardRow, Loaded)> {
    let idea = store::idea(&k.db, id)
        .await?
        .ok_or(Error::NotFound("idea"))?;
    let (board, group) = board_for(k, actor, idea.board_id)
        .await
        .map_err(Error::hidden_as("idea"))?;
    Ok((idea, board, group))
}

/// Who may take part (post ideas, endorse, answer): `ToolUse` in the group.
fn take_part(group: &Loaded, actor: &Actor) -> Result<()> {
    group.authorize(Some(actor), Action::ToolUse(TOOL))
}

/// Who may run a board (edit it, merge, promote): its creator, or who moderates the tool.
fn run(group: &Loaded, actor: &Actor, board: &BoardRow) -> Result<()> {
    if board.created_by == actor.account {
        take_part(group, actor)
    } else {
        group.authorize(Some(actor), Action::Tool(MANAGE))
    }
}

fn board_object(row: &BoardRow) -> ObjectRef {
    ObjectRef::new("weft:IdeaBoard", row.id, Some(&row.question))
}

/// An activity about a board (or one of its ideas), for who may read the board, linking to
/// its page.
fn activity(kind: &str, actor: Option<&Actor>, object: ObjectRef, board: &BoardRow) -> NewActivity {
    let mut new = NewActivity::new(
        kind,
        actor.map(|a| a.account),
        object,
        readers(board).audience(board.group_id),
    )
    .tool(TOOL);
    new.url = Some(format!("/groups/{}/{TOOL}/{}", board.group_id, board.id));
    new
}

/// Tells one person something about their idea, in an activity only they see: the
/// group's own activity names nobody it notifies, so an anonymous idea's author stays
/// unknown (an activity shows whom it notifies).
#[allow(clippy::too_many_arguments)]
async fn tell(
    tx: &mut kernel::db::Tx,
    now: Timestamp,
    actor: &Actor,
    board: &BoardRow,
    to: AccountId,
    object: ObjectRef,
    summary: String,
    reason: &str,
) -> Result<()> {
    // No actor either: whoever acted would see the activity as theirs, and whom it tells.
    let _ = actor;
    let mut new = NewActivity::new(
        "Announce",
        None,
        object,
        kernel::activity::Audience::Accounts {
            group: Some(board.group_id),
            accounts: vec![to],
        },
    )
    .tool(TOOL)
    .summary(summary)
    .notify([to], reason);
    new.url = Some(format!("/groups/{}/{TOOL}/{}", board.group_id, board.id));
    activity::record(tx, now, new).await.map(|_| ())
}

// ---------------------------------------------------------------------------------------
// Views

fn person(handles: &HashMap<AccountId, String>, id: AccountId) -> Person {
    Person {
        id,
        handle: handles
            .get(&id)
            .cloned()
            .unwrap_or_else(|| "former member".into()),
    }
}

async fn board_views(k: &Kernel, actor: Option<&Actor>, rows: Vec<BoardRow>) -> Result<Vec<Board>> {
    let ids: Vec<BoardId> = rows.iter().map(|r| r.id).collect();
    let mut people: Vec<AccountId> = rows.iter().map(|r| r.created_by).collect();
    for row in &rows {
        people.extend(row.reader_ids().unwrap_or_default());
    }
    let handles = kernel::people::service::handles(k, &people).await?;
    let mut promotions: HashMap<BoardId, Vec<Promotion>> = HashMap::new();
    for p in store::promotions_of(&k.db, &ids).await? {
        let board = p.board_id;
        if let Some(view) = promotion_view(k, p).await? {
            promotions.entry(board).or_default().push(view);
        }
    }
    let standing: HashMap<BoardId, i64> = store::standing_counts(&k.db, &ids)
        .await?
        .into_iter()
        .collect();
    let placed: HashMap<BoardId, i64> = match actor {
        Some(a) => store::dots_by_board(&k.db, &ids, a.account)
            .await?
            .into_iter()
            .collect(),
        None => HashMap::new(),
    };
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let placed = placed.get(&row.id).copied().unwrap_or(0);
        out.push(Board {
            id: row.id,
            group: row.group_id,
            question: row.question.clone(),
            details: row.details.clone(),
            pairwise: row.pairwise == 1,
            anonymous: row.anonymous == 1,
            open: row.open == 1,
            readers: row
                .reader_ids()
                .map(|ids| ids.into_iter().map(|i| person(&handles, i)).collect()),
            dots: row.dots as u32,
            dots_left: (row.dots - placed).max(0) as u32,
            created_by: person(&handles, row.created_by),
            created_at: Timestamp(row.created_at),
            ideas: standing.get(&row.id).copied().unwrap_or(0),
            answers: row.answers,
            promotions: promotions.remove(&row.id).unwrap_or_default(),
        });
    }
    Ok(out)
}

async fn promotion_view(k: &Kernel, p: PromotionRow) -> Result<Option<Promotion>> {
    let Some(motion) = motions::for_tool(k, p.motion_id).await? else {
        return Ok(None);
    };
    Ok(Some(Promotion {
        id: p.id,
        kind: p.kind.parse().unwrap_or(PollKind::Proposal),
        ideas: serde_json::from_str(&p.ideas).unwrap_or_default(),
        motion: motion.id,
        poll: motion.poll_id,
        title: motion.title,
        state: motion.state.as_str().into(),
        outcome: motion.outcome,
        created_at: Timestamp(p.created_at),
    }))
}

/// Ideas as `actor` sees them: counts of endorsements, reactions, dots and comments, and
/// no author on an anonymous board but to the author.
pub(crate) async fn idea_views(
    k: &Kernel,
    actor: Option<&Actor>,
    board: &BoardRow,
    rows: Vec<IdeaRow>,
) -> Result<Vec<Idea>> {
    let ids: Vec<IdeaId> = rows.iter().map(|r| r.id).collect();
    let anonymous = board.anonymous == 1;
    let authors: Vec<AccountId> = if anonymous {
        Vec::new()
    } else {
        rows.iter().map(|r| r.author_id).collect()
    };
    let subjects: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    let (marks, comments, mut handles) = futures::try_join!(
        store::marks(&k.db, &ids),
        kernel::comments::counts(k, board.group_id, SUBJECT, &subjects),
        kernel::people::service::handles(k, &authors)
    )?;
    if let Some(a) = actor {
        handles.insert(a.account, a.handle.clone());
    }
    let me = actor.map(|a| a.account);
    // Each idea's marks, gathered once: (endorsements, endorsed, reactions, dots, mine).
    #[derive(Default)]
    struct Tally {
        endorsements: i64,
        endorsed: bool,
        reactions: Vec<Reaction>,
        dots: i64,
        my_dots: i64,
    }
    let mut tallies: HashMap<IdeaId, Tally> = HashMap::new();
    for (idea, who) in &marks.endorsements {
        let t = tallies.entry(*idea).or_default();
        t.endorsements += 1;
        t.endorsed |= Some(*who) == me;
    }
    for (idea, who, emoji) in &marks.reactions {
        let t = tallies.entry(*idea).or_default();
        match t.reactions.iter_mut().find(|r| &r.emoji == emoji) {
            Some(r) => {
                r.count += 1;
                r.mine |= Some(*who) == me;
            }
            None => t.reactions.push(Reaction {
                emoji: emoji.clone(),
                count: 1,
                mine: Some(*who) == me,
            }),
        }
    }
    for (idea, who, dots) in &marks.dots {
        let t = tallies.entry(*idea).or_default();
        t.dots += dots;
        if Some(*who) == me {
            t.my_dots += dots;
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let id = row.id;
            let mine = me == Some(row.author_id);
            let t = tallies.remove(&id).unwrap_or_default();
            Idea {
                id,
                board: row.board_id,
                tags: row.tag_list(),
                author: (!anonymous || mine).then(|| person(&handles, row.author_id)),
                mine,
                endorsements: t.endorsements,
                endorsed: t.endorsed,
                reactions: t.reactions,
                dots: t.dots,
                my_dots: t.my_dots,
                comments: comments.get(&id.to_string()).copied().unwrap_or(0),
                merged_into: row.merged_into,
                created_at: Timestamp(row.created_at),
                title: row.title,
                text: row.text,
            }
        })
        .collect())
}

async fn one_idea(
    k: &Kernel,
    actor: Option<&Actor>,
    board: &BoardRow,
    row: IdeaRow,
) -> Result<Idea> {
    idea_views(k, actor, board, vec![row])
        .await?
        .pop()
        .ok_or(Error::NotFound("idea"))
}

// ---------------------------------------------------------------------------------------
// Boards

/// Members named by handle or id, each a member of the group.
async fn members(k: &Kernel, group: &Loaded, keys: &[String]) -> Result<Vec<AccountId>> {
    let mut out = Vec::new();
    for key in keys {
        let Some(found) = kernel::people::service::member(k, group.row.id, key).await? else {
            return Err(Error::invalid(
                "readers",
                format!("{key} is not a member of the group"),
            ));
        };
        if !out.contains(&found) {
            out.push(found);
        }
    }
    Ok(out)
}

pub async fn create_board(k: &Kernel, actor: &Actor, group: &str, new: NewBoard) -> Result<Board> {
    let group = group_for(k, Some(actor), group).await?;
    take_part(&group, actor)?;
    let mut v = Validation::new();
    let question = text(&mut v, "question", &new.question, 1, MAX_QUESTION);
    let details = text(
        &mut v,
        "details",
        new.details.as_deref().unwrap_or(""),
        0,
        MAX_DETAILS,
    );
    let dots = new.dots.unwrap_or(0);
    if dots > MAX_DOTS {
        v.push("dots", format!("0 to {MAX_DOTS}"));
    }
    if new.readers.as_ref().is_some_and(|r| r.len() > MAX_READERS) {
        v.push("readers", format!("at most {MAX_READERS} people"));
    }
    v.finish()?;
    let readers = match &new.readers {
        Some(keys) => Some(members(k, &group, keys).await?),
        None => None,
    };
    let now = k.now().0;
    let row = BoardRow {
        id: BoardId::new(),
        group_id: group.row.id,
        question,
        details,
        pairwise: i64::from(new.pairwise.unwrap_or(false)),
        anonymous: i64::from(new.anonymous.unwrap_or(false)),
        open: i64::from(new.open.unwrap_or(true)),
        readers: readers
            .map(|r| serde_json::to_string(&r))
            .transpose()
            .map_err(Error::internal)?,
        dots: i64::from(dots),
        created_by: actor.account,
        created_at: now,
        updated_at: now,
        ideas: 0,
        answers: 0,
        version: 0,
    };
    let mut tx = k.db.begin().await?;
    store::insert_board(&mut tx, &row).await?;
    activity::record(
        &mut tx,
        Timestamp(now),
        activity("Create", Some(actor), board_object(&row), &row)
            .summary(format!("{} opened a board: {}", actor.handle, row.question)),
    )
    .await?;
    tx.commit().await?;
    board_views(k, Some(actor), vec![row])
        .await?
        .pop()
        .ok_or(Error::NotFound("board"))
}

pub async fn list_boards(k: &Kernel, actor: Option<&Actor>, group: &str) -> Result<BoardList> {
    let group = group_for(k, actor, group).await?;
    let rows: Vec<BoardRow> = store::boards_of(&k.db, group.row.id)
        .await?
        .into_iter()
        .filter(|r| sees(r, &group, actor))
        .collect();
    Ok(BoardList {
        items: board_views(k, actor, rows).await?,
    })
}

pub async fn get_board(k: &Kernel, actor: Option<&Actor>, id: BoardId) -> Result<Board> {
    let (row, _) = board_for(k, actor, id).await?;
    board_views(k, actor, vec![row])
        .await?
        .pop()
        .ok_or(Error::NotFound("board"))
}

pub async fn edit_board(k: &Kernel, actor: &Actor, id: BoardId, edit: BoardEdit) -> Result<Board> {
    let (_, group) = board_for(k, Some(actor), id).await?;
    let mut tx = k.db.begin().await?;
    let mut row = store::lock_board(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("board"))?;
    run(&group, actor, &row)?;
    let mut v = Validation::new();
    if let Some(q) = &edit.question {
        row.question = text(&mut v, "question", q, 1, MAX_QUESTION);
    }
    if let Some(d) = &edit.details {
        row.details = text(&mut v, "details", d, 0, MAX_DETAILS);
    }
    if let Some(dots) = edit.dots {
        if dots > MAX_DOTS {
            v.push("dots", format!("0 to {MAX_DOTS}"));
        }
        let most = store::most_dots_placed(&mut tx, id).await?;
        if i64::from(dots) < most {
            v.push(
                "dots",
                format!("someone has placed {most} dots already: at least that many"),
            );
        }
        row.dots = i64::from(dots);
    }
    if let Some(open) = edit.open {
        row.open = i64::from(open);
    }
    v.finish()?;
    row.updated_at = k.now().0;
    store::update_board(&mut tx, &row).await?;
    activity::record(
        &mut tx,
        k.now(),
        activity("Update", Some(actor), board_object(&row), &row).summary(format!(
            "{} changed the board: {}",
            actor.handle, row.question
        )),
    )
    .await?;
    tx.commit().await?;
    crate::live::changed(k, id);
    get_board(k, Some(actor), id).await
}

// ---------------------------------------------------------------------------------------
// Ideas

pub async fn create_idea(k: &Kernel, actor: &Actor, board: BoardId, new: NewIdea) -> Result<Idea> {
    let (_, group) = board_for(k, Some(actor), board).await?;
    take_part(&group, actor)?;
    let mut v = Validation::new();
    let title = text(&mut v, "title", &new.title, 1, MAX_TITLE);
    let body = text(
        &mut v,
        "text",
        new.text.as_deref().unwrap_or(""),
        0,
        MAX_TEXT,
    );
    let tags = tags(&mut v, new.tags.unwrap_or_default());
    v.finish()?;
    let now = k.now().0;
    let mut tx = k.db.begin().await?;
    let row = store::lock_board(&mut tx, board)
        .await?
        .ok_or(Error::NotFound("board"))?;
    if row.open != 1 {
        return Err(Error::conflict(
            "board",
            "this board is closed for new ideas",
        ));
    }
    let seq = store::next(&mut tx, board, IdeaBoards::Ideas).await?;
    if seq > MAX_IDEAS {
        return Err(Error::conflict(
            "board",
            format!("a board holds {MAX_IDEAS} ideas"),
        ));
    }
    let idea = IdeaRow {
        id: IdeaId::new(),
        board_id: board,
        seq,
        author_id: actor.account,
        title,
        text: body,
        tags: serde_json::to_string(&tags).map_err(Error::internal)?,
        merged_into: None,
        created_at: now,
        updated_at: now,
    };
    store::insert_idea(&mut tx, &idea).await?;
    // On an anonymous board the activity names nobody.
    let anonymous = row.anonymous == 1;
    let by = (!anonymous).then_some(actor);
    let summary = match by {
        Some(a) => format!("{} suggested: {}", a.handle, idea.title),
        None => format!("A new idea: {}", idea.title),
    };
    activity::record(
        &mut tx,
        Timestamp(now),
        activity(
            "Create",
            by,
            ObjectRef::new("weft:Idea", idea.id, Some(&idea.title)),
            &row,
        )
        .summary(summary)
        .extra(serde_json::json!({ "board": row.id })),
    )
    .await?;
    tx.commit().await?;
    crate::live::changed(k, board);
    one_idea(k, Some(actor), &row, idea).await
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IdeaFilter {
    /// Only ideas with this tag.
    pub tag: Option<String>,
    /// Merged duplicates too.
    pub merged: Option<bool>,
    /// `new` (default), `endorsed` or `dots`.
    pub sort: Option<String>,
}

pub async fn list_ideas(
    k: &Kernel,
    actor: Option<&Actor>,
    board: BoardId,
    filter: &IdeaFilter,
) -> Result<IdeaList> {
    let (row, _) = board_for(k, actor, board).await?;
    let mut rows = store::ideas_of(&k.db, board, 0, filter.merged.unwrap_or(false)).await?;
    if let Some(tag) = filter.tag.as_deref().map(|t| t.trim().to_lowercase()) {
        rows.retain(|r| r.tag_list().contains(&tag));
    }
    let mut items = idea_views(k, actor, &row, rows).await?;
    match filter.sort.as_deref() {
        None | Some("new") => items.reverse(),
        Some("endorsed") => items.sort_by_key(|i| std::cmp::Reverse(i.endorsements)),
        Some("dots") => items.sort_by_key(|i| std::cmp::Reverse(i.dots)),
        Some(other) => {
            return Err(Error::BadRequest(format!(
                "sort must be new, endorsed or dots, not {other}"
            )));
        }
    }
    Ok(IdeaList { items })
}

pub async fn get_idea(k: &Kernel, actor: Option<&Actor>, id: IdeaId) -> Result<Idea> {
    let (idea, board, _) = idea_for(k, actor, id).await?;
    one_idea(k, actor, &board, idea).await
}

pub async fn edit_idea(k: &Kernel, actor: &Actor, id: IdeaId, edit: IdeaEdit) -> Result<Idea> {
    let (mut idea, board, group) = idea_for(k, Some(actor), id).await?;
    if idea.author_id == actor.account {
        take_part(&group, actor)?;
    } else {
        run(&group, actor, &board)?;
    }
    let mut v = Validation::new();
    if let Some(t) = &edit.title {
        idea.title = text(&mut v, "title", t, 1, MAX_TITLE);
    }
    if let Some(t) = &edit.text {
        idea.text = text(&mut v, "text", t, 0, MAX_TEXT);
    }
    if let Some(t) = edit.tags {
        idea.tags = serde_json::to_string(&tags(&mut v, t)).map_err(Error::internal)?;
    }
    v.finish()?;
    idea.updated_at = k.now().0;
    let mut tx = k.db.begin().await?;
    store::update_idea(&mut tx, &idea).await?;
    store::touch_board(&mut tx, board.id, idea.updated_at).await?;
    tx.commit().await?;
    crate::live::changed(k, board.id);
    one_idea(k, Some(actor), &board, idea).await
}

/// An idea someone may mark (endorse, react, place dots on): standing, and theirs to see.
async fn markable(k: &Kernel, actor: &Actor, id: IdeaId) -> Result<(IdeaRow, BoardRow)> {
    let (idea, board, group) = idea_for(k, Some(actor), id).await?;
    take_part(&group, actor)?;
    if idea.merged_into.is_some() {
        return Err(Error::conflict(
            "idea",
            "this idea was merged into another: mark that one",
        ));
    }
    Ok((idea, board))
}

pub async fn endorse(k: &Kernel, actor: &Actor, id: IdeaId, on: bool) -> Result<Idea> {
    let (idea, board) = markable(k, actor, id).await?;
    let mut tx = k.db.begin().await?;
    store::endorse(&mut tx, id, actor.account, on, k.now().0).await?;
    tx.commit().await?;
    crate::live::changed(k, board.id);
    one_idea(k, Some(actor), &board, idea).await
}

pub async fn react(k: &Kernel, actor: &Actor, id: IdeaId, emoji: &str, on: bool) -> Result<Idea> {
    let mut v = Validation::new();
    let emoji = crate::model::emoji(&mut v, emoji);
    v.finish()?;
    let (idea, board) = markable(k, actor, id).await?;
    let mut tx = k.db.begin().await?;
    store::react(&mut tx, id, actor.account, &emoji, on, k.now().0).await?;
    tx.commit().await?;
    crate::live::changed(k, board.id);
    one_idea(k, Some(actor), &board, idea).await
}

/// Places `dots` on an idea (replacing what one placed there before), within the board's
/// dots per person.
pub async fn set_dots(k: &Kernel, actor: &Actor, id: IdeaId, dots: u32) -> Result<Idea> {
    let (_, board) = markable(k, actor, id).await?;
    let mut tx = k.db.begin().await?;
    // Hold the board: two placements at once cannot both spend the last dots, and what is
    // read from here on is as of the lock (a merge or a new limit waits or went first).
    let board = store::lock_board(&mut tx, board.id)
        .await?
        .ok_or(Error::NotFound("board"))?;
    if board.dots == 0 {
        return Err(Error::conflict("dots", "this board has no dot voting"));
    }
    let idea = store::idea_in(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("idea"))?;
    if idea.merged_into.is_some() {
        return Err(Error::conflict(
            "idea",
            "this idea was merged into another: mark that one",
        ));
    }
    let placed = store::dots_placed(&mut tx, board.id, actor.account).await?;
    let here = store::dots_on(&mut tx, id, actor.account).await?;
    let after = placed - here + i64::from(dots);
    if after > board.dots {
        return Err(Error::invalid(
            "dots",
            format!(
                "you have {} dots on this board and {} placed elsewhere",
                board.dots,
                placed - here
            ),
        ));
    }
    store::set_dots(&mut tx, board.id, id, actor.account, i64::from(dots)).await?;
    tx.commit().await?;
    crate::live::changed(k, board.id);
    one_idea(k, Some(actor), &board, idea).await
}

pub async fn clusters(k: &Kernel, actor: Option<&Actor>, board: BoardId) -> Result<Clusters> {
    board_for(k, actor, board).await?;
    let rows = store::ideas_of(&k.db, board, 0, false).await?;
    let mut by_tag: BTreeMap<String, Vec<IdeaId>> = BTreeMap::new();
    let mut untagged = Vec::new();
    for row in &rows {
        let tags = row.tag_list();
        if tags.is_empty() {
            untagged.push(row.id);
        }
        for tag in tags {
            by_tag.entry(tag).or_default().push(row.id);
        }
    }
    let mut items: Vec<Cluster> = by_tag
        .into_iter()
        .map(|(tag, ideas)| Cluster {
            tag: Some(tag),
            ideas,
        })
        .collect();
    // Biggest clusters first; equal ones by tag.
    items.sort_by_key(|c| std::cmp::Reverse(c.ideas.len()));
    if !untagged.is_empty() {
        items.push(Cluster {
            tag: None,
            ideas: untagged,
        });
    }
    Ok(Clusters { items })
}

/// Merges a duplicate into the idea that stays, on the same board: its endorsements,
/// reactions, dots, comments and wiki-survey answers count for the survivor from now on.
/// The duplicate's author is told.
pub async fn merge(k: &Kernel, actor: &Actor, id: IdeaId, into: IdeaId) -> Result<Idea> {
    if id == into {
        return Err(Error::invalid(
            "into",
            "an idea cannot be merged into itself",
        ));
    }
    let (_, board, group) = idea_for(k, Some(actor), id).await?;
    run(&group, actor, &board)?;
    let mut tx = k.db.begin().await?;
    store::lock_board(&mut tx, board.id).await?;
    let from = store::idea_in(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("idea"))?;
    let Some(survivor) = store::idea_in(&mut tx, into)
        .await?
        .filter(|s| s.board_id == board.id)
    else {
        return Err(Error::invalid("into", "an idea on the same board"));
    };
    if from.merged_into.is_some() || survivor.merged_into.is_some() {
        return Err(Error::conflict(
            "idea",
            "one of these ideas was merged already",
        ));
    }
    let now = k.now();
    store::merge(&mut tx, id, into, now.0).await?;
    kernel::comments::carry_over(
        &mut tx,
        board.group_id,
        SUBJECT,
        &id.to_string(),
        &into.to_string(),
    )
    .await?;
    store::next(&mut tx, board.id, IdeaBoards::Version).await?;
    let object = ObjectRef::new("weft:Idea", from.id, Some(&from.title));
    let summary = format!(
        "{} merged “{}” into “{}”",
        actor.handle, from.title, survivor.title
    );
    activity::record(
        &mut tx,
        now,
        activity("Update", Some(actor), object.clone(), &board)
            .summary(summary.clone())
            .extra(serde_json::json!({ "board": board.id, "into": into })),
    )
    .await?;
    if from.author_id != actor.account {
        tell(
            &mut tx,
            now,
            actor,
            &board,
            from.author_id,
            object,
            summary,
            "idea_merged",
        )
        .await?;
    }
    tx.commit().await?;
    crate::live::changed(k, board.id);
    one_idea(k, Some(actor), &board, survivor).await
}

// ---------------------------------------------------------------------------------------
// The wiki-survey

/// What a pair's token carries, sealed: the board, the two ideas, who may answer, and when
/// it was served. Its `n` becomes the answer's id, so a token answers once.
#[derive(Serialize, Deserialize)]
struct Token {
    b: BoardId,
    l: IdeaId,
    r: IdeaId,
    a: AccountId,
    n: uuid::Uuid,
    t: i64,
}

/// What a board's pair tokens are sealed to: a token opens for its own board only.
fn token_row(board: BoardId) -> Vec<u8> {
    format!("ideas:pair:{board}").into_bytes()
}

fn survey_board(board: &BoardRow) -> Result<()> {
    if board.pairwise == 1 {
        Ok(())
    } else {
        Err(Error::conflict("board", "this board runs no wiki-survey"))
    }
}

pub async fn pair(k: &Kernel, surveys: &Surveys, actor: &Actor, id: BoardId) -> Result<Pair> {
    let (board, group) = board_for(k, Some(actor), id).await?;
    take_part(&group, actor)?;
    survey_board(&board)?;
    let (left, right) = {
        let mut survey = surveys.get(k, id).await?;
        survey.pick(actor.account).ok_or_else(|| {
            Error::conflict(
                "board",
                "the board needs two ideas before they can be compared",
            )
        })?
    };
    let token = Token {
        b: id,
        l: left,
        r: right,
        a: actor.account,
        n: uuid::Uuid::now_v7(),
        t: k.now().0,
    };
    let token = k.seal.seal_text(
        &serde_json::to_string(&token).map_err(Error::internal)?,
        &token_row(id),
    );
    let rows = store::ideas_by_ids(&k.db, &[left, right]).await?;
    let mut views = idea_views(k, Some(actor), &board, rows).await?;
    let take = |views: &mut Vec<Idea>, id: IdeaId| {
        views
            .iter()
            .position(|i| i.id == id)
            .map(|at| views.swap_remove(at))
            .ok_or(Error::NotFound("idea"))
    };
    let left = take(&mut views, left)?;
    let right = take(&mut views, right)?;
    Ok(Pair { left, right, token })
}

pub async fn compare(
    k: &Kernel,
    actor: &Actor,
    id: BoardId,
    answer: NewComparison,
) -> Result<Answer> {
    let (board, group) = board_for(k, Some(actor), id).await?;
    take_part(&group, actor)?;
    survey_board(&board)?;
    let refused = |why: &str| Error::invalid("token", why.to_string());
    let token: Token = k
        .seal
        .open_sealed_text(&answer.token, &token_row(id))
        .ok()
        .and_then(|plain| serde_json::from_str(&plain).ok())
        .ok_or_else(|| refused("not a pair of this board's, from this server"))?;
    if token.b != id {
        return Err(refused("a pair of another board"));
    }
    if token.a != actor.account {
        return Err(refused("a pair given to someone else"));
    }
    let age = k.now().0 - token.t;
    if !(0..=TOKEN_LIFE_S * Timestamp::MICROS_PER_SECOND).contains(&age) {
        return Err(refused("this pair is too old: ask for a new one"));
    }
    let pair = store::ideas_by_ids(&k.db, &[token.l, token.r]).await?;
    if token.l == token.r || pair.len() != 2 || pair.iter().any(|i| i.board_id != id) {
        return Err(refused("not a pair of this board's ideas"));
    }
    if store::answer_exists(&k.db, token.n).await? {
        return Err(Error::conflict("token", "this pair was answered already"));
    }
    let now = k.now().0;
    let mut tx = k.db.begin().await?;
    let seq = store::next(&mut tx, id, IdeaBoards::Answers).await?;
    store::insert_answer(
        &mut tx,
        token.n,
        id,
        seq,
        actor.account,
        token.l,
        token.r,
        answer.winner.as_str(),
        now,
    )
    .await
    .map_err(|e| match e {
        Error::Conflict { .. } => Error::conflict("token", "this pair was answered already"),
        other => other,
    })?;
    tx.commit().await?;
    crate::live::answered(k, id);
    Ok(Answer {
        id: token.n,
        board: id,
        left: token.l,
        right: token.r,
        winner: answer.winner,
        answers: seq,
    })
}

pub async fn ranking(
    k: &Kernel,
    surveys: &Surveys,
    actor: Option<&Actor>,
    id: BoardId,
) -> Result<std::sync::Arc<Ranking>> {
    let (board, _) = board_for(k, actor, id).await?;
    survey_board(&board)?;
    let mut survey = surveys.get(k, id).await?;
    if let Some(kept) = survey.ranking_kept() {
        return Ok(kept);
    }
    let scored = survey.scored();
    let titles: HashMap<IdeaId, String> = store::titles_of(&k.db, id).await?.into_iter().collect();
    let mut items: Vec<Ranked> = scored
        .ideas
        .iter()
        .filter_map(|s| {
            let idea = *survey.ideas.get(s.idea.index())?;
            Some(Ranked {
                idea,
                title: titles.get(&idea)?.clone(),
                score: s.score * 100.0,
                low: s.low * 100.0,
                high: s.high * 100.0,
                comparisons: s.wins + s.losses,
                wins: s.wins,
                losses: s.losses,
            })
        })
        .collect();
    items.sort_by(|a, b| b.score.total_cmp(&a.score));
    let ranking = std::sync::Arc::new(Ranking {
        items,
        answers: survey.answers(),
    });
    survey.keep_ranking(std::sync::Arc::clone(&ranking));
    Ok(ranking)
}

// ---------------------------------------------------------------------------------------
// Promotion

/// Promotes one idea to a proposal, or several (or the best `top`) to the options of a
/// choice or ranked poll, through the kernel's motions: the decision tool opens the poll.
pub async fn promote(
    k: &Kernel,
    surveys: &Surveys,
    actor: &Actor,
    id: BoardId,
    input: Promote,
) -> Result<Promotion> {
    let (board, group) = board_for(k, Some(actor), id).await?;
    run(&group, actor, &board)?;
    if board.readers.is_some() {
        // A poll is the whole group's: it would show the listed board's ideas to everyone.
        return Err(Error::conflict(
            "board",
            "a board for listed people cannot put its ideas to the group's poll",
        ));
    }
    let mut v = Validation::new();
    let chosen: Vec<IdeaId> = match (input.ideas.is_empty(), input.top) {
        (false, None) => input.ideas.clone(),
        (true, Some(top)) => {
            best(k, surveys, actor, &board, (top as usize).min(MAX_PROMOTED)).await?
        }
        _ => {
            v.push("ideas", "name the ideas, or say top");
            Vec::new()
        }
    };
    let (min, max) = match input.kind {
        PollKind::Proposal => (1, 1),
        _ => (2, MAX_PROMOTED),
    };
    if input
        .top
        .is_some_and(|t| t == 0 || t as usize > MAX_PROMOTED)
    {
        v.push("top", format!("1 to {MAX_PROMOTED}"));
    }
    if !(min..=max).contains(&chosen.len()) {
        v.push(
            "ideas",
            match input.kind {
                PollKind::Proposal => "a proposal promotes one idea".to_string(),
                _ => format!("2 to {MAX_PROMOTED} ideas for a {} poll", input.kind),
            },
        );
    }
    let now = k.now();
    let closes_at = input.closes_at.unwrap_or(Timestamp(
        now.0 + DEFAULT_POLL_S * Timestamp::MICROS_PER_SECOND,
    ));
    if closes_at <= now {
        v.push("closes_at", "must be in the future");
    }
    if closes_at.0 > now.0 + MAX_POLL_S * Timestamp::MICROS_PER_SECOND {
        v.push("closes_at", "within a year");
    }
    v.finish()?;
    let rows = store::ideas_by_ids(&k.db, &chosen).await?;
    let mut ideas: Vec<IdeaRow> = Vec::with_capacity(chosen.len());
    for id in &chosen {
        let row = rows
            .iter()
            .find(|r| r.id == *id && r.board_id == board.id && r.merged_into.is_none())
            .ok_or_else(|| Error::invalid("ideas", "standing ideas of this board, each once"))?;
        if ideas.iter().any(|i| i.id == *id) {
            return Err(Error::invalid(
                "ideas",
                "standing ideas of this board, each once",
            ));
        }
        ideas.push(row.clone());
    }
    let (title, details) = match (input.kind, input.title.as_deref()) {
        (_, Some(t)) => (t.to_string(), board.question.clone()),
        (PollKind::Proposal, None) => (ideas[0].title.clone(), ideas[0].text.clone()),
        // A question may be longer than a poll's title: the rest goes in its details.
        (_, None) => (
            cut(&board.question, 200),
            format!("{}\n\n{}", board.question, board.details),
        ),
    };
    let options = if input.kind == PollKind::Proposal {
        Vec::new()
    } else {
        distinct_titles(&ideas)
    };
    let motion = motions::open(
        k,
        actor,
        &board.group_id.to_string(),
        NewMotion {
            title,
            details,
            kind: input.kind.as_str().into(),
            options,
            closes_at,
            tool: TOOL.into(),
            subject_id: board.id.to_string(),
            pass_rule: PassRule::Majority,
        },
    )
    .await?;
    let row = PromotionRow {
        id: PromotionId::new(),
        board_id: board.id,
        motion_id: motion.id,
        kind: input.kind.as_str().into(),
        ideas: serde_json::to_string(&chosen).map_err(Error::internal)?,
        created_by: actor.account,
        created_at: now.0,
    };
    let mut tx = k.db.begin().await?;
    store::insert_promotion(&mut tx, &row).await?;
    let summary = format!(
        "{} put {} to a {} poll: {}",
        actor.handle,
        if ideas.len() == 1 { "an idea" } else { "ideas" },
        input.kind,
        motion.title
    );
    activity::record(
        &mut tx,
        now,
        activity("Announce", Some(actor), board_object(&board), &board)
            .summary(summary.clone())
            .extra(serde_json::json!({ "motion": motion.id, "poll": motion.poll_id })),
    )
    .await?;
    let mut authors: Vec<AccountId> = ideas.iter().map(|i| i.author_id).collect();
    authors.sort();
    authors.dedup();
    for author in authors.into_iter().filter(|a| *a != actor.account) {
        let summary = format!("Your idea is in a poll: {}", motion.title);
        tell(
            &mut tx,
            now,
            actor,
            &board,
            author,
            board_object(&board),
            summary,
            "idea_promoted",
        )
        .await?;
    }
    tx.commit().await?;
    crate::live::changed(k, board.id);
    promotion_view(k, row)
        .await?
        .ok_or(Error::NotFound("motion"))
}

/// The best `top` ideas: by the wiki-survey's ranking on a pairwise board, else by
/// endorsements and dots.
async fn best(
    k: &Kernel,
    surveys: &Surveys,
    actor: &Actor,
    board: &BoardRow,
    top: usize,
) -> Result<Vec<IdeaId>> {
    if board.pairwise == 1 {
        let ranking = ranking(k, surveys, Some(actor), board.id).await?;
        return Ok(ranking.items.iter().take(top).map(|r| r.idea).collect());
    }
    let rows = store::ideas_of(&k.db, board.id, 0, false).await?;
    let mut views = idea_views(k, Some(actor), board, rows).await?;
    views.sort_by_key(|i| std::cmp::Reverse((i.endorsements + i.dots, i.created_at)));
    Ok(views.into_iter().take(top).map(|i| i.id).collect())
}

/// Ideas' titles as a poll's options, each once whatever its case (a repeated title gets a
/// number), short enough for an option, and never a bare number (which a ballot would read
/// as an option's place).
fn distinct_titles(ideas: &[IdeaRow]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(ideas.len());
    let taken = |out: &[String], t: &str| out.iter().any(|o| o.to_lowercase() == t.to_lowercase());
    for idea in ideas {
        let base = cut(idea.title.trim(), 180);
        let base = if base.chars().all(|c| c.is_ascii_digit()) {
            format!("“{base}”")
        } else {
            base
        };
        let mut title = base.clone();
        let mut n = 2;
        while taken(&out, &title) {
            title = format!("{base} ({n})");
            n += 1;
        }
        out.push(title);
    }
    out
}

/// `text` cut to at most `max` characters.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

// ---------------------------------------------------------------------------------------
// Comments

/// An idea as a thing comments attach to: whoever may read its board reads them.
pub struct IdeaSubject;

impl kernel::subjects::Subject for IdeaSubject {
    fn readable<'a>(
        &'a self,
        k: &'a Kernel,
        actor: Option<&'a Actor>,
        id: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<kernel::subjects::Found>> {
        Box::pin(async move {
            let id: IdeaId = id.parse().map_err(|_| Error::NotFound("idea"))?;
            let (_, board, group) = idea_for(k, actor, id).await?;
            Ok(kernel::subjects::Found {
                group,
                id: id.to_string(),
                readers: readers(&board),
            })
        })
    }
}
