//! Liquid delegation in a group: a member lets another vote for them in every poll of the
//! group, or in the polls with a tag, whenever they do not vote themselves. Counting follows
//! the chains (`electorate::counted`); here members give, end and see their delegations.

use kernel::activity::{self, Audience, NewActivity, ObjectRef};
use kernel::groups::access::{Loaded, is_member, load};
use kernel::people::Actor;
use kernel::policy::Action;
use kernel::{Error, Kernel, Result, Timestamp};

use crate::model::*;
use crate::store;

async fn group_of(k: &Kernel, actor: &Actor, key: &str) -> Result<Loaded> {
    let group = load(k, Some(actor), key).await?;
    group.authorize(Some(actor), Action::ToolRead(TOOL))?;
    kernel::tool::require_on(k, group.row.id, TOOL).await?;
    Ok(group)
}

fn tag_of(tag: Option<&str>) -> Result<String> {
    let tag = tag.map(str::trim).unwrap_or_default();
    if tag.chars().count() > 50 {
        return Err(Error::invalid("tag", "at most 50 characters"));
    }
    Ok(tag.to_string())
}

/// The caller's delegations in a group: those they gave and those given to them.
pub async fn mine(k: &Kernel, actor: &Actor, group: &str) -> Result<Delegations> {
    let group = group_of(k, actor, group).await?;
    let rows = store::delegations_of(&k.db, group.row.id, actor.account).await?;
    let mut ids: Vec<AccountId> = rows.iter().flat_map(|r| [r.from_id, r.to_id]).collect();
    ids.sort_by_key(|a| a.0);
    ids.dedup();
    let handles = kernel::people::handles(k, &ids).await?;
    let person = |id: AccountId| Person {
        id,
        handle: handles.get(&id).cloned().unwrap_or_default(),
    };
    let mut out = Delegations {
        given: Vec::new(),
        received: Vec::new(),
    };
    for r in rows {
        let d = Delegation {
            from: person(r.from_id),
            to: person(r.to_id),
            tag: (!r.tag.is_empty()).then(|| r.tag.clone()),
            created_at: Timestamp(r.created_at),
        };
        if r.from_id == actor.account {
            out.given.push(d);
        } else {
            out.received.push(d);
        }
    }
    Ok(out)
}

/// Delegates the caller's vote in a group (or for one tag) to another member, replacing an
/// earlier delegation of the same scope: who may take part there.
pub async fn delegate(
    k: &Kernel,
    actor: &Actor,
    group: &str,
    input: DelegationRequest,
) -> Result<Delegations> {
    let loaded = group_of(k, actor, group).await?;
    loaded.authorize(Some(actor), Action::ToolUse(TOOL))?;
    let tag = tag_of(input.tag.as_deref())?;
    let to = kernel::people::account_ref(k, &input.to)
        .await
        .map_err(|_| Error::invalid("to", "no such account"))?;
    if to == actor.account {
        return Err(Error::invalid("to", "someone other than you"));
    }
    if !is_member(k, loaded.row.id, to).await? {
        return Err(Error::invalid("to", "a member of this group"));
    }
    let now = k.now();
    let mut tx = k.db.begin().await?;
    store::put_delegation(&mut tx, loaded.row.id, actor.account, &tag, to, now).await?;
    let what = if tag.is_empty() {
        format!("in {}", loaded.row.name)
    } else {
        format!("on {tag} in {}", loaded.row.name)
    };
    activity::record(
        &mut tx,
        now,
        NewActivity::new(
            "Update",
            Some(actor.account),
            ObjectRef::new("Group", loaded.row.id, Some(&loaded.row.name)),
            Audience::Accounts {
                group: Some(loaded.row.id),
                accounts: vec![to],
            },
        )
        .tool(TOOL)
        .notify([to], "delegation")
        .summary(format!("{} gave you their vote {what}", actor.handle)),
    )
    .await?;
    tx.commit().await?;
    mine(k, actor, group).await
}

/// Ends the caller's delegation in a group (or for one tag), if there is one.
pub async fn end(k: &Kernel, actor: &Actor, group: &str, input: DelegationEnd) -> Result<()> {
    let loaded = group_of(k, actor, group).await?;
    loaded.authorize(Some(actor), Action::ToolUse(TOOL))?;
    let tag = tag_of(input.tag.as_deref())?;
    let mut tx = k.db.begin().await?;
    store::delete_delegation(&mut tx, loaded.row.id, actor.account, &tag).await?;
    tx.commit().await
}
