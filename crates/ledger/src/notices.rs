//! Who hears of a transfer. A person is told when money reaches their account, when a
//! payment to them is reserved, and when a reservation that involved them is voided or
//! expires — unless they did it themselves. The activity is written in the batch's own
//! transaction, so a notice is never lost and never sent for a transfer that did not commit.
//! Only the two sides see it (statements are private); transfers between the group's own
//! accounts tell nobody and write no activity.

use std::collections::HashMap;

use kernel::activity::{Audience, NewActivity, ObjectRef};
use kernel::id::GroupId;

use crate::amount;
use crate::model::TOOL;
use crate::model::{AccountId, PersonId, TransferKind};
use crate::store::TransferRow;

/// What a notice needs to know of the currency.
pub struct Currency<'a> {
    pub code: &'a str,
    pub scale: u32,
    pub group: GroupId,
}

/// Who is told of `row` and who sees it, or `None` when no person needs to hear.
pub fn recipients(
    row: &TransferRow,
    owners: &HashMap<AccountId, PersonId>,
) -> Option<(Vec<PersonId>, &'static str)> {
    let kind: TransferKind = row.kind.parse().ok()?;
    let payer = owners.get(&row.debit_account_id).copied();
    let payee = owners.get(&row.credit_account_id).copied();
    let (tell, reason): (Vec<PersonId>, _) = match kind {
        TransferKind::Transfer | TransferKind::Post => {
            (payee.into_iter().collect(), "payment_received")
        }
        TransferKind::Pending => (payee.into_iter().collect(), "payment_reserved"),
        TransferKind::Void | TransferKind::Expire => {
            (payer.into_iter().chain(payee).collect(), "payment_voided")
        }
    };
    let mut tell: Vec<PersonId> = tell
        .into_iter()
        .filter(|p| Some(*p) != row.actor_id)
        .collect();
    tell.dedup();
    (!tell.is_empty()).then_some((tell, reason))
}

/// The activity telling `tell` of `row`; `actor` is the handle of who did it.
pub fn notice(
    row: &TransferRow,
    currency: &Currency<'_>,
    owners: &HashMap<AccountId, PersonId>,
    tell: Vec<PersonId>,
    reason: &str,
    actor: Option<&str>,
) -> NewActivity {
    let amount = format!(
        "{} {}",
        amount::format(row.amount, currency.scale),
        currency.code
    );
    let who = actor.unwrap_or("someone");
    let memo = row
        .memo
        .as_deref()
        .map(|m| {
            let short: String = m.chars().take(80).collect();
            if short.len() < m.len() {
                format!(": “{short}…”")
            } else {
                format!(": “{short}”")
            }
        })
        .unwrap_or_default();
    let summary = match row.kind.parse::<TransferKind>() {
        Ok(TransferKind::Transfer) => format!("{who} paid you {amount}{memo}"),
        Ok(TransferKind::Post) => format!("{who} completed a payment of {amount} to you"),
        Ok(TransferKind::Pending) => format!("{who} reserved {amount} for you{memo}"),
        Ok(TransferKind::Expire) => format!("a reserved payment of {amount} expired"),
        _ => format!("{who} voided a reserved payment of {amount}"),
    };
    let mut sides: Vec<PersonId> = [row.debit_account_id, row.credit_account_id]
        .iter()
        .filter_map(|a| owners.get(a).copied())
        .collect();
    sides.dedup();
    let what = match row.kind.as_str() {
        "pending" => "Offer",
        "void" | "expire" => "Undo",
        _ => "Create",
    };
    NewActivity::new(
        what,
        row.actor_id,
        ObjectRef::new("weft:Transfer", row.id, None),
        Audience::Accounts {
            group: Some(currency.group),
            accounts: sides,
        },
    )
    .tool(TOOL)
    .summary(summary)
    .notify(tell, reason)
}
