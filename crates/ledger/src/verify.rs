//! Walks a currency's book again from its first transfer: every hash, every running
//! balance, every account's totals, and the sum of all balances (zero), and says exactly
//! what does not hold.

use std::collections::HashMap;

use kernel::Result;
use kernel::db::Db;

use crate::chain;
use crate::chain::hex;
use crate::model::{AccountId, Problem, TransferKind, Verification};
use crate::store::{self, CurrencyRow, TransferRow};

#[derive(Default, Clone, Copy)]
struct Totals {
    balance: i64,
    debits_pending: i64,
    credits_pending: i64,
}

const PAGE: u32 = 5_000;

pub async fn verify_currency(db: &Db, currency: &CurrencyRow) -> Result<Verification> {
    let mut problems = Vec::new();
    let mut totals: HashMap<AccountId, Totals> = HashMap::new();
    let mut pendings: HashMap<crate::model::TransferId, (i64, bool)> = HashMap::new();
    let mut head = chain::GENESIS;
    let mut expected_seq = 1;
    let mut walked = 0i64;
    let mut after = 0;
    loop {
        let rows = store::chain_after(db, currency.id, after, PAGE).await?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        for row in &rows {
            walked += 1;
            check_row(
                row,
                &mut head,
                &mut expected_seq,
                &mut totals,
                &mut pendings,
                &mut problems,
            );
        }
        if rows.len() < PAGE as usize {
            break;
        }
    }
    if currency.seq != expected_seq - 1 {
        problems.push(Problem {
            seq: None,
            transfer: None,
            account: None,
            detail: format!(
                "the currency says its chain ends at #{}, but it ends at #{}",
                currency.seq,
                expected_seq - 1
            ),
        });
    }
    if currency.head.as_slice() != head.as_slice() {
        problems.push(Problem {
            seq: None,
            transfer: None,
            account: None,
            detail: format!(
                "the currency's stored head {} is not the chain's last hash {}",
                hex(&currency.head),
                hex(&head)
            ),
        });
    }
    let accounts = store::all_accounts_of(db, currency.id).await?;
    let mut sum = 0i128;
    let mut pending_out = 0i128;
    let mut pending_in = 0i128;
    for a in &accounts {
        sum += i128::from(a.balance);
        pending_out += i128::from(a.debits_pending);
        pending_in += i128::from(a.credits_pending);
        let t = totals.remove(&a.id).unwrap_or_default();
        for (what, stored, walked) in [
            ("balance", a.balance, t.balance),
            ("pending debits", a.debits_pending, t.debits_pending),
            ("pending credits", a.credits_pending, t.credits_pending),
        ] {
            if stored != walked {
                problems.push(Problem {
                    seq: None,
                    transfer: None,
                    account: Some(a.id),
                    detail: format!("its {what} is {stored}, but its transfers add up to {walked}"),
                });
            }
        }
        if a.balance - a.debits_pending < a.floor.unwrap_or(i64::MIN) && a.debits_pending > 0 {
            problems.push(Problem {
                seq: None,
                transfer: None,
                account: Some(a.id),
                detail: "what it has reserved takes it below its floor".into(),
            });
        }
    }
    for (id, _) in totals {
        problems.push(Problem {
            seq: None,
            transfer: None,
            account: Some(id),
            detail: "transfers name this account, but it is not in this currency".into(),
        });
    }
    if sum != 0 {
        problems.push(Problem {
            seq: None,
            transfer: None,
            account: None,
            detail: format!("the balances sum to {sum}, not zero"),
        });
    }
    if pending_out != pending_in {
        problems.push(Problem {
            seq: None,
            transfer: None,
            account: None,
            detail: format!("pending debits ({pending_out}) and credits ({pending_in}) differ"),
        });
    }
    Ok(Verification {
        ok: problems.is_empty(),
        transfers: walked,
        head: hex(&head),
        problems,
    })
}

fn check_row(
    row: &TransferRow,
    head: &mut chain::Hash,
    expected_seq: &mut i64,
    totals: &mut HashMap<AccountId, Totals>,
    pendings: &mut HashMap<crate::model::TransferId, (i64, bool)>,
    problems: &mut Vec<Problem>,
) {
    let mut problem = |detail: String| {
        problems.push(Problem {
            seq: Some(row.seq),
            transfer: Some(row.id),
            account: None,
            detail,
        })
    };
    if row.seq != *expected_seq {
        problem(format!(
            "#{} follows #{}: a transfer is missing",
            row.seq,
            *expected_seq - 1
        ));
    }
    *expected_seq = row.seq + 1;
    let hash = chain::hash(head, row);
    if row.hash.as_slice() != hash.as_slice() {
        problem(format!(
            "its hash {} should be {}: this transfer, or one before it, was changed",
            hex(&row.hash),
            hex(&hash)
        ));
    }
    if let (Some(memo), Some(stored)) = (&row.memo, &row.memo_hash)
        && chain::memo_hash(memo).as_slice() != stored.as_slice()
    {
        problem("its memo is not the memo the chain holds".into());
    }
    // Go on from the stored hash, so one changed row is reported once, not for every row
    // after it.
    if row.hash.len() == 32 {
        head.copy_from_slice(&row.hash);
    } else {
        *head = hash;
    }
    let kind: Option<TransferKind> = row.kind.parse().ok();
    let (debit, credit) = (row.debit_account_id, row.credit_account_id);
    let mut d = totals.get(&debit).copied().unwrap_or_default();
    let mut c = totals.get(&credit).copied().unwrap_or_default();
    match kind {
        Some(TransferKind::Transfer) => {
            d.balance -= row.amount;
            c.balance += row.amount;
        }
        Some(TransferKind::Pending) => {
            d.debits_pending += row.amount;
            c.credits_pending += row.amount;
            pendings.insert(row.id, (row.amount, false));
        }
        Some(k @ (TransferKind::Post | TransferKind::Void | TransferKind::Expire)) => {
            match row.pending_id.and_then(|p| pendings.get_mut(&p)) {
                Some((reserved, ended)) if !*ended => {
                    *ended = true;
                    d.debits_pending -= *reserved;
                    c.credits_pending -= *reserved;
                    if k == TransferKind::Post {
                        if row.amount > *reserved {
                            problem("it posts more than was reserved".into());
                        }
                        d.balance -= row.amount;
                        c.balance += row.amount;
                    }
                }
                Some(_) => problem("it ends a pending transfer that had already ended".into()),
                None => problem("it ends no pending transfer before it".into()),
            }
        }
        None => problem(format!("unknown kind {:?}", row.kind)),
    }
    if row.debit_balance != d.balance {
        problem(format!(
            "the payer's balance after it is stored as {}, but adds up to {}",
            row.debit_balance, d.balance
        ));
    }
    if row.credit_balance != c.balance {
        problem(format!(
            "the receiver's balance after it is stored as {}, but adds up to {}",
            row.credit_balance, c.balance
        ));
    }
    totals.insert(debit, d);
    totals.insert(credit, c);
}

/// Verifies every currency (for `weft ledger verify`).
pub async fn verify_all(db: &Db) -> Result<Vec<(CurrencyRow, Verification)>> {
    let mut out = Vec::new();
    for currency in store::all_currencies(db).await? {
        let v = verify_currency(db, &currency).await?;
        out.push((currency, v));
    }
    Ok(out)
}
