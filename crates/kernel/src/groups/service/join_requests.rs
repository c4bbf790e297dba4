//! Requests to join a group that takes them, and the admins' decisions on them.

use super::{group_ref, in_group, load, log};
use crate::activity::{Audience, NewActivity, ObjectRef};
use crate::groups::model::*;
use crate::groups::store::{self, JoinRequestRow};
use crate::id::JoinRequestId;
use crate::page::{Page, PageRequest};
use crate::people::Actor;
use crate::policy::Action;
use crate::{Error, Kernel, Result, Timestamp};

pub(super) fn join_request_of(r: JoinRequestRow) -> JoinRequest {
    JoinRequest {
        id: r.id,
        group: r.group_id,
        account: MemberAccount {
            id: r.account_id,
            handle: r.handle,
            display_name: r.display_name,
        },
        message: r.message,
        status: r.status,
        created_at: Timestamp(r.created_at),
        decided_at: r.decided_at.map(Timestamp),
    }
}

pub async fn join_requests(
    k: &Kernel,
    actor: &Actor,
    key: &str,
    page: &PageRequest,
) -> Result<Page<JoinRequest>> {
    let loaded = load(k, Some(actor), key).await?;
    loaded.authorize(Some(actor), Action::ManageMembers)?;
    let limit = page.limit()?;
    let rows = store::join_requests_of_group(&k.db, loaded.row.id, page.after()?, limit).await?;
    Ok(Page::from_rows(rows, limit, |r| r.id.0).map(join_request_of))
}

/// Approves (the asker becomes a member) or rejects a pending request.
pub async fn decide_join_request(
    k: &Kernel,
    actor: &Actor,
    id: JoinRequestId,
    approve: bool,
) -> Result<JoinRequest> {
    let request = store::join_request(&k.db, id)
        .await?
        .ok_or(Error::NotFound("join request"))?;
    let loaded = load(k, Some(actor), &request.group_id.to_string()).await?;
    loaded
        .authorize(Some(actor), Action::ManageMembers)
        .map_err(|e| match e {
            Error::Forbidden(_) if loaded.standing.is_none() => Error::NotFound("join request"),
            other => other,
        })?;
    let now = k.now();
    let mut tx = k.db.begin().await?;
    let status = if approve { "approved" } else { "rejected" };
    if store::decide_join_request(&mut tx, id, status, actor.account, now).await? == 0 {
        return Err(Error::Gone(format!(
            "this request was already {}",
            request.status
        )));
    }
    if approve
        && store::membership_in(&mut tx, request.group_id, request.account_id)
            .await?
            .is_none()
    {
        super::admit(&mut tx, request.group_id, request.account_id, "member", now).await?;
    }
    let row = store::join_request_in(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("join request"))?;
    let (kind, verb) = if approve {
        ("Accept", "let")
    } else {
        ("Reject", "turned down")
    };
    let summary = if approve {
        format!(
            "{} {verb} {} join {}",
            actor.handle, row.handle, loaded.row.name
        )
    } else {
        format!(
            "{} {verb} {}'s request to join {}",
            actor.handle, row.handle, loaded.row.name
        )
    };
    let object = ObjectRef::new("weft:JoinRequest", id, None);
    // An approval is the group's news; a refusal is only the asker's.
    let new = if approve {
        in_group(kind, actor, object, &loaded.row)
    } else {
        NewActivity::new(
            kind,
            Some(actor.account),
            object,
            Audience::Accounts {
                group: Some(loaded.row.id),
                accounts: vec![row.account_id],
            },
        )
    }
    .target(group_ref(&loaded.row))
    .notify([row.account_id], "join_request_decided")
    .summary(summary);
    log(k, &mut tx, new).await?;
    tx.commit().await?;
    Ok(join_request_of(row))
}
