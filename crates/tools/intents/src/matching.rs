//! Finding an intent's counterparts: open intents of the other kind in its group (and, for a
//! shared one, the shared intents of other groups) that have a tag, a related tag or a word
//! in common, scored by `model::score`.
//!
//! The index is `intent_terms`: one row per term of each open intent, per scope. A new
//! intent's terms find the candidates in one query of index seeks, the newest few hundred per
//! term, summed by the terms' weights; the heaviest are scored from their stored facts, and
//! only the best few read whole. Closing an intent takes its terms out.

use std::collections::HashMap;

use kernel::{Kernel, Result};

use crate::model::*;
use crate::store::{self, IntentRow};

/// Candidates taken per term and scope.
const PER_TERM: u64 = 250;

/// What an intent is matched on, from its row (its words as stored).
pub fn facts_of(row: &IntentRow) -> Facts {
    Facts::stored(
        &row.tag_list(),
        &row.words,
        row.point(),
        (row.starts_at, row.ends_at),
    )
}

/// The index scopes an intent is found in.
pub fn scopes_of(group: GroupId, shared: bool) -> Vec<String> {
    let mut scopes = vec![format!("g:{group}")];
    if shared {
        scopes.push("*".into());
    }
    scopes
}

/// A counterpart, its score and why.
pub struct Found {
    pub row: IntentRow,
    pub score: u32,
    pub why: String,
}

/// The counterparts of an intent (its row need not be stored yet), best first: live, not
/// expired, not its author's own. Candidates are scored from their stored facts alone; only
/// the `limit` best are read whole.
pub async fn counterparts(k: &Kernel, row: &IntentRow, limit: usize) -> Result<Vec<Found>> {
    let kind: IntentKind = row.kind.parse().map_err(kernel::Error::internal)?;
    let facts = facts_of(row);
    let terms = facts.terms();
    let scopes = scopes_of(row.group_id, row.shared == 1);
    let weighted: Vec<(String, f64)> = terms
        .into_iter()
        .map(|t| {
            let w = term_weight(&t);
            (t, w)
        })
        .collect();
    let found = store::candidates(
        &k.db,
        kind.other().as_str(),
        &scopes,
        &weighted,
        PER_TERM,
        MAX_CANDIDATES as u64,
    )
    .await?;
    let now = k.now().0;
    let mut scored: Vec<(IntentId, u32, String)> = found
        .into_iter()
        .filter(|c| {
            c.id != row.id
                && c.author_id != row.author_id
                && c.expires_at > now
                && c.state
                    .parse::<IntentState>()
                    .is_ok_and(IntentState::is_live)
                && (c.group_id == row.group_id || (c.shared == 1 && row.shared == 1))
        })
        .filter_map(|c| {
            let tags: Vec<String> = serde_json::from_str(&c.tags).unwrap_or_default();
            let theirs = Facts::stored(&tags, &c.words, c.lat.zip(c.lon), (c.starts_at, c.ends_at));
            let (score, why) = score(&facts, &theirs, now)?;
            Some((c.id, score, why))
        })
        .collect();
    scored.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
    scored.truncate(limit);
    let ids: Vec<IntentId> = scored.iter().map(|s| s.0).collect();
    let mut rows: HashMap<IntentId, IntentRow> = store::intents_by_ids(&k.db, &ids)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    Ok(scored
        .into_iter()
        .filter_map(|(id, score, why)| {
            Some(Found {
                row: rows.remove(&id)?,
                score,
                why,
            })
        })
        .collect())
}
