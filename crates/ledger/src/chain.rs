//! The hash chain: each transfer's hash covers the previous one's and every field of the
//! transfer — the memo only as its own hash, so a memo can be erased without breaking the
//! chain (Credit Commons' idea). Any edit of a stored row, a removed row or a reordering
//! shows as a mismatch when the chain is walked again.

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::store::TransferRow;

pub type Hash = [u8; 32];

pub const GENESIS: Hash = [0; 32];

pub fn memo_hash(memo: &str) -> Hash {
    Sha256::digest(memo.as_bytes()).into()
}

fn id(h: &mut Sha256, id: Option<Uuid>) {
    h.update(id.unwrap_or(Uuid::nil()).as_bytes());
}

fn num(h: &mut Sha256, n: Option<i64>) {
    match n {
        Some(n) => {
            h.update([1]);
            h.update(n.to_be_bytes());
        }
        None => h.update([0; 9]),
    }
}

/// The hash of `row` following `prev`. The layout is fixed: changing it is a new chain
/// version, never an edit of this function.
pub fn hash(prev: &Hash, row: &TransferRow) -> Hash {
    let mut h = Sha256::new();
    h.update(b"weft-ledger-v1");
    h.update(prev);
    num(&mut h, Some(row.seq));
    id(&mut h, Some(row.id.0));
    id(&mut h, Some(row.currency_id.0));
    h.update((row.kind.len() as u8).to_be_bytes());
    h.update(row.kind.as_bytes());
    id(&mut h, Some(row.debit_account_id.0));
    id(&mut h, Some(row.credit_account_id.0));
    num(&mut h, Some(row.amount));
    id(&mut h, row.pending_id.map(|p| p.0));
    num(&mut h, row.timeout_at);
    id(&mut h, row.batch_id.map(|b| b.0));
    match &row.memo_hash {
        Some(m) => {
            h.update([1]);
            h.update(m);
        }
        None => h.update([0; 33]),
    }
    id(&mut h, row.actor_id.map(|a| a.0));
    num(&mut h, Some(row.debit_balance));
    num(&mut h, Some(row.credit_balance));
    num(&mut h, Some(row.created_at));
    h.finalize().into()
}

/// A hash as the API shows it: lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
