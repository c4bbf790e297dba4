//! Who votes in a poll and with what weight: the group or a list fixed when the poll opened,
//! weights by role or account, liquid delegation, and the key that hides an anonymous poll's
//! voters. Every ballot is stored under its voter's key: their account id, or on an anonymous
//! poll HMAC-SHA-256(the tool's secret, poll ‖ account) cut to 128 bits — so a vote can be
//! changed and never counts twice, yet no row names its voter.

use std::collections::{BTreeMap, HashMap};

use hmac::{Hmac, KeyInit, Mac};
use kernel::groups::access::roster;
use kernel::{Error, Kernel, Result};
use sha2::Sha256;
use tally::Ballot;
use tally::ballot::Weighted;
use tally::delegation::{Delegation, DelegationContext, Scope};
use uuid::Uuid;

use crate::ballot::ANSWERED;
use crate::count::Counted;
use crate::model::*;
use crate::store::{self, PollRow};

/// What the secret is bound to when sealed.
const SECRET_ROW: &[u8] = b"decide.anonymous";

/// How a poll names its voters in its ballots.
pub(crate) enum Keys {
    Accounts,
    Hashed(Box<[u8; 32]>),
}

impl Keys {
    /// The keys of `rules`' poll: the secret is read only for an anonymous one.
    pub(crate) async fn of(k: &Kernel, rules: &Rules) -> Result<Keys> {
        if rules.anonymous {
            Ok(Keys::Hashed(Box::new(secret(k).await?)))
        } else {
            Ok(Keys::Accounts)
        }
    }

    pub(crate) fn key(&self, poll: PollId, account: AccountId) -> Uuid {
        match self {
            Keys::Accounts => account.0,
            Keys::Hashed(secret) => {
                let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&secret[..])
                    .expect("HMAC takes a key of any length");
                mac.update(poll.0.as_bytes());
                mac.update(account.0.as_bytes());
                let digest = mac.finalize().into_bytes();
                let mut bytes = [0u8; 16];
                bytes.copy_from_slice(&digest[..16]);
                Uuid::from_bytes(bytes)
            }
        }
    }

    pub(crate) fn hides(&self) -> bool {
        matches!(self, Keys::Hashed(_))
    }
}

/// The tool's secret for anonymous ballots, made on first use. Two servers making it at once
/// both keep the first one written.
async fn secret(k: &Kernel) -> Result<[u8; 32]> {
    use base64::Engine;
    let stored = match store::secret(&k.db).await? {
        Some(sealed) => sealed,
        None => {
            let fresh = kernel::people::secrets::random_bytes::<32>();
            let text = base64::engine::general_purpose::STANDARD.encode(fresh);
            store::put_secret(&k.db, &k.seal.seal_text(&text, SECRET_ROW)).await?;
            store::secret(&k.db)
                .await?
                .ok_or_else(|| Error::internal("the anonymous ballots' key was not kept"))?
        }
    };
    let text = k.seal.open_text(&stored, SECRET_ROW)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(Error::internal)?;
    bytes
        .try_into()
        .map_err(|_| Error::internal("the anonymous ballots' key is not 32 bytes"))
}

/// Seals the secret under the current sealing key (run at start).
pub async fn reseal(k: &Kernel) -> Result<()> {
    if let Some(stored) = store::secret(&k.db).await?
        && !k.seal.is_current_text(&stored)
    {
        let plain = k.seal.open_text(&stored, SECRET_ROW)?;
        store::reseal_secret(&k.db, &k.seal.seal_text(&plain, SECRET_ROW)).await?;
    }
    Ok(())
}

/// The weight `account` votes with in the poll, or `None` when they may not vote in it (not
/// on its fixed list). Whether they may take part in the group at all is the policy's.
pub(crate) async fn weight_of(
    k: &Kernel,
    row: &PollRow,
    rules: &Rules,
    account: AccountId,
) -> Result<Option<u64>> {
    if !rules.voters_fixed && !rules.weighted {
        return Ok(Some(1));
    }
    let listed = store::voter_weight(&k.db, row.id, account).await?;
    Ok(match listed {
        Some(w) => Some(w.max(0) as u64),
        None if rules.voters_fixed => None,
        None => Some(1),
    })
}

/// How many may vote: the fixed list, or the group's members whose role lets them post.
pub(crate) async fn eligible_count(k: &Kernel, row: &PollRow, rules: &Rules) -> Result<u64> {
    if rules.voters_fixed {
        store::count_voters(&k.db, row.id).await
    } else {
        Ok(posters(k, row.group_id).await?.len() as u64)
    }
}

/// The group's members who may take part (their role holds `post`): who may vote where the
/// whole group decides.
async fn posters(k: &Kernel, group: GroupId) -> Result<Vec<kernel::groups::access::Member>> {
    kernel::groups::access::roster_holding(k, group, &kernel::groups::model::Permission::Post).await
}

/// Everyone who may vote, with their weights, by account: the fixed list, or the members
/// whose role lets them post.
pub(crate) async fn electorate(
    k: &Kernel,
    row: &PollRow,
    rules: &Rules,
) -> Result<Vec<(AccountId, String, u64)>> {
    let members = if rules.voters_fixed {
        roster(k, row.group_id).await?
    } else {
        posters(k, row.group_id).await?
    };
    let listed: HashMap<AccountId, u64> = if rules.voters_fixed || rules.weighted {
        store::voters(&k.db, row.id)
            .await?
            .into_iter()
            .map(|(a, w)| (a, w.max(0) as u64))
            .collect()
    } else {
        HashMap::new()
    };
    Ok(members
        .into_iter()
        .filter_map(|m| match listed.get(&m.id) {
            Some(w) => Some((m.id, m.handle, *w)),
            None if rules.voters_fixed => None,
            None => Some((m.id, m.handle, 1)),
        })
        .collect())
}

/// The voters and weights a new poll fixes: a list for `voters`, and the weights not 1 by
/// `weights` (an account's own entry wins over its role's, the highest role's over others).
pub(crate) async fn fix_voters(
    k: &Kernel,
    group: GroupId,
    voters: Option<&Voters>,
    weights: Option<&std::collections::BTreeMap<String, u32>>,
    v: &mut kernel::error::Validation,
) -> Result<Option<Vec<(AccountId, u32)>>> {
    if voters.is_none() && weights.is_none_or(|w| w.is_empty()) {
        return Ok(None);
    }
    let members = roster(k, group).await?;
    let chosen: Vec<&kernel::groups::access::Member> = match voters {
        None => members.iter().collect(),
        Some(Voters::Role { role }) => {
            if !kernel::groups::access::role_exists(k, group, role).await? {
                v.push("voters.role", format!("no role {role} in this group"));
            }
            members.iter().filter(|m| m.role == *role).collect()
        }
        Some(Voters::Accounts { accounts }) => {
            if accounts.is_empty() || accounts.len() > 10_000 {
                v.push("voters.accounts", "1 to 10000 accounts");
            }
            let mut chosen = Vec::new();
            for (i, key) in accounts.iter().enumerate() {
                let found = match kernel::people::account_ref(k, key).await {
                    Ok(id) => members.iter().find(|m| m.id == id),
                    Err(Error::NotFound(_)) => None,
                    Err(e) => return Err(e),
                };
                match found {
                    Some(m)
                        if !chosen
                            .iter()
                            .any(|c: &&kernel::groups::access::Member| c.id == m.id) =>
                    {
                        chosen.push(m)
                    }
                    Some(_) => {}
                    None => v.push(
                        format!("voters.accounts[{i}]"),
                        format!("{key} is not a member of this group"),
                    ),
                }
            }
            chosen
        }
    };
    let mut by_account: HashMap<AccountId, u32> = HashMap::new();
    let mut by_role: HashMap<&str, u32> = HashMap::new();
    for (key, weight) in weights.into_iter().flatten() {
        if *weight > 1000 {
            v.push(format!("weights.{key}"), "0 to 1000");
        }
        if members.iter().any(|m| m.role == *key)
            || kernel::groups::access::role_exists(k, group, key).await?
        {
            by_role.insert(key.as_str(), *weight);
            continue;
        }
        match kernel::people::account_ref(k, key).await {
            Ok(id) if members.iter().any(|m| m.id == id) => {
                by_account.insert(id, *weight);
            }
            Ok(_) | Err(Error::NotFound(_)) => v.push(
                format!("weights.{key}"),
                "neither a role of this group nor one of its members",
            ),
            Err(e) => return Err(e),
        }
    }
    let weigh = |m: &kernel::groups::access::Member| {
        by_account
            .get(&m.id)
            .or_else(|| by_role.get(m.role.as_str()))
            .copied()
            .unwrap_or(1)
    };
    Ok(Some(if voters.is_some() {
        chosen.into_iter().map(|m| (m.id, weigh(m))).collect()
    } else {
        chosen
            .into_iter()
            .map(|m| (m.id, weigh(m)))
            .filter(|(_, w)| *w != 1)
            .collect()
    }))
}

/// Follows a poll's delegations (of those who may vote) to `voters`, all named by their keys
/// in the poll.
fn resolve(
    keys: &Keys,
    row: &PollRow,
    rules: &Rules,
    voters: &[Uuid],
    delegations: &[store::DelegationRow],
) -> tally::delegation::Resolution<Uuid> {
    let group = row.group_id.to_string();
    let delegations: Vec<Delegation<Uuid>> = delegations
        .iter()
        .map(|d| Delegation {
            from: keys.key(row.id, d.from_id),
            to: keys.key(row.id, d.to_id),
            scope: if d.tag.is_empty() {
                Scope::Group(group.clone())
            } else {
                Scope::Tag(d.tag.clone())
            },
        })
        .collect();
    let context = DelegationContext {
        group,
        tags: rules.tag.iter().cloned().collect(),
    };
    tally::delegation::resolve(voters, &delegations, &context)
}

/// The weight a voter carries for others: the sum of theirs.
fn carried_by(carrier: &tally::delegation::Carrier<Uuid>, weight: &HashMap<Uuid, u64>) -> u64 {
    carrier
        .carried
        .iter()
        .map(|p| weight.get(&p.person).copied().unwrap_or(0))
        .sum()
}

/// A ranked ballot as serde writes it (`{"kind":"ranked","ranking":[2,0,1]}`), read without
/// serde's detour through its tagged-enum buffer: counting a poll reads every ballot.
fn ranked_fast(text: &str) -> Option<Ballot> {
    let inner = text
        .strip_prefix(r#"{"kind":"ranked","ranking":["#)?
        .strip_suffix("]}")?;
    let mut ranking = Vec::with_capacity(inner.len() / 2 + 1);
    if !inner.is_empty() {
        for part in inner.split(',') {
            ranking.push(tally::ballot::OptionId(part.parse().ok()?));
        }
    }
    Some(Ballot::Ranked { ranking })
}

/// A poll's ballots as counting takes them: each distinct ballot with the weight of those who
/// cast it, plus, for a voter whom delegations reach, their ballot again with the weight of
/// everyone whose delegation ends with them (a direct vote always overrides one's delegation).
/// Only ballots a delegation names are read one by one; the rest are read grouped.
pub(crate) async fn counted(k: &Kernel, row: &PollRow, rules: &Rules) -> Result<Counted> {
    let parse = |text: &str| -> Result<Option<Ballot>> {
        if text == ANSWERED {
            return Ok(None);
        }
        if let Some(ballot) = ranked_fast(text) {
            return Ok(Some(ballot));
        }
        serde_json::from_str(text)
            .map(Some)
            .map_err(Error::internal)
    };
    let groups = store::ballot_groups(&k.db, row.id).await?;
    let voters = groups.iter().map(|g| g.voters.max(0).unsigned_abs()).sum();
    let mut ballots = Vec::with_capacity(groups.len());
    for group in &groups {
        if let Some(b) = parse(&group.ballot)? {
            ballots.push(Weighted::new(b, group.weight.max(0).unsigned_abs()));
        }
    }
    let delegations = store::delegations(&k.db, row.group_id, rules.tag.as_deref()).await?;
    if delegations.is_empty() {
        return Ok(Counted {
            ballots,
            voters,
            participants: voters,
        });
    }
    let reach = Reach::of(k, row, rules, delegations).await?;
    let resolution = reach.resolve(row, rules);
    let mut participants = voters;
    for carrier in &resolution.carriers {
        participants += carrier.carried.len() as u64;
        let carried = carried_by(carrier, &reach.weight);
        if carried == 0 {
            continue;
        }
        if let Some(text) = reach.ballots.get(&carrier.voter)
            && let Some(b) = parse(text)?
        {
            ballots.push(Weighted::new(b, carried));
        }
    }
    Ok(Counted {
        ballots,
        voters,
        participants,
    })
}

/// What following a poll's delegations needs: the delegations of those who may vote, each
/// one's weight, and the ballots of those the delegations name (keys in the poll).
struct Reach {
    keys: Keys,
    delegations: Vec<store::DelegationRow>,
    weight: HashMap<Uuid, u64>,
    ballots: BTreeMap<Uuid, String>,
}

impl Reach {
    async fn of(
        k: &Kernel,
        row: &PollRow,
        rules: &Rules,
        delegations: Vec<store::DelegationRow>,
    ) -> Result<Reach> {
        let keys = Keys::of(k, rules).await?;
        let weight: HashMap<Uuid, u64> = electorate(k, row, rules)
            .await?
            .iter()
            .map(|(a, _, w)| (keys.key(row.id, *a), *w))
            .collect();
        let delegations: Vec<store::DelegationRow> = delegations
            .into_iter()
            .filter(|d| weight.contains_key(&keys.key(row.id, d.from_id)))
            .collect();
        let mut named: Vec<Uuid> = delegations
            .iter()
            .flat_map(|d| [keys.key(row.id, d.from_id), keys.key(row.id, d.to_id)])
            .collect();
        named.sort_unstable();
        named.dedup();
        let ballots = store::ballots_among(&k.db, row.id, &named)
            .await?
            .into_iter()
            .collect();
        Ok(Reach {
            keys,
            delegations,
            weight,
            ballots,
        })
    }

    /// Follows the delegations to the voters among those they name (a voter no delegation
    /// names carries no one, so the others need not be read).
    fn resolve(&self, row: &PollRow, rules: &Rules) -> tally::delegation::Resolution<Uuid> {
        let voters: Vec<Uuid> = self.ballots.keys().copied().collect();
        resolve(&self.keys, row, rules, &voters, &self.delegations)
    }
}

/// The weight `account` carries in the poll if they vote now: their own, and that of those
/// whose delegation would reach them (who have not voted, and whose chain passes no voter).
pub(crate) async fn carried_weight(
    k: &Kernel,
    row: &PollRow,
    rules: &Rules,
    account: AccountId,
    own: u64,
) -> Result<u64> {
    let delegations = store::delegations(&k.db, row.group_id, rules.tag.as_deref()).await?;
    if !delegations.iter().any(|d| d.to_id == account) {
        return Ok(own);
    }
    let mut reach = Reach::of(k, row, rules, delegations).await?;
    let me = reach.keys.key(row.id, account);
    reach.ballots.entry(me).or_default();
    let resolution = reach.resolve(row, rules);
    let extra = resolution
        .carriers
        .iter()
        .find(|c| c.voter == me)
        .map(|c| carried_by(c, &reach.weight))
        .unwrap_or(0);
    Ok(own + extra)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ranked_ballot_reads_the_same_fast_as_through_serde() {
        for ranking in [vec![], vec![3], vec![2, 0, 11]] {
            let ballot = Ballot::Ranked {
                ranking: ranking.into_iter().map(tally::ballot::OptionId).collect(),
            };
            let text = serde_json::to_string(&ballot).unwrap();
            assert_eq!(ranked_fast(&text), Some(ballot));
        }
        assert_eq!(ranked_fast(r#"{"kind":"ranked","ranking":[1,x]}"#), None);
        assert_eq!(ranked_fast(r#"{"kind":"choice","options":[1]}"#), None);
    }
}
