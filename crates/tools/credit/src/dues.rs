//! Dues (DESIGN function 14): a schedule says who owes how much of which currency how often,
//! and which pool it feeds. A durable job on the kernel's clock creates each cycle's
//! obligations a few days before they fall due (and tells each member), then reminds whoever
//! has not paid a few days after. A member pays by a transfer to the pool; who manages the
//! money may mark an obligation paid outside Weft, which posts a deposit into the pool.

use std::sync::Arc;

use chrono::{Days, Months};
use futures::future::BoxFuture;
use kernel::activity::{self, Audience, NewActivity, ObjectRef};
use kernel::error::Validation;
use kernel::groups::access::load;
use kernel::jobs::{Job, JobHandler, NewJob};
use kernel::people::Actor;
use kernel::policy::Action;
use kernel::{Error, Kernel, Result, Timestamp};
use ledger::{Ledger, NewTransfer};

use crate::model::*;
use crate::money::{self, decimal};
use crate::pools;
use crate::store::{self, DuesRow, ObligationRow};

/// The due date after `at`.
fn next(at: i64, interval: Interval) -> i64 {
    let t = Timestamp(at).to_datetime();
    let n = match interval {
        Interval::Weekly => t.checked_add_days(Days::new(7)),
        Interval::Monthly => t.checked_add_months(Months::new(1)),
        Interval::Yearly => t.checked_add_months(Months::new(12)),
    };
    n.map_or(i64::MAX, |n| Timestamp::from_datetime(n).0)
}

fn interval(row: &DuesRow) -> Interval {
    row.interval.parse().unwrap_or(Interval::Monthly)
}

/// The job creating the obligations due at `due_at`, run `NOTICE_DAYS` before.
fn cycle_job(dues: DuesId, due_at: i64) -> NewJob {
    NewJob::new(
        DUES_JOB,
        serde_json::json!({"dues": dues, "due_at": due_at}),
    )
    .at(Timestamp(due_at).plus_seconds(-NOTICE_DAYS * 86_400))
    .unique(format!("credit-dues-{dues}-{due_at}"))
}

pub async fn create(
    ledger: &Ledger,
    actor: &Actor,
    group_key: &str,
    input: NewDues,
) -> Result<Dues> {
    let k = ledger.kernel();
    let group = load(k, Some(actor), group_key).await?;
    group.authorize(Some(actor), Action::ManageMoney)?;
    let mut v = Validation::new();
    let name = money::text(&mut v, "name", &input.name, 1, 100);
    let currency = money::currency_of_group(k, group.row.id, &input.currency).await?;
    let amount = match &currency {
        None => {
            v.push("currency", "no such currency in this group");
            None
        }
        Some(c) if c.kind == ledger::CurrencyKind::Shares.as_str() => {
            v.push(
                "currency",
                "dues are paid in mutual credit or tracked money, not shares",
            );
            None
        }
        Some(c) => money::units(&mut v, "amount", &input.amount, c.scale()),
    };
    if input.starts_at.0 < k.now().plus_seconds(-366 * 86_400).0 {
        v.push("starts_at", "at most a year ago");
    }
    let roles = match &input.roles {
        None => None,
        Some(r) if r.is_empty() => {
            v.push(
                "roles",
                "name at least one role, or leave roles out for every member",
            );
            None
        }
        Some(r) => {
            let known: Vec<String> = ["owner", "admin", "member"]
                .into_iter()
                .map(String::from)
                .chain(
                    kernel::groups::service::roles(k, Some(actor), &group.row.id.to_string())
                        .await?
                        .into_iter()
                        .map(|r| r.name),
                )
                .collect();
            for role in r {
                if !known.contains(role) {
                    v.push("roles", format!("the group has no role {role}"));
                }
            }
            Some(r.clone())
        }
    };
    let pool = match (&input.pool, &currency) {
        (Some(key), Some(c)) => match key.parse::<PoolId>().ok() {
            Some(id) => match store::pool(&k.db, id).await? {
                Some(p) if p.group_id != group.row.id => {
                    v.push("pool", "no such pool in this group");
                    None
                }
                Some(p) if p.currency_id != c.id => {
                    v.push("pool", "this pool holds another currency than the dues");
                    None
                }
                Some(p) => Some(p.id),
                None => {
                    v.push("pool", "no such pool in this group");
                    None
                }
            },
            None => {
                v.push("pool", "a pool's id");
                None
            }
        },
        _ => None,
    };
    v.finish()?;
    let currency = currency.ok_or(Error::internal("checked above"))?;
    let pool = match pool {
        Some(p) => p,
        None => {
            pools::create(
                ledger,
                actor,
                &group.row.id.to_string(),
                NewPool {
                    name: name.clone(),
                    currency: currency.id.to_string(),
                    rule: Rule::Admins,
                    approvers: Vec::new(),
                    required: None,
                    description: format!("Fed by the dues {name}"),
                    pass_rule: None,
                    budget: Default::default(),
                },
            )
            .await?
            .id
        }
    };
    let row = DuesRow {
        id: DuesId::new(),
        group_id: group.row.id,
        currency_id: currency.id,
        pool_id: pool,
        name,
        amount: amount.ok_or(Error::internal("checked above"))?,
        interval: input.interval.as_str().into(),
        starts_at: input.starts_at.0,
        roles: serde_json::to_string(&roles).unwrap_or_else(|_| "null".into()),
        next_due_at: input.starts_at.0,
        cycles: 0,
        created_by: Some(actor.account),
        created_at: k.now().0,
    };
    let mut tx = k.db.begin().await?;
    store::insert_dues(&mut tx, &row).await?;
    kernel::jobs::enqueue(&mut tx, k.now(), cycle_job(row.id, row.next_due_at)).await?;
    activity::record(
        &mut tx,
        k.now(),
        NewActivity::new(
            "Create",
            Some(actor.account),
            ObjectRef::new("weft:Dues", row.id, Some(&row.name)),
            Audience::Group(group.row.id),
        )
        .tool(TOOL)
        .summary(format!(
            "{} set dues {}: {} {} {}",
            actor.handle,
            row.name,
            decimal(row.amount, currency.scale()).0,
            currency.code,
            row.interval
        )),
    )
    .await?;
    tx.commit().await?;
    Ok(view(&row, &currency))
}

fn view(row: &DuesRow, currency: &ledger::store::CurrencyRow) -> Dues {
    Dues {
        id: row.id,
        group: row.group_id,
        name: row.name.clone(),
        currency: row.currency_id,
        currency_code: currency.code.clone(),
        amount: decimal(row.amount, currency.scale()).0,
        interval: interval(row),
        starts_at: Timestamp(row.starts_at),
        roles: serde_json::from_str(&row.roles).unwrap_or(None),
        pool: row.pool_id,
        next_due_at: Timestamp(row.next_due_at),
        created_at: Timestamp(row.created_at),
    }
}

pub async fn list(k: &Kernel, actor: &Actor, group_key: &str) -> Result<Vec<Dues>> {
    let group = load(k, Some(actor), group_key).await?;
    group.authorize(Some(actor), Action::UseMoney)?;
    let mut out = Vec::new();
    for row in store::dues_of_group(&k.db, group.row.id).await? {
        let currency = money::currency(k, row.currency_id).await?;
        out.push(view(&row, &currency));
    }
    Ok(out)
}

/// A schedule for a member of its group, and whether they see everyone's obligations (who
/// audits the money) or their own.
async fn find(
    k: &Kernel,
    actor: &Actor,
    id: DuesId,
) -> Result<(DuesRow, kernel::groups::access::Loaded, bool)> {
    let row = store::dues(&k.db, id)
        .await?
        .ok_or(Error::NotFound("dues"))?;
    let group = load(k, Some(actor), &row.group_id.to_string())
        .await
        .map_err(Error::hidden_as("dues"))?;
    group
        .authorize(Some(actor), Action::UseMoney)
        .map_err(Error::hidden_as("dues"))?;
    let all = group.authorize(Some(actor), Action::AuditMoney).is_ok();
    Ok((row, group, all))
}

/// A schedule's obligations, latest first: all of them for who audits the money, one's own
/// for other members.
pub async fn obligations(k: &Kernel, actor: &Actor, id: DuesId) -> Result<Vec<Obligation>> {
    let (_, _, all) = find(k, actor, id).await?;
    let rows = store::obligations_of_dues(&k.db, id, (!all).then_some(actor.account), 1000).await?;
    views(k, &rows).await
}

/// A group's arrears: unpaid obligations past their due date (everyone's for who audits the
/// money, one's own for other members).
pub async fn arrears(k: &Kernel, actor: &Actor, group_key: &str) -> Result<Vec<Obligation>> {
    let group = load(k, Some(actor), group_key).await?;
    group.authorize(Some(actor), Action::UseMoney)?;
    let all = group.authorize(Some(actor), Action::AuditMoney).is_ok();
    let rows = store::unpaid_of_group(
        &k.db,
        group.row.id,
        k.now().0,
        (!all).then_some(actor.account),
    )
    .await?;
    views(k, &rows).await
}

/// What the caller owes, in every group.
pub async fn mine(k: &Kernel, actor: &Actor) -> Result<Vec<Obligation>> {
    actor.require(kernel::people::Scope::LedgerRead)?;
    let rows = store::open_obligations_of(&k.db, actor.account).await?;
    let only = kernel::policy::confined_to(Some(actor));
    let rows: Vec<ObligationRow> = rows
        .into_iter()
        .filter(|r| only.is_none_or(|g| g == r.group_id))
        .collect();
    views(k, &rows).await
}

async fn views(k: &Kernel, rows: &[ObligationRow]) -> Result<Vec<Obligation>> {
    let mut ids: Vec<PersonId> = rows.iter().map(|r| r.account_id).collect();
    ids.extend(rows.iter().filter_map(|r| r.paid_by));
    let people = money::people(k, &ids).await?;
    let now = k.now().0;
    let mut schedules: std::collections::HashMap<DuesId, (DuesRow, ledger::store::CurrencyRow)> =
        Default::default();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        if let std::collections::hash_map::Entry::Vacant(e) = schedules.entry(r.dues_id) {
            let d = store::dues(&k.db, r.dues_id)
                .await?
                .ok_or(Error::internal("an obligation without its dues"))?;
            let c = money::currency(k, d.currency_id).await?;
            e.insert((d, c));
        }
        let (d, c) = &schedules[&r.dues_id];
        let state: ObligationState = r.state.parse().unwrap_or(ObligationState::Open);
        out.push(Obligation {
            id: r.id,
            dues: r.dues_id,
            dues_name: d.name.clone(),
            member: money::person(&people, r.account_id),
            amount: decimal(r.amount, c.scale()).0,
            currency_code: c.code.clone(),
            due_at: Timestamp(r.due_at),
            state,
            overdue: state != ObligationState::Paid && r.due_at < now,
            transfer: r.transfer_id,
            paid_at: r.paid_at.map(Timestamp),
            paid_by: r.paid_by.map(|p| money::person(&people, p)),
            note: r.note.clone(),
        });
    }
    Ok(out)
}

async fn obligation_for(
    k: &Kernel,
    actor: &Actor,
    id: ObligationId,
) -> Result<(ObligationRow, DuesRow, kernel::groups::access::Loaded)> {
    let row = store::obligation(&k.db, id)
        .await?
        .ok_or(Error::NotFound("obligation"))?;
    let (dues, group, all) = find(k, actor, row.dues_id)
        .await
        .map_err(Error::hidden_as("obligation"))?;
    if !all && row.account_id != actor.account {
        return Err(Error::NotFound("obligation"));
    }
    Ok((row, dues, group))
}

async fn answer(k: &Kernel, id: ObligationId) -> Result<Obligation> {
    let row = store::obligation(&k.db, id)
        .await?
        .ok_or(Error::NotFound("obligation"))?;
    views(k, &[row])
        .await?
        .pop()
        .ok_or(Error::internal("an obligation vanished"))
}

/// Pays one's own obligation by a transfer from one's account to the schedule's pool.
pub async fn pay(
    ledger: &Ledger,
    actor: &Actor,
    id: ObligationId,
    key: Option<&str>,
) -> Result<(Obligation, bool)> {
    let k = ledger.kernel();
    actor.require(kernel::people::Scope::LedgerWrite)?;
    let (row, dues, _) = obligation_for(k, actor, id).await?;
    if row.account_id != actor.account {
        return Err(Error::Forbidden(
            "only the member who owes it pays an obligation; who manages the money marks it paid"
                .into(),
        ));
    }
    actor.require(kernel::people::Scope::LedgerWrite)?;
    money::client_key(key)?;
    match row.state.parse().unwrap_or(ObligationState::Open) {
        ObligationState::Open => {}
        ObligationState::Paid if key.is_some() => return Ok((answer(k, id).await?, true)),
        _ => {
            return Err(Error::conflict(
                "obligation",
                format!("this obligation is {} already", row.state),
            ));
        }
    }
    let currency = money::currency(k, dues.currency_id).await?;
    let from = ledger::store::member_account(&k.db, actor.account, currency.id)
        .await?
        .ok_or_else(|| {
            Error::conflict(
                "obligation",
                format!("open an account in {} to pay from", currency.code),
            )
        })?;
    let pool = store::pool(&k.db, dues.pool_id)
        .await?
        .ok_or(Error::internal("dues without their pool"))?;
    let ledger_key = format!("credit-obligation-{id}");
    intend(k, id, &ledger_key, actor.account, None).await?;
    let made = ledger::service::transfer_for_tool(
        ledger,
        TOOL,
        actor,
        NewTransfer {
            from: from.id,
            to: pool.account_id,
            amount: decimal(row.amount, currency.scale()),
            memo: Some(format!("Dues: {}", dues.name)),
            pending: false,
            timeout_s: None,
        },
        Some(&ledger_key),
    )
    .await;
    record(k, id, &made).await?;
    made?;
    Ok((answer(k, id).await?, false))
}

/// Marks an obligation paid outside Weft, with a note: who manages the group's money. The
/// money that came in is recorded as a deposit into the schedule's pool.
pub async fn mark_paid(
    ledger: &Ledger,
    actor: &Actor,
    id: ObligationId,
    note: Note,
    key: Option<&str>,
) -> Result<(Obligation, bool)> {
    let k = ledger.kernel();
    let (row, dues, group) = obligation_for(k, actor, id).await?;
    group.authorize(Some(actor), Action::ManageMoney)?;
    money::client_key(key)?;
    let note = note.note.as_deref().map(str::trim).unwrap_or("");
    if note.is_empty() || note.chars().count() > 500 {
        return Err(Error::invalid(
            "note",
            "say how it was paid (1 to 500 characters)",
        ));
    }
    match row.state.parse().unwrap_or(ObligationState::Open) {
        ObligationState::Open => {}
        ObligationState::Paid if key.is_some() => return Ok((answer(k, id).await?, true)),
        _ => {
            return Err(Error::conflict(
                "obligation",
                format!("this obligation is {} already", row.state),
            ));
        }
    }
    let pool = store::pool(&k.db, dues.pool_id)
        .await?
        .ok_or(Error::internal("dues without their pool"))?;
    let found = pools::found_for_tool(k, pool).await?;
    let ledger_key = format!("credit-obligation-{id}");
    intend(k, id, &ledger_key, actor.account, Some(note)).await?;
    let people = money::people(k, &[row.account_id]).await?;
    let memo = format!(
        "{} paid outside Weft for {}: {note}",
        money::person(&people, row.account_id).handle,
        dues.name
    );
    let made =
        pools::deposit_into(ledger, actor, &found, row.amount, &memo, Some(&ledger_key)).await;
    record(k, id, &made).await?;
    made?;
    Ok((answer(k, id).await?, false))
}

/// Writes the intent to pay obligation `id` (by `by`, under `key`): refused (409) when it is
/// paid or being paid.
async fn intend(
    k: &Kernel,
    id: ObligationId,
    key: &str,
    by: PersonId,
    note: Option<&str>,
) -> Result<()> {
    let mut tx = k.db.begin().await?;
    if !store::intend_payment(&mut tx, id, key, by, note).await? {
        return Err(Error::conflict(
            "obligation",
            "this obligation is paid or being paid already",
        ));
    }
    tx.commit().await
}

/// Records how the ledger answered a payment of obligation `id`: paid, or open again.
async fn record(
    k: &Kernel,
    id: ObligationId,
    made: &Result<(ledger::Transfer, bool)>,
) -> Result<()> {
    let mut tx = k.db.begin().await?;
    match made {
        Ok((t, _)) => store::record_payment(&mut tx, id, t.id, k.now().0).await?,
        Err(_) => store::reopen(&mut tx, id).await?,
    };
    tx.commit().await
}

/// Takes up the payments of obligations a stopped process left: paid when the ledger made
/// the transfer under the obligation's key for who was paying, open again when it did not.
pub async fn finish(k: &Kernel) -> Result<()> {
    for row in store::paying_obligations(&k.db).await? {
        let (Some(key), Some(by)) = (row.ledger_key.as_deref(), row.paid_by) else {
            continue;
        };
        let made = money::made_under(k, by, &ledger::service::tool_key(TOOL, key)).await?;
        let mut tx = k.db.begin().await?;
        match made {
            Some(t) => store::record_payment(&mut tx, row.id, t, k.now().0).await?,
            None => store::reopen(&mut tx, row.id).await?,
        };
        tx.commit().await?;
    }
    Ok(())
}

/// Creates the obligations due at `due_at` (if the schedule still waits for them), tells
/// each member, and plans the overdue reminder and the next cycle — in one transaction.
pub async fn run_cycle(k: &Kernel, id: DuesId, due_at: i64) -> Result<()> {
    let Some(dues) = store::dues(&k.db, id).await? else {
        return Ok(());
    };
    if dues.next_due_at != due_at {
        return Ok(());
    }
    let now = k.now();
    let roles: Option<Vec<String>> = serde_json::from_str(&dues.roles).unwrap_or(None);
    let members: Vec<PersonId> = kernel::groups::access::roster(k, dues.group_id)
        .await?
        .into_iter()
        .filter(|m| roles.as_ref().is_none_or(|r| r.contains(&m.role)))
        .map(|m| m.id)
        .collect();
    let currency = money::currency(k, dues.currency_id).await?;
    let rows: Vec<ObligationRow> = members
        .iter()
        .map(|m| ObligationRow {
            id: ObligationId::new(),
            dues_id: id,
            group_id: dues.group_id,
            account_id: *m,
            due_at,
            amount: dues.amount,
            state: ObligationState::Open.as_str().into(),
            ledger_key: None,
            transfer_id: None,
            paid_at: None,
            paid_by: None,
            note: None,
            created_at: now.0,
        })
        .collect();
    let following = next(due_at, interval(&dues));
    let mut tx = k.db.begin().await?;
    if !store::advance_dues(&mut tx, id, due_at, following).await? {
        return Ok(());
    }
    store::insert_obligations(&mut tx, &rows).await?;
    let due_day = Timestamp(due_at).to_datetime().format("%Y-%m-%d");
    let mut new = NewActivity::new(
        "weft:Due",
        None,
        ObjectRef::new("weft:Dues", id, Some(&dues.name)),
        Audience::Accounts {
            group: Some(dues.group_id),
            accounts: members.clone(),
        },
    )
    .tool(TOOL)
    .summary(format!(
        "Dues {}: {} {} due on {due_day}",
        dues.name,
        decimal(dues.amount, currency.scale()).0,
        currency.code
    ))
    .notify(members, "dues_due");
    new.url = Some("/credit/dues".into());
    activity::record(&mut tx, now, new).await?;
    kernel::jobs::enqueue(
        &mut tx,
        now,
        NewJob::new(
            OVERDUE_JOB,
            serde_json::json!({"dues": id, "due_at": due_at}),
        )
        .at(Timestamp(due_at).plus_seconds(GRACE_DAYS * 86_400))
        .unique(format!("credit-overdue-{id}-{due_at}")),
    )
    .await?;
    kernel::jobs::enqueue(&mut tx, now, cycle_job(id, following)).await?;
    tx.commit().await
}

/// Reminds whoever has not paid the obligations due at `due_at`.
pub async fn remind_overdue(k: &Kernel, id: DuesId, due_at: i64) -> Result<()> {
    let Some(dues) = store::dues(&k.db, id).await? else {
        return Ok(());
    };
    let unpaid: Vec<PersonId> = store::unpaid_of_cycle(&k.db, id, due_at)
        .await?
        .into_iter()
        .map(|o| o.account_id)
        .collect();
    if unpaid.is_empty() {
        return Ok(());
    }
    let currency = money::currency(k, dues.currency_id).await?;
    let mut tx = k.db.begin().await?;
    let mut new = NewActivity::new(
        "weft:Overdue",
        None,
        ObjectRef::new("weft:Dues", id, Some(&dues.name)),
        Audience::Accounts {
            group: Some(dues.group_id),
            accounts: unpaid.clone(),
        },
    )
    .tool(TOOL)
    .summary(format!(
        "Dues {} are overdue: {} {} since {}",
        dues.name,
        decimal(dues.amount, currency.scale()).0,
        currency.code,
        Timestamp(due_at).to_datetime().format("%Y-%m-%d")
    ))
    .notify(unpaid, "dues_overdue");
    new.url = Some("/credit/dues".into());
    activity::record(&mut tx, k.now(), new).await?;
    tx.commit().await
}

fn payload(job: &Job) -> std::result::Result<(DuesId, i64), String> {
    let dues: DuesId = serde_json::from_value(job.payload["dues"].clone())
        .map_err(|e| format!("a dues job without its schedule: {e}"))?;
    let due_at = job.payload["due_at"]
        .as_i64()
        .ok_or("a dues job without its due date")?;
    Ok((dues, due_at))
}

/// The job creating a cycle's obligations.
pub struct Cycle;

impl JobHandler for Cycle {
    fn kind(&self) -> &'static str {
        DUES_JOB
    }

    fn run(&self, k: Arc<Kernel>, job: Job) -> BoxFuture<'static, std::result::Result<(), String>> {
        Box::pin(async move {
            let (dues, due_at) = payload(&job)?;
            run_cycle(&k, dues, due_at).await.map_err(|e| e.to_string())
        })
    }
}

/// The job reminding the unpaid after the due date.
pub struct Overdue;

impl JobHandler for Overdue {
    fn kind(&self) -> &'static str {
        OVERDUE_JOB
    }

    fn run(&self, k: Arc<Kernel>, job: Job) -> BoxFuture<'static, std::result::Result<(), String>> {
        Box::pin(async move {
            let (dues, due_at) = payload(&job)?;
            remind_overdue(&k, dues, due_at)
                .await
                .map_err(|e| e.to_string())
        })
    }
}
