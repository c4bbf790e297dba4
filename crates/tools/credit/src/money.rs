//! What the credit tool's services share: amounts in a currency's units, a group's currency
//! found by id or code, people's handles, the stand-in actor a later step moves money as, and
//! the idempotency keys the ledger answers by.

use std::collections::HashMap;

use kernel::error::Validation;
use kernel::groups::access::Loaded;
use kernel::{Error, Kernel, Result};
use ledger::store::CurrencyRow;
use ledger::{Decimal, Owner, amount};

use crate::model::*;

/// `units` of a currency with `scale` decimals, as the API writes amounts.
pub fn decimal(units: i64, scale: u32) -> Decimal {
    Decimal(amount::format(units, scale))
}

/// A positive amount in the currency's units; its errors go to `v` under `field`.
pub fn units(v: &mut Validation, field: &str, given: &Decimal, scale: u32) -> Option<i64> {
    match amount::parse_transfer_amount(field, &given.0, scale) {
        Ok(units) => Some(units),
        Err(Error::Invalid(errors)) => {
            for e in errors {
                v.push(e.field, e.detail);
            }
            None
        }
        Err(e) => {
            v.push(field, e.to_string());
            None
        }
    }
}

/// The group's currency named by id or code.
pub async fn currency_of_group(
    k: &Kernel,
    group: GroupId,
    key: &str,
) -> Result<Option<CurrencyRow>> {
    let key = key.trim();
    Ok(ledger::store::currencies_of_group(&k.db, group)
        .await?
        .into_iter()
        .find(|c| c.id.to_string() == key || c.code.eq_ignore_ascii_case(key)))
}

/// A currency by id (it exists: pools and dues name one).
pub async fn currency(k: &Kernel, id: CurrencyId) -> Result<CurrencyRow> {
    ledger::store::currency(&k.db, id)
        .await?
        .ok_or(Error::internal("a currency vanished"))
}

/// People by id with their handles (one query).
pub async fn people(k: &Kernel, ids: &[PersonId]) -> Result<HashMap<PersonId, Owner>> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    let handles = kernel::people::service::handles(k, &ids).await?;
    Ok(handles
        .into_iter()
        .map(|(id, handle)| (id, Owner { id, handle }))
        .collect())
}

/// A person as the API shows them; a deleted account shows as `former member`.
pub fn person(people: &HashMap<PersonId, Owner>, id: PersonId) -> Owner {
    people.get(&id).cloned().unwrap_or(Owner {
        id,
        handle: "former member".into(),
    })
}

/// A person found by handle or id who is a member of the group.
pub async fn member(k: &Kernel, group: &Loaded, key: &str) -> Result<Option<PersonId>> {
    kernel::people::service::member(k, group.row.id, key).await
}

/// The transfer the ledger made for `actor` under `key` (as the ledger keeps it: a tool's own
/// keys through `ledger::service::tool_key`), if it made one.
pub async fn made_under(k: &Kernel, actor: PersonId, key: &str) -> Result<Option<TransferId>> {
    let mut tx = k.db.begin().await?;
    let rows = ledger::store::requests(&mut tx, &[(actor, key.to_string())]).await?;
    drop(tx);
    Ok(rows.into_iter().next().and_then(|r| r.transfer_id))
}

/// An `Idempotency-Key` as a part of the tool's own keys (the ledger checks its shape).
pub fn client_key(key: Option<&str>) -> Result<Option<String>> {
    match key {
        None => Ok(None),
        Some(k) if (1..=200).contains(&k.len()) && k.bytes().all(|b| (0x21..0x7f).contains(&b)) => {
            Ok(Some(k.to_string()))
        }
        Some(_) => Err(Error::invalid(
            "Idempotency-Key",
            "1 to 200 visible ASCII characters (a UUID is a good key)",
        )),
    }
}

/// A short text: trimmed, `min` to `max` characters.
pub fn text(v: &mut Validation, field: &str, given: &str, min: usize, max: usize) -> String {
    let t = given.trim().to_string();
    let n = t.chars().count();
    if n < min || n > max {
        v.push(field, format!("{min} to {max} characters"));
    }
    t
}
