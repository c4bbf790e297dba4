//! Currency health (what no rival shows): per currency, how its balances are spread — how
//! many members sit at their floor (cannot pay) or their ceiling (cannot be paid), and the
//! Gini coefficient — and per month, how much changed hands, how fast the money went round
//! (volume over the money in circulation at the month's end) and how many members traded.
//!
//! A month costs a sum over the ledger's covering index by time, and four index seeks per
//! account: each account's last posted movement before the month's end gives its balance
//! then (the running balance the ledger keeps on every transfer) and whether it traded in
//! the month. A month that is over never changes, so its figures are kept once counted
//! (`credit_health_months`) and a request reads only the current month from the ledger.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Months, TimeZone, Utc};
use kernel::people::Actor;
use kernel::{Kernel, Result, Timestamp};
use ledger::OwnerKind;

use crate::model::*;
use crate::money::decimal;
use crate::store;

/// How many months the figures go back.
const MONTHS: usize = 12;

/// Gini coefficient of non-negative values (0: all equal; towards 1: one holds everything).
pub fn gini(values: &mut [i64]) -> f64 {
    let n = values.len();
    let total: i128 = values.iter().map(|v| i128::from(*v)).sum();
    if n == 0 || total <= 0 {
        return 0.0;
    }
    values.sort_unstable();
    let weighted: i128 = values
        .iter()
        .enumerate()
        .map(|(i, v)| (i as i128 + 1) * i128::from(*v))
        .sum();
    let g = (2.0 * weighted as f64) / (n as f64 * total as f64) - (n as f64 + 1.0) / n as f64;
    (g.clamp(0.0, 1.0) * 10_000.0).round() / 10_000.0
}

/// The first instants of the last `MONTHS` months up to now, and the month after, oldest
/// first.
fn month_starts(now: Timestamp) -> Vec<(String, i64)> {
    let t = now.to_datetime();
    let this = Utc
        .with_ymd_and_hms(t.year(), t.month(), 1, 0, 0, 0)
        .single()
        .unwrap_or(t);
    let mut out = Vec::with_capacity(MONTHS + 1);
    for back in (0..MONTHS as u32).rev() {
        let start = this.checked_sub_months(Months::new(back)).unwrap_or(this);
        out.push((
            start.format("%Y-%m").to_string(),
            Timestamp::from_datetime(start).0,
        ));
    }
    let next = this.checked_add_months(Months::new(1)).unwrap_or(this);
    out.push((String::new(), Timestamp::from_datetime(next).0));
    out
}

pub async fn health(k: &Kernel, actor: &Actor, id: CurrencyId) -> Result<Health> {
    // Who may see the currency may see its health (members of its group).
    let shown = ledger::service::get_currency(k, actor, id).await?;
    figures(k, id, &shown.code, shown.kind.as_str(), shown.scale).await
}

/// Counts the months gone by of every currency that has transfers, so that a reader's
/// request reads only the current month (run by the tool after it starts, then hourly).
pub async fn keep_up(k: &Kernel) -> Result<()> {
    for c in ledger::store::all_currencies(&k.db).await? {
        if c.seq > 0 {
            figures(k, c.id, &c.code, &c.kind, c.scale()).await?;
        }
    }
    Ok(())
}

async fn figures(k: &Kernel, id: CurrencyId, code: &str, kind: &str, scale: u32) -> Result<Health> {
    let accounts = ledger::store::all_accounts_of(&k.db, id).await?;
    let members: Vec<_> = accounts
        .iter()
        .filter(|a| a.owner_kind == OwnerKind::Member.as_str())
        .collect();
    let member_ids: HashSet<AccountId> = members.iter().map(|a| a.id).collect();
    let at_floor = members
        .iter()
        .filter(|a| a.floor.is_some_and(|f| a.balance <= f))
        .count() as i64;
    let at_ceiling = members
        .iter()
        .filter(|a| a.ceiling.is_some_and(|c| a.balance >= c))
        .count() as i64;
    let lowest = members
        .iter()
        .map(|a| a.floor.unwrap_or(a.balance).min(a.balance))
        .min()
        .unwrap_or(0);
    let mut shifted: Vec<i64> = members.iter().map(|a| a.balance - lowest).collect();
    let gini = gini(&mut shifted);
    // The money in circulation: every positive balance — members', and the pools' and
    // escrows' that hold what members put in.
    let supply_of = |balances: &HashMap<AccountId, i64>| -> i64 {
        balances.values().map(|b| (*b).max(0)).sum()
    };
    let balances: HashMap<AccountId, i64> = accounts.iter().map(|a| (a.id, a.balance)).collect();
    let supply_now = supply_of(&balances);
    let starts = month_starts(k.now());
    // A month that is over never changes: its figures are kept once counted. Only the
    // months after the oldest one not kept yet are read from the ledger (today's only,
    // once the history is kept), walking the balances back from today's.
    let kept: HashMap<String, store::HealthMonthRow> = store::health_months(&k.db, id)
        .await?
        .into_iter()
        .map(|r| (r.month.clone(), r))
        .collect();
    let windows: Vec<_> = starts.windows(2).collect();
    let current = windows.len() - 1;
    let oldest_missing = (0..current)
        .find(|i| !kept.contains_key(&windows[*i][0].0))
        .unwrap_or(current);
    let mut counted: Vec<store::HealthMonthRow> = Vec::new();
    // A month's bounds in the chain: the first seq at or after its start, and after its end
    // (past the last transfer when none is later).
    let after_last = ledger::store::currency(&k.db, id)
        .await?
        .map_or(1, |c| c.seq + 1);
    let seq_at = |at: i64| async move {
        Ok::<i64, kernel::Error>(
            ledger::store::first_seq_from(&k.db, id, at)
                .await?
                .unwrap_or(after_last),
        )
    };
    for (i, window) in windows.iter().enumerate().rev() {
        if i < oldest_missing {
            break;
        }
        let (month, from) = &window[0];
        let to = window[1].1;
        let (transfers, volume) = ledger::store::posted_between(&k.db, id, *from, to).await?;
        let (first, past) = (seq_at(*from).await?, seq_at(to).await?);
        // Each account's balance at the month's end, and whether it moved in the month: its
        // last posted movement before the month's end.
        let (mut supply_end, mut traders) = (0, 0);
        if i == current {
            supply_end = supply_of(&balances);
        }
        for m in ledger::store::last_moves_before(&k.db, id, past).await? {
            let Some((seq, balance)) = m.last() else {
                continue;
            };
            if i != current {
                supply_end += balance.max(0);
            }
            if seq >= first && member_ids.contains(&m.account) {
                traders += 1;
            }
        }
        counted.push(store::HealthMonthRow {
            month: month.clone(),
            transfers,
            volume,
            traders,
            supply_end,
        });
    }
    let closed: Vec<store::HealthMonthRow> = counted
        .iter()
        .filter(|r| r.month != windows[current][0].0)
        .cloned()
        .collect();
    store::keep_health_months(&k.db, id, &closed).await?;
    let mut rows: HashMap<String, store::HealthMonthRow> = kept;
    for r in counted {
        rows.insert(r.month.clone(), r);
    }
    let months = windows
        .iter()
        .filter_map(|w| rows.get(&w[0].0))
        .map(|r| HealthMonth {
            month: r.month.clone(),
            transfers: r.transfers,
            volume: decimal(r.volume, scale).0,
            velocity: if r.supply_end > 0 {
                ((r.volume as f64 / r.supply_end as f64) * 1000.0).round() / 1000.0
            } else {
                0.0
            },
            traders: r.traders,
        })
        .collect();
    Ok(Health {
        currency: id,
        code: code.to_string(),
        kind: kind.to_string(),
        accounts: members.len() as i64,
        at_floor,
        at_ceiling,
        gini,
        supply: decimal(supply_now, scale).0,
        months,
    })
}

#[cfg(test)]
mod tests {
    use super::gini;

    #[test]
    fn gini_is_zero_for_equals_and_high_for_one_holder() {
        assert_eq!(gini(&mut [5, 5, 5, 5]), 0.0);
        assert_eq!(gini(&mut []), 0.0);
        assert_eq!(gini(&mut [0, 0, 0]), 0.0);
        // One of four holds everything: (n-1)/n.
        assert_eq!(gini(&mut [0, 0, 0, 100]), 0.75);
        let mid = gini(&mut [1, 2, 3, 4]);
        assert!((mid - 0.25).abs() < 1e-9, "{mid}");
    }
}
