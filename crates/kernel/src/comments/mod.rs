//! Threaded comments on a thing of any tool — a proposal, a task, a bucket, a group's own
//! page — with @mentions that notify, reactions, edits and deletes. Every read and write goes
//! through the policy of the thing commented on (`kernel::subjects`): whoever may read it reads
//! its comments; whoever may post in its group comments.

pub(crate) mod store;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::activity::{self, NewActivity, ObjectRef};
use crate::error::Validation;
use crate::id::{AccountId, CommentId, GroupId};
use crate::page::{Page, PageRequest};
use crate::people::Actor;
use crate::policy::Action;
use crate::{Error, Kernel, Result, Timestamp};

/// The name comments' activities carry as their tool.
pub const TOOL: &str = "comments";
/// The longest comment, in characters.
const MAX_BODY: usize = 10_000;
/// Mentions that notify, per comment.
const MAX_MENTIONS: usize = 20;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    /// `group`, or a tool's kind of thing.
    pub subject_type: String,
    /// Its id (a group's id or handle).
    pub subject_id: String,
    /// 1 to 10,000 characters; `@handle` notifies that member.
    pub body: String,
    /// The comment this answers, on the same thing.
    pub parent: Option<CommentId>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentEdit {
    pub body: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Author {
    pub id: AccountId,
    pub handle: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reaction {
    pub emoji: String,
    pub count: i64,
    /// Whether you reacted so.
    pub mine: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Comment {
    pub id: CommentId,
    pub subject_type: String,
    pub subject_id: String,
    pub group: GroupId,
    /// The comment this answers (threads nest by it).
    pub parent: Option<CommentId>,
    /// `null` once the account is gone.
    pub author: Option<Author>,
    /// Empty once deleted.
    pub body: String,
    pub deleted: bool,
    /// The people it mentions (who were told).
    pub mentions: Vec<String>,
    pub reactions: Vec<Reaction>,
    pub created_at: Timestamp,
    pub edited_at: Option<Timestamp>,
}

/// `@handle`s in a text, each once, in order.
pub fn mentioned_handles(body: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let chars: Vec<char> = body.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let starts_word = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if *c != '@' || !starts_word {
            continue;
        }
        let handle: String = chars[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || **c == '_')
            .collect();
        if (2..=32).contains(&handle.len()) && !found.contains(&handle) {
            found.push(handle);
        }
    }
    found
}

fn check_body(v: &mut Validation, body: &str) -> String {
    let body = body.trim();
    if body.is_empty() || body.chars().count() > MAX_BODY {
        v.push("body", format!("1 to {MAX_BODY} characters"));
    }
    body.to_string()
}

/// How many standing comments each of a tool's things has (a list of ideas shows its
/// counts without listing every comment); the tool has checked its reader.
pub async fn counts(
    k: &Kernel,
    group: GroupId,
    subject_type: &str,
    ids: &[String],
) -> Result<std::collections::HashMap<String, i64>> {
    Ok(store::counts(&k.db, group, subject_type, ids)
        .await?
        .into_iter()
        .collect())
}

/// Moves the comments on one thing onto another of the same type and group, in the caller's
/// transaction: a duplicate idea merged into another keeps its discussion.
pub async fn carry_over(
    tx: &mut crate::db::Tx,
    group: GroupId,
    subject_type: &str,
    from: &str,
    to: &str,
) -> Result<u64> {
    store::carry_over(tx, group, subject_type, from, to).await
}

/// Comments on a thing, oldest first, for who may read it.
pub async fn list(
    k: &Kernel,
    actor: Option<&Actor>,
    subject_type: &str,
    subject_id: &str,
    page: &PageRequest,
) -> Result<Page<Comment>> {
    let found = k
        .subjects
        .readable(k, actor, subject_type, subject_id)
        .await?;
    list_found(k, actor, subject_type, &found, page).await
}

/// The comments on a thing its tool has just found readable by `actor` (a page that loaded
/// the thing lists its comments without loading it again).
pub async fn list_found(
    k: &Kernel,
    actor: Option<&Actor>,
    subject_type: &str,
    found: &crate::subjects::Found,
    page: &PageRequest,
) -> Result<Page<Comment>> {
    let limit = page.limit()?;
    let rows = store::of_subject(
        &k.db,
        found.group.row.id,
        subject_type,
        &found.id,
        page.after()?,
        limit + 1,
    )
    .await?;
    let rows = Page::from_rows(rows, limit, |r| r.id.0);
    let comments = views(k, actor, &rows.items).await?;
    Ok(Page {
        items: comments,
        next_cursor: rows.next_cursor,
    })
}

/// Comments on a thing; mentioned members of its group are notified.
pub async fn create(k: &Kernel, actor: &Actor, new: NewComment) -> Result<Comment> {
    let found = k
        .subjects
        .readable(k, Some(actor), &new.subject_type, &new.subject_id)
        .await?;
    let (group, subject_id, readers) = (found.group, found.id, found.readers);
    group.authorize(Some(actor), Action::Post)?;
    let mut v = Validation::new();
    let body = check_body(&mut v, &new.body);
    if let Some(parent) = new.parent {
        let on_same = store::get(&k.db, parent).await?.is_some_and(|p| {
            p.group_id == group.row.id
                && p.subject_type == new.subject_type
                && p.subject_id == subject_id
        });
        if !on_same {
            v.push("parent", "no such comment on this thing");
        }
    }
    v.finish()?;
    // A mention of someone who may not read the thing tells them nothing.
    let mentioned: Vec<(AccountId, String)> = members_named(k, group.row.id, &body)
        .await?
        .into_iter()
        .filter(|(id, _)| readers.include(*id))
        .collect();
    let row = store::CommentRow {
        id: CommentId::new(),
        group_id: group.row.id,
        subject_type: new.subject_type,
        subject_id,
        parent_id: new.parent,
        author_id: Some(actor.account),
        body,
        created_at: k.now().0,
        edited_at: None,
        deleted_at: None,
    };
    let excerpt: String = row.body.chars().take(140).collect();
    let mut tx = k.db.begin().await?;
    store::insert(&mut tx, &row).await?;
    let mut activity = NewActivity::new(
        "Create",
        Some(actor.account),
        ObjectRef::new("Note", row.id, None),
        readers.audience(group.row.id),
    )
    .target(ObjectRef::new(&row.subject_type, &row.subject_id, None))
    .tool(TOOL)
    .summary(format!("{} commented: {excerpt}", actor.handle));
    let told: Vec<AccountId> = mentioned
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| *id != actor.account)
        .collect();
    if !told.is_empty() {
        activity = activity.notify(told, "mention");
    }
    activity::record(&mut tx, k.now(), activity).await?;
    tx.commit().await?;
    Ok(views(k, Some(actor), std::slice::from_ref(&row))
        .await?
        .remove(0))
}

/// The members of `group` a text mentions, at most [`MAX_MENTIONS`].
async fn members_named(k: &Kernel, group: GroupId, body: &str) -> Result<Vec<(AccountId, String)>> {
    let mut members = Vec::new();
    for handle in mentioned_handles(body).into_iter().take(MAX_MENTIONS) {
        if let Some(account) = crate::people::store::account_by_handle(&k.db, &handle).await?
            && crate::groups::store::membership(&k.db, group, account.id)
                .await?
                .is_some()
        {
            members.push((account.id, handle));
        }
    }
    Ok(members)
}

/// A comment, loaded with the thing it is on, when `actor` may read the thing.
async fn load(
    k: &Kernel,
    actor: Option<&Actor>,
    id: CommentId,
) -> Result<(store::CommentRow, crate::groups::access::Loaded)> {
    let row = store::get(&k.db, id)
        .await?
        .ok_or(Error::NotFound("comment"))?;
    let group = k
        .subjects
        .of_row(k, actor, &row.subject_type, &row.subject_id, "comment")
        .await
        .map(|found| found.group)?;
    Ok((row, group))
}

/// Changes a comment's text: its author only, while they may still post in the group.
pub async fn edit(k: &Kernel, actor: &Actor, id: CommentId, edit: CommentEdit) -> Result<Comment> {
    let (mut row, group) = load(k, Some(actor), id).await?;
    group.authorize(Some(actor), Action::Post)?;
    if row.author_id != Some(actor.account) {
        return Err(Error::Forbidden("only its author edits a comment".into()));
    }
    if row.deleted_at.is_some() {
        return Err(Error::Gone("this comment was deleted".into()));
    }
    let mut v = Validation::new();
    let body = check_body(&mut v, &edit.body);
    v.finish()?;
    let now = k.now().0;
    let mut tx = k.db.begin().await?;
    store::set_body(&mut tx, id, &body, now).await?;
    tx.commit().await?;
    row.body = body;
    row.edited_at = Some(now);
    Ok(views(k, Some(actor), std::slice::from_ref(&row))
        .await?
        .remove(0))
}

/// Deletes a comment's text (its answers stay): its author, or who moderates the group.
pub async fn delete(k: &Kernel, actor: &Actor, id: CommentId) -> Result<()> {
    let (row, group) = load(k, Some(actor), id).await?;
    if row.author_id == Some(actor.account) {
        group.authorize(Some(actor), Action::Post)?;
    } else {
        group.authorize(Some(actor), Action::Moderate)?;
    }
    let mut tx = k.db.begin().await?;
    store::mark_deleted(&mut tx, id, k.now().0).await?;
    tx.commit().await
}

/// Adds (`on`) or takes back a reaction: whoever may post in the thing's group.
pub async fn react(k: &Kernel, actor: &Actor, id: CommentId, emoji: &str, on: bool) -> Result<()> {
    let (row, group) = load(k, Some(actor), id).await?;
    group.authorize(Some(actor), Action::Post)?;
    if row.deleted_at.is_some() && on {
        return Err(Error::Gone("this comment was deleted".into()));
    }
    let emoji = emoji.trim();
    if emoji.is_empty()
        || emoji.chars().count() > 16
        || emoji.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(Error::invalid(
            "emoji",
            "1 to 16 characters, no spaces (👍, :tada:)",
        ));
    }
    let mut tx = k.db.begin().await?;
    if on {
        store::add_reaction(&mut tx, id, actor.account, emoji, k.now().0).await?;
    } else {
        store::remove_reaction(&mut tx, id, actor.account, emoji).await?;
    }
    tx.commit().await
}

/// Comments as people see them: authors' handles, mentions, reactions (three queries).
async fn views(
    k: &Kernel,
    actor: Option<&Actor>,
    rows: &[store::CommentRow],
) -> Result<Vec<Comment>> {
    let authors: Vec<AccountId> = rows.iter().filter_map(|r| r.author_id).collect();
    let handles = crate::people::service::handles(k, &authors).await?;
    let ids: Vec<CommentId> = rows.iter().map(|r| r.id).collect();
    let reactions = store::reactions(&k.db, &ids).await?;
    Ok(rows
        .iter()
        .map(|r| {
            let deleted = r.deleted_at.is_some();
            let mut mine: Vec<Reaction> = Vec::new();
            for (comment, account, emoji) in &reactions {
                if *comment != r.id {
                    continue;
                }
                let by_me = actor.is_some_and(|a| a.account == *account);
                match mine.iter_mut().find(|x| x.emoji == *emoji) {
                    Some(x) => {
                        x.count += 1;
                        x.mine |= by_me;
                    }
                    None => mine.push(Reaction {
                        emoji: emoji.clone(),
                        count: 1,
                        mine: by_me,
                    }),
                }
            }
            Comment {
                id: r.id,
                subject_type: r.subject_type.clone(),
                subject_id: r.subject_id.clone(),
                group: r.group_id,
                parent: r.parent_id,
                author: r.author_id.and_then(|id| {
                    handles.get(&id).map(|h| Author {
                        id,
                        handle: h.clone(),
                    })
                }),
                body: if deleted {
                    String::new()
                } else {
                    r.body.clone()
                },
                deleted,
                mentions: if deleted {
                    Vec::new()
                } else {
                    mentioned_handles(&r.body)
                },
                reactions: mine,
                created_at: Timestamp(r.created_at),
                edited_at: r.edited_at.map(Timestamp),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::mentioned_handles;

    #[test]
    fn mentions_are_handles_after_an_at_sign_once_each() {
        assert_eq!(
            mentioned_handles("@ana and @bo_2, not mail@example.org, again @ana."),
            ["ana", "bo_2"]
        );
        assert!(mentioned_handles("@a @ nobody").is_empty());
    }
}
