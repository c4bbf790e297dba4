//! The credit tool in the browser, on the same services as the API.
//!
//! In a group (`/groups/{group}/credit`): its money at a glance — currencies with one's own
//! balance, pools, dues — the wizard that launches a currency, a currency's health, a pool's
//! transparency page (in and out, waiting spends, budget against actual, the balance drawn
//! as SVG) with the forms its rule allows, a pool's expense claims, and the dues with their
//! arrears. Outside groups: the wallet (`/credit`: balances in every currency of every
//! group, payments waiting for an answer, requests, dues owed, pay and request forms — kept
//! live by the activity stream) and an account's statement with its chart and CSV.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use kernel::Timestamp;
use kernel::policy::Action;
use ledger::{Decimal, Ledger, NewAccount, NewCurrency};
use serde::Deserialize;
use web::pages::groups::{GroupContext, enter_group};
use web::pages::{
    CsrfForm, EmptyForm, Flash, NavLink, Shell, day, field_errors, redirect, render, render_with,
    sentence,
};
use web::{AppState, Problem};

use crate::model::*;
use crate::{chart, dues, expenses, health, payments, pools, store};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(overview))
        .route("/accounts", post(open_account))
        .route("/currencies/new", get(wizard).post(launch))
        .route("/currencies/{id}/health", get(health_page))
        .route("/pools/new", get(new_pool_page).post(create_pool))
        .route("/pools/{id}", get(pool_page))
        .route("/pools/{id}/spend", post(spend))
        .route("/pools/{id}/contribute", post(contribute))
        .route("/pools/{id}/deposit", post(deposit))
        .route("/pools/{id}/spends/{transfer}/{action}", post(decide_spend))
        .route("/pools/{id}/expenses", get(expenses_page).post(claim))
        .route("/expenses/{id}/{action}", post(act_on_claim))
        .route("/dues", get(dues_page).post(create_dues))
        .route("/obligations/{id}/mark-paid", post(mark_paid))
}

/// Pages outside any group: the wallet and statements.
pub fn root_routes() -> Router<AppState> {
    Router::new()
        .route("/credit", get(wallet))
        .route("/credit/requests", get(wallet))
        .route("/credit/dues", get(wallet))
        .route("/credit/pay", post(pay))
        .route("/credit/request", post(ask))
        .route("/credit/requests/{id}/{action}", post(answer_request))
        .route("/credit/payments/{id}/{action}", post(answer_payment))
        .route("/credit/obligations/{id}/pay", post(pay_obligation))
        .route("/credit/preferences", post(save_preferences))
        .route("/credit/accounts/{id}", get(statement_page))
        .route("/credit/accounts/{id}/limits", post(save_limits))
        .route("/credit/accounts/{id}/statement.csv", get(statement_csv))
}

/// The "Money" tab: for whoever may read the group's content (pools are transparent).
pub fn nav(group: &GroupContext) -> Option<NavLink> {
    group.may(Action::Read).then(|| NavLink {
        href: format!("/groups/{}/{TOOL}", group.group.handle),
        label: "Money".into(),
        icon: "coins".into(),
        current: false,
    })
}

async fn enter(app: &AppState, shell: &mut Shell, group: &str) -> Result<GroupContext, Problem> {
    let context = enter_group(app, shell, group, TOOL).await?;
    context.require(Action::Read)?;
    Ok(context)
}

fn parse<T: std::str::FromStr>(text: &str, what: &'static str) -> Result<T, Problem> {
    text.parse().map_err(|_| Problem::not_found(what))
}

fn messages(errors: Vec<(String, String)>) -> Vec<String> {
    errors
        .into_iter()
        .map(|(field, detail)| sentence(&format!("{}: {detail}", field.replace('_', " "))))
        .collect()
}

/// An error a form shows above itself, or passes on (not found, forbidden…).
fn shown(e: kernel::Error) -> Result<Vec<String>, Problem> {
    match e {
        kernel::Error::Conflict {
            field: None,
            detail,
        } => Ok(vec![sentence(&detail)]),
        other => field_errors(other).map(messages),
    }
}

fn key() -> Option<String> {
    None
}

fn amount_f64(text: &str) -> f64 {
    text.parse().unwrap_or(0.0)
}

// ---------------------------------------------------------------------------------------
// A group's money at a glance

struct CurrencyLine {
    currency: ledger::Currency,
    mine: Option<ledger::LedgerAccount>,
}

struct PoolLine {
    pool: Pool,
    /// Money is reserved by spends waiting for approvals or a decision.
    waiting: bool,
}

#[derive(Template)]
#[template(path = "credit_group.html")]
struct OverviewPage {
    shell: Shell,
    group: String,
    currencies: Vec<CurrencyLine>,
    pools: Vec<PoolLine>,
    dues: Vec<Dues>,
    member: bool,
    manages: bool,
    errors: Vec<String>,
}

async fn overview_of(
    app: &AppState,
    shell: Shell,
    context: &GroupContext,
    errors: Vec<String>,
) -> Result<OverviewPage, Problem> {
    let k = &app.kernel;
    let member = context.may(Action::UseMoney);
    let mut currencies = Vec::new();
    let mut dues_list = Vec::new();
    if let Some(actor) = shell.actor.as_ref().filter(|_| member) {
        let mine = ledger::service::my_accounts(k, actor).await?;
        for currency in ledger::service::list_currencies(k, actor, &context.group.handle).await? {
            let own = mine.iter().find(|a| a.currency_id == currency.id).cloned();
            currencies.push(CurrencyLine {
                currency,
                mine: own,
            });
        }
        dues_list = dues::list(k, actor, &context.group.handle).await?;
    }
    let pools = pools::list(k, shell.actor.as_ref(), &context.group.handle)
        .await?
        .into_iter()
        .map(|pool| PoolLine {
            waiting: !pool.pending.trim_start_matches(['0', '.']).is_empty(),
            pool,
        })
        .collect();
    Ok(OverviewPage {
        group: context.group.handle.clone(),
        manages: context.may(Action::ManageMoney),
        member,
        currencies,
        pools,
        dues: dues_list,
        shell,
        errors,
    })
}

#[derive(Deserialize)]
struct GroupPath {
    group: String,
}

async fn overview(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    Ok(render(
        &overview_of(&app, shell, &context, Vec::new()).await?,
    ))
}

#[derive(Deserialize)]
struct OpenForm {
    currency: String,
}

async fn open_account(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
    CsrfForm(form): CsrfForm<OpenForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let currency: CurrencyId = parse(&form.currency, "currency")?;
    match ledger::service::open_account(&app.kernel, &actor, currency, NewAccount::default()).await
    {
        Ok(_) => Ok(redirect(
            &format!("/groups/{}/credit", context.group.handle),
            Some(Flash::Saved),
        )),
        Err(e) => {
            let errors = shown(e)?;
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &overview_of(&app, shell, &context, errors).await?,
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Launching a currency

#[derive(Default, Deserialize)]
struct WizardForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    scale: String,
    #[serde(default)]
    floor: String,
    #[serde(default)]
    ceiling: String,
}

#[derive(Template)]
#[template(path = "credit_wizard.html")]
struct WizardPage {
    shell: Shell,
    group: String,
    form: WizardForm,
    errors: Vec<String>,
}

async fn wizard(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    context.require(Action::ManageMoney)?;
    let form = WizardForm {
        kind: "mutual_credit".into(),
        scale: "2".into(),
        floor: "-50".into(),
        ceiling: "200".into(),
        ..WizardForm::default()
    };
    Ok(render(&WizardPage {
        shell,
        group: context.group.handle.clone(),
        form,
        errors: Vec::new(),
    }))
}

async fn launch(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
    CsrfForm(form): CsrfForm<WizardForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let limit = |text: &str| {
        let t = text.trim();
        Some((!t.is_empty()).then(|| Decimal(t.to_string())))
    };
    let input = NewCurrency {
        code: form.code.clone(),
        name: form.name.clone(),
        kind: form
            .kind
            .parse()
            .unwrap_or(ledger::CurrencyKind::MutualCredit),
        scale: form.scale.trim().parse().unwrap_or(99),
        symbol: None,
        default_floor: limit(&form.floor),
        default_ceiling: limit(&form.ceiling),
    };
    match ledger::service::create_currency(&app.kernel, &actor, &context.group.handle, input).await
    {
        Ok(_) => Ok(redirect(
            &format!("/groups/{}/credit", context.group.handle),
            Some(Flash::Saved),
        )),
        Err(e) => {
            let errors = shown(e)?;
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &WizardPage {
                    shell,
                    group: context.group.handle.clone(),
                    form,
                    errors,
                },
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Currency health

#[derive(Template)]
#[template(path = "credit_health.html")]
struct HealthPage {
    shell: Shell,
    group: String,
    health: Health,
    volume_chart: String,
    /// The accounts the viewer may see: all for who manages the money (each statement's
    /// page changes its limits), their own and the group's for others.
    accounts: Vec<ledger::LedgerAccount>,
}

#[derive(Deserialize)]
struct IdPath {
    group: String,
    id: String,
}

async fn health_page(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<IdPath>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let currency: CurrencyId = parse(&p.id, "currency")?;
    let health = health::health(&app.kernel, &actor, currency).await?;
    let accounts = ledger::service::list_accounts(
        &app.kernel,
        &actor,
        currency,
        &kernel::page::PageRequest {
            cursor: None,
            limit: Some(200),
        },
    )
    .await?
    .items;
    let volume_chart = chart::bars(
        &health
            .months
            .iter()
            .map(|m| (m.month.clone(), amount_f64(&m.volume)))
            .collect::<Vec<_>>(),
        "Volume traded per month",
    );
    Ok(render(&HealthPage {
        shell,
        group: context.group.handle.clone(),
        health,
        volume_chart,
        accounts,
    }))
}

// ---------------------------------------------------------------------------------------
// Pools

#[derive(Default, Deserialize)]
struct PoolForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    approvers: String,
    #[serde(default)]
    required: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    budget: String,
}

#[derive(Template)]
#[template(path = "credit_pool_new.html")]
struct NewPoolPage {
    shell: Shell,
    group: String,
    currencies: Vec<ledger::Currency>,
    form: PoolForm,
    errors: Vec<String>,
}

async fn new_pool_of(
    app: &AppState,
    shell: Shell,
    context: &GroupContext,
    form: PoolForm,
    errors: Vec<String>,
) -> Result<NewPoolPage, Problem> {
    let actor = shell.require_actor()?.clone();
    let currencies =
        ledger::service::list_currencies(&app.kernel, &actor, &context.group.handle).await?;
    Ok(NewPoolPage {
        shell,
        group: context.group.handle.clone(),
        currencies,
        form,
        errors,
    })
}

async fn new_pool_page(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    context.require(Action::ManageMoney)?;
    let form = PoolForm {
        rule: "admins".into(),
        ..PoolForm::default()
    };
    Ok(render(
        &new_pool_of(&app, shell, &context, form, Vec::new()).await?,
    ))
}

/// `category: amount` lines.
fn budget_of(text: &str) -> std::collections::BTreeMap<String, Decimal> {
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(c, a)| (c.trim().to_string(), Decimal(a.trim().to_string())))
        .filter(|(c, _)| !c.is_empty())
        .collect()
}

async fn create_pool(
    Extension(ledger): Extension<Ledger>,
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
    CsrfForm(form): CsrfForm<PoolForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let input = NewPool {
        name: form.name.clone(),
        currency: form.currency.clone(),
        rule: form.rule.parse().unwrap_or(Rule::Admins),
        approvers: form
            .approvers
            .split([',', ' ', '\n'])
            .map(|a| a.trim().trim_start_matches('@'))
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .collect(),
        required: form.required.trim().parse().ok(),
        description: form.description.clone(),
        pass_rule: None,
        budget: budget_of(&form.budget),
    };
    match pools::create(&ledger, &actor, &context.group.handle, input).await {
        Ok(pool) => Ok(redirect(
            &format!("/groups/{}/credit/pools/{}", context.group.handle, pool.id),
            Some(Flash::Saved),
        )),
        Err(e) => {
            let errors = shown(e)?;
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &new_pool_of(&app, shell, &context, form, errors).await?,
            ))
        }
    }
}

struct SpendLine {
    spend: Spend,
    when: String,
    may_approve: bool,
    may_reject: bool,
}

#[derive(Template)]
#[template(path = "credit_pool.html")]
struct PoolPage {
    shell: Shell,
    group: String,
    report: PoolReport,
    chart: String,
    spends: Vec<SpendLine>,
    may_spend: bool,
    may_deposit: bool,
    may_contribute: bool,
    tracked: bool,
    errors: Vec<String>,
}

async fn pool_of(
    app: &AppState,
    shell: Shell,
    context: &GroupContext,
    id: PoolId,
    errors: Vec<String>,
) -> Result<PoolPage, Problem> {
    let k = &app.kernel;
    let report = pools::report(k, shell.actor.as_ref(), id).await?;
    if report.pool.group != context.group.id {
        return Err(Problem::not_found("pool"));
    }
    let chart = chart::line(
        &report
            .series
            .iter()
            .map(|p| (p.at.0, amount_f64(&p.balance)))
            .collect::<Vec<_>>(),
        &format!("The balance of {} over time", report.pool.name),
        &report.pool.currency_code,
    );
    let me = shell.actor.as_ref().map(|a| a.account);
    let approver = me.is_some_and(|m| report.pool.approvers.iter().any(|a| a.id == m));
    let member = context.may(Action::AskMoney);
    let spends = pools::spends(k, shell.actor.as_ref(), id)
        .await?
        .into_iter()
        .take(50)
        .map(|spend| {
            let waiting = spend.state == SpendState::Pending;
            let mine = spend.created_by.as_ref().map(|c| c.id) == me && me.is_some();
            let approvals = report.pool.rule == Rule::Approvals;
            SpendLine {
                when: day(spend.created_at),
                may_approve: waiting && approvals && approver && !mine,
                may_reject: waiting && approvals && (approver || mine),
                spend,
            }
        })
        .collect();
    let manages = context.may(Action::ManageMoney);
    Ok(PoolPage {
        group: context.group.handle.clone(),
        may_spend: match report.pool.rule {
            Rule::Admins => manages,
            _ => member,
        },
        may_deposit: manages,
        may_contribute: member,
        tracked: ledger::store::currency(&k.db, report.pool.currency)
            .await
            .ok()
            .flatten()
            .is_some_and(|c| c.kind == ledger::CurrencyKind::Tracked.as_str()),
        report,
        chart,
        spends,
        shell,
        errors,
    })
}

async fn pool_page(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<IdPath>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let id = parse(&p.id, "pool")?;
    Ok(render(
        &pool_of(&app, shell, &context, id, Vec::new()).await?,
    ))
}

/// Answers a pool form: back to the pool, or the pool with the errors.
async fn after_pool_form(
    app: &AppState,
    shell: Shell,
    context: &GroupContext,
    id: PoolId,
    outcome: kernel::Result<()>,
) -> Result<Response, Problem> {
    match outcome {
        Ok(()) => Ok(redirect(
            &format!("/groups/{}/credit/pools/{id}", context.group.handle),
            Some(Flash::Saved),
        )),
        Err(e) => {
            let errors = shown(e)?;
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &pool_of(app, shell, context, id, errors).await?,
            ))
        }
    }
}

#[derive(Deserialize)]
struct SpendForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    memo: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    payee: String,
}

/// The account a form names: `outside`, an account id, or a member's handle (their account
/// in `currency`).
async fn account_named(k: &kernel::Kernel, text: &str, currency: CurrencyId) -> String {
    let t = text.trim().trim_start_matches('@');
    if t == "outside" || t.parse::<AccountId>().is_ok() {
        return t.to_string();
    }
    if let Ok(profile) = kernel::people::service::profile(k, t).await
        && let Ok(Some(a)) = ledger::store::member_account(&k.db, profile.id, currency).await
    {
        return a.id.to_string();
    }
    t.to_string()
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

async fn spend(
    Extension(ledger): Extension<Ledger>,
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<IdPath>,
    CsrfForm(form): CsrfForm<SpendForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id: PoolId = parse(&p.id, "pool")?;
    let found = pools::find(&app.kernel, Some(&actor), id, false).await?;
    let input = NewSpend {
        to: account_named(&app.kernel, &form.to, found.row.currency_id).await,
        amount: Decimal(form.amount.trim().to_string()),
        memo: form.memo.clone(),
        category: optional(&form.category),
        payee: optional(&form.payee),
        closes_at: None,
    };
    let outcome = pools::spend(&ledger, &actor, id, input, key().as_deref())
        .await
        .map(drop);
    after_pool_form(&app, shell, &context, id, outcome).await
}

#[derive(Deserialize)]
struct MoneyForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    memo: String,
}

async fn contribute(
    Extension(ledger): Extension<Ledger>,
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<IdPath>,
    CsrfForm(form): CsrfForm<MoneyForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id: PoolId = parse(&p.id, "pool")?;
    let input = NewDeposit {
        amount: Decimal(form.amount.trim().to_string()),
        memo: form.memo,
    };
    let outcome = pools::contribute(&ledger, &actor, id, input, None)
        .await
        .map(drop);
    after_pool_form(&app, shell, &context, id, outcome).await
}

async fn deposit(
    Extension(ledger): Extension<Ledger>,
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<IdPath>,
    CsrfForm(form): CsrfForm<MoneyForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id: PoolId = parse(&p.id, "pool")?;
    let input = NewDeposit {
        amount: Decimal(form.amount.trim().to_string()),
        memo: form.memo,
    };
    let outcome = pools::deposit(&ledger, &actor, id, input, None)
        .await
        .map(drop);
    after_pool_form(&app, shell, &context, id, outcome).await
}

#[derive(Deserialize)]
struct SpendActionPath {
    group: String,
    id: String,
    transfer: String,
    action: String,
}

async fn decide_spend(
    Extension(ledger): Extension<Ledger>,
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<SpendActionPath>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id: PoolId = parse(&p.id, "pool")?;
    let transfer: TransferId = parse(&p.transfer, "spend")?;
    let outcome = match p.action.as_str() {
        "approve" => pools::approve(&ledger, &actor, id, transfer).await,
        "reject" => pools::reject(&ledger, &actor, id, transfer).await,
        _ => return Err(Problem::not_found("page")),
    }
    .map(drop);
    after_pool_form(&app, shell, &context, id, outcome).await
}

// ---------------------------------------------------------------------------------------
// Expense claims

struct ClaimLine {
    claim: Expense,
    when: String,
    mine: bool,
    may_decide: bool,
    may_pay: bool,
}

#[derive(Template)]
#[template(path = "credit_expenses.html")]
struct ExpensesPage {
    shell: Shell,
    group: String,
    pool: Pool,
    claims: Vec<ClaimLine>,
    may_claim: bool,
    errors: Vec<String>,
}

async fn expenses_of(
    app: &AppState,
    shell: Shell,
    context: &GroupContext,
    id: PoolId,
    errors: Vec<String>,
) -> Result<ExpensesPage, Problem> {
    let k = &app.kernel;
    let actor = shell.require_actor()?.clone();
    let found = pools::find(k, Some(&actor), id, false).await?;
    if found.row.group_id != context.group.id {
        return Err(Problem::not_found("pool"));
    }
    let pool = pools::view(k, &found).await?;
    let approver = pool.approvers.iter().any(|a| a.id == actor.account);
    let manages = context.may(Action::ManageMoney);
    let claims = expenses::list(k, &actor, id)
        .await?
        .into_iter()
        .map(|claim| {
            let mine = claim.claimant.id == actor.account;
            let by_rule = match pool.rule {
                Rule::Admins => manages,
                Rule::Approvals => approver,
                Rule::Decision => false,
            };
            ClaimLine {
                when: day(claim.created_at),
                may_decide: !mine && by_rule && claim.state == ExpenseState::Submitted,
                may_pay: !mine
                    && (manages || (pool.rule == Rule::Approvals && approver))
                    && claim.state == ExpenseState::Approved,
                mine,
                claim,
            }
        })
        .collect();
    Ok(ExpensesPage {
        group: context.group.handle.clone(),
        may_claim: context.may(Action::AskMoney),
        pool,
        claims,
        shell,
        errors,
    })
}

async fn expenses_page(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<IdPath>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let id = parse(&p.id, "pool")?;
    Ok(render(
        &expenses_of(&app, shell, &context, id, Vec::new()).await?,
    ))
}

#[derive(Deserialize)]
struct ClaimForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    category: String,
}

async fn claim(
    Extension(ledger): Extension<Ledger>,
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<IdPath>,
    CsrfForm(form): CsrfForm<ClaimForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id: PoolId = parse(&p.id, "pool")?;
    let input = NewExpense {
        amount: Decimal(form.amount.trim().to_string()),
        description: form.description,
        category: optional(&form.category),
        // A draft: the receipts come next, then the claim is submitted.
        draft: true,
    };
    match expenses::create(&ledger, &actor, id, input).await {
        Ok(e) => Ok(redirect(
            &format!(
                "/groups/{}/credit/pools/{id}/expenses#claim-{}",
                context.group.handle, e.id
            ),
            Some(Flash::Saved),
        )),
        Err(e) => {
            let errors = shown(e)?;
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &expenses_of(&app, shell, &context, id, errors).await?,
            ))
        }
    }
}

#[derive(Deserialize)]
struct ClaimActionPath {
    group: String,
    id: String,
    action: String,
}

#[derive(Deserialize)]
struct NoteForm {
    #[serde(default)]
    note: String,
}

async fn act_on_claim(
    Extension(ledger): Extension<Ledger>,
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<ClaimActionPath>,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id: ExpenseId = parse(&p.id, "expense")?;
    let k = &app.kernel;
    let claim = expenses::get(k, &actor, id).await?;
    let outcome = match p.action.as_str() {
        "submit" => expenses::submit(&ledger, &actor, id).await.map(drop),
        "approve" => expenses::approve(k, &actor, id).await.map(drop),
        "reject" => expenses::reject(
            k,
            &actor,
            id,
            Note {
                note: optional(&form.note),
            },
        )
        .await
        .map(drop),
        "pay" => expenses::pay(&ledger, &actor, id, None).await.map(drop),
        _ => return Err(Problem::not_found("page")),
    };
    match outcome {
        Ok(()) => Ok(redirect(
            &format!(
                "/groups/{}/credit/pools/{}/expenses#claim-{id}",
                context.group.handle, claim.pool
            ),
            Some(Flash::Saved),
        )),
        Err(e) => {
            let errors = shown(e)?;
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &expenses_of(&app, shell, &context, claim.pool, errors).await?,
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Dues

struct ObligationLine {
    obligation: Obligation,
    due: String,
}

struct DuesLine {
    dues: Dues,
    next: String,
    obligations: Vec<ObligationLine>,
}

#[derive(Default, Deserialize)]
struct DuesForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    interval: String,
    #[serde(default)]
    starts: String,
    #[serde(default)]
    roles: String,
    #[serde(default)]
    pool: String,
}

#[derive(Template)]
#[template(path = "credit_dues.html")]
struct DuesPage {
    shell: Shell,
    group: String,
    schedules: Vec<DuesLine>,
    arrears: Vec<ObligationLine>,
    currencies: Vec<ledger::Currency>,
    pools: Vec<Pool>,
    manages: bool,
    form: DuesForm,
    errors: Vec<String>,
}

fn obligation_lines(list: Vec<Obligation>) -> Vec<ObligationLine> {
    list.into_iter()
        .map(|obligation| ObligationLine {
            due: day(obligation.due_at),
            obligation,
        })
        .collect()
}

async fn dues_of(
    app: &AppState,
    shell: Shell,
    context: &GroupContext,
    form: DuesForm,
    errors: Vec<String>,
) -> Result<DuesPage, Problem> {
    let k = &app.kernel;
    let actor = shell.require_actor()?.clone();
    let group = &context.group.handle;
    let mut schedules = Vec::new();
    for d in dues::list(k, &actor, group).await? {
        let obligations = obligation_lines(
            dues::obligations(k, &actor, d.id)
                .await?
                .into_iter()
                .take(60)
                .collect(),
        );
        schedules.push(DuesLine {
            next: day(d.next_due_at),
            dues: d,
            obligations,
        });
    }
    Ok(DuesPage {
        arrears: obligation_lines(dues::arrears(k, &actor, group).await?),
        currencies: ledger::service::list_currencies(k, &actor, group).await?,
        pools: pools::list(k, Some(&actor), group).await?,
        manages: context.may(Action::ManageMoney),
        group: group.clone(),
        schedules,
        shell,
        form,
        errors,
    })
}

async fn dues_page(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    context.require(Action::UseMoney)?;
    let form = DuesForm {
        interval: "monthly".into(),
        ..DuesForm::default()
    };
    Ok(render(
        &dues_of(&app, shell, &context, form, Vec::new()).await?,
    ))
}

async fn create_dues(
    Extension(ledger): Extension<Ledger>,
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
    CsrfForm(form): CsrfForm<DuesForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let starts = chrono::NaiveDate::parse_from_str(form.starts.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .map(|d| Timestamp::from_datetime(d.and_utc()));
    let outcome = match starts {
        None => Err(kernel::Error::invalid("starts", "a date like 2027-01-01")),
        Some(starts_at) => {
            let roles: Vec<String> = form
                .roles
                .split([',', ' '])
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_string)
                .collect();
            let input = NewDues {
                name: form.name.clone(),
                currency: form.currency.clone(),
                amount: Decimal(form.amount.trim().to_string()),
                interval: form.interval.parse().unwrap_or(Interval::Monthly),
                starts_at,
                roles: (!roles.is_empty()).then_some(roles),
                pool: optional(&form.pool),
            };
            dues::create(&ledger, &actor, &context.group.handle, input)
                .await
                .map(drop)
        }
    };
    match outcome {
        Ok(()) => Ok(redirect(
            &format!("/groups/{}/credit/dues", context.group.handle),
            Some(Flash::Saved),
        )),
        Err(e) => {
            let errors = shown(e)?;
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &dues_of(&app, shell, &context, form, errors).await?,
            ))
        }
    }
}

async fn mark_paid(
    Extension(ledger): Extension<Ledger>,
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<IdPath>,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id: ObligationId = parse(&p.id, "obligation")?;
    let outcome = dues::mark_paid(
        &ledger,
        &actor,
        id,
        Note {
            note: Some(form.note),
        },
        None,
    )
    .await
    .map(drop);
    match outcome {
        Ok(()) => Ok(redirect(
            &format!("/groups/{}/credit/dues", context.group.handle),
            Some(Flash::Saved),
        )),
        Err(e) => {
            let errors = shown(e)?;
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &dues_of(&app, shell, &context, DuesForm::default(), errors).await?,
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------
// The wallet

struct AccountLine {
    account: ledger::LedgerAccount,
    group: String,
    group_name: String,
    symbol: String,
}

struct WaitingLine {
    transfer: ledger::Transfer,
    incoming: bool,
    other: String,
}

struct RequestLine {
    request: PaymentRequest,
    incoming: bool,
    when: String,
}

#[derive(Default, Deserialize)]
struct PayForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    memo: String,
}

#[derive(Template)]
#[template(path = "credit_wallet.html")]
struct WalletPage {
    shell: Shell,
    accounts: Vec<AccountLine>,
    waiting: Vec<WaitingLine>,
    requests: Vec<RequestLine>,
    owed: Vec<ObligationLine>,
    confirm_incoming: bool,
    pay: PayForm,
    ask: PayForm,
    errors: Vec<String>,
}

async fn wallet_of(
    app: &AppState,
    shell: Shell,
    pay: PayForm,
    ask: PayForm,
    errors: Vec<String>,
) -> Result<WalletPage, Problem> {
    let k = &app.kernel;
    let actor = shell.require_actor()?.clone();
    let mine = ledger::service::my_accounts(k, &actor).await?;
    let mut currencies: std::collections::HashMap<CurrencyId, ledger::store::CurrencyRow> =
        Default::default();
    for a in &mine {
        if let std::collections::hash_map::Entry::Vacant(e) = currencies.entry(a.currency_id)
            && let Some(c) = ledger::store::currency(&k.db, a.currency_id).await?
        {
            e.insert(c);
        }
    }
    let groups: std::collections::HashMap<GroupId, (String, String)> =
        kernel::groups::service::groups_of(k, &actor)
            .await?
            .into_iter()
            .map(|g| (g.group.id, (g.group.handle, g.group.name)))
            .collect();
    let mut accounts: Vec<AccountLine> = mine
        .into_iter()
        .map(|account| {
            let c = currencies.get(&account.currency_id);
            let (group, group_name) = c
                .and_then(|c| groups.get(&c.group_id).cloned())
                .unwrap_or_default();
            AccountLine {
                symbol: c.map(|c| c.symbol.clone()).unwrap_or_default(),
                account,
                group,
                group_name,
            }
        })
        .collect();
    accounts.sort_by(|a, b| {
        (&a.group_name, &a.account.currency_code).cmp(&(&b.group_name, &b.account.currency_code))
    });
    let waiting_rows = payments::waiting(k, &actor).await?;
    let people = crate::money::people(
        k,
        &waiting_rows
            .iter()
            .flat_map(|(c, _)| [c.payer, c.payee])
            .collect::<Vec<_>>(),
    )
    .await?;
    let waiting = waiting_rows
        .into_iter()
        .map(|(c, transfer)| {
            let incoming = c.payee == actor.account;
            let other =
                crate::money::person(&people, if incoming { c.payer } else { c.payee }).handle;
            WaitingLine {
                transfer,
                incoming,
                other,
            }
        })
        .collect();
    let requests = payments::requests(k, &actor)
        .await?
        .into_iter()
        .filter(|r| r.state == RequestState::Open)
        .map(|request| RequestLine {
            incoming: request.payer.id == actor.account,
            when: day(request.created_at),
            request,
        })
        .collect();
    Ok(WalletPage {
        owed: obligation_lines(dues::mine(k, &actor).await?),
        confirm_incoming: store::confirms_incoming(&k.db, actor.account).await?,
        accounts,
        waiting,
        requests,
        pay,
        ask,
        errors,
        shell,
    })
}

async fn wallet(State(app): State<AppState>, shell: Shell) -> Result<Response, Problem> {
    Ok(render(
        &wallet_of(
            &app,
            shell,
            PayForm::default(),
            PayForm::default(),
            Vec::new(),
        )
        .await?,
    ))
}

async fn after_wallet_form(
    app: &AppState,
    shell: Shell,
    outcome: kernel::Result<()>,
    pay: PayForm,
    ask: PayForm,
) -> Result<Response, Problem> {
    match outcome {
        Ok(()) => Ok(redirect("/credit", Some(Flash::Saved))),
        Err(e) => {
            let errors = shown(e)?;
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &wallet_of(app, shell, pay, ask, errors).await?,
            ))
        }
    }
}

async fn pay(
    Extension(ledger): Extension<Ledger>,
    State(app): State<AppState>,
    shell: Shell,
    CsrfForm(form): CsrfForm<PayForm>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?.clone();
    let k = &app.kernel;
    let from: Option<AccountId> = form.from.parse().ok();
    let outcome = match from {
        None => Err(kernel::Error::invalid(
            "from",
            "choose one of your accounts",
        )),
        Some(from) => {
            let currency = ledger::store::account(&k.db, from)
                .await?
                .map(|a| a.currency_id);
            let to = match currency {
                Some(c) => account_named(k, &form.to, c).await,
                None => String::new(),
            };
            match to.parse::<AccountId>() {
                Err(_) => Err(kernel::Error::invalid(
                    "to",
                    "a member of the currency's group with an account in it",
                )),
                Ok(to) => payments::pay(
                    &ledger,
                    &actor,
                    NewPayment {
                        from,
                        to,
                        amount: Decimal(form.amount.trim().to_string()),
                        memo: optional(&form.memo),
                    },
                    None,
                )
                .await
                .map(drop),
            }
        }
    };
    after_wallet_form(&app, shell, outcome, form, PayForm::default()).await
}

async fn ask(
    Extension(ledger): Extension<Ledger>,
    State(app): State<AppState>,
    shell: Shell,
    CsrfForm(form): CsrfForm<PayForm>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?.clone();
    let outcome = match form.from.parse::<AccountId>() {
        Err(_) => Err(kernel::Error::invalid("to", "choose one of your accounts")),
        Ok(to) => payments::request(
            &ledger,
            &actor,
            NewPaymentRequest {
                from: form.to.trim().trim_start_matches('@').to_string(),
                to,
                amount: Decimal(form.amount.trim().to_string()),
                memo: form.memo.clone(),
            },
        )
        .await
        .map(drop),
    };
    after_wallet_form(&app, shell, outcome, PayForm::default(), form).await
}

#[derive(Deserialize)]
struct RootActionPath {
    id: String,
    action: String,
}

async fn answer_request(
    Extension(ledger): Extension<Ledger>,
    State(app): State<AppState>,
    shell: Shell,
    Path(p): Path<RootActionPath>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?.clone();
    let id: RequestId = parse(&p.id, "payment request")?;
    let outcome = match p.action.as_str() {
        "pay" => payments::pay_request(&ledger, &actor, id, None)
            .await
            .map(drop),
        "decline" => payments::decline_request(&app.kernel, &actor, id)
            .await
            .map(drop),
        _ => return Err(Problem::not_found("page")),
    };
    after_wallet_form(&app, shell, outcome, PayForm::default(), PayForm::default()).await
}

async fn answer_payment(
    Extension(ledger): Extension<Ledger>,
    State(app): State<AppState>,
    shell: Shell,
    Path(p): Path<RootActionPath>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?.clone();
    let id: TransferId = parse(&p.id, "payment")?;
    let outcome = match p.action.as_str() {
        "accept" => payments::answer(&ledger, &actor, id, true).await.map(drop),
        "decline" => payments::answer(&ledger, &actor, id, false).await.map(drop),
        _ => return Err(Problem::not_found("page")),
    };
    after_wallet_form(&app, shell, outcome, PayForm::default(), PayForm::default()).await
}

#[derive(Deserialize)]
struct RootIdPath {
    id: String,
}

async fn pay_obligation(
    Extension(ledger): Extension<Ledger>,
    State(app): State<AppState>,
    shell: Shell,
    Path(p): Path<RootIdPath>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?.clone();
    let id: ObligationId = parse(&p.id, "obligation")?;
    let outcome = dues::pay(&ledger, &actor, id, None).await.map(drop);
    after_wallet_form(&app, shell, outcome, PayForm::default(), PayForm::default()).await
}

#[derive(Deserialize)]
struct PreferencesForm {
    #[serde(default)]
    confirm_incoming: Option<String>,
}

async fn save_preferences(
    State(app): State<AppState>,
    shell: Shell,
    CsrfForm(form): CsrfForm<PreferencesForm>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?.clone();
    payments::set_preferences(
        &app.kernel,
        &actor,
        Preferences {
            confirm_incoming: form.confirm_incoming.is_some(),
        },
    )
    .await?;
    Ok(redirect("/credit", Some(Flash::Saved)))
}

// ---------------------------------------------------------------------------------------
// A statement

struct EntryLine {
    entry: ledger::StatementEntry,
    when: String,
    incoming: bool,
}

#[derive(Template)]
#[template(path = "credit_statement.html")]
struct StatementPage {
    shell: Shell,
    account: ledger::LedgerAccount,
    entries: Vec<EntryLine>,
    chart: String,
    limits: Vec<ledger::LimitChange>,
    next: Option<String>,
    /// The viewer manages the money of the account's group: they may change its limits.
    manages: bool,
    errors: Vec<String>,
}

#[derive(Deserialize)]
struct StatementQuery {
    cursor: Option<String>,
}

async fn statement_page(
    State(app): State<AppState>,
    shell: Shell,
    Path(p): Path<RootIdPath>,
    axum::extract::Query(q): axum::extract::Query<StatementQuery>,
) -> Result<Response, Problem> {
    let id: AccountId = parse(&p.id, "ledger account")?;
    Ok(render(
        &statement_of(&app, shell, id, q.cursor, Vec::new()).await?,
    ))
}

async fn statement_of(
    app: &AppState,
    shell: Shell,
    id: AccountId,
    cursor: Option<String>,
    errors: Vec<String>,
) -> Result<StatementPage, Problem> {
    let actor = shell.require_actor()?.clone();
    let k = &app.kernel;
    let account = ledger::service::get_account(k, &actor, id).await?;
    let manages = account.held_by.is_none()
        && ledger::service::account_for(k, &actor, id)
            .await?
            .group
            .authorize(Some(&actor), Action::ManageMoney)
            .is_ok();
    let page = kernel::page::PageRequest {
        cursor,
        limit: Some(100),
    };
    let statement = ledger::service::statement(k, &actor, id, &page).await?;
    // The chart: the balance after each of the last movements (this page), oldest first.
    let mut points: Vec<(i64, f64)> = statement
        .items
        .iter()
        .filter(|e| !e.pending)
        .map(|e| (e.created_at.0, amount_f64(&e.balance)))
        .collect();
    points.reverse();
    let chart = chart::line(
        &points,
        &format!(
            "The balance of this {} account over time",
            account.currency_code
        ),
        &account.currency_code,
    );
    let entries = statement
        .items
        .into_iter()
        .map(|entry| EntryLine {
            when: day(entry.created_at),
            incoming: !entry.amount.starts_with('-'),
            entry,
        })
        .collect();
    Ok(StatementPage {
        limits: ledger::service::limit_changes(k, &actor, id).await?,
        next: statement.next_cursor,
        shell,
        account,
        entries,
        chart,
        manages,
        errors,
    })
}

#[derive(Deserialize)]
struct LimitsForm {
    #[serde(default)]
    floor: String,
    #[serde(default)]
    ceiling: String,
}

/// Who manages the group's money changes an account's floor and ceiling (empty: none).
async fn save_limits(
    State(app): State<AppState>,
    shell: Shell,
    Path(p): Path<RootIdPath>,
    CsrfForm(form): CsrfForm<LimitsForm>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?.clone();
    let id: AccountId = parse(&p.id, "ledger account")?;
    let limit = |text: &str| {
        let t = text.trim();
        Some((!t.is_empty()).then(|| Decimal(t.to_string())))
    };
    let input = ledger::LimitsUpdate {
        floor: limit(&form.floor),
        ceiling: limit(&form.ceiling),
    };
    match ledger::service::update_limits(&app.kernel, &actor, id, input).await {
        Ok(_) => Ok(redirect(
            &format!("/credit/accounts/{id}"),
            Some(Flash::Saved),
        )),
        Err(e) => {
            let errors = shown(e)?;
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &statement_of(&app, shell, id, None, errors).await?,
            ))
        }
    }
}

async fn statement_csv(
    State(app): State<AppState>,
    shell: Shell,
    Path(p): Path<RootIdPath>,
) -> Result<Response, Problem> {
    let actor = shell.require_actor()?.clone();
    let k = &app.kernel;
    let id: AccountId = parse(&p.id, "ledger account")?;
    let facts = ledger::service::account_for(k, &actor, id).await?;
    let scale = facts.currency.scale();
    let mut body = ledger::service::CSV_HEADER.to_string();
    let mut after = 0;
    loop {
        let (chunk, next) = ledger::service::statement_csv(k, id, scale, after, 1000).await?;
        body.push_str(&chunk);
        match next {
            Some(n) => after = n,
            None => break,
        }
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"statement.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}
