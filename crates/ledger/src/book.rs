//! The rules of the book, pure: how a transfer changes two accounts, and when it may not.
//! The engine loads the accounts a batch touches, applies the batch here in memory (holding
//! the database's write lock), and writes back what changed — TigerBeetle's shape, so a
//! batch costs a few statements however many transfers it holds.

use std::collections::BTreeMap;

use crate::amount::BALANCE_BOUND;
use crate::model::AccountId;

/// An account's numbers. `balance` is posted credits minus posted debits; pending amounts
/// are reserved: a floor counts pending debits, a ceiling pending credits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Balances {
    pub currency: uuid::Uuid,
    pub floor: Option<i64>,
    pub ceiling: Option<i64>,
    pub balance: i64,
    pub debits_pending: i64,
    pub credits_pending: i64,
}

impl Balances {
    /// The least the balance may reach (the floor, or the bound of the book).
    pub fn lowest(&self) -> i64 {
        self.floor.unwrap_or(-BALANCE_BOUND).max(-BALANCE_BOUND)
    }

    pub fn highest(&self) -> i64 {
        self.ceiling.unwrap_or(BALANCE_BOUND).min(BALANCE_BOUND)
    }
}

/// Why a transfer cannot apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    UnknownAccount {
        field: &'static str,
    },
    SameAccount,
    OtherCurrency,
    /// The debit would take the account below its floor (counting pending debits).
    Floor {
        field: &'static str,
        floor: Option<i64>,
    },
    /// The credit would take the account above its ceiling (counting pending credits).
    Ceiling {
        field: &'static str,
        ceiling: Option<i64>,
    },
}

/// What a transfer does to its two accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// Posted at once.
    Post(i64),
    /// Reserved.
    Reserve(i64),
    /// A reservation of `reserved` ends and `posted` (≤ reserved) of it is posted.
    Settle { reserved: i64, posted: i64 },
}

/// The accounts a batch touches, as they stand.
#[derive(Debug, Clone, Default)]
pub struct Book {
    pub accounts: BTreeMap<AccountId, Balances>,
}

impl Book {
    /// Applies a move from `debit` to `credit`, or leaves the book as it was and says why not.
    pub fn apply(&mut self, debit: AccountId, credit: AccountId, m: Move) -> Result<(), Refusal> {
        if debit == credit {
            return Err(Refusal::SameAccount);
        }
        let d = *self
            .accounts
            .get(&debit)
            .ok_or(Refusal::UnknownAccount { field: "from" })?;
        let c = *self
            .accounts
            .get(&credit)
            .ok_or(Refusal::UnknownAccount { field: "to" })?;
        if d.currency != c.currency {
            return Err(Refusal::OtherCurrency);
        }
        let (mut d2, mut c2) = (d, c);
        match m {
            Move::Post(x) => {
                d2.balance -= x;
                c2.balance += x;
            }
            Move::Reserve(x) => {
                d2.debits_pending += x;
                c2.credits_pending += x;
            }
            Move::Settle { reserved, posted } => {
                d2.debits_pending -= reserved;
                c2.credits_pending -= reserved;
                d2.balance -= posted;
                c2.balance += posted;
            }
        }
        // A move that takes nothing more from the debit side (a settlement) may always
        // apply: it can only bring the account back toward its limits.
        let debit_grows = d2.balance - d2.debits_pending < d.balance - d.debits_pending;
        if debit_grows && d2.balance - d2.debits_pending < d.lowest() {
            return Err(Refusal::Floor {
                field: "from",
                floor: d.floor,
            });
        }
        let credit_grows = c2.balance + c2.credits_pending > c.balance + c.credits_pending;
        if credit_grows && c2.balance + c2.credits_pending > c.highest() {
            return Err(Refusal::Ceiling {
                field: "to",
                ceiling: c.ceiling,
            });
        }
        self.accounts.insert(debit, d2);
        self.accounts.insert(credit, c2);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(limits: &[(Option<i64>, Option<i64>)]) -> (Book, Vec<AccountId>) {
        let currency = uuid::Uuid::now_v7();
        let mut b = Book::default();
        let ids: Vec<AccountId> = limits.iter().map(|_| AccountId::new()).collect();
        for (id, (floor, ceiling)) in ids.iter().zip(limits) {
            b.accounts.insert(
                *id,
                Balances {
                    currency,
                    floor: *floor,
                    ceiling: *ceiling,
                    balance: 0,
                    debits_pending: 0,
                    credits_pending: 0,
                },
            );
        }
        (b, ids)
    }

    #[test]
    fn a_floor_counts_what_is_reserved() {
        let (mut b, ids) = book(&[(Some(-100), None), (None, None)]);
        b.apply(ids[0], ids[1], Move::Reserve(60)).unwrap();
        assert_eq!(
            b.apply(ids[0], ids[1], Move::Post(50)),
            Err(Refusal::Floor {
                field: "from",
                floor: Some(-100)
            })
        );
        b.apply(ids[0], ids[1], Move::Post(40)).unwrap();
        // Settling the reservation for less releases the rest.
        b.apply(
            ids[0],
            ids[1],
            Move::Settle {
                reserved: 60,
                posted: 25,
            },
        )
        .unwrap();
        let a = b.accounts[&ids[0]];
        assert_eq!((a.balance, a.debits_pending), (-65, 0));
        assert_eq!(b.accounts[&ids[1]].balance, 65);
    }

    #[test]
    fn a_ceiling_counts_what_is_coming() {
        let (mut b, ids) = book(&[(None, None), (None, Some(10))]);
        b.apply(ids[0], ids[1], Move::Reserve(8)).unwrap();
        assert!(matches!(
            b.apply(ids[0], ids[1], Move::Post(3)),
            Err(Refusal::Ceiling { .. })
        ));
        assert_eq!(
            b.apply(ids[0], ids[0], Move::Post(1)),
            Err(Refusal::SameAccount)
        );
    }

    #[test]
    fn a_refused_move_changes_nothing() {
        let (mut b, ids) = book(&[(Some(0), None), (None, None)]);
        let before = b.accounts.clone();
        assert!(b.apply(ids[0], ids[1], Move::Post(1)).is_err());
        assert_eq!(b.accounts, before);
    }
}
