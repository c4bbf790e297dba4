//! The ledger's types: what the API shows and takes, and the kinds of things in the book.

use kernel::Timestamp;
use kernel::groups::model::GroupSummary;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

pub use kernel::id::{
    AccountId as PersonId, CurrencyId, LedgerAccountId as AccountId, TransferBatchId as BatchId,
    TransferId,
};

kernel::string_enum!(
    /// `mutual_credit`: zero-sum, members issue by going below zero; `tracked`: mirrors money
    /// the group holds outside, entered by deposits; `shares`: a project's equity.
    CurrencyKind {
        MutualCredit = "mutual_credit",
        Tracked = "tracked",
        Shares = "shares",
    }
);

kernel::string_enum!(
    /// Who holds an account: a member (a person), or the group itself — its main account, a
    /// pool, a campaign or an escrow.
    OwnerKind {
        Member = "member",
        Group = "group",
        Pool = "pool",
        Campaign = "campaign",
        Escrow = "escrow",
    }
);

kernel::string_enum!(
    /// What a row of the book records.
    TransferKind {
        Transfer = "transfer",
        Pending = "pending",
        Post = "post",
        Void = "void",
        Expire = "expire",
    }
);

kernel::string_enum!(
    /// Where a transfer stands: `posted` (moved), `pending` (reserved), `voided` (released,
    /// by a person or by its timeout: `expired`).
    TransferState {
        Posted = "posted",
        Pending = "pending",
        Voided = "voided",
        Expired = "expired",
    }
);

/// An amount as a client writes it: a decimal string (`"12.50"`), or a JSON number.
#[derive(Debug, Clone, PartialEq, Eq, ToSchema)]
#[schema(value_type = String, example = "12.50")]
pub struct Decimal(pub String);

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(Decimal(s)),
            serde_json::Value::Number(n) => Ok(Decimal(n.to_string())),
            other => Err(serde::de::Error::custom(format!(
                "an amount is a decimal string like \"12.50\", not {other}"
            ))),
        }
    }
}

/// Tells a missing field (`None`) from an explicit `null` (`Some(None)`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Currency {
    pub id: CurrencyId,
    pub group: GroupSummary,
    pub code: String,
    pub name: String,
    pub kind: CurrencyKind,
    pub symbol: String,
    /// Decimals of its amounts.
    pub scale: u32,
    /// The floor a new account gets (`null`: none).
    pub default_floor: Option<String>,
    pub default_ceiling: Option<String>,
    /// Transfers in its book (the hash chain's length).
    pub transfers: i64,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCurrency {
    /// 1–12 letters or digits, unique in the group (`HOURS`, `EUR`).
    pub code: String,
    pub name: String,
    pub kind: CurrencyKind,
    /// 0–8 decimals.
    pub scale: u32,
    /// Shown beside amounts; the code when left out.
    pub symbol: Option<String>,
    /// For mutual credit typically below zero (`"-500"`); left out: zero; `null`: no floor.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub default_floor: Option<Option<Decimal>>,
    /// Left out or `null`: no ceiling.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub default_ceiling: Option<Option<Decimal>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LedgerAccount {
    pub id: AccountId,
    pub currency_id: CurrencyId,
    pub currency_code: String,
    pub owner_kind: OwnerKind,
    /// The person holding it (for `member` accounts).
    pub owner: Option<Owner>,
    pub name: Option<String>,
    /// Posted credits minus posted debits.
    pub balance: String,
    pub pending_debits: String,
    pub pending_credits: String,
    /// What can still be spent: balance minus pending debits, down to the floor (`null`: no
    /// floor, no bound).
    pub available: Option<String>,
    pub floor: Option<String>,
    pub ceiling: Option<String>,
    pub created_at: Timestamp,
    /// The tool that holds it (a pool, an escrow, a bucket): only that tool moves its money,
    /// posts or voids its pending transfers and sets its limits; the transfers API answers 409.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_by: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Owner {
    pub id: PersonId,
    pub handle: String,
}

/// Opens an account. Left empty, it opens the caller's own; `owner` (a member's handle or id)
/// or `owner_kind` other than `member` are for who manages the group's money.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    pub owner: Option<String>,
    pub owner_kind: Option<OwnerKind>,
    /// A name for the group's own accounts ("Garden fund").
    pub name: Option<String>,
    /// Limits other than the currency's defaults (managers only); `null`: none.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub floor: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub ceiling: Option<Option<Decimal>>,
}

/// New limits; `null` removes one, a missing field leaves it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitsUpdate {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub floor: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub ceiling: Option<Option<Decimal>>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTransfer {
    /// The account debited (yours, or one of the group's you may spend from).
    pub from: AccountId,
    pub to: AccountId,
    /// Positive, at most the currency's decimals.
    pub amount: Decimal,
    /// Up to 500 characters; the hash chain holds only its hash.
    pub memo: Option<String>,
    /// Reserve now, post or void later.
    #[serde(default)]
    pub pending: bool,
    /// For a pending transfer: void it if it is still pending after this many seconds.
    pub timeout_s: Option<u64>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBatch {
    /// Applied in order, all or none.
    pub legs: Vec<NewTransfer>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostPending {
    /// Post less than was reserved; the rest is released. Left out: all of it.
    pub amount: Option<Decimal>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Transfer {
    pub id: TransferId,
    pub state: TransferState,
    pub kind: TransferKind,
    pub currency_id: CurrencyId,
    pub from: AccountId,
    pub to: AccountId,
    pub amount: String,
    pub memo: Option<String>,
    /// For a post, void or expiry: the pending transfer it ends.
    pub pending_id: Option<TransferId>,
    /// For a pending transfer: the row that ended it, and what it posted.
    pub resolved_by: Option<TransferId>,
    pub posted_amount: Option<String>,
    pub timeout_at: Option<Timestamp>,
    pub batch_id: Option<BatchId>,
    /// Its place in the currency's hash chain.
    pub seq: i64,
    /// SHA-256 over the previous transfer's hash and this transfer, hex.
    pub hash: String,
    /// The tool that alone may post or void this pending transfer (an escrow it keeps).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_by: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Batch {
    pub id: BatchId,
    pub transfers: Vec<Transfer>,
}

/// One line of an account's statement, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatementEntry {
    pub transfer_id: TransferId,
    pub seq: i64,
    pub kind: TransferKind,
    /// The other account.
    pub counterparty: AccountId,
    /// Signed: what this entry added to (or, negative, took from) the balance. For a pending
    /// entry, what it reserves.
    pub amount: String,
    /// True for a reservation (it moves no balance yet).
    pub pending: bool,
    /// The posted balance after this entry.
    pub balance: String,
    pub memo: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Verification {
    /// Every hash matches, every balance re-adds, and the currency sums to zero.
    pub ok: bool,
    /// Transfers walked.
    pub transfers: i64,
    /// The chain's last hash, hex (64 zeros for an empty book).
    pub head: String,
    /// What is wrong, exactly: empty when `ok`.
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    pub seq: Option<i64>,
    pub transfer: Option<TransferId>,
    pub account: Option<AccountId>,
    pub detail: String,
}

/// The tool name activities of the ledger carry.
pub const TOOL: &str = "ledger";

/// A change of an account's limits: who, when, from what to what.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LimitChange {
    pub floor_before: Option<String>,
    pub ceiling_before: Option<String>,
    pub floor: Option<String>,
    pub ceiling: Option<String>,
    pub changed_by: Option<Owner>,
    pub changed_at: Timestamp,
}
