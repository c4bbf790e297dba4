//! Expense claims (Open Collective style): a member asks a pool to pay back what they spent,
//! with receipts (the kernel's files, attached to the claim and read only by who may see the
//! pool). A claim is approved by the pool's rule — never by its claimant — and then paid
//! from the pool to the claimant's account on the ledger, as a spend of the pool.

use futures::future::BoxFuture;
use kernel::activity::{self, Audience, NewActivity, ObjectRef};
use kernel::error::Validation;
use kernel::motions::{self, MotionState, NewMotion, PassRule};
use kernel::people::Actor;
use kernel::policy::Action;
use kernel::subjects::{Readers, Subject};
use kernel::{Error, Kernel, Result, Timestamp};
use ledger::Ledger;

use crate::model::*;
use crate::money::{self, decimal};
use crate::pools::{self, Found};
use crate::store::{self, Also, ExpenseRow, SpendRow};

/// The kind of thing receipts attach to (`kernel::files`).
pub const SUBJECT: &str = "expense";

/// Receipts are read by who may see the claim's pool.
pub struct ExpenseSubject;

impl Subject for ExpenseSubject {
    fn readable<'a>(
        &'a self,
        k: &'a Kernel,
        actor: Option<&'a Actor>,
        id: &'a str,
    ) -> BoxFuture<'a, Result<kernel::subjects::Found>> {
        Box::pin(async move {
            let id: ExpenseId = id.parse().map_err(|_| Error::NotFound("expense"))?;
            let (_, found) = find(k, actor, id).await?;
            Ok(kernel::subjects::Found {
                group: found.group,
                id: id.to_string(),
                readers: Readers::Group,
            })
        })
    }
}

async fn find(k: &Kernel, actor: Option<&Actor>, id: ExpenseId) -> Result<(ExpenseRow, Found)> {
    let row = store::expense(&k.db, id)
        .await?
        .ok_or(Error::NotFound("expense"))?;
    let found = pools::find(k, actor, row.pool_id, false)
        .await
        .map_err(Error::hidden_as("expense"))?;
    Ok((row, found))
}

fn state(row: &ExpenseRow) -> ExpenseState {
    row.state.parse().unwrap_or(ExpenseState::Draft)
}

fn rule(found: &Found) -> Rule {
    found.row.rule.parse().unwrap_or(Rule::Admins)
}

pub async fn create(
    ledger: &Ledger,
    actor: &Actor,
    pool: PoolId,
    input: NewExpense,
) -> Result<Expense> {
    let k = ledger.kernel();
    let found = pools::find(k, Some(actor), pool, false).await?;
    found.group.authorize(Some(actor), Action::AskMoney)?;
    let mut v = Validation::new();
    let amount = money::units(&mut v, "amount", &input.amount, found.currency.scale());
    let description = money::text(&mut v, "description", &input.description, 1, 2000);
    let category = input
        .category
        .as_deref()
        .map(|c| money::text(&mut v, "category", c, 1, 60));
    v.finish()?;
    let now = k.now().0;
    let row = ExpenseRow {
        id: ExpenseId::new(),
        pool_id: pool,
        claimant: actor.account,
        amount: amount.ok_or(Error::internal("checked above"))?,
        description,
        category,
        state: ExpenseState::Draft.as_str().into(),
        motion_id: None,
        spend_id: None,
        note: None,
        created_at: now,
        updated_at: now,
    };
    let mut tx = k.db.begin().await?;
    store::insert_expense(&mut tx, &row).await?;
    tx.commit().await?;
    if !input.draft {
        return submit(ledger, actor, row.id).await;
    }
    view(k, &found, row).await
}

pub async fn list(k: &Kernel, actor: &Actor, pool: PoolId) -> Result<Vec<Expense>> {
    let found = pools::find(k, Some(actor), pool, false).await?;
    let mut out = Vec::new();
    for row in store::expenses_of_pool(&k.db, pool, 200).await? {
        out.push(view(k, &found, row).await?);
    }
    Ok(out)
}

pub async fn get(k: &Kernel, actor: &Actor, id: ExpenseId) -> Result<Expense> {
    let (row, found) = find(k, Some(actor), id).await?;
    view(k, &found, row).await
}

pub async fn view(k: &Kernel, found: &Found, row: ExpenseRow) -> Result<Expense> {
    let approvals = store::approvals_of(&k.db, row.id.0).await?;
    let mut ids: Vec<PersonId> = approvals.clone();
    ids.push(row.claimant);
    let people = money::people(k, &ids).await?;
    let transfer = match row.spend_id {
        Some(s) => store::spend(&k.db, s)
            .await?
            .filter(|s| s.state == SpendState::Posted.as_str())
            .and_then(|s| s.transfer_id),
        None => None,
    };
    let receipts =
        kernel::files::of_found(k, found.group.row.id, SUBJECT, &row.id.to_string()).await?;
    let required = match rule(found) {
        Rule::Approvals => found.row.required as u32,
        _ => 1,
    };
    let current = state(&row);
    Ok(Expense {
        id: row.id,
        pool: row.pool_id,
        claimant: money::person(&people, row.claimant),
        amount: decimal(row.amount, found.currency.scale()).0,
        currency_code: found.currency.code.clone(),
        description: row.description,
        category: row.category,
        state: current,
        approvals: approvals
            .iter()
            .map(|a| money::person(&people, *a))
            .collect(),
        required,
        motion: row.motion_id,
        transfer,
        note: row.note,
        receipts,
        created_at: Timestamp(row.created_at),
        updated_at: Timestamp(row.updated_at),
    })
}

/// Keeps a receipt on a claim: its claimant, while it is not yet approved.
pub async fn add_receipt(
    k: &Kernel,
    actor: &Actor,
    id: ExpenseId,
    file: kernel::files::NewFile,
) -> Result<kernel::files::FileInfo> {
    let (row, found) = find(k, Some(actor), id).await?;
    found.group.authorize(Some(actor), Action::AskMoney)?;
    if row.claimant != actor.account {
        return Err(Error::Forbidden(
            "only the claimant adds receipts to a claim".into(),
        ));
    }
    if !matches!(state(&row), ExpenseState::Draft | ExpenseState::Submitted) {
        return Err(Error::conflict(
            "expense",
            format!("this claim is {}: its receipts are settled", row.state),
        ));
    }
    kernel::files::upload(
        k,
        actor,
        kernel::files::NewFile {
            subject_type: SUBJECT.into(),
            subject_id: id.to_string(),
            ..file
        },
    )
    .await
}

/// Sends a draft to be approved; under a decision, opens the group's motion.
pub async fn submit(ledger: &Ledger, actor: &Actor, id: ExpenseId) -> Result<Expense> {
    let k = ledger.kernel();
    let (row, found) = find(k, Some(actor), id).await?;
    found.group.authorize(Some(actor), Action::AskMoney)?;
    if row.claimant != actor.account {
        return Err(Error::Forbidden("only the claimant submits a claim".into()));
    }
    if state(&row) != ExpenseState::Draft {
        return Err(Error::conflict(
            "expense",
            format!("this claim is already {}", row.state),
        ));
    }
    let mut motion = None;
    if rule(&found) == Rule::Decision {
        let m = motions::open(
            k,
            actor,
            &found.group.row.id.to_string(),
            NewMotion {
                title: format!(
                    "Pay back {} {} to {} from {}",
                    decimal(row.amount, found.currency.scale()).0,
                    found.currency.code,
                    actor.handle,
                    found.row.name
                ),
                details: row.description.clone(),
                kind: "proposal".into(),
                options: Vec::new(),
                closes_at: k.now().plus_seconds(7 * 86_400),
                tool: TOOL.into(),
                subject_id: format!("expense:{}", row.id),
                pass_rule: serde_json::from_value(serde_json::Value::String(
                    found.row.pass_rule.clone(),
                ))
                .unwrap_or(PassRule::Majority),
            },
        )
        .await?;
        motion = Some(m.id);
    }
    let mut tx = k.db.begin().await?;
    store::set_expense_state(
        &mut tx,
        id,
        &[ExpenseState::Draft],
        ExpenseState::Submitted,
        k.now().0,
        Also {
            motion,
            ..Also::default()
        },
    )
    .await?;
    let approvers: Vec<PersonId> = match rule(&found) {
        Rule::Approvals => store::approvers(&k.db, found.row.id)
            .await?
            .into_iter()
            .filter(|a| *a != row.claimant)
            .collect(),
        Rule::Admins => kernel::groups::access::roster_holding(
            k,
            found.group.row.id,
            &kernel::groups::model::Permission::ManageMoney,
        )
        .await?
        .into_iter()
        .map(|m| m.id)
        .filter(|a| *a != row.claimant)
        .collect(),
        Rule::Decision => Vec::new(),
    };
    record(
        &mut tx,
        k,
        actor.account,
        &found,
        &row,
        "Create",
        "claimed",
        approvers,
        "expense_to_approve",
    )
    .await?;
    tx.commit().await?;
    get(k, actor, id).await
}

#[allow(clippy::too_many_arguments)]
async fn record(
    tx: &mut kernel::db::Tx,
    k: &Kernel,
    actor: PersonId,
    found: &Found,
    row: &ExpenseRow,
    kind: &str,
    verb: &str,
    tell: Vec<PersonId>,
    reason: &str,
) -> Result<()> {
    let mut new = NewActivity::new(
        kind,
        Some(actor),
        ObjectRef::new("weft:Expense", row.id, Some(&row.description)),
        Audience::Group(found.group.row.id),
    )
    .target(ObjectRef::new(
        "weft:Pool",
        found.row.id,
        Some(&found.row.name),
    ))
    .tool(TOOL)
    .summary(format!(
        "A claim of {} {} from {} was {verb}: {}",
        decimal(row.amount, found.currency.scale()).0,
        found.currency.code,
        found.row.name,
        row.description
    ));
    new.url = Some(format!(
        "/groups/{}/credit/pools/{}/expenses",
        found.group.row.handle, found.row.id
    ));
    if !tell.is_empty() {
        new = new.notify(tell, reason);
    }
    activity::record(tx, k.now(), new).await.map(drop)
}

/// Who decides a claim by hand: under `admins` who manages the group's money, under
/// `approvals` the named approvers; never its claimant. A decision's motion decides alone.
async fn check_decider(k: &Kernel, actor: &Actor, found: &Found, row: &ExpenseRow) -> Result<()> {
    found.group.authorize(Some(actor), Action::AskMoney)?;
    match rule(found) {
        Rule::Admins => found.group.authorize(Some(actor), Action::ManageMoney)?,
        Rule::Approvals => {
            if !store::approvers(&k.db, found.row.id)
                .await?
                .contains(&actor.account)
            {
                return Err(Error::Forbidden(
                    "only the pool's approvers decide its claims".into(),
                ));
            }
        }
        Rule::Decision => {
            return Err(Error::conflict(
                "expense",
                "this pool spends by decision: the group's motion decides the claim",
            ));
        }
    }
    if row.claimant == actor.account {
        return Err(Error::Forbidden("nobody approves their own claim".into()));
    }
    Ok(())
}

pub async fn approve(k: &Kernel, actor: &Actor, id: ExpenseId) -> Result<Expense> {
    let (row, found) = find(k, Some(actor), id).await?;
    check_decider(k, actor, &found, &row).await?;
    if state(&row) != ExpenseState::Submitted {
        return Err(Error::conflict(
            "expense",
            format!(
                "only a submitted claim is approved; this one is {}",
                row.state
            ),
        ));
    }
    let required = match rule(&found) {
        Rule::Approvals => found.row.required as usize,
        _ => 1,
    };
    let mut tx = k.db.begin().await?;
    store::approve(&mut tx, row.id.0, actor.account, k.now().0).await?;
    let count = store::approvals_in(&mut tx, row.id.0).await?.len();
    if count >= required
        && store::set_expense_state(
            &mut tx,
            id,
            &[ExpenseState::Submitted],
            ExpenseState::Approved,
            k.now().0,
            Also::default(),
        )
        .await?
    {
        record(
            &mut tx,
            k,
            actor.account,
            &found,
            &row,
            "Accept",
            "approved",
            vec![row.claimant],
            "expense_approved",
        )
        .await?;
    }
    tx.commit().await?;
    get(k, actor, id).await
}

pub async fn reject(k: &Kernel, actor: &Actor, id: ExpenseId, note: Note) -> Result<Expense> {
    let (row, found) = find(k, Some(actor), id).await?;
    found.group.authorize(Some(actor), Action::AskMoney)?;
    let own = row.claimant == actor.account;
    if !own {
        check_decider(k, actor, &found, &row).await?;
    }
    let note = note
        .note
        .map(|n| n.trim().chars().take(500).collect::<String>());
    let mut tx = k.db.begin().await?;
    let from: &[ExpenseState] = if own {
        &[
            ExpenseState::Draft,
            ExpenseState::Submitted,
            ExpenseState::Approved,
        ]
    } else {
        &[ExpenseState::Submitted, ExpenseState::Approved]
    };
    if !store::set_expense_state(
        &mut tx,
        id,
        from,
        ExpenseState::Rejected,
        k.now().0,
        Also {
            note: note.as_deref(),
            ..Also::default()
        },
    )
    .await?
    {
        return Err(Error::conflict(
            "expense",
            format!("this claim is {}: it can no longer be rejected", row.state),
        ));
    }
    let tell = if own { Vec::new() } else { vec![row.claimant] };
    record(
        &mut tx,
        k,
        actor.account,
        &found,
        &row,
        "Reject",
        "rejected",
        tell,
        "expense_rejected",
    )
    .await?;
    tx.commit().await?;
    if let Some(m) = row.motion_id.filter(|_| own)
        && let Ok(Some(motion)) = motions::for_tool(k, m).await
        && motion.state == MotionState::Open
    {
        // The claimant withdrew: the group need not vote on it any more.
        let _ = motions::withdraw(k, actor, m).await;
    }
    get(k, actor, id).await
}

/// Pays an approved claim from the pool to the claimant's account: who manages the group's
/// money, or under `approvals` one of the approvers (never the claimant).
pub async fn pay(
    ledger: &Ledger,
    actor: &Actor,
    id: ExpenseId,
    key: Option<&str>,
) -> Result<(Expense, bool)> {
    let k = ledger.kernel();
    let (row, found) = find(k, Some(actor), id).await?;
    let approver = rule(&found) == Rule::Approvals
        && store::approvers(&k.db, found.row.id)
            .await?
            .contains(&actor.account);
    if !approver {
        found.group.authorize(Some(actor), Action::ManageMoney)?;
    }
    found.group.authorize(Some(actor), Action::AskMoney)?;
    if row.claimant == actor.account {
        return Err(Error::Forbidden("nobody pays out their own claim".into()));
    }
    money::client_key(key)?;
    match state(&row) {
        ExpenseState::Approved => {}
        ExpenseState::Paid if key.is_some() => return Ok((get(k, actor, id).await?, true)),
        other => {
            return Err(Error::conflict(
                "expense",
                format!(
                    "only an approved claim is paid; this one is {}",
                    other.as_str()
                ),
            ));
        }
    }
    let to = ledger::service::member_account_for_tool(
        k,
        TOOL,
        found.currency.id,
        row.claimant,
        "claimant",
    )
    .await?;
    let spend = SpendRow {
        id: SpendId::new(),
        pool_id: found.row.id,
        transfer_id: None,
        ledger_key: format!("credit-expense-{id}-pay"),
        to_account: to,
        amount: row.amount,
        memo: format!("Expense: {}", row.description),
        category: row.category.clone(),
        payee: None,
        state: SpendState::Reserving.as_str().into(),
        motion_id: None,
        expense_id: Some(id),
        created_by: actor.account,
        created_at: k.now().0,
        ended_at: None,
    };
    let mut tx = k.db.begin().await?;
    if !store::set_expense_state(
        &mut tx,
        id,
        &[ExpenseState::Approved],
        ExpenseState::Paying,
        k.now().0,
        Also {
            spend: Some(spend.id),
            ..Also::default()
        },
    )
    .await?
    {
        return Err(Error::conflict(
            "expense",
            "this claim is being paid already",
        ));
    }
    tx.commit().await?;
    let paid = pools::reserve(ledger, actor, &found, spend, Rule::Admins, k.now()).await;
    let mut tx = k.db.begin().await?;
    let to_state = if paid.is_ok() {
        ExpenseState::Paid
    } else {
        ExpenseState::Approved
    };
    store::set_expense_state(
        &mut tx,
        id,
        &[ExpenseState::Paying],
        to_state,
        k.now().0,
        Also::default(),
    )
    .await?;
    if paid.is_ok() {
        record(
            &mut tx,
            k,
            actor.account,
            &found,
            &row,
            "weft:Spend",
            "paid",
            Vec::new(),
            "",
        )
        .await?;
    }
    tx.commit().await?;
    paid?;
    Ok((get(k, actor, id).await?, false))
}

/// Claims decided by the group's motion: approved when it passed, rejected otherwise. Also
/// settles payments a stopped process left.
pub async fn settle_decisions(k: &Kernel) -> Result<usize> {
    let mut settled = 0;
    for row in store::waiting_expenses(&k.db).await? {
        let mut tx = k.db.begin().await?;
        match state(&row) {
            ExpenseState::Submitted => {
                let Some(m) = row.motion_id else { continue };
                let Some(motion) = motions::for_tool(k, m).await? else {
                    continue;
                };
                let to = match motion.state {
                    MotionState::Open => continue,
                    MotionState::Passed => ExpenseState::Approved,
                    _ => ExpenseState::Rejected,
                };
                if store::set_expense_state(
                    &mut tx,
                    row.id,
                    &[ExpenseState::Submitted],
                    to,
                    k.now().0,
                    Also::default(),
                )
                .await?
                {
                    let found = pools::found_for_tool(
                        k,
                        store::pool(&k.db, row.pool_id)
                            .await?
                            .ok_or(Error::NotFound("pool"))?,
                    )
                    .await?;
                    let verb = if to == ExpenseState::Approved {
                        "approved"
                    } else {
                        "rejected"
                    };
                    record(
                        &mut tx,
                        k,
                        row.claimant,
                        &found,
                        &row,
                        "Update",
                        verb,
                        vec![row.claimant],
                        if to == ExpenseState::Approved {
                            "expense_approved"
                        } else {
                            "expense_rejected"
                        },
                    )
                    .await?;
                    settled += 1;
                }
            }
            ExpenseState::Paying => {
                // A payment a stopped process left: the spend tells how it ended.
                let spend = match row.spend_id {
                    Some(s) => store::spend(&k.db, s).await?,
                    None => None,
                };
                let to = match spend.as_ref().map(|s| s.state.as_str()) {
                    Some("posted") => ExpenseState::Paid,
                    Some("reserving") => continue,
                    _ => ExpenseState::Approved,
                };
                store::set_expense_state(
                    &mut tx,
                    row.id,
                    &[ExpenseState::Paying],
                    to,
                    k.now().0,
                    Also::default(),
                )
                .await?;
            }
            _ => continue,
        }
        tx.commit().await?;
    }
    Ok(settled)
}
