//! Common pools (DESIGN function 15): accounts the credit tool holds on the ledger, fed by
//! dues, transfers and deposits, and spent by the pool's rule — at once by who manages the
//! group's money (`admins`), at the Nth approval of the named approvers (`approvals`), or
//! when the group's motion passes (`decision`). A spend that waits is a pending transfer the
//! ledger has reserved; it is posted or voided, never lost.
//!
//! A pool is transparent: its balance, spends and report are read by whoever may read the
//! group's content (anyone, for a public group); spending and claiming are for members.
//!
//! A spend is written as `reserving` before the ledger is asked, under a key of the spend;
//! a process killed between the two leaves a row that `finish` settles at the next start
//! from what the ledger answers for that key.

use kernel::activity::{self, Audience, NewActivity, ObjectRef};
use kernel::error::Validation;
use kernel::groups::access::{Loaded, load};
use kernel::motions::{self, MotionState, NewMotion, PassRule};
use kernel::people::Actor;
use kernel::policy::Action;
use kernel::{Error, Kernel, Result, Timestamp};
use ledger::{Ledger, NewTransfer, OwnerKind, PostPending, Transfer};

use crate::model::*;
use crate::money::{self, decimal};
use crate::store::{self, PoolRow, SpendRow};

/// A pool with its group, for a reader who may see it (members of the group).
pub struct Found {
    pub row: PoolRow,
    pub group: Loaded,
    pub currency: ledger::store::CurrencyRow,
}

/// The pool `id`, if `actor` may see it: members of its group; anyone when the group is
/// public and `public` is asked (the transparency pages). Others hear "not found".
pub async fn find(k: &Kernel, actor: Option<&Actor>, id: PoolId, public: bool) -> Result<Found> {
    let row = store::pool(&k.db, id)
        .await?
        .ok_or(Error::NotFound("pool"))?;
    let group = load(k, actor, &row.group_id.to_string())
        .await
        .map_err(Error::hidden_as("pool"))?;
    let action = if public {
        Action::Read
    } else {
        Action::UseMoney
    };
    group
        .authorize(actor, action)
        .map_err(Error::hidden_as("pool"))?;
    let currency = money::currency(k, row.currency_id).await?;
    Ok(Found {
        row,
        group,
        currency,
    })
}

pub async fn create(
    ledger: &Ledger,
    actor: &Actor,
    group_key: &str,
    input: NewPool,
) -> Result<Pool> {
    let k = ledger.kernel();
    let group = load(k, Some(actor), group_key).await?;
    group.authorize(Some(actor), Action::ManageMoney)?;
    let mut v = Validation::new();
    let name = money::text(&mut v, "name", &input.name, 1, 100);
    let description = money::text(&mut v, "description", &input.description, 0, 2000);
    let currency = money::currency_of_group(k, group.row.id, &input.currency).await?;
    if currency.is_none() {
        v.push("currency", "no such currency in this group");
    }
    let mut approvers = Vec::new();
    for key in &input.approvers {
        match money::member(k, &group, key).await? {
            Some(id) if !approvers.contains(&id) => approvers.push(id),
            Some(_) => v.push("approvers", format!("{key} is named twice")),
            None => v.push("approvers", format!("{key} is not a member of the group")),
        }
    }
    let required = match input.rule {
        Rule::Approvals => {
            let required = input.required.unwrap_or(1);
            if approvers.len() < 2 {
                v.push(
                    "approvers",
                    "name at least two approvers: nobody approves their own spend",
                );
            }
            if required == 0 || required as usize > approvers.len() {
                v.push("required", "1 to the number of approvers");
            }
            required
        }
        _ => {
            if !approvers.is_empty() || input.required.is_some() {
                v.push(
                    "approvers",
                    "approvers and required are for the approvals rule",
                );
            }
            1
        }
    };
    if input.rule == Rule::Decision {
        let tool = k.decisions.as_ref().map(|d| d.tool());
        match tool {
            None => v.push("rule", "this server has no decision-making tool"),
            Some(tool) => {
                if kernel::tool::require_other(k, group.row.id, tool)
                    .await
                    .is_err()
                {
                    v.push(
                        "rule",
                        format!("turn on the {tool} tool for the group to spend by decision"),
                    );
                }
            }
        }
    }
    let mut budget = std::collections::BTreeMap::new();
    if let Some(c) = &currency {
        for (category, planned) in &input.budget {
            let category = category.trim();
            if category.is_empty() || category.chars().count() > 60 {
                v.push("budget", "a category has 1 to 60 characters");
                continue;
            }
            match ledger::amount::parse(&planned.0, c.scale()) {
                Ok(units) if units >= 0 => {
                    budget.insert(category.to_string(), units);
                }
                Ok(_) => v.push(format!("budget.{category}"), "must not be negative"),
                Err(e) => v.push(format!("budget.{category}"), e),
            }
        }
    }
    v.finish()?;
    let currency = currency.ok_or(Error::internal("checked above"))?;
    let account =
        ledger::service::open_held_account(k, TOOL, actor, currency.id, OwnerKind::Pool, &name)
            .await?;
    let row = PoolRow {
        id: PoolId::new(),
        group_id: group.row.id,
        currency_id: currency.id,
        account_id: account.id,
        name,
        description,
        rule: input.rule.as_str().into(),
        required: i64::from(required),
        pass_rule: input
            .pass_rule
            .unwrap_or(PassRule::Majority)
            .as_str()
            .into(),
        budget: serde_json::to_string(&budget).unwrap_or_else(|_| "{}".into()),
        created_by: Some(actor.account),
        created_at: k.now().0,
    };
    let mut tx = k.db.begin().await?;
    store::insert_pool(&mut tx, &row, &approvers).await?;
    activity::record(
        &mut tx,
        k.now(),
        NewActivity::new(
            "Create",
            Some(actor.account),
            ObjectRef::new("weft:Pool", row.id, Some(&row.name)),
            Audience::Group(group.row.id),
        )
        .tool(TOOL)
        .summary(format!(
            "{} opened the pool {} in {} (spent by {})",
            actor.handle,
            row.name,
            currency.code,
            input.rule.as_str()
        )),
    )
    .await?;
    tx.commit().await?;
    view(
        k,
        &Found {
            row,
            group,
            currency,
        },
    )
    .await
}

pub async fn list(k: &Kernel, actor: Option<&Actor>, group_key: &str) -> Result<Vec<Pool>> {
    let group = load(k, actor, group_key).await?;
    group.authorize(actor, Action::Read)?;
    let mut out = Vec::new();
    for row in store::pools_of_group(&k.db, group.row.id).await? {
        let currency = money::currency(k, row.currency_id).await?;
        out.push(
            view(
                k,
                &Found {
                    row,
                    group: group.clone(),
                    currency,
                },
            )
            .await?,
        );
    }
    Ok(out)
}

pub async fn view(k: &Kernel, found: &Found) -> Result<Pool> {
    let row = &found.row;
    let account = ledger::store::account(&k.db, row.account_id)
        .await?
        .ok_or(Error::internal("a pool without its account"))?;
    let approvers = store::approvers(&k.db, row.id).await?;
    let people = money::people(k, &approvers).await?;
    let scale = found.currency.scale();
    let budget: std::collections::BTreeMap<String, i64> =
        serde_json::from_str(&row.budget).unwrap_or_default();
    Ok(Pool {
        id: row.id,
        group: row.group_id,
        currency: row.currency_id,
        currency_code: found.currency.code.clone(),
        account: row.account_id,
        name: row.name.clone(),
        description: row.description.clone(),
        rule: row.rule.parse().unwrap_or(Rule::Admins),
        approvers: approvers
            .iter()
            .map(|a| money::person(&people, *a))
            .collect(),
        required: row.required as u32,
        pass_rule: serde_json::from_value(serde_json::Value::String(row.pass_rule.clone()))
            .unwrap_or(PassRule::Majority),
        balance: decimal(account.balance, scale).0,
        pending: decimal(account.debits_pending, scale).0,
        budget: budget
            .into_iter()
            .map(|(c, u)| (c, decimal(u, scale).0))
            .collect(),
        created_at: Timestamp(row.created_at),
    })
}

fn rule_of(row: &PoolRow) -> Rule {
    row.rule.parse().unwrap_or(Rule::Admins)
}

/// Where a spend goes: a ledger account of the pool's currency, or `outside` (a payout of
/// tracked money, to the currency's main account, naming the payee).
async fn destination(
    ledger: &Ledger,
    actor: &Actor,
    found: &Found,
    input: &NewSpend,
    v: &mut Validation,
) -> Result<Option<AccountId>> {
    if input.to.trim() == "outside" {
        if found.currency.kind != ledger::CurrencyKind::Tracked.as_str() {
            v.push(
                "to",
                "only tracked money is paid out outside Weft; pay a member's account",
            );
            return Ok(None);
        }
        if input.payee.as_deref().is_none_or(|p| p.trim().is_empty()) {
            v.push("payee", "name who is paid outside Weft");
        }
        return main_account(ledger, actor, found.currency.id)
            .await
            .map(Some);
    }
    match input.to.trim().parse::<AccountId>() {
        Ok(id) => Ok(Some(id)),
        Err(_) => {
            v.push("to", "a ledger account's id, or outside");
            Ok(None)
        }
    }
}

/// The account through which a currency's money enters and leaves the group (deposits and
/// payouts): held by the credit tool, with no floor, opened the first time.
pub async fn main_account(
    ledger: &Ledger,
    actor: &Actor,
    currency: CurrencyId,
) -> Result<AccountId> {
    let k = ledger.kernel();
    if let Some(id) = store::main_account(&k.db, currency).await? {
        return Ok(id);
    }
    let opened = ledger::service::open_held_account(
        k,
        TOOL,
        actor,
        currency,
        OwnerKind::Group,
        "Main account",
    )
    .await?;
    ledger::service::update_limits_for_tool(
        k,
        TOOL,
        actor,
        opened.id,
        ledger::LimitsUpdate {
            floor: Some(None),
            ceiling: Some(None),
        },
    )
    .await?;
    if store::insert_main_account(&k.db, currency, opened.id).await? {
        return Ok(opened.id);
    }
    store::main_account(&k.db, currency)
        .await?
        .ok_or(Error::internal("a main account vanished"))
}

/// Spends from a pool by its rule: the answer holds the transfer (posted under `admins`,
/// pending otherwise) and, under `decision`, the motion the group votes on.
pub async fn spend(
    ledger: &Ledger,
    actor: &Actor,
    id: PoolId,
    input: NewSpend,
    key: Option<&str>,
) -> Result<(Spend, bool)> {
    let k = ledger.kernel();
    let found = find(k, Some(actor), id, false).await?;
    let rule = rule_of(&found.row);
    match rule {
        Rule::Admins => found.group.authorize(Some(actor), Action::ManageMoney)?,
        Rule::Approvals | Rule::Decision => found.group.authorize(Some(actor), Action::AskMoney)?,
    }
    let client = money::client_key(key)?;
    let ledger_key = match &client {
        Some(c) => format!("credit-spend-{id}-{c}"),
        None => format!("credit-spend-{}", SpendId::new()),
    };
    if client.is_some()
        && let Some(done) = store::spend_by_key(&k.db, &ledger_key).await?
        && done.created_by == actor.account
        && done.state != SpendState::Reserving.as_str()
    {
        return Ok((spend_view(k, &found, done).await?, true));
    }
    let mut v = Validation::new();
    let scale = found.currency.scale();
    let amount = money::units(&mut v, "amount", &input.amount, scale);
    let memo = money::text(&mut v, "memo", &input.memo, 1, 500);
    let category = input
        .category
        .as_deref()
        .map(|c| money::text(&mut v, "category", c, 1, 60));
    let payee = input
        .payee
        .as_deref()
        .map(|p| money::text(&mut v, "payee", p, 1, 200));
    let to = destination(ledger, actor, &found, &input, &mut v).await?;
    let closes_at = input.closes_at.unwrap_or(k.now().plus_seconds(7 * 86_400));
    if rule == Rule::Decision && closes_at <= k.now() {
        v.push("closes_at", "must be in the future");
    }
    v.finish()?;
    let (Some(amount), Some(to)) = (amount, to) else {
        return Err(Error::internal("checked above"));
    };
    let row = SpendRow {
        id: SpendId::new(),
        pool_id: id,
        transfer_id: None,
        ledger_key,
        to_account: to,
        amount,
        memo,
        category,
        payee,
        state: SpendState::Reserving.as_str().into(),
        motion_id: None,
        expense_id: None,
        created_by: actor.account,
        created_at: k.now().0,
        ended_at: None,
    };
    let made = reserve(ledger, actor, &found, row, rule, closes_at).await?;
    Ok((made, false))
}

/// Writes the spend, asks the ledger, then opens the motion when the rule is a decision.
/// Under `admins` (and for a claim already approved) the transfer is posted at once.
pub(crate) async fn reserve(
    ledger: &Ledger,
    actor: &Actor,
    found: &Found,
    mut row: SpendRow,
    rule: Rule,
    closes_at: Timestamp,
) -> Result<Spend> {
    let k = ledger.kernel();
    let mut tx = k.db.begin().await?;
    store::insert_spend(&mut tx, &row).await?;
    tx.commit().await?;
    let at_once = rule == Rule::Admins;
    let input = NewTransfer {
        from: found.row.account_id,
        to: row.to_account,
        amount: decimal(row.amount, found.currency.scale()),
        memo: Some(match &row.payee {
            Some(p) => format!("{} (paid to {p})", row.memo),
            None => row.memo.clone(),
        }),
        pending: !at_once,
        timeout_s: None,
    };
    let made =
        ledger::service::transfer_for_tool(ledger, TOOL, actor, input, Some(&row.ledger_key)).await;
    let transfer = match made {
        Ok((t, _)) => t,
        Err(e) => {
            let mut tx = k.db.begin().await?;
            store::delete_spend(&mut tx, row.id).await?;
            tx.commit().await?;
            return Err(beyond(k, found, e).await);
        }
    };
    let mut motion = None;
    if rule == Rule::Decision {
        let scale = found.currency.scale();
        let opened = motions::open(
            k,
            actor,
            &found.group.row.id.to_string(),
            NewMotion {
                title: format!(
                    "Spend {} {} from {}: {}",
                    decimal(row.amount, scale).0,
                    found.currency.code,
                    found.row.name,
                    row.memo
                ),
                details: format!(
                    "If this passes, {} {} leave the pool {} ({}). If it fails or is withdrawn, the money stays in the pool.",
                    decimal(row.amount, scale).0,
                    found.currency.code,
                    found.row.name,
                    row.payee.clone().unwrap_or_else(|| "to the account named".into())
                ),
                kind: "proposal".into(),
                options: Vec::new(),
                closes_at,
                tool: TOOL.into(),
                subject_id: format!("spend:{}", row.id),
                pass_rule: serde_json::from_value(serde_json::Value::String(
                    found.row.pass_rule.clone(),
                ))
                .unwrap_or(PassRule::Majority),
            },
        )
        .await;
        match opened {
            Ok(m) => motion = Some(m),
            Err(e) => {
                ledger::service::end_pending_for_tool(ledger, TOOL, actor, transfer.id, None)
                    .await?;
                let mut tx = k.db.begin().await?;
                store::delete_spend(&mut tx, row.id).await?;
                tx.commit().await?;
                return Err(e);
            }
        }
    }
    let state = if at_once {
        SpendState::Posted
    } else {
        SpendState::Pending
    };
    let mut tx = k.db.begin().await?;
    store::set_spend_state(
        &mut tx,
        row.id,
        &[SpendState::Reserving],
        state,
        Some(transfer.id),
        motion.as_ref().map(|m| m.id),
        at_once.then_some(k.now().0),
    )
    .await?;
    record_spend(&mut tx, k, actor.account, found, &row, state).await?;
    tx.commit().await?;
    row.transfer_id = Some(transfer.id);
    row.motion_id = motion.as_ref().map(|m| m.id);
    row.state = state.as_str().into();
    let mut view = spend_view(k, found, row).await?;
    view.transfer = transfer;
    view.motion = motion;
    Ok(view)
}

/// The ledger's refusal of a spend, said of the pool: a spend beyond what it can spend names
/// the `amount` and what is available, not the pool's account and its floor.
async fn beyond(k: &Kernel, found: &Found, e: Error) -> Error {
    let from_pool =
        matches!(&e, Error::Invalid(errors) if errors.iter().any(|f| f.field == "from"));
    if !from_pool {
        return e;
    }
    match ledger::store::account(&k.db, found.row.account_id).await {
        Ok(Some(a)) => Error::invalid(
            "amount",
            format!(
                "more than the pool can spend: {} {} available (its balance, less what waits for approval)",
                decimal(a.balance - a.debits_pending, found.currency.scale()).0,
                found.currency.code
            ),
        ),
        _ => e,
    }
}

async fn record_spend(
    tx: &mut kernel::db::Tx,
    k: &Kernel,
    actor: PersonId,
    found: &Found,
    row: &SpendRow,
    state: SpendState,
) -> Result<()> {
    let amount = format!(
        "{} {}",
        decimal(row.amount, found.currency.scale()).0,
        found.currency.code
    );
    let (kind, summary) = match state {
        SpendState::Posted => (
            "weft:Spend",
            format!("{amount} left {}: {}", found.row.name, row.memo),
        ),
        SpendState::Voided => (
            "Reject",
            format!(
                "A spend of {amount} from {} was not made: {}",
                found.row.name, row.memo
            ),
        ),
        _ => (
            "Offer",
            format!("{amount} reserved in {} for: {}", found.row.name, row.memo),
        ),
    };
    let mut new = NewActivity::new(
        kind,
        Some(actor),
        ObjectRef::new("weft:PoolSpend", row.id, Some(&row.memo)),
        Audience::Group(found.group.row.id),
    )
    .target(ObjectRef::new(
        "weft:Pool",
        found.row.id,
        Some(&found.row.name),
    ))
    .tool(TOOL)
    .summary(summary);
    new.url = Some(format!(
        "/groups/{}/credit/pools/{}",
        found.group.row.handle, found.row.id
    ));
    if state == SpendState::Pending && rule_of(&found.row) == Rule::Approvals {
        let approvers: Vec<PersonId> = store::approvers(&k.db, found.row.id)
            .await?
            .into_iter()
            .filter(|a| *a != row.created_by)
            .collect();
        new = new.notify(approvers, "spend_to_approve");
    }
    activity::record(tx, k.now(), new).await.map(drop)
}

/// A spend as the API shows it.
pub async fn spend_view(k: &Kernel, found: &Found, row: SpendRow) -> Result<Spend> {
    let transfer = match row.transfer_id {
        Some(t) => transfer_of(k, t).await?,
        None => {
            return Err(Error::conflict(
                "spend",
                "this spend is still being reserved",
            ));
        }
    };
    let motion = match row.motion_id {
        Some(m) => motions::for_tool(k, m).await?,
        None => None,
    };
    let approvals = store::approvals_of(&k.db, row.id.0).await?;
    let mut ids: Vec<PersonId> = approvals.clone();
    ids.push(row.created_by);
    let people = money::people(k, &ids).await?;
    Ok(Spend {
        id: row.id,
        pool: row.pool_id,
        transfer,
        motion,
        state: row.state.parse().unwrap_or(SpendState::Pending),
        amount: decimal(row.amount, found.currency.scale()).0,
        memo: row.memo,
        category: row.category,
        payee: row.payee,
        approvals: approvals
            .iter()
            .map(|a| money::person(&people, *a))
            .collect(),
        required: found.row.required as u32,
        expense: row.expense_id,
        created_by: Some(money::person(&people, row.created_by)),
        created_at: Timestamp(row.created_at),
    })
}

async fn transfer_of(k: &Kernel, id: TransferId) -> Result<Transfer> {
    // The pool's readers see its transfers: read as the tool, not as a person.
    ledger::service::transfer_as_tool(k, id).await
}

/// The pool's spends, newest first.
pub async fn spends(k: &Kernel, actor: Option<&Actor>, id: PoolId) -> Result<Vec<Spend>> {
    let found = find(k, actor, id, true).await?;
    let rows = store::spends_of_pool(&k.db, id, None, 200).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows.into_iter().filter(|r| r.transfer_id.is_some()) {
        out.push(spend_view(k, &found, row).await?);
    }
    Ok(out)
}

/// The waiting spend of pool `id` reserved by `transfer`, for who may take part in
/// deciding spends (checked before anything of the spend is told).
async fn waiting(
    k: &Kernel,
    actor: &Actor,
    id: PoolId,
    transfer: TransferId,
) -> Result<(Found, SpendRow)> {
    let found = find(k, Some(actor), id, false).await?;
    found.group.authorize(Some(actor), Action::AskMoney)?;
    let row = store::spend_by_transfer(&k.db, transfer)
        .await?
        .filter(|s| s.pool_id == id)
        .ok_or(Error::NotFound("spend"))?;
    if row.state != SpendState::Pending.as_str() {
        return Err(Error::conflict(
            "spend",
            format!("this spend is already {}", row.state),
        ));
    }
    Ok((found, row))
}

/// An approval of a waiting spend by one of the pool's approvers (never who asked for it,
/// nor the claimant of the expense it pays). At the `required`th the transfer is posted.
pub async fn approve(
    ledger: &Ledger,
    actor: &Actor,
    id: PoolId,
    transfer: TransferId,
) -> Result<Spend> {
    let k = ledger.kernel();
    let (found, row) = waiting(k, actor, id, transfer).await?;
    if rule_of(&found.row) != Rule::Approvals {
        return Err(Error::conflict(
            "spend",
            format!(
                "this pool spends by {}: its spends are not approved one by one",
                found.row.rule
            ),
        ));
    }
    let approvers = store::approvers(&k.db, id).await?;
    if !approvers.contains(&actor.account) {
        return Err(Error::Forbidden(
            "only the pool's approvers approve its spends".into(),
        ));
    }
    if row.created_by == actor.account {
        return Err(Error::Forbidden("nobody approves their own spend".into()));
    }
    let mut tx = k.db.begin().await?;
    store::approve(&mut tx, row.id.0, actor.account, k.now().0).await?;
    let count = store::approvals_in(&mut tx, row.id.0).await?.len();
    tx.commit().await?;
    if count >= found.row.required as usize {
        end(ledger, &found, row.clone(), true).await?;
    }
    let row = store::spend(&k.db, row.id)
        .await?
        .ok_or(Error::NotFound("spend"))?;
    spend_view(k, &found, row).await
}

/// Rejects a waiting spend under `approvals`: an approver, or who asked for it (withdrawing
/// it). The reserved money is released.
pub async fn reject(
    ledger: &Ledger,
    actor: &Actor,
    id: PoolId,
    transfer: TransferId,
) -> Result<Spend> {
    let k = ledger.kernel();
    let (found, row) = waiting(k, actor, id, transfer).await?;
    if rule_of(&found.row) != Rule::Approvals {
        return Err(Error::conflict(
            "spend",
            "only a spend under the approvals rule is rejected here; a decision's motion decides the others",
        ));
    }
    let approvers = store::approvers(&k.db, id).await?;
    if !approvers.contains(&actor.account) && row.created_by != actor.account {
        return Err(Error::Forbidden(
            "only the pool's approvers, or who asked for the spend, reject it".into(),
        ));
    }
    let spend_id = row.id;
    end(ledger, &found, row, false).await?;
    let row = store::spend(&k.db, spend_id)
        .await?
        .ok_or(Error::NotFound("spend"))?;
    spend_view(k, &found, row).await
}

/// Posts (`post`) or voids a waiting spend's transfer, then records the end. A spend ended
/// meanwhile by another request is answered as it stands: the ledger ends a pending
/// transfer once.
pub(crate) async fn end(ledger: &Ledger, found: &Found, row: SpendRow, post: bool) -> Result<()> {
    let k = ledger.kernel();
    let Some(transfer) = row.transfer_id else {
        return Err(Error::internal(
            "ending a spend the ledger has not reserved",
        ));
    };
    let asked = ledger::service::end_pending_for_tool(
        ledger,
        TOOL,
        &Actor::stand_in(row.created_by),
        transfer,
        post.then_some(PostPending { amount: None }),
    )
    .await;
    // Whatever the answer, the ledger's state is the truth the spend follows.
    let now = transfer_of(k, transfer).await?;
    let state = match now.state {
        ledger::TransferState::Posted => SpendState::Posted,
        ledger::TransferState::Pending => return asked.map(|_| ()),
        _ => SpendState::Voided,
    };
    let mut tx = k.db.begin().await?;
    let moved = store::set_spend_state(
        &mut tx,
        row.id,
        &[SpendState::Pending],
        state,
        None,
        None,
        Some(k.now().0),
    )
    .await?;
    if moved {
        record_spend(&mut tx, k, row.created_by, found, &row, state).await?;
        if let Some(expense) = row.expense_id {
            // The claim this spend pays is paid, or approved again to be paid later.
            let to = if state == SpendState::Posted {
                ExpenseState::Paid
            } else {
                ExpenseState::Approved
            };
            store::set_expense_state(
                &mut tx,
                expense,
                &[ExpenseState::Paying],
                to,
                k.now().0,
                store::Also::default(),
            )
            .await?;
        }
    }
    tx.commit().await
}

/// Records money that came into the group outside Weft: a transfer from the currency's main
/// account to the pool (who manages the group's money).
pub async fn deposit(
    ledger: &Ledger,
    actor: &Actor,
    id: PoolId,
    input: NewDeposit,
    key: Option<&str>,
) -> Result<(Transfer, bool)> {
    let k = ledger.kernel();
    let found = find(k, Some(actor), id, false).await?;
    found.group.authorize(Some(actor), Action::ManageMoney)?;
    let mut v = Validation::new();
    let amount = money::units(&mut v, "amount", &input.amount, found.currency.scale());
    let memo = money::text(&mut v, "memo", &input.memo, 1, 500);
    v.finish()?;
    let amount = amount.ok_or(Error::internal("checked above"))?;
    let key = money::client_key(key)?.map(|c| format!("credit-deposit-{id}-{c}"));
    deposit_into(ledger, actor, &found, amount, &memo, key.as_deref()).await
}

/// A member puts money of their own into the pool: a transfer from their account.
pub async fn contribute(
    ledger: &Ledger,
    actor: &Actor,
    id: PoolId,
    input: NewDeposit,
    key: Option<&str>,
) -> Result<(Transfer, bool)> {
    let k = ledger.kernel();
    let found = find(k, Some(actor), id, false).await?;
    found.group.authorize(Some(actor), Action::AskMoney)?;
    let mut v = Validation::new();
    let amount = money::units(&mut v, "amount", &input.amount, found.currency.scale());
    let memo = money::text(&mut v, "memo", &input.memo, 0, 500);
    v.finish()?;
    let from = ledger::store::member_account(&k.db, actor.account, found.currency.id)
        .await?
        .ok_or_else(|| {
            Error::conflict(
                "amount",
                format!("open an account in {} to pay from", found.currency.code),
            )
        })?;
    let key = money::client_key(key)?.map(|c| format!("credit-contribution-{id}-{c}"));
    ledger::service::transfer_for_tool(
        ledger,
        TOOL,
        actor,
        NewTransfer {
            from: from.id,
            to: found.row.account_id,
            amount: decimal(
                amount.ok_or(Error::internal("checked above"))?,
                found.currency.scale(),
            ),
            memo: Some(if memo.is_empty() {
                format!("To {}", found.row.name)
            } else {
                memo
            }),
            pending: false,
            timeout_s: None,
        },
        key.as_deref(),
    )
    .await
}

pub(crate) async fn deposit_into(
    ledger: &Ledger,
    actor: &Actor,
    found: &Found,
    amount: i64,
    memo: &str,
    key: Option<&str>,
) -> Result<(Transfer, bool)> {
    let main = main_account(ledger, actor, found.currency.id).await?;
    ledger::service::transfer_for_tool(
        ledger,
        TOOL,
        actor,
        NewTransfer {
            from: main,
            to: found.row.account_id,
            amount: decimal(amount, found.currency.scale()),
            memo: Some(format!("Deposit: {memo}")),
            pending: false,
            timeout_s: None,
        },
        key,
    )
    .await
}

/// Settles the spends whose motions were decided: a spend posts when its motion passed and
/// is voided when it failed or was withdrawn. Runs after each decision this node
/// hears of, and now and then, so a decision taken while this node was down is not lost.
pub async fn settle_decisions(ledger: &Ledger) -> Result<usize> {
    let k = ledger.kernel();
    let mut settled = 0;
    for row in store::waiting_spends(&k.db).await? {
        let Some(motion) = row.motion_id else {
            continue;
        };
        if row.state != SpendState::Pending.as_str() {
            continue;
        }
        let Some(m) = motions::for_tool(k, motion).await? else {
            continue;
        };
        if m.state == MotionState::Open {
            continue;
        }
        let Some(pool) = store::pool(&k.db, row.pool_id).await? else {
            continue;
        };
        let found = found_for_tool(k, pool).await?;
        end(ledger, &found, row, m.state == MotionState::Passed).await?;
        settled += 1;
    }
    Ok(settled)
}

/// A pool as the tool itself reads it (no reader's policy).
pub(crate) async fn found_for_tool(k: &Kernel, row: PoolRow) -> Result<Found> {
    let group = load(k, None, &row.group_id.to_string()).await?;
    let currency = money::currency(k, row.currency_id).await?;
    Ok(Found {
        row,
        group,
        currency,
    })
}

/// Takes up the spends a stopped process left before the ledger's answer was written: the
/// key tells whether the ledger made the transfer.
pub async fn finish(ledger: &Ledger) -> Result<()> {
    let k = ledger.kernel();
    for row in store::waiting_spends(&k.db).await? {
        if row.state != SpendState::Reserving.as_str() {
            continue;
        }
        let Some(pool) = store::pool(&k.db, row.pool_id).await? else {
            continue;
        };
        let found = found_for_tool(k, pool).await?;
        let made = money::made_under(
            k,
            row.created_by,
            &ledger::service::tool_key(TOOL, &row.ledger_key),
        )
        .await?;
        let mut tx = k.db.begin().await?;
        match made {
            None => store::delete_spend(&mut tx, row.id).await?,
            Some(t) => {
                let transfer = transfer_of(k, t).await?;
                let state = match transfer.state {
                    ledger::TransferState::Posted => SpendState::Posted,
                    ledger::TransferState::Pending if rule_of(&found.row) == Rule::Approvals => {
                        SpendState::Pending
                    }
                    ledger::TransferState::Pending => {
                        // A decision's motion was never opened: release the money.
                        tx.commit().await?;
                        ledger::service::end_pending_for_tool(
                            ledger,
                            TOOL,
                            &Actor::stand_in(row.created_by),
                            t,
                            None,
                        )
                        .await?;
                        tx = k.db.begin().await?;
                        SpendState::Voided
                    }
                    _ => SpendState::Voided,
                };
                store::set_spend_state(
                    &mut tx,
                    row.id,
                    &[SpendState::Reserving],
                    state,
                    Some(t),
                    None,
                    (state != SpendState::Pending).then_some(k.now().0),
                )
                .await?;
            }
        }
        tx.commit().await?;
    }
    Ok(())
}

/// How many of a pool's last movements its balance over time shows.
const SERIES: u32 = 500;

/// The pool's transparency report: money in and out, waiting spends, budget against actual
/// per category, and the balance over time (its last movements). Its cost does not grow
/// with the pool's history but for the budget, read from the pool's spends.
pub async fn report(k: &Kernel, actor: Option<&Actor>, id: PoolId) -> Result<PoolReport> {
    let found = find(k, actor, id, true).await?;
    let pool = view(k, &found).await?;
    let scale = found.currency.scale();
    let account = found.row.account_id;
    // Money in and out in all; the balance after each of the last movements.
    let (inflow, outflow) = ledger::service::account_totals(k, account).await?;
    let points: Vec<Point> = ledger::service::recent_movements(k, account, SERIES)
        .await?
        .into_iter()
        .filter(|m| !m.pending && m.amount != 0)
        .map(|m| Point {
            at: Timestamp(m.created_at),
            balance: decimal(m.balance, scale).0,
        })
        .collect();
    // Budget against actual, from the posted spends.
    let budget: std::collections::BTreeMap<String, i64> =
        serde_json::from_str(&found.row.budget).unwrap_or_default();
    let mut actual: std::collections::BTreeMap<String, i64> = Default::default();
    let spends = store::spends_of_pool(&k.db, id, None, 10_000).await?;
    let mut pending = Vec::new();
    for row in spends {
        match row.state.as_str() {
            "posted" => {
                *actual
                    .entry(row.category.clone().unwrap_or_else(|| "Other".into()))
                    .or_default() += row.amount;
            }
            "pending" => pending.push(spend_view(k, &found, row).await?),
            _ => {}
        }
    }
    let mut categories: Vec<CategoryLine> = budget
        .keys()
        .chain(actual.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|c| CategoryLine {
            category: c.clone(),
            budget: budget.get(c).map(|b| decimal(*b, scale).0),
            actual: decimal(actual.get(c).copied().unwrap_or(0), scale).0,
        })
        .collect();
    categories.sort_by(|a, b| a.category.cmp(&b.category));
    Ok(PoolReport {
        pool,
        inflows: decimal(inflow, scale).0,
        outflows: decimal(outflow, scale).0,
        pending,
        categories,
        series: points,
    })
}
