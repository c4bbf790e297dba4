//! The credit tool's own types — pools and their spends, expense claims, dues and their
//! obligations, payment requests, payments awaiting the payee, currency health — as the API
//! shows and takes them. Amounts are decimal strings in the currency's scale.

use kernel::Timestamp;
use kernel::motions::{Motion, PassRule};
use ledger::{Decimal, Owner, Transfer};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use kernel::id::{AccountId as PersonId, GroupId, MotionId};
pub use ledger::{AccountId, CurrencyId, TransferId};

/// The tool's name: what its held accounts and its activities are marked with.
pub const TOOL: &str = "credit";
/// The job that creates a dues schedule's next obligations.
pub const DUES_JOB: &str = "credit.dues";
/// The job that reminds who has not paid an obligation once it is overdue.
pub const OVERDUE_JOB: &str = "credit.dues.overdue";
/// How long before the due date obligations are created and their members reminded.
pub const NOTICE_DAYS: i64 = 3;
/// How long after the due date the unpaid hear again.
pub const GRACE_DAYS: i64 = 3;

kernel::id_type!(
    /// A common pool.
    PoolId
);
kernel::id_type!(
    /// A spend from a pool.
    SpendId
);
kernel::id_type!(
    /// An expense claim.
    ExpenseId
);
kernel::id_type!(
    /// A dues schedule.
    DuesId
);
kernel::id_type!(
    /// One member's dues for one cycle.
    ObligationId
);
kernel::id_type!(
    /// A payment one member asks of another.
    RequestId
);

kernel::string_enum!(
    /// How a pool's money is spent: `admins` (who manages the group's money, at once),
    /// `approvals` (`required` of the named approvers; nobody approves their own spend) or
    /// `decision` (a motion the group votes on).
    Rule {
        Admins = "admins",
        Approvals = "approvals",
        Decision = "decision",
    }
);

kernel::string_enum!(
    /// Where a spend stands: `reserving` only while the ledger answers; `pending` (reserved,
    /// waiting for approvals or a decision), `posted` (paid), `voided` (rejected, failed or
    /// withdrawn).
    SpendState {
        Reserving = "reserving",
        Pending = "pending",
        Posted = "posted",
        Voided = "voided",
    }
);

kernel::string_enum!(
    /// An expense claim's life: draft → submitted → approved → paid, or rejected.
    ExpenseState {
        Draft = "draft",
        Submitted = "submitted",
        Approved = "approved",
        Paying = "paying",
        Paid = "paid",
        Rejected = "rejected",
    }
);

kernel::string_enum!(
    /// How often dues fall due.
    Interval {
        Weekly = "weekly",
        Monthly = "monthly",
        Yearly = "yearly",
    }
);

kernel::string_enum!(
    /// An obligation: `open` (owed), `paying` (only while the ledger answers), `paid`.
    ObligationState {
        Open = "open",
        Paying = "paying",
        Paid = "paid",
    }
);

kernel::string_enum!(
    /// A payment request: `open`, `paid`, `declined` (by the payer) or `cancelled` (by who
    /// asked).
    RequestState {
        Open = "open",
        Paying = "paying",
        Paid = "paid",
        Declined = "declined",
        Cancelled = "cancelled",
    }
);

// Pools.

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPool {
    pub name: String,
    /// The currency's id or code.
    pub currency: String,
    pub rule: Rule,
    /// Who approves spends under `approvals` (handles or ids of members).
    #[serde(default)]
    pub approvers: Vec<String>,
    /// How many approvals a spend needs under `approvals` (1 to the number of approvers).
    pub required: Option<u32>,
    #[serde(default)]
    pub description: String,
    /// Under `decision`: how the motion passes (majority by default).
    pub pass_rule: Option<PassRule>,
    /// The planned spending per category, compared with what was spent.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub budget: std::collections::BTreeMap<String, Decimal>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Pool {
    pub id: PoolId,
    pub group: GroupId,
    pub currency: CurrencyId,
    pub currency_code: String,
    /// The ledger account that holds the pool's money (held by the credit tool).
    pub account: AccountId,
    pub name: String,
    pub description: String,
    pub rule: Rule,
    pub approvers: Vec<Owner>,
    pub required: u32,
    pub pass_rule: PassRule,
    pub balance: String,
    /// Reserved by spends that wait for approvals or a decision.
    pub pending: String,
    pub budget: std::collections::BTreeMap<String, String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSpend {
    /// The ledger account paid, or `outside` for a payout of tracked money to someone
    /// outside Weft (then name them in `payee`).
    pub to: String,
    pub amount: Decimal,
    pub memo: String,
    pub category: Option<String>,
    /// Who a payout goes to outside Weft.
    pub payee: Option<String>,
    /// Under `decision`: when the vote closes (7 days by default).
    pub closes_at: Option<Timestamp>,
}

/// A spend: the ledger's transfer, and the motion when the pool's rule is a decision.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Spend {
    pub id: SpendId,
    pub pool: PoolId,
    /// The pending transfer (posted at once under `admins`).
    pub transfer: Transfer,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub motion: Option<Motion>,
    pub state: SpendState,
    pub amount: String,
    pub memo: String,
    pub category: Option<String>,
    pub payee: Option<String>,
    pub approvals: Vec<Owner>,
    pub required: u32,
    pub expense: Option<ExpenseId>,
    pub created_by: Option<Owner>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDeposit {
    pub amount: Decimal,
    pub memo: String,
}

// Expense claims.

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExpense {
    pub amount: Decimal,
    pub description: String,
    pub category: Option<String>,
    /// Keep it as a draft (to add receipts first); submitted at once otherwise.
    #[serde(default)]
    pub draft: bool,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Note {
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Expense {
    pub id: ExpenseId,
    pub pool: PoolId,
    pub claimant: Owner,
    pub amount: String,
    pub currency_code: String,
    pub description: String,
    pub category: Option<String>,
    pub state: ExpenseState,
    pub approvals: Vec<Owner>,
    pub required: u32,
    pub motion: Option<MotionId>,
    /// The transfer that paid it.
    pub transfer: Option<TransferId>,
    pub note: Option<String>,
    pub receipts: Vec<kernel::files::FileInfo>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

// Dues.

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDues {
    pub name: String,
    /// The currency's id or code (mutual credit or tracked money).
    pub currency: String,
    pub amount: Decimal,
    pub interval: Interval,
    /// The first due date.
    pub starts_at: Timestamp,
    /// Only members with these roles owe it; everyone when left out.
    #[serde(default)]
    pub roles: Option<Vec<String>>,
    /// The pool it feeds (id); a new pool "<name>" under the admins rule when left out.
    pub pool: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Dues {
    pub id: DuesId,
    pub group: GroupId,
    pub name: String,
    pub currency: CurrencyId,
    pub currency_code: String,
    pub amount: String,
    pub interval: Interval,
    pub starts_at: Timestamp,
    pub roles: Option<Vec<String>>,
    pub pool: PoolId,
    /// The due date of the next obligations.
    pub next_due_at: Timestamp,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Obligation {
    pub id: ObligationId,
    pub dues: DuesId,
    pub dues_name: String,
    pub member: Owner,
    pub amount: String,
    pub currency_code: String,
    pub due_at: Timestamp,
    pub state: ObligationState,
    /// Unpaid after its due date.
    pub overdue: bool,
    pub transfer: Option<TransferId>,
    pub paid_at: Option<Timestamp>,
    /// Who marked it paid outside Weft, and why.
    pub paid_by: Option<Owner>,
    pub note: Option<String>,
}

// Payments between members.

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPaymentRequest {
    /// Who is asked to pay: their account, or their handle (their account in `to`'s currency).
    pub from: String,
    /// The account paid: your own.
    pub to: AccountId,
    pub amount: Decimal,
    pub memo: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentRequest {
    pub id: RequestId,
    pub currency: CurrencyId,
    pub currency_code: String,
    pub from: AccountId,
    pub to: AccountId,
    pub payer: Owner,
    pub requester: Owner,
    pub amount: String,
    pub memo: String,
    pub state: RequestState,
    pub transfer: Option<TransferId>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPayment {
    /// Your account.
    pub from: AccountId,
    /// The payee's account.
    pub to: AccountId,
    pub amount: Decimal,
    pub memo: Option<String>,
}

/// A payment: posted at once, or reserved until the payee accepts (when they asked to
/// confirm what they receive).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Payment {
    pub transfer: Transfer,
    /// The payee must accept it before it is posted.
    pub awaiting_payee: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// Payments to you wait until you accept them.
    pub confirm_incoming: bool,
}

// Currency health.

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Health {
    pub currency: CurrencyId,
    pub code: String,
    pub kind: String,
    /// Members' accounts.
    pub accounts: i64,
    /// At (or below) their floor: they cannot pay.
    pub at_floor: i64,
    /// At their ceiling: they cannot be paid.
    pub at_ceiling: i64,
    /// Gini coefficient of members' balances above the lowest floor (0 equal, 1 one holds all).
    pub gini: f64,
    /// The sum of the positive balances (the money in circulation, pools' included).
    pub supply: String,
    /// The last twelve months, oldest first.
    pub months: Vec<HealthMonth>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HealthMonth {
    /// `YYYY-MM`.
    pub month: String,
    pub transfers: i64,
    /// Value that changed hands between members.
    pub volume: String,
    /// Volume divided by the money in circulation at the month's end.
    pub velocity: f64,
    /// Members who paid or were paid.
    pub traders: i64,
}

// A pool's transparency report.

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PoolReport {
    pub pool: Pool,
    pub inflows: String,
    pub outflows: String,
    pub pending: Vec<Spend>,
    pub categories: Vec<CategoryLine>,
    /// The balance after each of the last 500 movements, oldest first.
    pub series: Vec<Point>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryLine {
    pub category: String,
    pub budget: Option<String>,
    pub actual: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Point {
    pub at: Timestamp,
    pub balance: String,
}
