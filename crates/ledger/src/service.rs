//! The ledger's use cases: the policy check, then the book. Reads go straight to the
//! database; every change of balances goes through the engine.

use kernel::activity::{self, Audience, NewActivity, ObjectRef};
use kernel::error::Validation;
use kernel::groups::access::{Loaded, load};
use kernel::groups::model::GroupSummary;
use kernel::page::{Page, PageRequest, decode_cursor};
use kernel::people::Actor;
use kernel::policy::{self, Action, GroupFacts, Resource};
use kernel::{Error, Kernel, Result, Timestamp};
use sha2::{Digest, Sha256};

use crate::amount::{self, format};
use crate::chain;
use crate::engine::{End, Key, Ledger, Leg, Op, Outcome};
pub use crate::model::TOOL;
use crate::model::*;
use crate::store::{self, AccountRow, CurrencyRow, TransferRow};

/// An account with what the policy needs to decide about it.
pub struct AccountFacts {
    pub row: AccountRow,
    pub currency: CurrencyRow,
    pub group: Loaded,
}

impl Resource for AccountFacts {
    fn group(&self) -> Option<&GroupFacts> {
        Some(&self.group.facts)
    }
    fn owner(&self) -> Option<PersonId> {
        self.row.owner_id
    }
}

impl AccountFacts {
    fn authorize(&self, actor: &Actor, action: Action) -> Result<()> {
        policy::authorize(Some(actor), self.group.standing.as_ref(), action, self)
    }
}

async fn group_of(k: &Kernel, actor: &Actor, currency: &CurrencyRow) -> Result<Loaded> {
    load(k, Some(actor), &currency.group_id.to_string()).await
}

/// A currency the caller may see (a member of its group), with its group.
async fn currency_for(k: &Kernel, actor: &Actor, id: CurrencyId) -> Result<(CurrencyRow, Loaded)> {
    let currency = store::currency(&k.db, id)
        .await?
        .ok_or(Error::NotFound("currency"))?;
    let group = group_of(k, actor, &currency).await?;
    // Who may not know of it hears "not found", not "forbidden".
    group
        .authorize(Some(actor), Action::UseMoney)
        .map_err(Error::hidden_as("currency"))?;
    Ok((currency, group))
}

/// An account the caller may at least read.
pub async fn account_for(k: &Kernel, actor: &Actor, id: AccountId) -> Result<AccountFacts> {
    let (row, currency) = store::account_with_currency(&k.db, id)
        .await?
        .ok_or(Error::NotFound("ledger account"))?;
    let group = group_of(k, actor, &currency).await?;
    let facts = AccountFacts {
        row,
        currency,
        group,
    };
    facts
        .authorize(actor, Action::ReadAccount)
        .map_err(Error::hidden_as("ledger account"))?;
    Ok(facts)
}

pub fn currency_of(row: &CurrencyRow, group: GroupSummary) -> Currency {
    let scale = row.scale();
    Currency {
        id: row.id,
        group,
        code: row.code.clone(),
        name: row.name.clone(),
        kind: row.kind.parse().unwrap_or(CurrencyKind::MutualCredit),
        symbol: row.symbol.clone(),
        scale,
        default_floor: row.default_floor.map(|f| format(f, scale)),
        default_ceiling: row.default_ceiling.map(|c| format(c, scale)),
        transfers: row.seq,
        created_at: Timestamp(row.created_at),
    }
}

pub fn account_of(row: &AccountRow, currency: &CurrencyRow, owner: Option<Owner>) -> LedgerAccount {
    let scale = currency.scale();
    LedgerAccount {
        id: row.id,
        currency_id: row.currency_id,
        currency_code: currency.code.clone(),
        owner_kind: row.owner_kind.parse().unwrap_or(OwnerKind::Group),
        owner,
        name: row.name.clone(),
        balance: format(row.balance, scale),
        pending_debits: format(row.debits_pending, scale),
        pending_credits: format(row.credits_pending, scale),
        available: row
            .floor
            .map(|f| format((row.balance - row.debits_pending - f).max(0), scale)),
        floor: row.floor.map(|f| format(f, scale)),
        ceiling: row.ceiling.map(|c| format(c, scale)),
        created_at: Timestamp(row.created_at),
        held_by: row.held_by.clone(),
    }
}

/// Refuses to move a tool-held account's money, or change it, outside its tool (`through`:
/// the tool asking, `None` for the HTTP API).
fn check_holder(row: &AccountRow, field: &str, through: Option<&str>) -> Result<()> {
    match &row.held_by {
        Some(holder) if through != Some(holder.as_str()) => Err(Error::conflict(
            field,
            format!(
                "this account is held by the {holder} tool: its money moves only through that tool"
            ),
        )),
        _ => Ok(()),
    }
}

/// Who may pay into a tool-held account: its tool, and — posted money only — another tool's
/// service (a pool paying a budget's bucket, a bucket returning money to its pool). Only the
/// holder debits, posts or voids, so paying in bypasses no spending rule; the HTTP API (no
/// tool) still refuses it.
fn check_payee_holder(
    row: &AccountRow,
    field: &str,
    through: Option<&str>,
    pending: bool,
) -> Result<()> {
    match (&row.held_by, through) {
        (Some(_), Some(_)) if !pending => Ok(()),
        _ => check_holder(row, field, through),
    }
}

/// The people holding these accounts, in one query.
async fn owners(k: &Kernel, rows: &[AccountRow]) -> Result<Vec<Option<Owner>>> {
    let ids: Vec<PersonId> = rows.iter().filter_map(|r| r.owner_id).collect();
    let handles = kernel::people::service::handles(k, &ids).await?;
    Ok(rows
        .iter()
        .map(|r| {
            let id = r.owner_id?;
            Some(Owner {
                id,
                handle: handles.get(&id)?.clone(),
            })
        })
        .collect())
}

async fn owner_of(k: &Kernel, row: &AccountRow) -> Result<Option<Owner>> {
    Ok(owners(k, std::slice::from_ref(row)).await?.pop().flatten())
}

fn valid_code(code: &str) -> bool {
    (1..=12).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A limit of a new currency or account: missing means `default`, `null` means none.
fn limit(
    v: &mut Validation,
    field: &str,
    input: Option<Option<&Decimal>>,
    default: Option<i64>,
    scale: u32,
) -> Option<i64> {
    match input {
        None => default,
        Some(None) => None,
        Some(Some(d)) => match amount::parse(&d.0, scale) {
            Ok(units) => Some(units),
            Err(e) => {
                v.push(field, e);
                None
            }
        },
    }
}

fn check_limits(v: &mut Validation, floor: Option<i64>, ceiling: Option<i64>, prefix: &str) {
    if floor.is_some_and(|f| f > 0) {
        v.push(
            format!("{prefix}floor"),
            "a floor above zero would leave a new account unable to pay anything",
        );
    }
    if ceiling.is_some_and(|c| c < 0) {
        v.push(
            format!("{prefix}ceiling"),
            "a ceiling below zero would leave a new account unable to receive anything",
        );
    }
}

pub async fn create_currency(
    k: &Kernel,
    actor: &Actor,
    group_key: &str,
    input: NewCurrency,
) -> Result<Currency> {
    let group = load(k, Some(actor), group_key).await?;
    group.authorize(Some(actor), Action::ManageMoney)?;
    let mut v = Validation::new();
    let code = input.code.trim().to_string();
    if !valid_code(&code) {
        v.push("code", "1 to 12 letters or digits, like HOURS or EUR");
    }
    let name = input.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        v.push("name", "1 to 100 characters");
    }
    let symbol = input
        .symbol
        .as_deref()
        .map(str::trim)
        .unwrap_or(&code)
        .to_string();
    if symbol.is_empty() || symbol.chars().count() > 8 {
        v.push("symbol", "1 to 8 characters");
    }
    if input.scale > amount::MAX_SCALE {
        v.push("scale", format!("0 to {} decimals", amount::MAX_SCALE));
    }
    let scale = input.scale.min(amount::MAX_SCALE);
    let floor = limit(
        &mut v,
        "default_floor",
        input.default_floor.as_ref().map(Option::as_ref),
        Some(0),
        scale,
    );
    let ceiling = limit(
        &mut v,
        "default_ceiling",
        input.default_ceiling.as_ref().map(Option::as_ref),
        None,
        scale,
    );
    check_limits(&mut v, floor, ceiling, "default_");
    v.finish()?;
    let row = CurrencyRow {
        id: CurrencyId::new(),
        group_id: group.row.id,
        code,
        name,
        kind: input.kind.as_str().into(),
        symbol,
        scale: i64::from(scale),
        default_floor: floor,
        default_ceiling: ceiling,
        created_by: Some(actor.account),
        created_at: k.now().0,
        seq: 0,
        head: crate::chain::GENESIS.to_vec(),
    };
    let mut tx = k.db.begin().await?;
    store::insert_currency(&mut tx, &row)
        .await
        .map_err(|e| match e {
            Error::Conflict { .. } => {
                Error::conflict("code", "this group already has a currency with this code")
            }
            other => other,
        })?;
    activity::record(
        &mut tx,
        k.now(),
        NewActivity::new(
            "Create",
            Some(actor.account),
            ObjectRef::new("weft:Currency", row.id, Some(&row.name)),
            Audience::Group(group.row.id),
        )
        .tool(TOOL)
        .summary(format!(
            "{} created the currency {} ({})",
            actor.handle, row.name, row.code
        )),
    )
    .await?;
    tx.commit().await?;
    Ok(currency_of(&row, group.row.summary()))
}

pub async fn list_currencies(k: &Kernel, actor: &Actor, group_key: &str) -> Result<Vec<Currency>> {
    let group = load(k, Some(actor), group_key).await?;
    group.authorize(Some(actor), Action::UseMoney)?;
    let rows = store::currencies_of_group(&k.db, group.row.id).await?;
    Ok(rows
        .iter()
        .map(|r| currency_of(r, group.row.summary()))
        .collect())
}

pub async fn get_currency(k: &Kernel, actor: &Actor, id: CurrencyId) -> Result<Currency> {
    let (row, group) = currency_for(k, actor, id).await?;
    Ok(currency_of(&row, group.row.summary()))
}

pub async fn open_account(
    k: &Kernel,
    actor: &Actor,
    currency_id: CurrencyId,
    input: NewAccount,
) -> Result<LedgerAccount> {
    // Opening an account writes, even one's own: a token that may only read cannot.
    actor.require(kernel::people::Scope::LedgerWrite)?;
    let (currency, group) = currency_for(k, actor, currency_id).await?;
    let scale = currency.scale();
    let kind = input.owner_kind.unwrap_or(OwnerKind::Member);
    let manages = group.authorize(Some(actor), Action::ManageMoney).is_ok();
    let own = kind == OwnerKind::Member && input.owner.is_none();
    if !own && !manages {
        return Err(Error::Forbidden(
            "only who manages the group's money opens accounts for others or for the group".into(),
        ));
    }
    if (input.floor.is_some() || input.ceiling.is_some()) && !manages {
        return Err(Error::Forbidden(
            "only who manages the group's money sets limits".into(),
        ));
    }
    let mut v = Validation::new();
    let owner = match (kind, &input.owner) {
        (OwnerKind::Member, None) => Some((actor.account, actor.handle.clone())),
        (OwnerKind::Member, Some(key)) => match kernel::people::service::profile(k, key).await {
            Ok(p) => {
                if !kernel::groups::service::is_member(k, group.row.id, p.id).await? {
                    v.push("owner", "this person is not a member of the group");
                }
                Some((p.id, p.handle))
            }
            Err(_) => {
                v.push("owner", "no such person");
                None
            }
        },
        (_, Some(_)) => {
            v.push("owner", "the group's own accounts have no person as owner");
            None
        }
        (_, None) => None,
    };
    let name = input
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    if name.as_ref().is_some_and(|n| n.chars().count() > 100) {
        v.push("name", "at most 100 characters");
    }
    if kind != OwnerKind::Member && name.is_none() {
        v.push("name", "name the group's account (\"Garden fund\")");
    }
    let floor = limit(
        &mut v,
        "floor",
        input.floor.as_ref().map(Option::as_ref),
        currency.default_floor,
        scale,
    );
    let ceiling = limit(
        &mut v,
        "ceiling",
        input.ceiling.as_ref().map(Option::as_ref),
        currency.default_ceiling,
        scale,
    );
    if let (Some(f), Some(c)) = (floor, ceiling)
        && f > c
    {
        v.push("floor", "the floor must not be above the ceiling");
    }
    v.finish()?;
    let row = AccountRow {
        id: AccountId::new(),
        currency_id: currency.id,
        owner_kind: kind.as_str().into(),
        owner_id: owner.as_ref().map(|(id, _)| *id),
        name,
        floor,
        ceiling,
        balance: 0,
        debits_pending: 0,
        credits_pending: 0,
        created_at: k.now().0,
        held_by: None,
    };
    let mut tx = k.db.begin().await?;
    store::insert_account(&mut tx, &row)
        .await
        .map_err(|e| match e {
            Error::Conflict { .. } => Error::conflict(
                "owner",
                "this person already has an account in this currency",
            ),
            other => other,
        })?;
    let label = owner
        .as_ref()
        .map(|(_, h)| h.clone())
        .or(row.name.clone())
        .unwrap_or_default();
    let mut new = NewActivity::new(
        "Create",
        Some(actor.account),
        ObjectRef::new("weft:LedgerAccount", row.id, Some(&label)),
        Audience::Group(group.row.id),
    )
    .target(ObjectRef::new(
        "weft:Currency",
        currency.id,
        Some(&currency.name),
    ))
    .tool(TOOL)
    .summary(format!(
        "{} opened an account in {} for {label}",
        actor.handle, currency.code
    ));
    if let Some((id, _)) = owner.as_ref().filter(|(id, _)| *id != actor.account) {
        new = new.notify([*id], "account_opened");
    }
    activity::record(&mut tx, k.now(), new).await?;
    tx.commit().await?;
    let owner = owner.map(|(id, handle)| Owner { id, handle });
    Ok(account_of(&row, &currency, owner))
}

/// Opens an account that `tool` holds — a pool, an escrow, a bucket — in a group's currency,
/// for the tool's service once it has decided `actor` may. Only that tool moves its money
/// (`transfer_for_tool`); the API answers 409 for it. It starts without floor or ceiling.
pub async fn open_held_account(
    k: &Kernel,
    tool: &str,
    actor: &Actor,
    currency_id: CurrencyId,
    kind: OwnerKind,
    name: &str,
) -> Result<LedgerAccount> {
    let (currency, group) = currency_for(k, actor, currency_id).await?;
    if kind == OwnerKind::Member {
        return Err(Error::invalid(
            "owner_kind",
            "a tool holds a pool, a campaign or an escrow, not a person's account",
        ));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::invalid("name", "1 to 100 characters"));
    }
    let row = AccountRow {
        id: AccountId::new(),
        currency_id: currency.id,
        owner_kind: kind.as_str().into(),
        owner_id: None,
        name: Some(name.to_string()),
        floor: Some(0),
        ceiling: None,
        balance: 0,
        debits_pending: 0,
        credits_pending: 0,
        created_at: k.now().0,
        held_by: Some(tool.to_string()),
    };
    let mut tx = k.db.begin().await?;
    store::insert_account(&mut tx, &row).await?;
    let new = NewActivity::new(
        "Create",
        Some(actor.account),
        ObjectRef::new("weft:LedgerAccount", row.id, Some(name)),
        Audience::Group(group.row.id),
    )
    .target(ObjectRef::new(
        "weft:Currency",
        currency.id,
        Some(&currency.name),
    ))
    .tool(tool)
    .summary(format!(
        "{} opened {name} in {} (held by {tool})",
        actor.handle, currency.code
    ));
    activity::record(&mut tx, k.now(), new).await?;
    tx.commit().await?;
    Ok(account_of(&row, &currency, None))
}

/// Money a person puts up from their own account (a bounty): the currency, its scale, the
/// amount in minor units and the account it comes from.
#[derive(Debug, Clone)]
pub struct OwnMoney {
    pub currency: CurrencyId,
    pub scale: u32,
    pub amount: i64,
    pub payer: AccountId,
}

/// Checks money `actor` offers from their own account in one of `group`'s currencies (named
/// by id or code): the errors go on `{prefix}currency` and `{prefix}amount`, and the answer is
/// `None` when there are any. A token that may not spend the person's money is refused.
pub async fn own_money(
    k: &Kernel,
    actor: &Actor,
    v: &mut Validation,
    group: kernel::id::GroupId,
    currency: &str,
    amount: &Decimal,
    prefix: &str,
) -> Result<Option<OwnMoney>> {
    if actor.require(kernel::people::Scope::LedgerWrite).is_err() {
        return Err(Error::Forbidden(
            "this spends your money: the token needs the ledger:write scope".into(),
        ));
    }
    let key = currency.trim();
    let found = store::currencies_of_group(&k.db, group)
        .await?
        .into_iter()
        .find(|c| c.id.to_string() == key || c.code.eq_ignore_ascii_case(key));
    let Some(currency) = found else {
        v.push(
            format!("{prefix}currency"),
            "no such currency in this group",
        );
        return Ok(None);
    };
    let field = format!("{prefix}amount");
    let units = match amount::parse_transfer_amount(&field, &amount.0, currency.scale()) {
        Ok(units) => units,
        Err(Error::Invalid(errors)) => {
            for e in errors {
                v.push(e.field, e.detail);
            }
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    let Some(payer) = store::member_account(&k.db, actor.account, currency.id).await? else {
        v.push(
            format!("{prefix}currency"),
            format!(
                "open an account in {} before you put money up in it",
                currency.code
            ),
        );
        return Ok(None);
    };
    Ok(Some(OwnMoney {
        currency: currency.id,
        scale: currency.scale(),
        amount: units,
        payer: payer.id,
    }))
}

/// A person's account in a currency, for a tool that pays them (a bounty's assignee): opened
/// with the currency's default limits when they have none. They must be a member of the
/// currency's group (409 on `field` otherwise).
pub async fn member_account_for_tool(
    k: &Kernel,
    tool: &str,
    currency_id: CurrencyId,
    person: PersonId,
    field: &'static str,
) -> Result<AccountId> {
    let mine = |rows: Vec<AccountRow>| {
        rows.into_iter()
            .find(|a| a.currency_id == currency_id && a.owner_kind == OwnerKind::Member.as_str())
            .map(|a| a.id)
    };
    if let Some(id) = mine(store::accounts_of_person(&k.db, person).await?) {
        return Ok(id);
    }
    let currency = store::currency(&k.db, currency_id)
        .await?
        .ok_or(Error::NotFound("currency"))?;
    if !kernel::groups::service::is_member(k, currency.group_id, person).await? {
        return Err(Error::conflict(
            field,
            "this person is not a member of the currency's group",
        ));
    }
    let row = AccountRow {
        id: AccountId::new(),
        currency_id,
        owner_kind: OwnerKind::Member.as_str().into(),
        owner_id: Some(person),
        name: None,
        floor: currency.default_floor,
        ceiling: currency.default_ceiling,
        balance: 0,
        debits_pending: 0,
        credits_pending: 0,
        created_at: k.now().0,
        held_by: None,
    };
    let mut tx = k.db.begin().await?;
    match store::insert_account(&mut tx, &row).await {
        Ok(()) => {}
        // Opened meanwhile by someone else: use theirs.
        Err(Error::Conflict { .. }) => {
            drop(tx);
            return mine(store::accounts_of_person(&k.db, person).await?)
                .ok_or(Error::internal("an account vanished while it was opened"));
        }
        Err(e) => return Err(e),
    }
    let new = NewActivity::new(
        "Create",
        None,
        ObjectRef::new("weft:LedgerAccount", row.id, None),
        Audience::Accounts {
            group: Some(currency.group_id),
            accounts: vec![person],
        },
    )
    .target(ObjectRef::new(
        "weft:Currency",
        currency.id,
        Some(&currency.name),
    ))
    .tool(tool)
    .summary(format!(
        "An account in {} was opened to receive a payment from {tool}",
        currency.code
    ))
    .notify([person], "account_opened");
    activity::record(&mut tx, k.now(), new).await?;
    tx.commit().await?;
    Ok(row.id)
}

pub async fn get_account(k: &Kernel, actor: &Actor, id: AccountId) -> Result<LedgerAccount> {
    let facts = account_for(k, actor, id).await?;
    let owner = owner_of(k, &facts.row).await?;
    Ok(account_of(&facts.row, &facts.currency, owner))
}

/// The caller's accounts in every currency of groups they are in.
pub async fn my_accounts(k: &Kernel, actor: &Actor) -> Result<Vec<LedgerAccount>> {
    actor.require(kernel::people::Scope::LedgerRead)?;
    let rows = store::accounts_of_person(&k.db, actor.account).await?;
    let mut out = Vec::with_capacity(rows.len());
    let owner = Owner {
        id: actor.account,
        handle: actor.handle.clone(),
    };
    let mut currencies: std::collections::HashMap<CurrencyId, CurrencyRow> = Default::default();
    for row in rows {
        if !currencies.contains_key(&row.currency_id)
            && let Some(c) = store::currency(&k.db, row.currency_id).await?
        {
            currencies.insert(c.id, c);
        }
        // A group-limited token sees the accounts in its group's currencies only.
        let only = kernel::policy::confined_to(Some(actor));
        if let Some(currency) = currencies.get(&row.currency_id)
            && only.is_none_or(|g| g == currency.group_id)
        {
            out.push(account_of(&row, currency, Some(owner.clone())));
        }
    }
    Ok(out)
}

/// A currency's accounts: all of them for who manages its money, one's own for members.
pub async fn list_accounts(
    k: &Kernel,
    actor: &Actor,
    currency_id: CurrencyId,
    page: &PageRequest,
) -> Result<Page<LedgerAccount>> {
    let (currency, group) = currency_for(k, actor, currency_id).await?;
    let limit = page.limit()?;
    let visible = kernel::policy::visible(
        actor,
        group.standing.as_ref(),
        &group.facts,
        kernel::policy::Listed::LedgerAccounts,
    );
    let rows =
        store::accounts_of_currency(&k.db, currency.id, visible, page.after()?, limit).await?;
    let page = Page::from_rows(rows, limit, |r| r.id.0);
    let owners = owners(k, &page.items).await?;
    Ok(Page {
        items: page
            .items
            .iter()
            .zip(owners)
            .map(|(row, owner)| account_of(row, &currency, owner))
            .collect(),
        next_cursor: page.next_cursor,
    })
}

/// Changes an account's floor and ceiling through the API: who manages the group's money;
/// a tool-held account refuses (409).
pub async fn update_limits(
    k: &Kernel,
    actor: &Actor,
    id: AccountId,
    input: LimitsUpdate,
) -> Result<LedgerAccount> {
    let facts = account_for(k, actor, id).await?;
    facts.group.authorize(Some(actor), Action::ManageMoney)?;
    check_holder(&facts.row, "floor", None)?;
    set_limits(k, actor, facts, input).await
}

/// Changes the limits of an account `tool` holds (a pool's overdraft, a bucket's target),
/// for `actor` once the tool's own policy has allowed it.
pub async fn update_limits_for_tool(
    k: &Kernel,
    tool: &str,
    actor: &Actor,
    id: AccountId,
    input: LimitsUpdate,
) -> Result<LedgerAccount> {
    let facts = account_for(k, actor, id).await?;
    if facts.row.held_by.as_deref() != Some(tool) {
        return Err(Error::conflict(
            "account",
            format!("the {tool} tool changes the limits of its own accounts only"),
        ));
    }
    set_limits(k, actor, facts, input).await
}

async fn set_limits(
    k: &Kernel,
    actor: &Actor,
    facts: AccountFacts,
    input: LimitsUpdate,
) -> Result<LedgerAccount> {
    let scale = facts.currency.scale();
    let mut v = Validation::new();
    let floor = limit(
        &mut v,
        "floor",
        input.floor.as_ref().map(Option::as_ref),
        facts.row.floor,
        scale,
    );
    let ceiling = limit(
        &mut v,
        "ceiling",
        input.ceiling.as_ref().map(Option::as_ref),
        facts.row.ceiling,
        scale,
    );
    if let (Some(f), Some(c)) = (floor, ceiling)
        && f > c
    {
        v.push("floor", "the floor must not be above the ceiling");
    }
    v.finish()?;
    let mut tx = k.db.begin().await?;
    store::set_limits(&mut tx, &facts.row, floor, ceiling, actor.account, k.now()).await?;
    let fmt = |l: Option<i64>| l.map_or("none".to_string(), |l| format(l, scale));
    let mut to: Vec<PersonId> = vec![actor.account];
    to.extend(facts.row.owner_id);
    to.dedup();
    let mut new = NewActivity::new(
        "Update",
        Some(actor.account),
        ObjectRef::new("weft:LedgerAccount", facts.row.id, None),
        Audience::Accounts {
            group: Some(facts.group.row.id),
            accounts: to,
        },
    )
    .tool(TOOL)
    .summary(format!(
        "{} changed the limits of an account in {}: floor {} → {}, ceiling {} → {}",
        actor.handle,
        facts.currency.code,
        fmt(facts.row.floor),
        fmt(floor),
        fmt(facts.row.ceiling),
        fmt(ceiling)
    ));
    if let Some(owner) = facts.row.owner_id.filter(|o| *o != actor.account) {
        new = new.notify([owner], "limits_changed");
    }
    activity::record(&mut tx, k.now(), new).await?;
    tx.commit().await?;
    let row = AccountRow {
        floor,
        ceiling,
        ..facts.row
    };
    let owner = owner_of(k, &row).await?;
    Ok(account_of(&row, &facts.currency, owner))
}

/// Every change of an account's limits, newest first: for who may read the account.
pub async fn limit_changes(k: &Kernel, actor: &Actor, id: AccountId) -> Result<Vec<LimitChange>> {
    let facts = account_for(k, actor, id).await?;
    let rows = store::limit_changes(&k.db, id).await?;
    let ids: Vec<PersonId> = rows.iter().filter_map(|r| r.changed_by).collect();
    let handles = kernel::people::service::handles(k, &ids).await?;
    let scale = facts.currency.scale();
    let fmt = |l: Option<i64>| l.map(|l| format(l, scale));
    Ok(rows
        .into_iter()
        .map(|r| LimitChange {
            floor_before: fmt(r.floor_before),
            ceiling_before: fmt(r.ceiling_before),
            floor: fmt(r.floor),
            ceiling: fmt(r.ceiling),
            changed_by: r.changed_by.and_then(|id| {
                Some(Owner {
                    id,
                    handle: handles.get(&id)?.clone(),
                })
            }),
            changed_at: Timestamp(r.changed_at),
        })
        .collect())
}

// Transfers.

/// The key under which the ledger keeps a request `tool` made with `key` (what a tool looks
/// up in `store::requests` to learn whether a step of its own was done).
pub fn tool_key(tool: &str, key: &str) -> String {
    format!("{tool} {key}")
}

/// A request's idempotency key as the ledger keeps it. A tool's keys live apart from the
/// keys people send through the API (`"<tool> <key>"`: a space, which no API key holds), so
/// nobody can take a key a tool will use later — a transfer made in advance under
/// `tasks-card-…-pay` would otherwise make the tool's own step look like a reused key.
fn check_key(key: Option<&str>, through: Option<&str>) -> Result<Option<String>> {
    match key {
        None => Ok(None),
        Some(k) if (1..=255).contains(&k.len()) && k.bytes().all(|b| (0x21..0x7f).contains(&b)) => {
            Ok(Some(match through {
                Some(tool) => tool_key(tool, k),
                None => k.to_string(),
            }))
        }
        Some(_) => Err(Error::invalid(
            "Idempotency-Key",
            "1 to 255 visible ASCII characters (a UUID is a good key)",
        )),
    }
}

/// The paying account of a leg. One the calling tool holds is read without the caller's
/// read access: the tool's service decided, and a later step it takes under the name of
/// someone who has since left the group (a refund to a bounty's givers) must still run.
async fn payer_for(
    k: &Kernel,
    actor: &Actor,
    id: AccountId,
    through: Option<&str>,
) -> Result<AccountFacts> {
    if let Some(tool) = through {
        let (row, currency) = store::account_with_currency(&k.db, id)
            .await?
            .ok_or(Error::NotFound("ledger account"))?;
        if row.held_by.as_deref() == Some(tool) {
            let group = group_of(k, actor, &currency).await?;
            return Ok(AccountFacts {
                row,
                currency,
                group,
            });
        }
    }
    account_for(k, actor, id).await
}

/// A leg checked against its accounts: who pays may spend from `from`. A tool-held account
/// takes part only through its tool (`through`), whose service has decided who may spend it.
async fn leg_of(
    k: &Kernel,
    actor: &Actor,
    input: &NewTransfer,
    prefix: &str,
    through: Option<&str>,
    v: &mut Validation,
) -> Result<Option<(Leg, u32)>> {
    let from = match payer_for(k, actor, input.from, through).await {
        Ok(f) => Some(f),
        Err(Error::NotFound(_)) => {
            v.push(format!("{prefix}from"), "no such account");
            None
        }
        Err(e) => return Err(e),
    };
    if let Some(from) = &from {
        check_holder(&from.row, &format!("{prefix}from"), through)?;
    }
    let held_by_this_tool = from
        .as_ref()
        .is_some_and(|f| f.row.held_by.is_some() && f.row.held_by.as_deref() == through);
    if let Some(from) = &from
        && !held_by_this_tool
        && let Err(e) = from.authorize(actor, Action::Spend)
    {
        return Err(match e {
                Error::Forbidden(_) => Error::Forbidden(
                    "only the account's owner (or, for the group's own accounts, who manages its money) pays from it"
                        .into(),
                ),
                other => other,
            });
    }
    // The receiving account must exist and hold the same currency; its owner's privacy is
    // kept (no read access is needed to pay someone).
    let to = store::account(&k.db, input.to).await?;
    if let Some(to) = &to {
        check_payee_holder(to, &format!("{prefix}to"), through, input.pending)?;
    }
    match (&from, &to) {
        (_, None) => v.push(format!("{prefix}to"), "no such account"),
        (Some(f), Some(t)) if t.currency_id != f.row.currency_id => v.push(
            format!("{prefix}to"),
            "this account holds another currency than the one paying",
        ),
        (Some(f), Some(t)) if t.id == f.row.id => v.push(
            format!("{prefix}to"),
            "a transfer needs two different accounts",
        ),
        _ => {}
    }
    let Some(from) = from else { return Ok(None) };
    let scale = from.currency.scale();
    let amount =
        match amount::parse_transfer_amount(&format!("{prefix}amount"), &input.amount.0, scale) {
            Ok(a) => Some(a),
            Err(Error::Invalid(errors)) => {
                for e in errors {
                    v.push(e.field, e.detail);
                }
                None
            }
            Err(e) => return Err(e),
        };
    if let Some(memo) = &input.memo
        && memo.chars().count() > 500
    {
        v.push(format!("{prefix}memo"), "at most 500 characters");
    }
    let timeout_at = match input.timeout_s {
        Some(_) if !input.pending => {
            v.push(
                format!("{prefix}timeout_s"),
                "only a pending transfer has a timeout",
            );
            None
        }
        Some(s) if s == 0 || s > 366 * 24 * 3600 => {
            v.push(format!("{prefix}timeout_s"), "1 second to a year");
            None
        }
        Some(s) => Some(k.now().plus_seconds(s as i64)),
        None => None,
    };
    Ok(amount.map(|amount| {
        (
            Leg {
                from: input.from,
                to: input.to,
                amount,
                memo: input.memo.clone().filter(|m| !m.is_empty()),
                pending: input.pending,
                timeout_at,
                held_by: through.filter(|_| input.pending).map(str::to_string),
            },
            scale,
        )
    }))
}

/// What makes two requests "the same" for an idempotency key: the legs as the book sees
/// them ("12.5" and "12.50" are one amount).
fn request_hash(what: &str, legs: &[NewTransfer], parsed: &[Leg]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(what.as_bytes());
    for (input, leg) in legs.iter().zip(parsed) {
        h.update(
            format!(
                "|{}|{}|{}|{:?}|{}|{:?}",
                leg.from, leg.to, leg.amount, leg.memo, leg.pending, input.timeout_s
            )
            .as_bytes(),
        );
    }
    h.finalize().into()
}

async fn legs_of(
    k: &Kernel,
    actor: &Actor,
    inputs: &[NewTransfer],
    linked: bool,
    through: Option<&str>,
) -> Result<(Vec<Leg>, Vec<u32>)> {
    let mut v = Validation::new();
    let mut legs = Vec::with_capacity(inputs.len());
    // Each leg's currency's scale: linked legs may move several currencies.
    let mut scales = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let prefix = if linked {
            format!("legs[{i}].")
        } else {
            String::new()
        };
        if let Some((leg, scale)) = leg_of(k, actor, input, &prefix, through, &mut v).await? {
            legs.push(leg);
            scales.push(scale);
        }
    }
    v.finish()?;
    Ok((legs, scales))
}

/// A transfer through the API (`POST /api/v1/transfers`): tool-held accounts refuse it (409).
pub async fn transfer(
    ledger: &Ledger,
    actor: &Actor,
    input: NewTransfer,
    key: Option<&str>,
) -> Result<(Transfer, bool)> {
    transfer_through(ledger, actor, input, key, None).await
}

/// A transfer a tool's service makes for `actor` after its own policy check: the accounts
/// `tool` holds take part (their spending is the tool's decision); other tools' still refuse.
pub async fn transfer_for_tool(
    ledger: &Ledger,
    tool: &str,
    actor: &Actor,
    input: NewTransfer,
    key: Option<&str>,
) -> Result<(Transfer, bool)> {
    transfer_through(ledger, actor, input, key, Some(tool)).await
}

async fn transfer_through(
    ledger: &Ledger,
    actor: &Actor,
    input: NewTransfer,
    key: Option<&str>,
    through: Option<&str>,
) -> Result<(Transfer, bool)> {
    let k = ledger.kernel();
    require_scope(actor, through)?;
    let key = check_key(key, through)?;
    let inputs = [input];
    let (legs, scales) = legs_of(k, actor, &inputs, false, through).await?;
    let key = key.map(|key| Key {
        request_hash: request_hash("transfer", &inputs, &legs),
        key,
    });
    let outcome = ledger
        .submit(Op::Transfer {
            actor: Some(actor.account),
            key,
            linked: false,
            legs,
        })
        .await?;
    let Outcome::Transfers {
        ids,
        batch,
        replayed,
        rows,
    } = outcome
    else {
        return Err(Error::internal("a transfer ended as something else"));
    };
    if batch.is_some() || ids.len() != 1 {
        return Err(Error::conflict(
            "Idempotency-Key",
            "this key was used for another request; use a new key for a new transfer",
        ));
    }
    // A new transfer is answered from what was written; a replay reads its current state.
    match rows.into_iter().next() {
        Some(row) if !replayed => Ok((view(row, None, scales[0]), false)),
        _ => Ok((load_transfer(k, ids[0]).await?, replayed)),
    }
}

/// Linked transfers through the API (`POST /api/v1/batches`): tool-held accounts refuse them.
pub async fn batch(
    ledger: &Ledger,
    actor: &Actor,
    input: NewBatch,
    key: Option<&str>,
) -> Result<(Batch, bool)> {
    batch_through(ledger, actor, input, key, None).await
}

/// Linked transfers a tool's service makes (a round paying every funded bucket at once): the
/// accounts `tool` holds take part, and the pending legs are `tool`'s to end.
pub async fn batch_for_tool(
    ledger: &Ledger,
    tool: &str,
    actor: &Actor,
    input: NewBatch,
    key: Option<&str>,
) -> Result<(Batch, bool)> {
    batch_through(ledger, actor, input, key, Some(tool)).await
}

/// The API's calls need the `ledger:write` scope; a tool's service has checked its own scope
/// and policy before it calls (spending from a person's account still asks theirs).
fn require_scope(actor: &Actor, through: Option<&str>) -> Result<()> {
    match through {
        None => actor.require(kernel::people::Scope::LedgerWrite),
        Some(_) => Ok(()),
    }
}

async fn batch_through(
    ledger: &Ledger,
    actor: &Actor,
    input: NewBatch,
    key: Option<&str>,
    through: Option<&str>,
) -> Result<(Batch, bool)> {
    let k = ledger.kernel();
    require_scope(actor, through)?;
    let key = check_key(key, through)?;
    if input.legs.is_empty() || input.legs.len() > 100 {
        return Err(Error::invalid("legs", "1 to 100 legs"));
    }
    let (legs, scales) = legs_of(k, actor, &input.legs, true, through).await?;
    let key = key.map(|key| Key {
        request_hash: request_hash("batch", &input.legs, &legs),
        key,
    });
    let outcome = ledger
        .submit(Op::Transfer {
            actor: Some(actor.account),
            key,
            linked: true,
            legs,
        })
        .await?;
    let Outcome::Transfers {
        batch: Some(id),
        replayed,
        rows,
        ..
    } = outcome
    else {
        return Err(Error::conflict(
            "Idempotency-Key",
            "this key was used for another request; use a new key for a new batch",
        ));
    };
    if !replayed {
        let transfers = rows
            .into_iter()
            .zip(scales)
            .map(|(r, scale)| view(r, None, scale))
            .collect();
        return Ok((Batch { id, transfers }, false));
    }
    let rows = store::batch_transfers(&k.db, id).await?;
    let mut transfers = Vec::with_capacity(rows.len());
    for row in rows {
        transfers.push(transfer_of(k, row).await?);
    }
    Ok((Batch { id, transfers }, replayed))
}

/// Posts (`Some(amount)`) or voids (`None`) a pending transfer through the API: one that
/// touches a tool-held account is that tool's to end (409).
pub async fn end_pending(
    ledger: &Ledger,
    actor: &Actor,
    id: TransferId,
    post: Option<PostPending>,
) -> Result<Transfer> {
    end_pending_through(ledger, actor, id, post, None).await
}

/// Posts or voids a pending transfer for a tool's service, which has decided it may.
pub async fn end_pending_for_tool(
    ledger: &Ledger,
    tool: &str,
    actor: &Actor,
    id: TransferId,
    post: Option<PostPending>,
) -> Result<Transfer> {
    end_pending_through(ledger, actor, id, post, Some(tool)).await
}

async fn end_pending_through(
    ledger: &Ledger,
    actor: &Actor,
    id: TransferId,
    post: Option<PostPending>,
    through: Option<&str>,
) -> Result<Transfer> {
    let k = ledger.kernel();
    require_scope(actor, through)?;
    let row = store::transfer(&k.db, id)
        .await?
        .ok_or(Error::NotFound("transfer"))?;
    let debit = account_for(k, actor, row.debit_account_id).await;
    let credit = account_for(k, actor, row.credit_account_id).await;
    if debit.is_err() && credit.is_err() && through.is_none() {
        return Err(Error::NotFound("transfer"));
    }
    for side in [&debit, &credit].into_iter().flatten() {
        check_holder(&side.row, "transfer", through)?;
    }
    // A pending transfer a tool made is that tool's to end, whoever else may pay from it.
    let held_transfer = match &row.held_by {
        Some(holder) if through != Some(holder.as_str()) => {
            return Err(Error::conflict(
                "transfer",
                format!(
                    "this pending transfer is held by the {holder} tool: it is posted or voided only through that tool"
                ),
            ));
        }
        Some(_) => true,
        None => false,
    };
    let held = |side: &Result<AccountFacts>| {
        side.as_ref()
            .is_ok_and(|s| s.row.held_by.is_some() && s.row.held_by.as_deref() == through)
    };
    let payer = held_transfer
        || held(&debit)
        || debit
            .as_ref()
            .is_ok_and(|d| d.authorize(actor, Action::Spend).is_ok());
    let payee = held_transfer
        || credit
            .as_ref()
            .is_ok_and(|c| c.authorize(actor, Action::Spend).is_ok());
    let how = match &post {
        Some(p) => {
            if !payer {
                return Err(Error::Forbidden(
                    "only who may pay from the debited account posts it".into(),
                ));
            }
            let scale = store::currency(&k.db, row.currency_id)
                .await?
                .ok_or(Error::NotFound("currency"))?
                .scale();
            let amount = p
                .amount
                .as_ref()
                .map(|a| amount::parse_transfer_amount("amount", &a.0, scale))
                .transpose()?;
            End::Post(amount)
        }
        None => {
            if !payer && !payee {
                return Err(Error::Forbidden(
                    "only who may pay from the debited account, or the receiver, voids it".into(),
                ));
            }
            End::Void
        }
    };
    ledger
        .submit(Op::End {
            actor: Some(actor.account),
            pending: id,
            how,
        })
        .await?;
    load_transfer(k, id).await
}

async fn load_transfer(k: &Kernel, id: TransferId) -> Result<Transfer> {
    let row = store::transfer(&k.db, id)
        .await?
        .ok_or(Error::NotFound("transfer"))?;
    transfer_of(k, row).await
}

async fn transfer_of(k: &Kernel, row: TransferRow) -> Result<Transfer> {
    let scale = store::currency(&k.db, row.currency_id)
        .await?
        .map_or(0, |c| c.scale());
    let end = if row.kind == TransferKind::Pending.as_str() {
        store::ends_of(&k.db, &[row.id]).await?.into_iter().next()
    } else {
        None
    };
    Ok(view(row, end.as_ref(), scale))
}

fn view(row: TransferRow, end: Option<&TransferRow>, scale: u32) -> Transfer {
    let kind: TransferKind = row.kind.parse().unwrap_or(TransferKind::Transfer);
    let state = match kind {
        TransferKind::Transfer | TransferKind::Post => TransferState::Posted,
        TransferKind::Void => TransferState::Voided,
        TransferKind::Expire => TransferState::Expired,
        TransferKind::Pending => match end.map(|e| e.kind.as_str()) {
            None => TransferState::Pending,
            Some("post") => TransferState::Posted,
            Some("expire") => TransferState::Expired,
            Some(_) => TransferState::Voided,
        },
    };
    Transfer {
        id: row.id,
        state,
        kind,
        currency_id: row.currency_id,
        from: row.debit_account_id,
        to: row.credit_account_id,
        amount: format(row.amount, scale),
        memo: row.memo,
        pending_id: row.pending_id,
        resolved_by: end.map(|e| e.id),
        posted_amount: end
            .filter(|e| e.kind == "post")
            .map(|e| format(e.amount, scale)),
        timeout_at: row.timeout_at.map(Timestamp),
        batch_id: row.batch_id,
        seq: row.seq,
        hash: chain::hex(&row.hash),
        created_at: Timestamp(row.created_at),
        held_by: row.held_by,
    }
}

/// A transfer as a tool's service reads it, once its own policy has allowed the reader (a
/// pool's spends, for the pool's readers).
pub async fn transfer_as_tool(k: &Kernel, id: TransferId) -> Result<Transfer> {
    load_transfer(k, id).await
}

/// A movement of an account, in units, as a tool's service reads it (a pool's report).
#[derive(Debug, Clone, Copy)]
pub struct Movement {
    pub seq: i64,
    /// Reserved, not moved.
    pub pending: bool,
    /// Signed: in is positive. A release moves nothing (0).
    pub amount: i64,
    /// The posted balance after it.
    pub balance: i64,
    pub created_at: i64,
}

/// The last `limit` movements of `account`, oldest first, for a tool's service that has
/// checked who reads them (a pool's balance over time).
pub async fn recent_movements(k: &Kernel, account: AccountId, limit: u32) -> Result<Vec<Movement>> {
    let walk = store::Walk::NewestBelow(None);
    let mut rows = store::statement_side(&k.db, account, true, walk, limit).await?;
    rows.extend(store::statement_side(&k.db, account, false, walk, limit).await?);
    rows.sort_unstable_by_key(|r| std::cmp::Reverse(r.seq));
    rows.truncate(limit as usize);
    rows.reverse();
    Ok(rows
        .into_iter()
        .map(|r| {
            let debit = r.debit_account_id == account;
            let (amount, pending) = match r.kind.parse().unwrap_or(TransferKind::Transfer) {
                TransferKind::Transfer | TransferKind::Post => (r.amount, false),
                TransferKind::Pending => (r.amount, true),
                TransferKind::Void | TransferKind::Expire => (0, false),
            };
            Movement {
                seq: r.seq,
                pending,
                amount: if debit { -amount } else { amount },
                balance: if debit {
                    r.debit_balance
                } else {
                    r.credit_balance
                },
                created_at: r.created_at,
            }
        })
        .collect())
}

/// What was posted into and out of an account in all, in units (a pool's report).
pub async fn account_totals(k: &Kernel, account: AccountId) -> Result<(i64, i64)> {
    Ok((
        store::posted_total(&k.db, account, false).await?,
        store::posted_total(&k.db, account, true).await?,
    ))
}

/// A transfer, for who may read either of its accounts.
pub async fn get_transfer(k: &Kernel, actor: &Actor, id: TransferId) -> Result<Transfer> {
    let row = store::transfer(&k.db, id)
        .await?
        .ok_or(Error::NotFound("transfer"))?;
    let readable = account_for(k, actor, row.debit_account_id).await.is_ok()
        || account_for(k, actor, row.credit_account_id).await.is_ok();
    if !readable {
        return Err(Error::NotFound("transfer"));
    }
    transfer_of(k, row).await
}

/// A currency's book, newest first: for who manages the group's money.
pub async fn currency_transfers(
    k: &Kernel,
    actor: &Actor,
    id: CurrencyId,
    page: &PageRequest,
) -> Result<Page<Transfer>> {
    let (currency, group) = currency_for(k, actor, id).await?;
    group.authorize(Some(actor), Action::AuditMoney)?;
    let limit = page.limit()?;
    let before = seq_cursor(page)?;
    let rows = store::transfers_of_currency(&k.db, currency.id, before, limit).await?;
    let page = Page::from_rows(rows, limit, |r| seq_key(r.seq));
    let ends = store::ends_of(&k.db, &page.items.iter().map(|r| r.id).collect::<Vec<_>>()).await?;
    let scale = currency.scale();
    Ok(page.map(|row| {
        let end = ends.iter().find(|e| e.pending_id == Some(row.id));
        view(row, end, scale)
    }))
}

fn seq_key(seq: i64) -> uuid::Uuid {
    uuid::Uuid::from_u64_pair(0, seq as u64)
}

fn seq_cursor(page: &PageRequest) -> Result<Option<i64>> {
    match page.cursor.as_deref() {
        None | Some("") => Ok(None),
        Some(c) => {
            let (high, low) = decode_cursor(c)?.as_u64_pair();
            if high != 0 || low > i64::MAX as u64 {
                return Err(Error::BadRequest(
                    "cursor is not one this server gave out".into(),
                ));
            }
            Ok(Some(low as i64))
        }
    }
}

/// One page of an account's statement, newest first, with its running balance.
pub async fn statement(
    k: &Kernel,
    actor: &Actor,
    id: AccountId,
    page: &PageRequest,
) -> Result<Page<StatementEntry>> {
    let facts = account_for(k, actor, id).await?;
    let limit = page.limit()?;
    let before = seq_cursor(page)?;
    let entries = statement_page(k, &facts, before, limit + 1).await?;
    Ok(Page::from_rows(entries, limit, |e| seq_key(e.seq)))
}

/// Up to `limit` entries of an account below `before`, newest first: both sides of the
/// account read through their own index, then merged.
pub async fn statement_page(
    k: &Kernel,
    facts: &AccountFacts,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<StatementEntry>> {
    let id = facts.row.id;
    let walk = store::Walk::NewestBelow(before);
    let mut rows = store::statement_side(&k.db, id, true, walk, limit).await?;
    rows.extend(store::statement_side(&k.db, id, false, walk, limit).await?);
    rows.sort_unstable_by_key(|r| std::cmp::Reverse(r.seq));
    rows.truncate(limit as usize);
    let scale = facts.currency.scale();
    Ok(rows.into_iter().map(|r| entry_of(r, id, scale)).collect())
}

fn entry_of(r: TransferRow, id: AccountId, scale: u32) -> StatementEntry {
    let debit = r.debit_account_id == id;
    let kind: TransferKind = r.kind.parse().unwrap_or(TransferKind::Transfer);
    let (amount, pending) = match kind {
        TransferKind::Transfer | TransferKind::Post => (r.amount, false),
        TransferKind::Pending => (r.amount, true),
        // A release moves no balance.
        TransferKind::Void | TransferKind::Expire => (0, false),
    };
    let signed = if debit { -amount } else { amount };
    StatementEntry {
        transfer_id: r.id,
        seq: r.seq,
        kind,
        counterparty: if debit {
            r.credit_account_id
        } else {
            r.debit_account_id
        },
        amount: format(signed, scale),
        pending,
        balance: format(
            if debit {
                r.debit_balance
            } else {
                r.credit_balance
            },
            scale,
        ),
        memo: r.memo,
        created_at: Timestamp(r.created_at),
    }
}

/// The header of a statement exported as CSV.
pub const CSV_HEADER: &str = "date,seq,transfer,kind,counterparty,amount,pending,balance,memo\n";

/// Up to `limit` lines of an account's statement as CSV, oldest first, after `after` (a
/// `seq`), and the `seq` to go on from when there may be more.
pub async fn statement_csv(
    k: &Kernel,
    account: AccountId,
    scale: u32,
    after: i64,
    limit: u32,
) -> Result<(String, Option<i64>)> {
    let walk = store::Walk::OldestAbove(after);
    let mut rows = store::statement_side(&k.db, account, true, walk, limit).await?;
    rows.extend(store::statement_side(&k.db, account, false, walk, limit).await?);
    rows.sort_unstable_by_key(|r| r.seq);
    rows.truncate(limit as usize);
    let next = (rows.len() == limit as usize).then(|| rows.last().map_or(after, |r| r.seq));
    let mut out = String::new();
    for r in rows {
        let e = entry_of(r, account, scale);
        let memo = e.memo.as_deref().map(csv_field).unwrap_or_default();
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            e.created_at.to_rfc3339(),
            e.seq,
            e.transfer_id,
            e.kind,
            e.counterparty,
            e.amount,
            e.pending,
            e.balance,
            memo
        ));
    }
    Ok((out, next))
}

/// A CSV field, quoted; a leading `=`, `+`, `-`, `@`, TAB or CR is defused so a spreadsheet
/// does not run it as a formula (OWASP's CSV injection list: spreadsheets skip a leading TAB
/// or CR and read the formula behind it).
fn csv_field(text: &str) -> String {
    let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    format!("\"{}\"", defused.replace('"', "\"\""))
}

pub async fn verify(k: &Kernel, actor: &Actor, id: CurrencyId) -> Result<Verification> {
    let (currency, _) = currency_for(k, actor, id).await?;
    crate::verify::verify_currency(&k.db, &currency).await
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn formulas_are_defused_in_csv_fields() {
        for risky in ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1+1", "\r=1+1"] {
            let field = csv_field(risky);
            assert!(field.starts_with("\"'"), "{risky:?} → {field}");
        }
        assert_eq!(csv_field("weeding"), "\"weeding\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
