//! The budget tool's use cases: rounds and their phases, buckets and their review, the three
//! mechanisms (cobudget allocations, Decidim-style votes counted by tally, quadratic matching),
//! closing a round (results frozen, winners funded from the pool, a recurring round's next
//! one opened), cancelling and completing buckets, and payouts against budget items.

use std::collections::{BTreeMap, HashMap, HashSet};

use kernel::activity::{self, NewActivity, ObjectRef};
use kernel::error::Validation;
use kernel::groups::access::Loaded;
use kernel::people::Actor;
use kernel::policy::Action;
use kernel::{Error, Kernel, Result, Timestamp};
use ledger::{Decimal, amount};

use crate::live::ROUNDS;
use crate::model::*;
use crate::money::{self, Kind, Money, Step};
use crate::store::{self, BucketRow, ItemRow, MoveRow, RoundRow};

// ---------------------------------------------------------------------------------------
// Loading with the policy

/// A group whose rounds `actor` may read, with the tool on.
pub(crate) async fn group_for(k: &Kernel, actor: Option<&Actor>, key: &str) -> Result<Loaded> {
    kernel::groups::access::for_tool(k, actor, key, TOOL).await
}

/// A round `actor` may read, with its group and currency.
pub(crate) struct Found {
    pub row: RoundRow,
    pub group: Loaded,
    pub currency: ledger::store::CurrencyRow,
}

impl Found {
    fn scale(&self) -> u32 {
        self.currency.scale()
    }

    fn dec(&self, units: i64) -> String {
        amount::format(units, self.scale())
    }

    fn may_manage(&self, actor: Option<&Actor>) -> bool {
        self.group.authorize(actor, Action::Tool(MANAGE)).is_ok()
    }

    /// Whether `actor` takes part as `who` says (`members`, or a role's name; managers always).
    fn may_as(&self, actor: Option<&Actor>, who: &str) -> bool {
        if self.group.authorize(actor, Action::ToolUse(TOOL)).is_err() {
            return false;
        }
        who == "members"
            || self.may_manage(actor)
            || self
                .group
                .standing
                .as_ref()
                .is_some_and(|s| s.role.as_str() == who)
    }

    fn require_manage(&self, actor: &Actor) -> Result<()> {
        self.group.authorize(Some(actor), Action::Tool(MANAGE))
    }

    fn require_as(&self, actor: &Actor, who: &str, what: &str) -> Result<()> {
        self.group.authorize(Some(actor), Action::ToolUse(TOOL))?;
        if self.may_as(Some(actor), who) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "in this round only the {who} role may {what}"
            )))
        }
    }
}

pub(crate) async fn round_for(k: &Kernel, actor: Option<&Actor>, id: RoundId) -> Result<Found> {
    let row = store::round(&k.db, id)
        .await?
        .ok_or(Error::NotFound("round"))?;
    let group = group_for(k, actor, &row.group_id.to_string())
        .await
        .map_err(Error::hidden_as("round"))?;
    let currency = ledger::store::currency(&k.db, row.currency_id)
        .await?
        .ok_or(Error::NotFound("currency"))?;
    Ok(Found {
        row,
        group,
        currency,
    })
}

pub(crate) async fn bucket_for(
    k: &Kernel,
    actor: Option<&Actor>,
    id: BucketId,
) -> Result<(BucketRow, Found)> {
    let bucket = store::bucket(&k.db, id)
        .await?
        .ok_or(Error::NotFound("bucket"))?;
    let found = round_for(k, actor, bucket.round_id)
        .await
        .map_err(Error::hidden_as("bucket"))?;
    Ok((bucket, found))
}

// ---------------------------------------------------------------------------------------
// Checks

fn text(v: &mut Validation, field: &str, given: &str, min: usize, max: usize) -> String {
    let t = given.trim().to_string();
    let n = t.chars().count();
    if n < min || n > max {
        v.push(field, format!("{min} to {max} characters"));
    }
    t
}

fn units(v: &mut Validation, field: &str, given: &Decimal, scale: u32, zero_ok: bool) -> i64 {
    match amount::parse(&given.0, scale) {
        Ok(u) if u > 0 || (zero_ok && u == 0) => u,
        Ok(_) => {
            v.push(field, "must be more than zero");
            0
        }
        Err(e) => {
            v.push(field, e);
            0
        }
    }
}

fn tags(v: &mut Validation, given: Option<Vec<String>>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in given.unwrap_or_default() {
        let t = t.trim().to_lowercase();
        if t.is_empty() || t.chars().count() > 40 {
            v.push("tags", "a tag has 1 to 40 characters");
        } else if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.len() > MAX_TAGS {
        v.push("tags", format!("at most {MAX_TAGS} tags"));
    }
    out
}

fn items(v: &mut Validation, given: &[NewItem], scale: u32) -> Vec<ItemRow> {
    if given.is_empty() || given.len() > MAX_ITEMS {
        v.push("items", format!("1 to {MAX_ITEMS} budget items"));
    }
    let mut out = Vec::new();
    for (i, item) in given.iter().enumerate() {
        let name = text(v, &format!("items[{i}].name"), &item.name, 1, 200);
        let min = units(v, &format!("items[{i}].min"), &item.min, scale, true);
        let max = match &item.max {
            Some(m) => units(v, &format!("items[{i}].max"), m, scale, true),
            None => min,
        };
        if max < min {
            v.push(format!("items[{i}].max"), "at least the minimum");
        }
        out.push(ItemRow { name, min, max });
    }
    let goal: i128 = out.iter().map(|i| i128::from(i.min)).sum();
    let stretch: i128 = out.iter().map(|i| i128::from(i.max)).sum();
    if stretch > i128::from(i64::MAX / 4) {
        v.push("items", "too large");
    } else if goal == 0 && !given.is_empty() {
        v.push("items", "a bucket asks for more than nothing");
    }
    out
}

fn who(v: &mut Validation, field: &str, given: Option<String>) -> String {
    let w = given.unwrap_or_else(|| "members".into()).trim().to_string();
    if w.is_empty() || w.chars().count() > 60 {
        v.push(field, "members, or a role's name");
    }
    w
}

fn to_opt_i64(x: Option<u32>) -> Option<i64> {
    x.map(i64::from)
}

fn to_opt_u32(x: Option<i64>) -> Option<u32> {
    x.and_then(|x| u32::try_from(x).ok())
}

// ---------------------------------------------------------------------------------------
// Rounds

pub async fn create_round(
    money: &Money,
    actor: &Actor,
    group_key: &str,
    input: NewRound,
) -> Result<Round> {
    let k = money.kernel();
    let group = group_for(k, Some(actor), group_key).await?;
    group.authorize(Some(actor), Action::Tool(MANAGE))?;
    let mut v = Validation::new();
    let title = text(&mut v, "title", &input.title, 1, MAX_TITLE);
    let description = text(
        &mut v,
        "description",
        input.description.as_deref().unwrap_or(""),
        0,
        MAX_TEXT,
    );
    let guidelines: Vec<String> = input
        .guidelines
        .unwrap_or_default()
        .iter()
        .map(|g| text(&mut v, "guidelines", g, 1, 500))
        .collect();
    if guidelines.len() > MAX_GUIDELINES {
        v.push("guidelines", format!("at most {MAX_GUIDELINES}"));
    }
    let key = input.currency.trim();
    let currency = ledger::store::currencies_of_group(&k.db, group.row.id)
        .await?
        .into_iter()
        .find(|c| c.id.to_string() == key || c.code.eq_ignore_ascii_case(key));
    if currency.is_none() {
        v.push("currency", "no such currency in this group");
    }
    let scale = currency.as_ref().map_or(2, |c| c.scale());
    let budget = input
        .budget
        .as_ref()
        .map(|b| units(&mut v, "budget", b, scale, false));
    let allocation = input
        .allocation
        .as_ref()
        .map(|a| units(&mut v, "allocation", a, scale, false));
    let max_per_bucket = input
        .max_per_bucket
        .as_ref()
        .map(|m| units(&mut v, "max_per_bucket", m, scale, false));
    if input.mechanism == Mechanism::Cobudget && input.pool.is_some() && budget.is_none() {
        v.push(
            "budget",
            "a cobudget round paid from a pool needs a budget: the most it takes from the pool",
        );
    }
    match input.mechanism {
        Mechanism::Cobudget if allocation.is_none() => v.push(
            "allocation",
            "a cobudget round gives each member an allocation",
        ),
        Mechanism::Vote | Mechanism::Quadratic if budget.is_none() => {
            v.push("budget", "a vote or quadratic round allocates a budget")
        }
        _ => {}
    }
    if input.mechanism != Mechanism::Vote
        && (input.threshold_pct.is_some()
            || input.min_projects.is_some()
            || input.min_selected.is_some()
            || input.max_selected.is_some()
            || input.vote_rule.is_some())
    {
        v.push("vote_rule", "the vote rule is for vote rounds");
    }
    let rules = [
        input.threshold_pct.is_some(),
        input.min_projects.is_some(),
        input.min_selected.is_some() || input.max_selected.is_some(),
    ];
    if rules.iter().filter(|r| **r).count() > 1 {
        v.push(
            "threshold_pct",
            "one rule: threshold_pct, min_projects, or min_selected and max_selected",
        );
    }
    if input.threshold_pct.is_some_and(|p| p > 100) {
        v.push("threshold_pct", "0 to 100");
    }
    if let (Some(a), Some(b)) = (input.min_selected, input.max_selected)
        && a > b
    {
        v.push("max_selected", "at least min_selected");
    }
    if input.mechanism != Mechanism::Quadratic
        && (input.pairwise.is_some() || input.pairwise_m.is_some())
    {
        v.push("pairwise", "pairwise bounding is for quadratic rounds");
    }
    if input.pairwise_m == Some(0) {
        v.push("pairwise_m", "more than zero");
    }
    let pairwise_m = match (input.pairwise, input.pairwise_m) {
        (Some(false), _) => None,
        (_, Some(m)) => Some(i64::from(m)),
        (Some(true), None) => Some(DEFAULT_PAIRWISE_M),
        (None, None) => None,
    };
    let proposers = who(&mut v, "proposers", input.proposers);
    let funders = who(&mut v, "funders", input.funders);
    for (field, role) in [("proposers", &proposers), ("funders", &funders)] {
        if role != "members" && !kernel::groups::access::role_exists(k, group.row.id, role).await? {
            v.push(field, format!("the group has no role {role}"));
        }
    }
    let phases = input.phases.unwrap_or_default();
    let now = k.now();
    let dates = [
        phases.proposals_until,
        phases.review_until,
        phases.funding_until,
    ];
    let mut last = now.0;
    for (field, date) in [
        "phases.proposals_until",
        "phases.review_until",
        "phases.funding_until",
    ]
    .iter()
    .zip(dates)
    {
        if let Some(d) = date {
            if d.0 <= last {
                v.push(*field, "after now and after the phase before it");
            }
            last = d.0;
        }
    }
    if input.recurring.is_some() && phases.funding_until.is_none() {
        v.push(
            "recurring",
            "a recurring round needs phases.funding_until: the next one starts when it closes",
        );
    }
    let pool = match (&input.pool, &currency) {
        (Some(p), Some(c)) => match p.trim().parse::<uuid::Uuid>() {
            Err(_) => {
                v.push("pool", "a pool's id");
                None
            }
            Ok(id) => {
                let grant = money
                    .pools()?
                    .grant(&money.ledger, actor, id)
                    .await
                    .map_err(|e| match e {
                        Error::NotFound(_) => Error::invalid("pool", "no such pool in this group"),
                        Error::Conflict { detail, .. } => Error::invalid("pool", detail),
                        other => other,
                    })?;
                if grant.group != group.row.id {
                    v.push("pool", "no such pool in this group");
                } else if grant.currency != c.id {
                    v.push("pool", "the pool holds another currency");
                }
                Some(grant)
            }
        },
        _ => None,
    };
    v.finish()?;
    let currency = currency.ok_or(Error::internal("checked above"))?;
    let row = RoundRow {
        id: RoundId::new(),
        group_id: group.row.id,
        title,
        description,
        guidelines: serde_json::to_string(&guidelines).unwrap_or_else(|_| "[]".into()),
        currency_id: currency.id,
        mechanism: input.mechanism.as_str().into(),
        pool_id: pool.as_ref().map(|p| p.id),
        pool_account_id: pool.as_ref().map(|p| p.account),
        budget,
        allocation,
        max_per_bucket,
        proposals_until: phases.proposals_until.map(|t| t.0),
        review_until: phases.review_until.map(|t| t.0),
        funding_until: phases.funding_until.map(|t| t.0),
        phase: phase_at(&phases, now).as_str().into(),
        recurring: input.recurring.map(|r| r.as_str().into()),
        vote_rule: input.vote_rule.unwrap_or(VoteCount::Greedy).as_str().into(),
        threshold_pct: to_opt_i64(input.threshold_pct),
        min_projects: to_opt_i64(input.min_projects),
        min_selected: to_opt_i64(input.min_selected),
        max_selected: to_opt_i64(input.max_selected),
        pairwise_m,
        proposers,
        funders,
        created_by: actor.account,
        created_at: now.0,
        closed_at: None,
        results: None,
        previous_id: None,
        next_id: None,
    };
    let mut tx = k.db.begin().await?;
    insert_round(&mut tx, k, &row, Some(actor)).await?;
    tx.commit().await?;
    get_round(k, Some(actor), row.id).await
}

/// Writes a round with its phase jobs and its activity.
async fn insert_round(
    tx: &mut kernel::db::Tx,
    k: &Kernel,
    row: &RoundRow,
    actor: Option<&Actor>,
) -> Result<()> {
    store::insert_round(tx, row).await?;
    for (phase, at) in [
        (Phase::Review, row.proposals_until),
        (Phase::Funding, row.review_until.or(row.proposals_until)),
        (Phase::Closed, row.funding_until),
    ] {
        if let Some(at) = at {
            kernel::jobs::enqueue(
                tx,
                k.now(),
                kernel::jobs::NewJob::new(
                    PHASE_JOB,
                    serde_json::json!({"round": row.id, "phase": phase.as_str()}),
                )
                .at(Timestamp(at))
                .unique(format!("budget-{}-{}", row.id, phase.as_str())),
            )
            .await?;
        }
    }
    let by = actor.map_or_else(|| "The clock".to_string(), |a| a.handle.clone());
    activity::record(
        tx,
        k.now(),
        NewActivity::new(
            "Create",
            actor.map(|a| a.account),
            ObjectRef::new("weft:BudgetRound", row.id, Some(&row.title)),
            kernel::activity::Audience::Group(row.group_id),
        )
        .tool(TOOL)
        .summary(format!(
            "{by} opened the {} round {}",
            row.mechanism, row.title
        )),
    )
    .await?;
    Ok(())
}

pub async fn list_rounds(k: &Kernel, actor: Option<&Actor>, group_key: &str) -> Result<RoundList> {
    let group = group_for(k, actor, group_key).await?;
    let rows = store::rounds_of(&k.db, group.row.id).await?;
    let counts: HashMap<RoundId, i64> =
        store::bucket_counts(&k.db, &rows.iter().map(|r| r.id).collect::<Vec<_>>())
            .await?
            .into_iter()
            .collect();
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let currency = ledger::store::currency(&k.db, row.currency_id)
            .await?
            .ok_or(Error::NotFound("currency"))?;
        let n = counts.get(&row.id).copied().unwrap_or(0);
        let found = Found {
            row,
            group: group.clone(),
            currency,
        };
        items.push(view(k, actor, &found, n, false).await?);
    }
    Ok(RoundList { items })
}

pub async fn get_round(k: &Kernel, actor: Option<&Actor>, id: RoundId) -> Result<Round> {
    let found = round_for(k, actor, id).await?;
    let n = store::bucket_counts(&k.db, &[id])
        .await?
        .first()
        .map_or(0, |c| c.1);
    view(k, actor, &found, n, true).await
}

async fn view(
    k: &Kernel,
    actor: Option<&Actor>,
    found: &Found,
    buckets: i64,
    mine: bool,
) -> Result<Round> {
    let r = &found.row;
    let creator = kernel::people::service::handles(k, &[r.created_by]).await?;
    let rule = vote_rule(
        to_opt_u32(r.threshold_pct),
        to_opt_u32(r.min_projects),
        to_opt_u32(r.min_selected),
        to_opt_u32(r.max_selected),
    );
    let mine = match actor {
        Some(a) if mine => Some(mine_in(k, a, found).await?),
        _ => None,
    };
    Ok(Round {
        id: r.id,
        group: r.group_id,
        title: r.title.clone(),
        description: r.description.clone(),
        guidelines: r.guideline_list(),
        currency: r.currency_id,
        currency_code: found.currency.code.clone(),
        mechanism: r.mechanism(),
        pool: r.pool_id.map(|p| p.to_string()),
        budget: r.budget.map(|b| found.dec(b)),
        allocation: r.allocation.map(|a| found.dec(a)),
        max_per_bucket: r.max_per_bucket.map(|m| found.dec(m)),
        phase: r.phase(),
        phases: r.phases(),
        recurring: r.recurring.as_deref().and_then(|x| x.parse().ok()),
        vote_rule: r.vote_rule.parse().unwrap_or(VoteCount::Greedy),
        threshold_pct: to_opt_u32(r.threshold_pct),
        min_projects: to_opt_u32(r.min_projects),
        min_selected: to_opt_u32(r.min_selected),
        max_selected: to_opt_u32(r.max_selected),
        pairwise_m: to_opt_u32(r.pairwise_m),
        proposers: r.proposers.clone(),
        funders: r.funders.clone(),
        rule_text: if r.mechanism() == Mechanism::Vote {
            rule_text(
                rule,
                &amount::format(r.budget.unwrap_or(0), found.scale()),
                &found.currency.code,
            )
        } else {
            String::new()
        },
        buckets,
        created_by: Person {
            id: r.created_by,
            handle: creator.get(&r.created_by).cloned().unwrap_or_default(),
        },
        created_at: Timestamp(r.created_at),
        closed_at: r.closed_at.map(Timestamp),
        previous: r.previous_id,
        next: r.next_id,
        mine,
    })
}

async fn mine_in(k: &Kernel, actor: &Actor, found: &Found) -> Result<Mine> {
    let r = &found.row;
    let given = store::given_now(&k.db, r.id, actor.account).await?;
    let allocation = match r.mechanism() {
        Mechanism::Cobudget => Some(
            store::allocation_now(&k.db, r.id, actor.account)
                .await?
                .or(r.allocation)
                .unwrap_or(0),
        ),
        _ => None,
    };
    let ballot = match r.mechanism() {
        Mechanism::Vote => store::ballot(&k.db, r.id, actor.account)
            .await?
            .map(|(b, _)| serde_json::from_str(&b).unwrap_or_default()),
        _ => None,
    };
    let may_fund = found.may_as(Some(actor), &r.funders);
    Ok(Mine {
        allocation: allocation.map(|a| found.dec(a)),
        given: found.dec(given),
        left: allocation.map(|a| found.dec((a - given).max(0))),
        ballot,
        may_propose: found.may_as(Some(actor), &r.proposers),
        may_fund,
        may_manage: found.may_manage(Some(actor)),
    })
}

pub async fn edit_round(
    money: &Money,
    actor: &Actor,
    id: RoundId,
    edit: RoundEdit,
) -> Result<Round> {
    let k = money.kernel();
    let found = round_for(k, Some(actor), id).await?;
    found.require_manage(actor)?;
    let mut v = Validation::new();
    let title = edit
        .title
        .as_ref()
        .map(|t| text(&mut v, "title", t, 1, MAX_TITLE));
    let description = edit
        .description
        .as_ref()
        .map(|t| text(&mut v, "description", t, 0, MAX_TEXT));
    let guidelines = edit.guidelines.as_ref().map(|g| {
        g.iter()
            .map(|x| text(&mut v, "guidelines", x, 1, 500))
            .collect::<Vec<_>>()
    });
    if let Some(p) = edit.phase
        && p.rank() <= found.row.phase().rank()
    {
        v.push(
            "phase",
            format!("the round is already in {}", found.row.phase),
        );
    }
    v.finish()?;
    let mut tx = k.db.begin().await?;
    let mut row = store::lock_round(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("round"))?;
    if let Some(t) = title {
        row.title = t;
    }
    if let Some(d) = description {
        row.description = d;
    }
    if let Some(g) = guidelines {
        row.guidelines = serde_json::to_string(&g).unwrap_or_else(|_| "[]".into());
    }
    store::update_round(&mut tx, &row).await?;
    tx.commit().await?;
    match edit.phase {
        Some(Phase::Closed) => {
            close(money, Some(actor), id).await?;
        }
        Some(p) => {
            advance(money, Some(actor), id, p).await?;
        }
        None => ROUNDS.changed(k, id),
    }
    get_round(k, Some(actor), id).await
}

/// Moves a round forward to `phase` (never back); the clock's job or a manager.
pub async fn advance(
    money: &Money,
    actor: Option<&Actor>,
    id: RoundId,
    phase: Phase,
) -> Result<()> {
    if phase == Phase::Closed {
        return close(money, actor, id).await.map(|_| ());
    }
    let k = money.kernel();
    let mut tx = k.db.begin().await?;
    let Some(mut row) = store::lock_round(&mut tx, id).await? else {
        return Ok(());
    };
    if row.phase().rank() >= phase.rank() {
        return Ok(());
    }
    row.phase = phase.as_str().into();
    store::update_round(&mut tx, &row).await?;
    let by = actor.map_or_else(|| "The round's calendar".into(), |a| a.handle.clone());
    let what = match phase {
        Phase::Review => "is in review: reviewers check the buckets against the guidelines",
        Phase::Funding => "is open for funding",
        _ => "moved on",
    };
    activity::record(
        &mut tx,
        k.now(),
        NewActivity::new(
            "Update",
            actor.map(|a| a.account),
            ObjectRef::new("weft:BudgetRound", row.id, Some(&row.title)),
            kernel::activity::Audience::Group(row.group_id),
        )
        .tool(TOOL)
        .summary(format!("{by}: the round {} {what}", row.title)),
    )
    .await?;
    tx.commit().await?;
    ROUNDS.changed(k, id);
    Ok(())
}

pub async fn close_round(money: &Money, actor: &Actor, id: RoundId) -> Result<Round> {
    let k = money.kernel();
    let found = round_for(k, Some(actor), id).await?;
    found.require_manage(actor)?;
    if found.row.phase() == Phase::Closed {
        return Err(Error::conflict("round", "the round is already closed"));
    }
    close(money, Some(actor), id).await?;
    get_round(k, Some(actor), id).await
}

/// Closes a round: counts it, freezes its results, funds the winners (drawing on the pool),
/// and opens the next round of a recurring one. Closing twice does nothing the second time.
async fn close(money: &Money, actor: Option<&Actor>, id: RoundId) -> Result<Option<Results>> {
    let k = money.kernel();
    let Some(before) = store::round(&k.db, id).await? else {
        return Ok(None);
    };
    if before.phase() == Phase::Closed {
        return Ok(None);
    }
    let currency = ledger::store::currency(&k.db, before.currency_id)
        .await?
        .ok_or(Error::NotFound("currency"))?;
    let now = k.now();
    let mut tx = k.db.begin().await?;
    let mut row = store::lock_round(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("round"))?;
    if row.phase() == Phase::Closed {
        return Ok(None);
    }
    let found = Found {
        row: row.clone(),
        group: kernel::groups::access::load(k, None, &row.group_id.to_string()).await?,
        currency,
    };
    let mut results = count(k, &found, true).await?;
    results.is_final = true;
    let mut buckets = store::buckets_in(&mut tx, id).await?;
    let mut steps: Vec<MoveRow> = Vec::new();
    let funded: HashMap<BucketId, &FundedBucket> =
        results.funded.iter().map(|f| (f.bucket, f)).collect();
    let scale = found.scale();
    let mut notify: Vec<(BucketRow, Vec<AccountId>)> = Vec::new();
    let creators = creators(k, &buckets).await?;
    for b in &mut buckets {
        let Some(f) = funded.get(&b.id) else {
            // A quadratic bucket left out (rejected after people gave) gives their money back.
            if b.state() == BucketState::Open && b.held() > 0 {
                let gifts = store::gifts_to(&mut tx, b.id).await?;
                let back = give_back(k, &row, b, &gifts, "not funded", now).await?;
                store::refund_contributions(&mut tx, b.id).await?;
                b.returned += back.iter().map(|s| s.amount).sum::<i64>();
                b.contributed = 0;
                store::update_bucket(&mut tx, b).await?;
                steps.extend(back);
            }
            continue;
        };
        let total = amount::parse(&f.amount, scale).unwrap_or(0);
        let matched = f
            .matched
            .as_ref()
            .map_or(0, |m| amount::parse(m, scale).unwrap_or(0));
        let draw = match row.mechanism() {
            Mechanism::Cobudget => 0, // drawn as it was funded
            Mechanism::Vote => total,
            Mechanism::Quadratic => matched,
        };
        if row.mechanism() != Mechanism::Cobudget {
            b.state = BucketState::Funded.as_str().into();
            b.funded_at = Some(now.0);
            if row.mechanism() == Mechanism::Vote {
                b.contributed = total;
            }
        }
        if row.pool_id.is_some() && draw > 0 {
            b.drawn += draw;
            steps.push(
                Step {
                    key: format!("budget-b-{}-close-draw", b.id),
                    bucket: b.id,
                    kind: Kind::Draw,
                    from: row.pool_account_id,
                    to: None, // filled once the bucket's account is open
                    amount: draw,
                    actor: row.created_by,
                    memo: format!("{}: {}", row.title, b.title),
                }
                .row(now.0),
            );
        }
        store::update_bucket(&mut tx, b).await?;
        notify.push((b.clone(), creators.get(&b.id).cloned().unwrap_or_default()));
    }
    row.phase = Phase::Closed.as_str().into();
    row.closed_at = Some(now.0);
    row.results = Some(serde_json::to_string(&results).unwrap_or_default());
    // A recurring round opens its successor, with fresh allocations and dates a period on.
    let next = match row
        .recurring
        .as_deref()
        .and_then(|r| r.parse::<Recurrence>().ok())
    {
        Some(every) => {
            let shift = |t: Option<i64>| t.map(|t| add_months(Timestamp(t), every.months()).0);
            let mut next = row.clone();
            next.id = RoundId::new();
            next.proposals_until = shift(row.proposals_until);
            next.review_until = shift(row.review_until);
            next.funding_until = shift(row.funding_until);
            next.phase = phase_at(&next.phases(), now).as_str().into();
            next.created_at = now.0;
            next.closed_at = None;
            next.results = None;
            next.previous_id = Some(row.id);
            next.next_id = None;
            row.next_id = Some(next.id);
            Some(next)
        }
        None => None,
    };
    store::update_round(&mut tx, &row).await?;
    if let Some(next) = &next {
        insert_round(&mut tx, k, next, None).await?;
    }
    let by = actor.map_or_else(|| "The round's calendar".into(), |a| a.handle.clone());
    activity::record(
        &mut tx,
        now,
        NewActivity::new(
            "Close",
            actor.map(|a| a.account),
            ObjectRef::new("weft:BudgetRound", row.id, Some(&row.title)),
            kernel::activity::Audience::Group(row.group_id),
        )
        .tool(TOOL)
        .summary(format!(
            "{by} closed the round {}: {} bucket{} funded",
            row.title,
            results.funded.len(),
            if results.funded.len() == 1 { "" } else { "s" }
        )),
    )
    .await?;
    for (b, people) in &notify {
        activity::record(
            &mut tx,
            now,
            bucket_news("weft:BucketFunded", None, b, row.group_id)
                .notify(people.iter().copied(), "bucket_funded")
                .summary(format!("{} is funded in the round {}", b.title, row.title)),
        )
        .await?;
    }
    for s in &steps {
        store::insert_move(&mut tx, s).await?;
    }
    tx.commit().await?;
    // The draws, each into its bucket's account, opened now.
    for s in steps {
        if let Err(e) = money::run(money, &s).await {
            tracing::warn!(bucket = %s.bucket_id, error = %e, "the pool could not pay a funded bucket");
        }
    }
    ROUNDS.changed(k, id);
    Ok(Some(results))
}

// ---------------------------------------------------------------------------------------
// Counting

/// The results as they stand (or frozen, for a closed round unless `fresh`).
async fn count(k: &Kernel, found: &Found, fresh: bool) -> Result<Results> {
    let r = &found.row;
    if !fresh && let Some(frozen) = r.results.as_deref() {
        return serde_json::from_str(frozen).map_err(Error::internal);
    }
    let buckets = store::buckets_of(&k.db, r.id).await?;
    let standing = |b: &BucketRow| {
        b.state() != BucketState::Cancelled
            && b.review() != Review::Rejected
            && (!r.reviewed() || b.review() == Review::Approved)
    };
    let dec = |u: i64| found.dec(u);
    match r.mechanism() {
        Mechanism::Cobudget => {
            let funded: Vec<FundedBucket> = buckets
                .iter()
                .filter(|b| {
                    matches!(b.state(), BucketState::Funded | BucketState::Completed)
                        || (standing(b) && b.contributed >= b.goal && b.goal > 0)
                })
                .map(|b| FundedBucket {
                    bucket: b.id,
                    title: b.title.clone(),
                    amount: dec(b.contributed),
                    matched: None,
                    votes: None,
                })
                .collect();
            let spent = funded
                .iter()
                .map(|f| amount::parse(&f.amount, found.scale()).unwrap_or(0))
                .sum();
            Ok(Results {
                round: r.id,
                mechanism: Mechanism::Cobudget,
                is_final: !fresh && r.phase() == Phase::Closed,
                funded,
                budget: None,
                spent: dec(spent),
                left: None,
                ballots: None,
                tie: None,
            })
        }
        Mechanism::Vote => {
            let options: Vec<&BucketRow> = buckets.iter().filter(|b| standing(b)).collect();
            let index: HashMap<BucketId, u32> = options
                .iter()
                .enumerate()
                .map(|(i, b)| (b.id, i as u32))
                .collect();
            let costs: Vec<u64> = options.iter().map(|b| b.goal.max(0) as u64).collect();
            let mut ballots: BTreeMap<Vec<u32>, u64> = BTreeMap::new();
            let mut cast = 0i64;
            for (b,) in store::ballots(&k.db, r.id).await? {
                cast += 1;
                let ids: Vec<BucketId> = serde_json::from_str(&b).unwrap_or_default();
                let mut picks: Vec<u32> =
                    ids.iter().filter_map(|id| index.get(id).copied()).collect();
                picks.sort_unstable();
                picks.dedup();
                *ballots.entry(picks).or_insert(0) += 1;
            }
            let weighted: Vec<tally::ballot::Weighted<Vec<tally::ballot::OptionId>>> = ballots
                .into_iter()
                .map(|(p, w)| {
                    tally::ballot::Weighted::new(
                        p.into_iter().map(tally::ballot::OptionId).collect(),
                        w,
                    )
                })
                .collect();
            let budget = r.budget.unwrap_or(0).max(0) as u64;
            let allocation = if options.is_empty() {
                None
            } else {
                Some(
                    match r.vote_rule.parse().unwrap_or(VoteCount::Greedy) {
                        VoteCount::Greedy => tally::budget::greedy(
                            budget,
                            &costs,
                            &weighted,
                            tally::budget::GreedyOrder::Votes,
                        ),
                        VoteCount::EqualShares => tally::budget::equal_shares(
                            budget,
                            &costs,
                            &weighted,
                            tally::budget::Utility::Cost,
                        ),
                    }
                    .map_err(|e| Error::internal(format!("counting the round: {e:?}")))?,
                )
            };
            let funded = allocation
                .as_ref()
                .map(|a| {
                    a.funded
                        .iter()
                        .map(|f| {
                            let b = options[f.project.index()];
                            FundedBucket {
                                bucket: b.id,
                                title: b.title.clone(),
                                amount: dec(b.goal),
                                matched: None,
                                votes: Some(f.votes as i64),
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            let spent = allocation.as_ref().map_or(0, |a| a.spent) as i64;
            Ok(Results {
                round: r.id,
                mechanism: Mechanism::Vote,
                is_final: !fresh && r.phase() == Phase::Closed,
                funded,
                budget: Some(dec(budget as i64)),
                spent: dec(spent),
                left: Some(dec(budget as i64 - spent)),
                ballots: Some(cast),
                tie: Some(allocation.is_some_and(|a| a.tie)),
            })
        }
        Mechanism::Quadratic => {
            let matches = quadratic(k, found, &buckets).await?;
            let mut funded = Vec::new();
            let mut spent = 0;
            for b in buckets.iter().filter(|b| standing(b) && b.contributed > 0) {
                let m = matches.get(&b.id).copied().unwrap_or(0);
                spent += m;
                funded.push(FundedBucket {
                    bucket: b.id,
                    title: b.title.clone(),
                    amount: dec(b.contributed + m),
                    matched: Some(dec(m)),
                    votes: None,
                });
            }
            let budget = r.budget.unwrap_or(0);
            Ok(Results {
                round: r.id,
                mechanism: Mechanism::Quadratic,
                is_final: !fresh && r.phase() == Phase::Closed,
                funded,
                budget: Some(dec(budget)),
                spent: dec(spent),
                left: Some(dec(budget - spent)),
                ballots: None,
                tie: None,
            })
        }
    }
}

/// Each standing bucket's match from the round's budget, by capital-constrained quadratic
/// funding over its standing contributions.
async fn quadratic(
    k: &Kernel,
    found: &Found,
    buckets: &[BucketRow],
) -> Result<HashMap<BucketId, i64>> {
    let r = &found.row;
    let eligible: Vec<&BucketRow> = buckets
        .iter()
        .filter(|b| {
            b.state() != BucketState::Cancelled
                && b.review() != Review::Rejected
                && (!r.reviewed() || b.review() == Review::Approved)
        })
        .collect();
    let place: HashMap<BucketId, usize> = eligible
        .iter()
        .enumerate()
        .map(|(i, b)| (b.id, i))
        .collect();
    let mut people: HashMap<AccountId, u64> = HashMap::new();
    let mut projects: Vec<tally::quadratic::Contributions> = vec![Vec::new(); eligible.len()];
    for (bucket, account, amount) in store::gifts(&k.db, r.id).await? {
        let Some(&i) = place.get(&bucket) else {
            continue;
        };
        let n = people.len() as u64;
        let who = *people.entry(account).or_insert(n);
        projects[i].push((who, amount.max(0) as u64));
    }
    // M is in whole units of the currency (Gitcoin's 25 is 25 dollars), the gifts in minor units.
    let unit = 10f64.powi(found.scale() as i32);
    let m = tally::quadratic::matches(
        &projects,
        r.budget.unwrap_or(0).max(0) as u64,
        r.pairwise_m.map(|m| m as f64 * unit),
    );
    Ok(eligible
        .iter()
        .zip(m)
        .map(|(b, m)| (b.id, m as i64))
        .collect())
}

pub async fn results(k: &Kernel, actor: Option<&Actor>, id: RoundId) -> Result<Results> {
    let found = round_for(k, actor, id).await?;
    // A vote's standing is its ballots': hidden from voters until the close, as in Decidim.
    if found.row.mechanism() == Mechanism::Vote
        && found.row.phase() != Phase::Closed
        && !found.may_manage(actor)
    {
        return Err(Error::conflict(
            "round",
            "a vote round shows its results when it closes",
        ));
    }
    count(k, &found, found.row.phase() != Phase::Closed).await
}

// ---------------------------------------------------------------------------------------
// Buckets

async fn creators(k: &Kernel, buckets: &[BucketRow]) -> Result<HashMap<BucketId, Vec<AccountId>>> {
    let mut out: HashMap<BucketId, Vec<AccountId>> = HashMap::new();
    for (b, a) in
        store::creators_of(&k.db, &buckets.iter().map(|b| b.id).collect::<Vec<_>>()).await?
    {
        out.entry(b).or_default().push(a);
    }
    Ok(out)
}

pub async fn create_bucket(
    k: &Kernel,
    actor: &Actor,
    round: RoundId,
    input: NewBucket,
) -> Result<Bucket> {
    let found = round_for(k, Some(actor), round).await?;
    found.require_as(actor, &found.row.proposers, "propose buckets")?;
    let phase = found.row.phase();
    let open = phase == Phase::Proposals
        || (phase == Phase::Funding && found.row.proposals_until.is_none());
    if !open {
        return Err(Error::conflict(
            "round",
            format!("the round takes no new buckets in its {phase} phase"),
        ));
    }
    let mut v = Validation::new();
    let title = text(&mut v, "title", &input.title, 1, MAX_TITLE);
    let description = text(
        &mut v,
        "description",
        input.description.as_deref().unwrap_or(""),
        0,
        MAX_TEXT,
    );
    let items = items(&mut v, &input.items, found.scale());
    let tags = tags(&mut v, input.tags);
    let mut people = vec![actor.account];
    let co_creators = input.co_creators.unwrap_or_default();
    if co_creators.len() >= MAX_CREATORS {
        return Err(Error::invalid(
            "co_creators",
            format!("at most {MAX_CREATORS} creators"),
        ));
    }
    for key in co_creators {
        match kernel::people::service::member(k, found.row.group_id, &key).await? {
            Some(id) if !people.contains(&id) => people.push(id),
            Some(_) => {}
            None => v.push("co_creators", format!("{key} is not a member of the group")),
        }
    }
    if people.len() > MAX_CREATORS {
        v.push("co_creators", format!("at most {MAX_CREATORS} creators"));
    }
    v.finish()?;
    let now = k.now();
    let mut tx = k.db.begin().await?;
    store::lock_round(&mut tx, round).await?;
    let n = store::count_buckets(&mut tx, round).await?;
    if n >= MAX_BUCKETS {
        return Err(Error::conflict(
            "round",
            format!("a round holds at most {MAX_BUCKETS} buckets"),
        ));
    }
    let row = BucketRow {
        id: BucketId::new(),
        round_id: round,
        seq: n + 1,
        title,
        description,
        goal: items.iter().map(|i| i.min).sum(),
        stretch: items.iter().map(|i| i.max).sum(),
        items: serde_json::to_string(&items).unwrap_or_else(|_| "[]".into()),
        tags: serde_json::to_string(&tags).unwrap_or_else(|_| "[]".into()),
        review: if found.row.reviewed() {
            Review::Pending
        } else {
            Review::Approved
        }
        .as_str()
        .into(),
        review_note: String::new(),
        state: BucketState::Open.as_str().into(),
        contributed: 0,
        drawn: 0,
        paid_out: 0,
        returned: 0,
        account_id: None,
        created_by: actor.account,
        created_at: now.0,
        funded_at: None,
        completed_at: None,
    };
    store::insert_bucket(&mut tx, &row, &people).await?;
    activity::record(
        &mut tx,
        now,
        bucket_news("Create", Some(actor.account), &row, found.row.group_id).summary(format!(
            "{} proposed {} in the round {}",
            actor.handle, row.title, found.row.title
        )),
    )
    .await?;
    tx.commit().await?;
    ROUNDS.changed(k, round);
    get_bucket(k, Some(actor), row.id).await
}

pub async fn list_buckets(k: &Kernel, actor: Option<&Actor>, round: RoundId) -> Result<BucketList> {
    let found = round_for(k, actor, round).await?;
    let rows = store::buckets_of(&k.db, round).await?;
    Ok(BucketList {
        items: views(k, actor, &found, rows, true).await?,
    })
}

pub async fn get_bucket(k: &Kernel, actor: Option<&Actor>, id: BucketId) -> Result<Bucket> {
    let (row, found) = bucket_for(k, actor, id).await?;
    Ok(views(k, actor, &found, vec![row], false).await?.remove(0))
}

/// Buckets as a reader sees them, read at once: creators, contributions, matches, votes,
/// comments and payouts per item.
pub(crate) async fn views(
    k: &Kernel,
    actor: Option<&Actor>,
    found: &Found,
    rows: Vec<BucketRow>,
    whole_round: bool,
) -> Result<Vec<Bucket>> {
    let r = &found.row;
    let ids: Vec<BucketId> = rows.iter().map(|b| b.id).collect();
    let keys: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    let creators = async {
        if whole_round {
            let mut out: HashMap<BucketId, Vec<AccountId>> = HashMap::new();
            for (b, a) in store::creators_in(&k.db, r.id).await? {
                out.entry(b).or_default().push(a);
            }
            Ok(out)
        } else {
            creators(k, &rows).await
        }
    };
    let (creators, gifts, counts) = futures::try_join!(
        creators,
        store::gift_counts(&k.db, r.id, actor.map(|a| a.account)),
        kernel::comments::counts(k, r.group_id, SUBJECT, &keys),
    )?;
    let mut contributors: HashMap<BucketId, i64> = HashMap::new();
    let mut mine: HashMap<BucketId, i64> = HashMap::new();
    for (b, people, given) in gifts {
        contributors.insert(b, people);
        mine.insert(b, given);
    }
    let matches = if r.mechanism() == Mechanism::Quadratic {
        if r.phase() == Phase::Closed {
            count(k, found, false)
                .await?
                .funded
                .iter()
                .map(|f| {
                    (
                        f.bucket,
                        f.matched
                            .as_ref()
                            .map_or(0, |m| amount::parse(m, found.scale()).unwrap_or(0)),
                    )
                })
                .collect()
        } else {
            if whole_round {
                quadratic(k, found, &rows).await?
            } else {
                quadratic(k, found, &store::buckets_of(&k.db, r.id).await?).await?
            }
        }
    } else {
        HashMap::new()
    };
    let votes: HashMap<BucketId, i64> = if r.mechanism() == Mechanism::Vote
        && (r.phase() == Phase::Closed || found.may_manage(actor))
    {
        let mut v = HashMap::new();
        for (b,) in store::ballots(&k.db, r.id).await? {
            let picked: HashSet<BucketId> = serde_json::from_str::<Vec<BucketId>>(&b)
                .unwrap_or_default()
                .into_iter()
                .collect();
            for id in picked {
                *v.entry(id).or_insert(0) += 1;
            }
        }
        v
    } else {
        HashMap::new()
    };
    let everyone: Vec<AccountId> = creators.values().flatten().copied().collect();
    let handles = kernel::people::service::handles(k, &everyone).await?;
    let mut out = Vec::with_capacity(rows.len());
    for b in rows {
        let spent_by_item: HashMap<String, i64> = if b.paid_out > 0 {
            let mut m = HashMap::new();
            for p in store::payouts_of(&k.db, b.id).await? {
                if let Some(item) = p.item {
                    *m.entry(item).or_insert(0) += p.amount;
                }
            }
            m
        } else {
            HashMap::new()
        };
        let items = b
            .item_list()
            .into_iter()
            .map(|i| Item {
                spent: found.dec(spent_by_item.get(&i.name).copied().unwrap_or(0)),
                min: found.dec(i.min),
                max: found.dec(i.max),
                name: i.name,
            })
            .collect();
        let progress = if b.goal > 0 {
            (i128::from(b.contributed) * 100 / i128::from(b.goal)).clamp(0, 10_000) as u32
        } else {
            0
        };
        out.push(Bucket {
            id: b.id,
            round: b.round_id,
            title: b.title.clone(),
            description: b.description.clone(),
            items,
            tags: b.tag_list(),
            goal: found.dec(b.goal),
            stretch: found.dec(b.stretch),
            creators: creators
                .get(&b.id)
                .into_iter()
                .flatten()
                .map(|id| Person {
                    id: *id,
                    handle: handles.get(id).cloned().unwrap_or_default(),
                })
                .collect(),
            review: b.review(),
            review_note: b.review_note.clone(),
            state: b.state(),
            contributed: found.dec(b.contributed),
            contributors: contributors.get(&b.id).copied().unwrap_or(0),
            matched: (r.mechanism() == Mechanism::Quadratic)
                .then(|| found.dec(matches.get(&b.id).copied().unwrap_or(0))),
            votes: (r.mechanism() == Mechanism::Vote
                && (r.phase() == Phase::Closed || found.may_manage(actor)))
            .then(|| votes.get(&b.id).copied().unwrap_or(0)),
            progress,
            account: b.account_id,
            received: found.dec(b.drawn),
            paid_out: found.dec(b.paid_out),
            returned: found.dec(b.returned),
            mine: found.dec(mine.get(&b.id).copied().unwrap_or(0)),
            comments: counts.get(&b.id.to_string()).copied().unwrap_or(0),
            created_at: Timestamp(b.created_at),
            funded_at: b.funded_at.map(Timestamp),
            completed_at: b.completed_at.map(Timestamp),
        });
    }
    Ok(out)
}

/// A bucket of a round, read again once the round is held for a change.
async fn locked_bucket(tx: &mut kernel::db::Tx, round: RoundId, id: BucketId) -> Result<BucketRow> {
    store::lock_round(tx, round).await?;
    store::bucket_in(tx, id)
        .await?
        .ok_or(Error::NotFound("bucket"))
}

/// An activity about a bucket, to its round's group.
fn bucket_news(
    kind: &str,
    actor: Option<AccountId>,
    bucket: &BucketRow,
    group: GroupId,
) -> NewActivity {
    NewActivity::new(
        kind,
        actor,
        ObjectRef::new("weft:Bucket", bucket.id, Some(&bucket.title)),
        kernel::activity::Audience::Group(group),
    )
    .tool(TOOL)
}

/// Whether `actor` runs the bucket: one of its creators (still taking part), or a manager.
async fn require_runs(k: &Kernel, actor: &Actor, found: &Found, b: &BucketRow) -> Result<()> {
    if found.may_manage(Some(actor)) {
        return Ok(());
    }
    found.group.authorize(Some(actor), Action::ToolUse(TOOL))?;
    let creators = creators(k, std::slice::from_ref(b)).await?;
    if creators
        .get(&b.id)
        .is_some_and(|c| c.contains(&actor.account))
    {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only the bucket's creators or the round's managers may do this".into(),
        ))
    }
}

pub async fn edit_bucket(
    money: &Money,
    actor: &Actor,
    id: BucketId,
    edit: BucketEdit,
) -> Result<Bucket> {
    let k = money.kernel();
    let (b, found) = bucket_for(k, Some(actor), id).await?;
    require_runs(k, actor, &found, &b).await?;
    if found.row.phase() == Phase::Closed
        || matches!(b.state(), BucketState::Cancelled | BucketState::Completed)
    {
        return Err(Error::conflict("bucket", "the bucket can no longer change"));
    }
    let mut v = Validation::new();
    let title = edit
        .title
        .as_ref()
        .map(|t| text(&mut v, "title", t, 1, MAX_TITLE));
    let description = edit
        .description
        .as_ref()
        .map(|t| text(&mut v, "description", t, 0, MAX_TEXT));
    let new_items = edit.items.as_ref().map(|i| items(&mut v, i, found.scale()));
    let tags = edit.tags.map(|t| tags(&mut v, Some(t)));
    if let Some(items) = &new_items {
        let stretch: i128 = items.iter().map(|i| i128::from(i.max)).sum();
        if stretch < i128::from(b.contributed) {
            v.push("items", "the stretch goal cannot fall below what was given");
        }
        // Ballots chose a bucket at its cost: once voting opens, the cost stays.
        if found.row.mechanism() == Mechanism::Vote && found.row.phase() == Phase::Funding {
            v.push(
                "items",
                "ballots are being cast: a bucket's cost no longer changes",
            );
        }
    }
    v.finish()?;
    let mut tx = k.db.begin().await?;
    let mut row = locked_bucket(&mut tx, found.row.id, id).await?;
    if let Some(t) = title {
        row.title = t;
    }
    if let Some(d) = description {
        row.description = d;
    }
    if let Some(t) = tags {
        row.tags = serde_json::to_string(&t).unwrap_or_else(|_| "[]".into());
    }
    if found.row.phase() == Phase::Closed
        || matches!(row.state(), BucketState::Cancelled | BucketState::Completed)
    {
        return Err(Error::conflict("bucket", "the bucket can no longer change"));
    }
    let mut reopened = false;
    let mut steps = Vec::new();
    if let Some(items) = new_items {
        // What reviewers approved was these items: new ones are reviewed again.
        if found.row.reviewed() && row.review() == Review::Approved && row.item_list() != items {
            row.review = Review::Pending.as_str().into();
        }
        row.goal = items.iter().map(|i| i.min).sum();
        row.stretch = items.iter().map(|i| i.max).sum();
        row.items = serde_json::to_string(&items).unwrap_or_else(|_| "[]".into());
        // Cobudget #1221: a raised goal puts a funded bucket back to funding; a goal lowered to
        // what it was given funds it.
        if row.state() == BucketState::Funded && row.contributed < row.goal {
            row.state = BucketState::Open.as_str().into();
            row.funded_at = None;
            reopened = true;
        } else if row.state() == BucketState::Open
            && found.row.mechanism() == Mechanism::Cobudget
            && row.contributed >= row.goal
            && (!found.row.reviewed() || row.review() == Review::Approved)
        {
            row.state = BucketState::Funded.as_str().into();
            row.funded_at = Some(k.now().0);
            if found.row.pool_id.is_some() && row.contributed > row.drawn {
                within_budget(
                    &mut tx,
                    &found.row,
                    row.contributed - row.drawn,
                    found.scale(),
                )
                .await?;
                steps.push(
                    Step {
                        key: format!("budget-b-{id}-goal-{}-draw", row.contributed),
                        bucket: id,
                        kind: Kind::Draw,
                        from: found.row.pool_account_id,
                        to: row.account_id,
                        amount: row.contributed - row.drawn,
                        actor: found.row.created_by,
                        memo: format!("{}: {}", found.row.title, row.title),
                    }
                    .row(k.now().0),
                );
            }
        }
    }
    row.drawn += steps.iter().map(|s| s.amount).sum::<i64>();
    for s in &steps {
        store::insert_move(&mut tx, s).await?;
    }
    store::update_bucket(&mut tx, &row).await?;
    activity::record(
        &mut tx,
        k.now(),
        bucket_news("Update", Some(actor.account), &row, found.row.group_id).summary(if reopened {
            format!(
                "{} raised the goal of {}: it is funding again",
                actor.handle, row.title
            )
        } else {
            format!("{} changed the bucket {}", actor.handle, row.title)
        }),
    )
    .await?;
    tx.commit().await?;
    money::run_all(money, &steps).await?;
    ROUNDS.changed(k, found.row.id);
    get_bucket(k, Some(actor), id).await
}

pub async fn review_bucket(
    k: &Kernel,
    actor: &Actor,
    id: BucketId,
    input: NewReview,
) -> Result<Bucket> {
    let (b, found) = bucket_for(k, Some(actor), id).await?;
    found.require_manage(actor)?;
    if found.row.phase() == Phase::Closed || b.state() != BucketState::Open {
        return Err(Error::conflict(
            "bucket",
            "only an open bucket of an open round is reviewed",
        ));
    }
    let mut v = Validation::new();
    let note = text(&mut v, "note", input.note.as_deref().unwrap_or(""), 0, 2000);
    v.finish()?;
    let mut tx = k.db.begin().await?;
    let mut row = locked_bucket(&mut tx, found.row.id, id).await?;
    row.review = input.state.as_str().into();
    row.review_note = note;
    store::update_bucket(&mut tx, &row).await?;
    let people = creators(k, std::slice::from_ref(&row)).await?;
    activity::record(
        &mut tx,
        k.now(),
        bucket_news("Update", Some(actor.account), &row, found.row.group_id)
            .notify(
                people.get(&row.id).cloned().unwrap_or_default(),
                "bucket_reviewed",
            )
            .summary(format!(
                "{} marked the bucket {} {}",
                actor.handle, row.title, row.review
            )),
    )
    .await?;
    tx.commit().await?;
    ROUNDS.changed(k, found.row.id);
    get_bucket(k, Some(actor), id).await
}

/// Refuses while money is still moving to or from the bucket (a step the ledger has not
/// answered yet): what it holds is not known until then.
async fn settled(tx: &mut kernel::db::Tx, bucket: BucketId) -> Result<()> {
    if store::pending_steps(tx, bucket).await? > 0 {
        return Err(Error::conflict(
            "bucket",
            "money is still moving for this bucket; try again in a moment",
        ));
    }
    Ok(())
}

/// Cancels a bucket: cobudget allocations given to it come back; money it holds goes back
/// to the pool, and a quadratic round's contributors get theirs back.
pub async fn cancel_bucket(money: &Money, actor: &Actor, id: BucketId) -> Result<Bucket> {
    let k = money.kernel();
    let (b, found) = bucket_for(k, Some(actor), id).await?;
    require_runs(k, actor, &found, &b).await?;
    let now = k.now();
    let mut tx = k.db.begin().await?;
    let mut row = locked_bucket(&mut tx, found.row.id, id).await?;
    if matches!(row.state(), BucketState::Cancelled | BucketState::Completed) {
        return Err(Error::conflict(
            "bucket",
            format!("the bucket is {}", row.state),
        ));
    }
    // Money paid out is spent: giving the allocations back too would let it be spent twice.
    if row.paid_out > 0 {
        return Err(Error::conflict(
            "bucket",
            "the bucket has paid money out: mark it done instead, which gives back what is left",
        ));
    }
    settled(&mut tx, id).await?;
    let gifts = store::gifts_to(&mut tx, id).await?;
    let steps = give_back(k, &found.row, &row, &gifts, "cancelled", now).await?;
    store::refund_contributions(&mut tx, id).await?;
    row.returned += steps.iter().map(|s| s.amount).sum::<i64>();
    row.state = BucketState::Cancelled.as_str().into();
    row.contributed = 0;
    store::update_bucket(&mut tx, &row).await?;
    for s in &steps {
        store::insert_move(&mut tx, s).await?;
    }
    activity::record(
        &mut tx,
        now,
        bucket_news("Delete", Some(actor.account), &row, found.row.group_id)
            .notify(
                gifts
                    .iter()
                    .map(|(p, _)| *p)
                    .filter(|p| *p != actor.account),
                "bucket_cancelled",
            )
            .summary(format!(
                "{} cancelled the bucket {}: what was given goes back",
                actor.handle, row.title
            )),
    )
    .await?;
    tx.commit().await?;
    money::run_all(money, &steps).await?;
    ROUNDS.changed(k, found.row.id);
    get_bucket(k, Some(actor), id).await
}

/// What a bucket that will not be spent gives back, as steps: in a quadratic round with a
/// pool its contributors gave their own money, which goes back to them (as far as it holds
/// it); the rest goes back to the pool. `why` says what became of it ("cancelled").
async fn give_back(
    k: &Kernel,
    round: &RoundRow,
    row: &BucketRow,
    gifts: &[(AccountId, i64)],
    why: &str,
    now: Timestamp,
) -> Result<Vec<MoveRow>> {
    let mut steps = Vec::new();
    let Some(account) = row.account_id else {
        return Ok(steps);
    };
    let id = row.id;
    let mut held = row.held();
    if round.mechanism() == Mechanism::Quadratic && round.pool_id.is_some() {
        for (person, given) in gifts {
            let to = ledger::service::member_account_for_tool(
                k,
                TOOL,
                round.currency_id,
                *person,
                "bucket",
            )
            .await?;
            let give = (*given).min(held);
            if give > 0 {
                held -= give;
                steps.push(
                    Step {
                        key: format!("budget-b-{id}-refund-{person}"),
                        bucket: id,
                        kind: Kind::Refund,
                        from: Some(account),
                        to: Some(to),
                        amount: give,
                        actor: round.created_by,
                        memo: format!("Refund: {} was {why}", row.title),
                    }
                    .row(now.0),
                );
            }
        }
    }
    if held > 0
        && let Some(pool) = round.pool_account_id
    {
        steps.push(
            Step {
                key: format!("budget-b-{id}-back"),
                bucket: id,
                kind: Kind::Back,
                from: Some(account),
                to: Some(pool),
                amount: held,
                actor: round.created_by,
                memo: format!("Back to the pool: {} was {why}", row.title),
            }
            .row(now.0),
        );
    }
    Ok(steps)
}

/// A funded bucket is done: what it still holds goes back to the pool.
pub async fn complete_bucket(money: &Money, actor: &Actor, id: BucketId) -> Result<Bucket> {
    let k = money.kernel();
    let (b, found) = bucket_for(k, Some(actor), id).await?;
    require_runs(k, actor, &found, &b).await?;
    let now = k.now();
    let mut tx = k.db.begin().await?;
    let mut row = locked_bucket(&mut tx, found.row.id, id).await?;
    if row.state() != BucketState::Funded {
        return Err(Error::conflict(
            "bucket",
            "only a funded bucket is completed",
        ));
    }
    settled(&mut tx, id).await?;
    let mut steps = Vec::new();
    if let (Some(account), Some(pool)) = (row.account_id, found.row.pool_account_id)
        && row.held() > 0
    {
        steps.push(
            Step {
                key: format!("budget-b-{id}-complete-back"),
                bucket: id,
                kind: Kind::Back,
                from: Some(account),
                to: Some(pool),
                amount: row.held(),
                actor: found.row.created_by,
                memo: format!("Left over from {}", row.title),
            }
            .row(now.0),
        );
    }
    row.returned += steps.iter().map(|s| s.amount).sum::<i64>();
    row.state = BucketState::Completed.as_str().into();
    row.completed_at = Some(now.0);
    store::update_bucket(&mut tx, &row).await?;
    for s in &steps {
        store::insert_move(&mut tx, s).await?;
    }
    activity::record(
        &mut tx,
        now,
        bucket_news("Complete", Some(actor.account), &row, found.row.group_id).summary(format!(
            "{} marked the bucket {} done",
            actor.handle, row.title
        )),
    )
    .await?;
    tx.commit().await?;
    money::run_all(money, &steps).await?;
    ROUNDS.changed(k, found.row.id);
    get_bucket(k, Some(actor), id).await
}

// ---------------------------------------------------------------------------------------
// Funding

/// Refuses a draw that would take the round past what it may take from its pool.
async fn within_budget(
    tx: &mut kernel::db::Tx,
    round: &RoundRow,
    draw: i64,
    scale: u32,
) -> Result<()> {
    let Some(budget) = round.budget else {
        return Ok(());
    };
    let taken = store::round_drawn(tx, round.id).await?;
    if taken + draw > budget {
        return Err(Error::conflict(
            "amount",
            format!(
                "the round may take {} more from its pool",
                amount::format((budget - taken).max(0), scale)
            ),
        ));
    }
    Ok(())
}

/// A contribution to a bucket: from the member's allocation (cobudget) or their own account
/// (quadratic, with a pool), within the round's cap and the bucket's stretch goal. A
/// cobudget bucket that reaches its goal is funded, and the pool pays it at once.
pub async fn contribute(
    money: &Money,
    actor: &Actor,
    id: BucketId,
    input: NewContribution,
    key: Option<&str>,
) -> Result<(Contribution, bool)> {
    let k = money.kernel();
    let (b, found) = bucket_for(k, Some(actor), id).await?;
    let r = &found.row;
    found.require_as(actor, &r.funders, "fund buckets")?;
    if let Some(key) = key {
        let mut tx = k.db.begin().await?;
        let before = store::contribution_by_key(&mut tx, actor.account, key).await?;
        tx.commit().await?;
        if let Some(c) = before {
            if c.bucket_id != id {
                return Err(Error::conflict(
                    "Idempotency-Key",
                    "this key was used for another contribution; use a new key",
                ));
            }
            let now = store::bucket(&k.db, id).await?.unwrap_or(b);
            return Ok((contribution_view(&found, &c, &now, None), true));
        }
    }
    if r.mechanism() == Mechanism::Vote {
        return Err(Error::conflict(
            "bucket",
            "a vote round is funded by ballots, not contributions",
        ));
    }
    if r.phase() != Phase::Funding {
        return Err(Error::conflict(
            "round",
            format!("the round is not open for funding (it is in {})", r.phase),
        ));
    }
    let mut v = Validation::new();
    let units = units(&mut v, "amount", &input.amount, found.scale(), false);
    v.finish()?;
    // Quadratic with a pool: the contributor's own money, checked as theirs to spend.
    let own = if r.mechanism() == Mechanism::Quadratic && r.pool_id.is_some() {
        let mut v = Validation::new();
        let own = ledger::service::own_money(
            k,
            actor,
            &mut v,
            r.group_id,
            &r.currency_id.to_string(),
            &input.amount,
            "",
        )
        .await?;
        v.finish()?;
        own
    } else {
        None
    };
    let account = if own.is_some() || r.pool_id.is_some() {
        Some(money::bucket_account(money, r, &b).await?)
    } else {
        None
    };
    let now = k.now();
    let mut tx = k.db.begin().await?;
    let locked = store::lock_round(&mut tx, r.id)
        .await?
        .ok_or(Error::NotFound("round"))?;
    // Two retries at once meet here, one after the other: the second answers the first
    // (without this, the second would run into the key's unique index).
    if let Some(key) = key
        && let Some(c) = store::contribution_by_key(&mut tx, actor.account, key).await?
    {
        tx.commit().await?;
        if c.bucket_id != id {
            return Err(Error::conflict(
                "Idempotency-Key",
                "this key was used for another contribution; use a new key",
            ));
        }
        let now = store::bucket(&k.db, id).await?.unwrap_or(b);
        return Ok((contribution_view(&found, &c, &now, None), true));
    }
    if locked.phase() != Phase::Funding {
        return Err(Error::conflict("round", "the round closed"));
    }
    let mut row = store::bucket_in(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("bucket"))?;
    if !matches!(row.state(), BucketState::Open | BucketState::Funded)
        || row.review() == Review::Rejected
        || (r.reviewed() && row.review() != Review::Approved)
    {
        return Err(Error::conflict(
            "bucket",
            "the bucket is not open for funding (cancelled, done, or not approved)",
        ));
    }
    let room = row.stretch - row.contributed;
    if units > room {
        return Err(Error::invalid(
            "amount",
            format!(
                "the bucket needs only {} more",
                amount::format(room.max(0), found.scale())
            ),
        ));
    }
    if let Some(cap) = r.max_per_bucket {
        let mine = store::given(&mut tx, r.id, actor.account, Some(id)).await?;
        if mine + units > cap {
            return Err(Error::invalid(
                "amount",
                format!(
                    "at most {} from one person to one bucket; you gave {}",
                    amount::format(cap, found.scale()),
                    amount::format(mine, found.scale())
                ),
            ));
        }
    }
    let mut left = None;
    if r.mechanism() == Mechanism::Cobudget {
        let allocation = store::allocation(&mut tx, r.id, actor.account)
            .await?
            .or(r.allocation)
            .unwrap_or(0);
        let given = store::given(&mut tx, r.id, actor.account, None).await?;
        if given + units > allocation {
            return Err(Error::invalid(
                "amount",
                format!(
                    "more than your allocation: {} left",
                    amount::format((allocation - given).max(0), found.scale())
                ),
            ));
        }
        left = Some(allocation - given - units);
    }
    let c = store::ContributionRow {
        id: ContributionId::new(),
        round_id: r.id,
        bucket_id: id,
        account_id: actor.account,
        amount: units,
        idem_key: key.map(str::to_string),
        refunded: 0,
        created_at: now.0,
    };
    store::insert_contribution(&mut tx, &c).await?;
    let was_funded = row.state() == BucketState::Funded;
    row.contributed += units;
    let mut steps = Vec::new();
    let funded_now =
        r.mechanism() == Mechanism::Cobudget && !was_funded && row.contributed >= row.goal;
    if funded_now {
        row.state = BucketState::Funded.as_str().into();
        row.funded_at = Some(now.0);
    }
    if let Some(own) = &own {
        steps.push(
            Step {
                key: money::contribution_key(c.id, "give"),
                bucket: id,
                kind: Kind::Give,
                from: Some(own.payer),
                to: account,
                amount: units,
                actor: actor.account,
                memo: format!("To {} ({})", row.title, r.title),
            }
            .row(now.0),
        );
    } else if r.mechanism() == Mechanism::Cobudget && r.pool_id.is_some() {
        // The pool pays what the bucket has been given once it is funded, and each gift after.
        let draw = if funded_now {
            row.contributed - row.drawn
        } else if was_funded {
            units
        } else {
            0
        };
        if draw > 0 {
            within_budget(&mut tx, r, draw, found.scale()).await?;
            steps.push(
                Step {
                    key: money::contribution_key(c.id, "draw"),
                    bucket: id,
                    kind: Kind::Draw,
                    from: r.pool_account_id,
                    to: account,
                    amount: draw,
                    actor: r.created_by,
                    memo: format!("{}: {}", r.title, row.title),
                }
                .row(now.0),
            );
        }
    }
    // Money coming in counts when its step is written (so a second draw never asks for the
    // same gifts again); the ledger's refusal takes it back out.
    row.drawn += steps.iter().map(|s| s.amount).sum::<i64>();
    store::update_bucket(&mut tx, &row).await?;
    for s in &steps {
        store::insert_move(&mut tx, s).await?;
    }
    if funded_now {
        let people = creators(k, std::slice::from_ref(&row)).await?;
        activity::record(
            &mut tx,
            now,
            bucket_news("weft:BucketFunded", None, &row, r.group_id)
                .notify(
                    people.get(&row.id).cloned().unwrap_or_default(),
                    "bucket_funded",
                )
                .summary(format!(
                    "{} reached its goal in the round {}",
                    row.title, r.title
                )),
        )
        .await?;
    }
    tx.commit().await?;
    money::run_all(money, &steps).await?;
    ROUNDS.changed(k, r.id);
    let after = store::bucket(&k.db, id).await?.unwrap_or(row);
    Ok((contribution_view(&found, &c, &after, left), false))
}

fn contribution_view(
    found: &Found,
    c: &store::ContributionRow,
    b: &BucketRow,
    left: Option<i64>,
) -> Contribution {
    Contribution {
        id: c.id,
        bucket: c.bucket_id,
        round: c.round_id,
        amount: found.dec(c.amount),
        contributed: found.dec(b.contributed),
        state: b.state(),
        left: left.map(|l| found.dec(l)),
        created_at: Timestamp(c.created_at),
    }
}

/// A vote round's ballot (cast again to change it while funding is open).
pub async fn cast_ballot(
    k: &Kernel,
    actor: &Actor,
    round: RoundId,
    input: NewBallot,
) -> Result<Ballot> {
    let found = round_for(k, Some(actor), round).await?;
    let r = &found.row;
    found.require_as(actor, &r.funders, "vote")?;
    if r.mechanism() != Mechanism::Vote {
        return Err(Error::conflict("round", "only a vote round takes ballots"));
    }
    if r.phase() != Phase::Funding {
        return Err(Error::conflict(
            "round",
            format!("the round is not open for voting (it is in {})", r.phase),
        ));
    }
    let buckets = store::buckets_of(&k.db, round).await?;
    let options: Vec<&BucketRow> = buckets
        .iter()
        .filter(|b| {
            b.state() != BucketState::Cancelled
                && b.review() != Review::Rejected
                && (!r.reviewed() || b.review() == Review::Approved)
        })
        .collect();
    let index: HashMap<String, usize> = options
        .iter()
        .enumerate()
        .map(|(i, b)| (b.id.to_string(), i))
        .collect();
    if input.buckets.len() > options.len() {
        return Err(Error::invalid(
            "buckets",
            format!("the ballot has {} buckets to choose from", options.len()),
        ));
    }
    let mut v = Validation::new();
    let mut picks = Vec::new();
    for (i, key) in input.buckets.iter().enumerate() {
        match index.get(key.trim()) {
            Some(&p) if picks.contains(&p) => v.push(format!("buckets[{i}]"), "named twice"),
            Some(&p) => picks.push(p),
            None => v.push(format!("buckets[{i}]"), "no such bucket on this ballot"),
        }
    }
    v.finish()?;
    let rules = tally::budget::DecidimRules {
        budget: r.budget.unwrap_or(0).max(0) as u64,
        costs: options.iter().map(|b| b.goal.max(0) as u64).collect(),
        rule: vote_rule(
            to_opt_u32(r.threshold_pct),
            to_opt_u32(r.min_projects),
            to_opt_u32(r.min_selected),
            to_opt_u32(r.max_selected),
        ),
    };
    let ids: Vec<tally::ballot::OptionId> = picks
        .iter()
        .map(|&p| tally::ballot::OptionId(p as u32))
        .collect();
    if let Err(e) = rules.validate(&ids) {
        let scale = found.scale();
        let code = &found.currency.code;
        let detail = match e {
            tally::ballot::BallotError::OverBudget { total, budget } => format!(
                "these buckets cost {} {code}, more than the budget of {} {code}",
                amount::format(total as i64, scale),
                amount::format(budget as i64, scale)
            ),
            tally::ballot::BallotError::BelowThreshold { total, minimum } => format!(
                "these buckets cost {} {code}; choose at least {} {code}",
                amount::format(total as i64, scale),
                amount::format(minimum as i64, scale)
            ),
            tally::ballot::BallotError::TooFewChoices { given, min } => {
                format!("you chose {given}; choose at least {min}")
            }
            tally::ballot::BallotError::TooManyChoices { given, max } => {
                format!("you chose {given}; choose at most {max}")
            }
            other => format!("{other:?}"),
        };
        return Err(Error::invalid("buckets", detail));
    }
    let chosen: Vec<BucketId> = picks.iter().map(|&p| options[p].id).collect();
    let now = k.now();
    let mut tx = k.db.begin().await?;
    let row = store::lock_round(&mut tx, round)
        .await?
        .ok_or(Error::NotFound("round"))?;
    if row.phase() != Phase::Funding {
        return Err(Error::conflict("round", "the round closed"));
    }
    store::upsert_ballot(
        &mut tx,
        round,
        actor.account,
        &serde_json::to_string(&chosen).unwrap_or_else(|_| "[]".into()),
        now.0,
    )
    .await?;
    tx.commit().await?;
    ROUNDS.changed(k, round);
    Ok(Ballot {
        round,
        buckets: chosen,
        cast_at: now,
    })
}

/// A member's allocation in a cobudget round, set by a manager (not below what they gave).
pub async fn set_allocation(
    k: &Kernel,
    actor: &Actor,
    round: RoundId,
    account: &str,
    input: NewAllocation,
) -> Result<Allocation> {
    let found = round_for(k, Some(actor), round).await?;
    found.require_manage(actor)?;
    // On a round paid from a pool, an allocation is the pool's money: who manages money sets it.
    if found.row.pool_id.is_some() {
        found.group.authorize(Some(actor), Action::ManageMoney)?;
    }
    if found.row.mechanism() != Mechanism::Cobudget {
        return Err(Error::conflict(
            "round",
            "allocations are for cobudget rounds",
        ));
    }
    if found.row.phase() == Phase::Closed {
        return Err(Error::conflict("round", "the round is closed"));
    }
    let person = kernel::people::service::member(k, found.row.group_id, account)
        .await?
        .ok_or(Error::NotFound("member"))?;
    let mut v = Validation::new();
    let units = units(&mut v, "amount", &input.amount, found.scale(), true);
    v.finish()?;
    let mut tx = k.db.begin().await?;
    store::lock_round(&mut tx, round).await?;
    let given = store::given(&mut tx, round, person, None).await?;
    if units < given {
        return Err(Error::invalid(
            "amount",
            format!("they already gave {}", amount::format(given, found.scale())),
        ));
    }
    store::set_allocation(&mut tx, round, person, units).await?;
    tx.commit().await?;
    ROUNDS.changed(k, round);
    let handles = kernel::people::service::handles(k, &[person]).await?;
    Ok(Allocation {
        round,
        account: Person {
            id: person,
            handle: handles.get(&person).cloned().unwrap_or_default(),
        },
        amount: found.dec(units),
    })
}

// ---------------------------------------------------------------------------------------
// After funding

/// Pays a creator from a funded bucket's account, against one of its budget items.
pub async fn payout(
    money: &Money,
    actor: &Actor,
    id: BucketId,
    input: NewPayout,
    key: Option<&str>,
) -> Result<(Payout, bool)> {
    let k = money.kernel();
    let (b, found) = bucket_for(k, Some(actor), id).await?;
    require_runs(k, actor, &found, &b).await?;
    // A retry under the same key answers the payout it made.
    if let Some(key) = key {
        let mut tx = k.db.begin().await?;
        let before = store::payout_by_key(&mut tx, actor.account, key).await?;
        tx.commit().await?;
        if let Some(p) = before {
            if p.bucket_id != id {
                return Err(Error::conflict(
                    "Idempotency-Key",
                    "this key was used for another payout; use a new key",
                ));
            }
            let handles = kernel::people::service::handles(k, &[p.to_account]).await?;
            return Ok((payout_view(&found, p, &handles), true));
        }
    }
    if b.state() != BucketState::Funded {
        return Err(Error::conflict("bucket", "only a funded bucket pays out"));
    }
    let Some(account) = b.account_id else {
        return Err(Error::conflict(
            "bucket",
            "this round is notional: its money is paid outside Weft",
        ));
    };
    let mut v = Validation::new();
    let units = units(&mut v, "amount", &input.amount, found.scale(), false);
    let memo = text(&mut v, "memo", input.memo.as_deref().unwrap_or(""), 0, 300);
    let item = input.item.map(|i| i.trim().to_string());
    if let Some(i) = &item
        && !b.item_list().iter().any(|x| &x.name == i)
    {
        v.push("item", "no such budget item");
    }
    let creators = creators(k, std::slice::from_ref(&b)).await?;
    let creators = creators.get(&id).cloned().unwrap_or_default();
    let to = match &input.to {
        None => actor.account,
        Some(key) => kernel::people::service::member(k, found.row.group_id, key)
            .await?
            .unwrap_or(AccountId(uuid::Uuid::nil())),
    };
    if !creators.contains(&to) {
        v.push("to", "a payout goes to one of the bucket's creators");
    }
    v.finish()?;
    let to_account =
        ledger::service::member_account_for_tool(k, TOOL, found.row.currency_id, to, "to").await?;
    let now = k.now();
    let mut tx = k.db.begin().await?;
    let row = locked_bucket(&mut tx, found.row.id, id).await?;
    // Two retries at once meet here, one after the other: the second answers the first.
    if let Some(key) = key
        && let Some(p) = store::payout_by_key(&mut tx, actor.account, key).await?
    {
        tx.commit().await?;
        if p.bucket_id != id {
            return Err(Error::conflict(
                "Idempotency-Key",
                "this key was used for another payout; use a new key",
            ));
        }
        let handles = kernel::people::service::handles(k, &[p.to_account]).await?;
        return Ok((payout_view(&found, p, &handles), true));
    }
    if row.state() != BucketState::Funded {
        return Err(Error::conflict("bucket", "only a funded bucket pays out"));
    }
    if units > row.held() {
        return Err(Error::invalid(
            "amount",
            format!(
                "the bucket holds {}",
                amount::format(row.held(), found.scale())
            ),
        ));
    }
    let p = store::PayoutRow {
        id: PayoutId::new(),
        bucket_id: id,
        to_account: to,
        amount: units,
        item: item.clone(),
        memo: if memo.is_empty() {
            format!("Paid from {}", row.title)
        } else {
            memo
        },
        idem_key: key.map(str::to_string),
        created_by: actor.account,
        created_at: now.0,
    };
    let step = Step {
        key: format!("budget-p-{}-pay", p.id),
        bucket: id,
        kind: Kind::Pay,
        from: Some(account),
        to: Some(to_account),
        amount: units,
        actor: found.row.created_by,
        memo: p.memo.clone(),
    }
    .row(now.0);
    store::insert_payout(&mut tx, &p).await?;
    store::insert_move(&mut tx, &step).await?;
    let mut row = row;
    row.paid_out += units;
    store::update_bucket(&mut tx, &row).await?;
    activity::record(
        &mut tx,
        now,
        bucket_news(
            "weft:BucketPayout",
            Some(actor.account),
            &row,
            found.row.group_id,
        )
        .summary(format!(
            "{} paid {} {} from {}{}",
            actor.handle,
            amount::format(units, found.scale()),
            found.currency.code,
            row.title,
            item.as_deref()
                .map(|i| format!(" for {i}"))
                .unwrap_or_default()
        )),
    )
    .await?;
    tx.commit().await?;
    if let Err(e) = money::run(money, &step).await {
        // Refused: no payout. Otherwise the step stays to be finished, and so does its row.
        if money::refused(&e) {
            store::remove_payout(&k.db, p.id).await?;
        }
        return Err(e);
    }
    ROUNDS.changed(k, found.row.id);
    let handles = kernel::people::service::handles(k, &[to]).await?;
    Ok((payout_view(&found, p, &handles), false))
}

fn payout_view(found: &Found, p: store::PayoutRow, handles: &HashMap<AccountId, String>) -> Payout {
    Payout {
        id: p.id,
        bucket: p.bucket_id,
        to: Person {
            id: p.to_account,
            handle: handles.get(&p.to_account).cloned().unwrap_or_default(),
        },
        amount: found.dec(p.amount),
        item: p.item,
        memo: p.memo,
        created_at: Timestamp(p.created_at),
    }
}

pub async fn payouts(k: &Kernel, actor: Option<&Actor>, id: BucketId) -> Result<PayoutList> {
    let (_, found) = bucket_for(k, actor, id).await?;
    let rows = store::payouts_of(&k.db, id).await?;
    let people: Vec<AccountId> = rows.iter().map(|p| p.to_account).collect();
    let handles = kernel::people::service::handles(k, &people).await?;
    Ok(PayoutList {
        items: rows
            .into_iter()
            .map(|p| payout_view(&found, p, &handles))
            .collect(),
    })
}

// ---------------------------------------------------------------------------------------
// Comments

/// A bucket as a thing comments and files attach to: whoever may read its round.
pub struct BucketSubject;

impl kernel::subjects::Subject for BucketSubject {
    fn readable<'a>(
        &'a self,
        k: &'a Kernel,
        actor: Option<&'a Actor>,
        id: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<kernel::subjects::Found>> {
        Box::pin(async move {
            let id: BucketId = id.parse().map_err(|_| Error::NotFound("bucket"))?;
            let (_, found) = bucket_for(k, actor, id).await?;
            Ok(kernel::subjects::Found {
                group: found.group,
                id: id.to_string(),
                readers: kernel::subjects::Readers::Group,
            })
        })
    }
}
