//! Payments between members: a payment posted at once, or — when the payee asked to confirm
//! what they receive — a pending transfer the credit tool holds until the payee accepts
//! (posted) or declines (voided); and payment requests, which the payer pays or declines
//! from the notification.

use kernel::activity::{self, Audience, NewActivity, ObjectRef};
use kernel::error::Validation;
use kernel::groups::access::load;
use kernel::people::{Actor, Scope};
use kernel::policy::Action;
use kernel::{Error, Kernel, Result, Timestamp};
use ledger::{Ledger, NewTransfer, OwnerKind, PostPending};

use crate::model::*;
use crate::money::{self, decimal};
use crate::store::{self, ConfirmationRow, RequestRow};

/// How long a payment waits for its payee before the ledger releases it.
const CONFIRM_WITHIN_S: u64 = 30 * 86_400;

pub async fn preferences(k: &Kernel, actor: &Actor) -> Result<Preferences> {
    actor.require(Scope::LedgerRead)?;
    Ok(Preferences {
        confirm_incoming: store::confirms_incoming(&k.db, actor.account).await?,
    })
}

pub async fn set_preferences(k: &Kernel, actor: &Actor, p: Preferences) -> Result<Preferences> {
    actor.require(Scope::LedgerWrite)?;
    // The choice holds in every group: a token limited to one may not make it.
    if kernel::policy::confined_to(Some(actor)).is_some() {
        return Err(Error::Forbidden(
            "this token is limited to one group; this choice holds in all of them".into(),
        ));
    }
    let mut tx = k.db.begin().await?;
    store::set_preferences(&mut tx, actor.account, p.confirm_incoming).await?;
    tx.commit().await?;
    Ok(p)
}

/// Pays from one's own account. When the payee confirms what they receive, the money is
/// reserved until they accept.
pub async fn pay(
    ledger: &Ledger,
    actor: &Actor,
    input: NewPayment,
    key: Option<&str>,
) -> Result<(Payment, bool)> {
    let k = ledger.kernel();
    actor.require(Scope::LedgerWrite)?;
    let payee = ledger::store::account(&k.db, input.to)
        .await?
        .and_then(|a| {
            a.owner_id
                .filter(|_| a.owner_kind == OwnerKind::Member.as_str())
        });
    let confirm = match payee {
        Some(p) if p != actor.account => store::confirms_incoming(&k.db, p).await?,
        _ => false,
    };
    let key = money::client_key(key)?.map(|c| format!("credit-payment-{c}"));
    let transfer = NewTransfer {
        from: input.from,
        to: input.to,
        amount: input.amount,
        memo: input.memo,
        pending: confirm,
        timeout_s: confirm.then_some(CONFIRM_WITHIN_S),
    };
    if !confirm {
        let (t, replayed) =
            ledger::service::transfer(ledger, actor, transfer, key.as_deref()).await?;
        return Ok((
            Payment {
                transfer: t,
                awaiting_payee: false,
            },
            replayed,
        ));
    }
    let (t, replayed) =
        ledger::service::transfer_for_tool(ledger, TOOL, actor, transfer, key.as_deref()).await?;
    let mut tx = k.db.begin().await?;
    store::insert_confirmation(
        &mut tx,
        &ConfirmationRow {
            transfer_id: t.id,
            payer: actor.account,
            payee: payee.ok_or(Error::internal("checked above"))?,
            state: "pending".into(),
            created_at: k.now().0,
        },
    )
    .await?;
    tx.commit().await?;
    Ok((
        Payment {
            transfer: t,
            awaiting_payee: true,
        },
        replayed,
    ))
}

/// The payee accepts (`accept`) or declines a payment waiting for them; the payer may
/// withdraw it (decline) while it waits.
pub async fn answer(
    ledger: &Ledger,
    actor: &Actor,
    transfer: TransferId,
    accept: bool,
) -> Result<Payment> {
    let k = ledger.kernel();
    actor.require(Scope::LedgerWrite)?;
    let c = store::confirmation(&k.db, transfer)
        .await?
        .filter(|c| c.payee == actor.account || c.payer == actor.account)
        .ok_or(Error::NotFound("payment"))?;
    if !within_reach(k, actor, transfer).await? {
        return Err(Error::NotFound("payment"));
    }
    if accept && c.payee != actor.account {
        return Err(Error::Forbidden("only the payee accepts a payment".into()));
    }
    if c.state != "pending" {
        return Err(Error::conflict(
            "payment",
            format!("this payment is {} already", c.state),
        ));
    }
    let t = ledger::service::end_pending_for_tool(
        ledger,
        TOOL,
        actor,
        transfer,
        accept.then_some(PostPending { amount: None }),
    )
    .await?;
    let mut tx = k.db.begin().await?;
    store::set_confirmation(
        &mut tx,
        transfer,
        if accept { "accepted" } else { "declined" },
    )
    .await?;
    tx.commit().await?;
    Ok(Payment {
        transfer: t,
        awaiting_payee: false,
    })
}

/// Whether a token limited to one group may see this payment (its currency is that
/// group's); any other credential may.
async fn within_reach(k: &Kernel, actor: &Actor, transfer: TransferId) -> Result<bool> {
    let Some(only) = kernel::policy::confined_to(Some(actor)) else {
        return Ok(true);
    };
    let Some(row) = ledger::store::transfer(&k.db, transfer).await? else {
        return Ok(false);
    };
    Ok(ledger::store::currency(&k.db, row.currency_id)
        .await?
        .is_some_and(|c| c.group_id == only))
}

/// Payments waiting for the caller to accept them, or that the caller made and wait.
pub async fn waiting(
    k: &Kernel,
    actor: &Actor,
) -> Result<Vec<(ConfirmationRow, ledger::Transfer)>> {
    actor.require(Scope::LedgerRead)?;
    let mut out = Vec::new();
    for c in store::open_confirmations(&k.db, actor.account).await? {
        if !within_reach(k, actor, c.transfer_id).await? {
            continue;
        }
        let t = ledger::service::transfer_as_tool(k, c.transfer_id).await?;
        if t.state == ledger::TransferState::Pending {
            out.push((c, t));
        }
    }
    Ok(out)
}

// Payment requests.

pub async fn request(
    ledger: &Ledger,
    actor: &Actor,
    input: NewPaymentRequest,
) -> Result<PaymentRequest> {
    let k = ledger.kernel();
    // Asking moves no money yet, but writes: a token that may only read cannot, nor an
    // outside tool (it acts in its group, for nobody's account).
    actor.require(Scope::LedgerWrite)?;
    if actor.is_tool() {
        return Err(Error::Forbidden(
            "an outside tool does not ask for payments into a person's account".into(),
        ));
    }
    let mut v = Validation::new();
    let to = ledger::store::account_with_currency(&k.db, input.to).await?;
    let Some((to, currency)) = to.filter(|(a, _)| a.owner_id == Some(actor.account)) else {
        return Err(Error::invalid("to", "one of your own accounts"));
    };
    let group = load(k, Some(actor), &currency.group_id.to_string()).await?;
    group.authorize(Some(actor), Action::AskMoney)?;
    let from_key = input.from.trim();
    let from = match from_key.parse::<AccountId>() {
        Ok(id) => ledger::store::account(&k.db, id).await?,
        Err(_) => match money::member(k, &group, from_key).await? {
            Some(person) => ledger::store::member_account(&k.db, person, currency.id).await?,
            None => None,
        },
    };
    let from = match from {
        Some(a) if a.currency_id != currency.id => {
            v.push("from", "this account holds another currency than yours");
            None
        }
        Some(a) if a.owner_kind != OwnerKind::Member.as_str() || a.owner_id.is_none() => {
            v.push(
                "from",
                "ask a member: the group's accounts pay by their own rules",
            );
            None
        }
        Some(a) if a.owner_id == Some(actor.account) => {
            v.push("from", "ask someone else than yourself");
            None
        }
        Some(a) => Some(a),
        None => {
            v.push(
                "from",
                format!(
                    "no member of the group with an account in {}",
                    currency.code
                ),
            );
            None
        }
    };
    let amount = money::units(&mut v, "amount", &input.amount, currency.scale());
    let memo = money::text(&mut v, "memo", &input.memo, 1, 500);
    v.finish()?;
    let from = from.ok_or(Error::internal("checked above"))?;
    let payer = from.owner_id.ok_or(Error::internal("checked above"))?;
    let row = RequestRow {
        id: RequestId::new(),
        currency_id: currency.id,
        group_id: currency.group_id,
        from_account: from.id,
        to_account: to.id,
        payer,
        requester: actor.account,
        amount: amount.ok_or(Error::internal("checked above"))?,
        memo,
        state: RequestState::Open.as_str().into(),
        transfer_id: None,
        created_at: k.now().0,
        ended_at: None,
    };
    let mut tx = k.db.begin().await?;
    store::insert_request(&mut tx, &row).await?;
    let mut new = NewActivity::new(
        "weft:PaymentRequest",
        Some(actor.account),
        ObjectRef::new("weft:PaymentRequest", row.id, Some(&row.memo)),
        Audience::Accounts {
            group: Some(currency.group_id),
            accounts: vec![actor.account, payer],
        },
    )
    .tool(TOOL)
    .summary(format!(
        "{} asks you to pay {} {}: {}",
        actor.handle,
        decimal(row.amount, currency.scale()).0,
        currency.code,
        row.memo
    ))
    .extra(serde_json::json!({"payment_request": row.id}))
    .notify([payer], "payment_requested");
    new.url = Some("/credit/requests".into());
    activity::record(&mut tx, k.now(), new).await?;
    tx.commit().await?;
    view(k, row).await
}

async fn view(k: &Kernel, row: RequestRow) -> Result<PaymentRequest> {
    let currency = money::currency(k, row.currency_id).await?;
    let people = money::people(k, &[row.payer, row.requester]).await?;
    Ok(PaymentRequest {
        id: row.id,
        currency: row.currency_id,
        currency_code: currency.code.clone(),
        from: row.from_account,
        to: row.to_account,
        payer: money::person(&people, row.payer),
        requester: money::person(&people, row.requester),
        amount: decimal(row.amount, currency.scale()).0,
        memo: row.memo,
        state: row.state.parse().unwrap_or(RequestState::Open),
        transfer: row.transfer_id,
        created_at: Timestamp(row.created_at),
    })
}

/// The caller's requests, made and received, newest first.
pub async fn requests(k: &Kernel, actor: &Actor) -> Result<Vec<PaymentRequest>> {
    actor.require(Scope::LedgerRead)?;
    let only = kernel::policy::confined_to(Some(actor));
    let mut out = Vec::new();
    for row in store::requests_of(&k.db, actor.account, 200).await? {
        if only.is_none_or(|g| g == row.group_id) {
            out.push(view(k, row).await?);
        }
    }
    Ok(out)
}

/// A request, for its two sides (others hear "not found").
async fn find(k: &Kernel, actor: &Actor, id: RequestId) -> Result<RequestRow> {
    let row = store::request(&k.db, id)
        .await?
        .filter(|r| r.payer == actor.account || r.requester == actor.account)
        .ok_or(Error::NotFound("payment request"))?;
    if kernel::policy::confined_to(Some(actor)).is_some_and(|g| g != row.group_id) {
        return Err(Error::NotFound("payment request"));
    }
    Ok(row)
}

pub async fn get(k: &Kernel, actor: &Actor, id: RequestId) -> Result<PaymentRequest> {
    actor.require(Scope::LedgerRead)?;
    view(k, find(k, actor, id).await?).await
}

/// The payer pays a request: a transfer from their account, once.
pub async fn pay_request(
    ledger: &Ledger,
    actor: &Actor,
    id: RequestId,
    key: Option<&str>,
) -> Result<(PaymentRequest, bool)> {
    let k = ledger.kernel();
    actor.require(Scope::LedgerWrite)?;
    let row = find(k, actor, id).await?;
    if row.payer != actor.account {
        return Err(Error::Forbidden("only who is asked pays a request".into()));
    }
    money::client_key(key)?;
    match row.state.parse().unwrap_or(RequestState::Open) {
        RequestState::Open => {}
        RequestState::Paid if key.is_some() => return Ok((view(k, row).await?, true)),
        other => {
            return Err(Error::conflict(
                "payment request",
                format!("this request is {} already", other.as_str()),
            ));
        }
    }
    let mut tx = k.db.begin().await?;
    if !store::set_request(
        &mut tx,
        id,
        RequestState::Open,
        RequestState::Paying,
        None,
        None,
    )
    .await?
    {
        return Err(Error::conflict(
            "payment request",
            "this request is being paid already",
        ));
    }
    tx.commit().await?;
    let currency = money::currency(k, row.currency_id).await?;
    let made = ledger::service::transfer(
        ledger,
        actor,
        NewTransfer {
            from: row.from_account,
            to: row.to_account,
            amount: decimal(row.amount, currency.scale()),
            memo: Some(row.memo.clone()),
            pending: false,
            timeout_s: None,
        },
        Some(&format!("credit-request-{id}")),
    )
    .await;
    let mut tx = k.db.begin().await?;
    match &made {
        Ok((t, _)) => {
            store::set_request(
                &mut tx,
                id,
                RequestState::Paying,
                RequestState::Paid,
                Some(t.id),
                Some(k.now().0),
            )
            .await?
        }
        Err(_) => {
            store::set_request(
                &mut tx,
                id,
                RequestState::Paying,
                RequestState::Open,
                None,
                None,
            )
            .await?
        }
    };
    tx.commit().await?;
    made?;
    Ok((get(k, actor, id).await?, false))
}

/// The payer declines a request, or who asked cancels it.
pub async fn decline_request(k: &Kernel, actor: &Actor, id: RequestId) -> Result<PaymentRequest> {
    actor.require(Scope::LedgerWrite)?;
    let row = find(k, actor, id).await?;
    let to = if row.payer == actor.account {
        RequestState::Declined
    } else {
        RequestState::Cancelled
    };
    let mut tx = k.db.begin().await?;
    if !store::set_request(&mut tx, id, RequestState::Open, to, None, Some(k.now().0)).await? {
        return Err(Error::conflict(
            "payment request",
            format!("this request is {} already", row.state),
        ));
    }
    if to == RequestState::Declined {
        let currency = money::currency(k, row.currency_id).await?;
        let new = NewActivity::new(
            "Reject",
            Some(actor.account),
            ObjectRef::new("weft:PaymentRequest", row.id, Some(&row.memo)),
            Audience::Accounts {
                group: Some(row.group_id),
                accounts: vec![row.payer, row.requester],
            },
        )
        .tool(TOOL)
        .summary(format!(
            "{} declined to pay {} {}: {}",
            actor.handle,
            decimal(row.amount, currency.scale()).0,
            currency.code,
            row.memo
        ))
        .notify([row.requester], "payment_request_declined");
        activity::record(&mut tx, k.now(), new).await?;
    }
    tx.commit().await?;
    get(k, actor, id).await
}

/// Takes up the requests a stopped process left while paying them.
pub async fn finish(k: &Kernel) -> Result<()> {
    for row in store::paying_requests(&k.db).await? {
        let made = money::made_under(k, row.payer, &format!("credit-request-{}", row.id)).await?;
        let mut tx = k.db.begin().await?;
        match made {
            Some(t) => {
                store::set_request(
                    &mut tx,
                    row.id,
                    RequestState::Paying,
                    RequestState::Paid,
                    Some(t),
                    Some(k.now().0),
                )
                .await?
            }
            None => {
                store::set_request(
                    &mut tx,
                    row.id,
                    RequestState::Paying,
                    RequestState::Open,
                    None,
                    None,
                )
                .await?
            }
        };
        tx.commit().await?;
    }
    Ok(())
}
