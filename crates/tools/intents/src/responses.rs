//! Responses and fulfilment: "I can do this" → the author accepts → a commitment; both sides
//! mark it fulfilled, and the bounty pays whoever fulfilled it, in equal shares.

use kernel::activity;
use kernel::people::Actor;
use kernel::policy::Action;
use kernel::{Error, Kernel, Result};
use ledger::Ledger;

use crate::model::*;
use crate::service::{self, activity, get_intent, handles, intent_for, lock, person, require_live};
use crate::store::{self, IntentRow, ResponseRow};

fn view(
    row: &ResponseRow,
    handles: &std::collections::HashMap<AccountId, String>,
) -> IntentResponse {
    IntentResponse {
        id: row.id,
        intent: row.intent_id,
        responder: person(handles, row.responder_id),
        message: row.message.clone(),
        state: row.state.parse().unwrap_or(ResponseState::Open),
        done: row.done_at.is_some(),
        created_at: kernel::Timestamp(row.created_at).to_rfc3339(),
    }
}

/// Who may read an intent's responses: its author, whoever manages the tool, and each
/// responder their own.
pub async fn list(k: &Kernel, actor: &Actor, id: IntentId) -> Result<ResponseList> {
    let (row, group) = intent_for(k, Some(actor), id).await?;
    let all = row.author_id == actor.account
        || group.authorize(Some(actor), Action::Tool(MANAGE)).is_ok();
    let rows: Vec<ResponseRow> = store::responses_of(&k.db, id)
        .await?
        .into_iter()
        .filter(|r| all || r.responder_id == actor.account)
        .collect();
    let ids: Vec<AccountId> = rows.iter().map(|r| r.responder_id).collect();
    let handles = handles(k, &ids).await?;
    Ok(ResponseList {
        items: rows.iter().map(|r| view(r, &handles)).collect(),
    })
}

/// "I can do this" (or, to an offer, "I would like this"): one response each, not to one's
/// own intent, while it is live.
pub async fn respond(
    k: &Kernel,
    actor: &Actor,
    id: IntentId,
    input: NewResponse,
) -> Result<IntentResponse> {
    let (row, group) = intent_for(k, Some(actor), id).await?;
    group.authorize(Some(actor), Action::ToolUse(TOOL))?;
    let message = input.message.unwrap_or_default().trim().to_string();
    if message.chars().count() > 5_000 {
        return Err(Error::invalid("message", "at most 5000 characters"));
    }
    if row.author_id == actor.account {
        return Err(Error::conflict(
            "intent",
            "this is your own; others respond to it",
        ));
    }
    let now = k.now();
    let mut tx = k.db.begin().await?;
    let row = lock(&mut tx, id).await?;
    require_live(&row)?;
    let response = ResponseRow {
        id: ResponseId::new(),
        intent_id: id,
        responder_id: actor.account,
        message,
        state: ResponseState::Open.as_str().into(),
        done_at: None,
        created_at: now.0,
        decided_at: None,
    };
    if !store::insert_response(&mut tx, &response).await? {
        return Err(Error::conflict(
            "intent",
            "you have responded to this already",
        ));
    }
    let verb = if row.kind == IntentKind::Request.as_str() {
        "can help with"
    } else {
        "would like"
    };
    let mut new = activity("Offer", Some(actor), &row)
        .summary(format!(
            "{} {verb} your {} {}",
            actor.handle, row.kind, row.title
        ))
        .notify([row.author_id], "intent_response");
    new.object = kernel::activity::ObjectRef::new("weft:IntentResponse", response.id, None);
    new.target = Some(service::object(&row));
    activity::record(&mut tx, now, new).await?;
    tx.commit().await?;
    let handles = handles(k, &[actor.account]).await?;
    Ok(view(&response, &handles))
}

async fn response_for(
    k: &Kernel,
    actor: &Actor,
    id: ResponseId,
) -> Result<(ResponseRow, IntentRow)> {
    let response = store::response(&k.db, id)
        .await?
        .ok_or(Error::NotFound("response"))?;
    let (row, group) = intent_for(k, Some(actor), response.intent_id)
        .await
        .map_err(Error::hidden_as("response"))?;
    // Only the author decides on a response (others do not learn more than that).
    if row.author_id != actor.account {
        return Err(Error::Forbidden(
            "only the intent's author accepts or declines a response".into(),
        ));
    }
    group.authorize(Some(actor), Action::ToolUse(TOOL))?;
    Ok((response, row))
}

/// The author accepts a response: a commitment. The intent is `committed` and still takes
/// more (several people may fulfil it together).
pub async fn accept(k: &Kernel, actor: &Actor, id: ResponseId) -> Result<IntentResponse> {
    decide(k, actor, id, ResponseState::Accepted).await
}

pub async fn decline(k: &Kernel, actor: &Actor, id: ResponseId) -> Result<IntentResponse> {
    decide(k, actor, id, ResponseState::Declined).await
}

async fn decide(
    k: &Kernel,
    actor: &Actor,
    id: ResponseId,
    to: ResponseState,
) -> Result<IntentResponse> {
    let (_, row) = response_for(k, actor, id).await?;
    let now = k.now();
    let mut tx = k.db.begin().await?;
    let mut row = lock(&mut tx, row.id).await?;
    require_live(&row)?;
    let mut response = store::responses_in(&mut tx, row.id)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(Error::NotFound("response"))?;
    if response.state != ResponseState::Open.as_str() {
        return Err(Error::conflict(
            "response",
            format!("this response is {} already", response.state),
        ));
    }
    response.state = to.as_str().into();
    response.decided_at = Some(now.0);
    store::save_response(&mut tx, &response).await?;
    if to == ResponseState::Accepted && row.state == IntentState::Open.as_str() {
        row.state = IntentState::Committed.as_str().into();
    }
    row.updated_at = now.0;
    store::save_intent(&mut tx, &row).await?;
    let (kind, reason, verb) = match to {
        ResponseState::Accepted => ("Accept", "response_accepted", "accepted"),
        _ => ("Reject", "response_declined", "declined"),
    };
    let mut new = activity(kind, Some(actor), &row)
        .summary(format!(
            "{} {verb} your response to the {} {}",
            actor.handle, row.kind, row.title
        ))
        .notify([response.responder_id], reason);
    new.object = kernel::activity::ObjectRef::new("weft:IntentResponse", response.id, None);
    new.target = Some(service::object(&row));
    activity::record(&mut tx, now, new).await?;
    tx.commit().await?;
    let handles = handles(k, &[response.responder_id]).await?;
    Ok(view(&response, &handles))
}

/// Marks an intent fulfilled from the caller's side. The author's mark and one from someone
/// whose response was accepted (in either order) fulfil it: the intent closes and its bounty
/// pays, in equal shares, everyone accepted who marked their part done.
pub async fn fulfil(ledger: &Ledger, actor: &Actor, id: IntentId) -> Result<Intent> {
    let k = ledger.kernel();
    let (row, group) = intent_for(k, Some(actor), id).await?;
    group.authorize(Some(actor), Action::ToolUse(TOOL))?;
    let now = k.now();
    let mut tx = k.db.begin().await?;
    let mut row = lock(&mut tx, row.id).await?;
    require_live(&row)?;
    let mut responses = store::responses_in(&mut tx, id).await?;
    let accepted = |r: &ResponseRow| r.state == ResponseState::Accepted.as_str();
    if row.author_id == actor.account {
        if !responses.iter().any(accepted) {
            return Err(Error::conflict(
                "intent",
                "accept a response before you mark it fulfilled",
            ));
        }
        row.author_done_at.get_or_insert(now.0);
    } else {
        let Some(mine) = responses
            .iter_mut()
            .find(|r| r.responder_id == actor.account && accepted(r))
        else {
            return Err(Error::Forbidden(
                "only the author, or someone whose response was accepted, marks it fulfilled"
                    .into(),
            ));
        };
        if mine.done_at.is_none() {
            mine.done_at = Some(now.0);
            store::save_response(&mut tx, mine).await?;
        }
    }
    let done: Vec<AccountId> = responses
        .iter()
        .filter(|r| accepted(r) && r.done_at.is_some())
        .map(|r| r.responder_id)
        .collect();
    row.updated_at = now.0;
    let fulfilled = row.author_done_at.is_some() && !done.is_empty();
    let pays = fulfilled && row.bounty_state.as_deref() == Some(BountyState::Held.as_str());
    if fulfilled {
        service::moving(&mut tx, &row).await?;
        row.state = IntentState::Fulfilled.as_str().into();
        row.closed_at = Some(now.0);
        store::remove_terms(&mut tx, id).await?;
        if pays {
            row.bounty_state = Some(BountyState::Paying.as_str().into());
            row.payees = Some(serde_json::to_string(&done).map_err(Error::internal)?);
        }
    }
    store::save_intent(&mut tx, &row).await?;
    let mut told: Vec<AccountId> = responses
        .iter()
        .filter(|r| accepted(r))
        .map(|r| r.responder_id)
        .collect();
    told.push(row.author_id);
    told.retain(|p| *p != actor.account);
    let new = if fulfilled {
        activity("Complete", Some(actor), &row)
            .summary(format!("The {} {} is fulfilled", row.kind, row.title))
            .notify(told, "intent_fulfilled")
    } else {
        activity("Update", Some(actor), &row)
            .summary(format!(
                "{} marked the {} {} done; it is fulfilled when the other side does too",
                actor.handle, row.kind, row.title
            ))
            .notify(told, "intent_done")
    };
    activity::record(&mut tx, now, new).await?;
    tx.commit().await?;
    if pays && let Err(e) = service::settle_bounty(ledger, id).await {
        // It stays "paying": the tool's sweep asks the ledger again (under the same key).
        tracing::warn!(intent = %id, error = %e, "a fulfilled request's bounty could not be paid yet");
    }
    get_intent(k, Some(actor), id).await
}
