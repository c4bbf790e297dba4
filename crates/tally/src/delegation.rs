//! Liquid delegation: who carries whose vote, and so the weight of each ballot.
//!
//! A person who votes speaks for themselves: a direct vote always overrides their own
//! delegation. A person who does not vote passes their weight to their delegate, and on along the
//! chain while delegates do not vote either, until it reaches someone who voted. Weight that runs
//! into a cycle, or off the end of a chain, is not counted.

use std::collections::HashMap;
use std::hash::Hash;

use serde::{Deserialize, Serialize};

use crate::ballot::Weight;

/// What a delegation covers.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Everything decided in a group.
    Group(String),
    /// Decisions tagged with this tag.
    Tag(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegation<P> {
    pub from: P,
    pub to: P,
    pub scope: Scope,
}

/// The decision being counted: its group, and its tags in order of precedence.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegationContext {
    pub group: String,
    pub tags: Vec<String>,
}

/// A voter and the weight their ballot carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Carrier<P> {
    pub voter: P,
    /// 1 for the voter, plus one for everyone whose delegation chain reaches them.
    pub weight: Weight,
    /// Everyone whose weight this voter carries, each with the delegate they chose (follow the
    /// `via` links to see the chain).
    pub carried: Vec<Carried<P>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Carried<P> {
    pub person: P,
    pub via: P,
}

/// Why someone's weight reached no voter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LostBecause {
    /// The chain returns to itself without passing a voter.
    Cycle,
    /// The chain ends at someone who neither voted nor delegated.
    NoVoter,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lost<P> {
    pub person: P,
    pub via: P,
    pub because: LostBecause,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution<P> {
    /// One entry per voter, in the order the voters were given.
    pub carriers: Vec<Carrier<P>>,
    /// Delegators whose weight reached nobody, in order of their delegations.
    pub lost: Vec<Lost<P>>,
    /// The sum of the carriers' weights: everyone whose vote reaches a voter.
    pub total_weight: Weight,
}

impl<P: Clone + Eq + Hash> Resolution<P> {
    /// The weight of a voter's ballot (0 for someone who did not vote).
    pub fn weight_of(&self, voter: &P) -> Weight {
        self.carriers
            .iter()
            .find(|carrier| &carrier.voter == voter)
            .map_or(0, |carrier| carrier.weight)
    }
}

/// Where following a person's delegations ends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reach {
    Unvisited,
    OnPath,
    Voter(usize),
    Lost(LostBecause),
}

/// A delegation's rank for this decision (lower wins), or `None` if it does not apply.
fn precedence(scope: &Scope, context: &DelegationContext) -> Option<usize> {
    match scope {
        Scope::Tag(tag) => context.tags.iter().position(|t| t == tag),
        Scope::Group(group) if *group == context.group => Some(context.tags.len()),
        Scope::Group(_) => None,
    }
}

/// Resolves delegations for one decision. Of a person's delegations, the one for the first of
/// the context's tags wins, then one for its group; others are ignored, and where the same person
/// delegated twice in the same scope the later delegation replaces the earlier. Voters listed
/// twice count once. Runs in time linear in people and delegations, however long the chains.
pub fn resolve<P: Clone + Eq + Hash>(
    voters: &[P],
    delegations: &[Delegation<P>],
    context: &DelegationContext,
) -> Resolution<P> {
    // People become indices once, so that walking chains needs no hashing.
    let mut index: HashMap<&P, usize> = HashMap::new();
    let mut people: Vec<&P> = Vec::new();
    for person in voters
        .iter()
        .chain(delegations.iter().flat_map(|d| [&d.from, &d.to]))
    {
        if !index.contains_key(person) {
            index.insert(person, people.len());
            people.push(person);
        }
    }
    let count = people.len();
    let mut votes = vec![false; count];
    let mut carrier_of_voter: Vec<usize> = Vec::new();
    let mut voter_ids: Vec<usize> = Vec::new();
    for voter in voters {
        let id = index[voter];
        if !votes[id] {
            votes[id] = true;
            voter_ids.push(id);
        }
    }
    carrier_of_voter.resize(count, usize::MAX);
    for (slot, &id) in voter_ids.iter().enumerate() {
        carrier_of_voter[id] = slot;
    }
    // Each person's chosen delegation: best precedence, later replacing earlier at equal rank.
    let mut chosen: Vec<Option<(usize, usize)>> = vec![None; count];
    for delegation in delegations {
        let Some(rank) = precedence(&delegation.scope, context) else {
            continue;
        };
        let from = index[&delegation.from];
        let to = index[&delegation.to];
        match chosen[from] {
            Some((best, _)) if best < rank => {}
            _ => chosen[from] = Some((rank, to)),
        }
    }
    let next: Vec<Option<usize>> = chosen
        .iter()
        .enumerate()
        .map(|(id, choice)| choice.map(|(_, to)| to).filter(|_| !votes[id]))
        .collect();
    let mut reach = vec![Reach::Unvisited; count];
    for id in 0..count {
        if votes[id] {
            reach[id] = Reach::Voter(carrier_of_voter[id]);
        }
    }
    let mut path: Vec<usize> = Vec::new();
    for start in 0..count {
        if reach[start] != Reach::Unvisited {
            continue;
        }
        let mut at = start;
        let end = loop {
            match reach[at] {
                Reach::Unvisited => {
                    reach[at] = Reach::OnPath;
                    path.push(at);
                    match next[at] {
                        Some(to) => at = to,
                        None => break Reach::Lost(LostBecause::NoVoter),
                    }
                }
                // Walking into our own path: a cycle that no voter breaks.
                Reach::OnPath => break Reach::Lost(LostBecause::Cycle),
                settled => break settled,
            }
        };
        for id in path.drain(..) {
            reach[id] = end;
        }
    }
    let mut carriers: Vec<Carrier<P>> = voter_ids
        .iter()
        .map(|&id| Carrier {
            voter: people[id].clone(),
            weight: 1,
            carried: Vec::new(),
        })
        .collect();
    let mut lost = Vec::new();
    for id in 0..count {
        let Some(via) = next[id] else {
            continue;
        };
        let via = people[via].clone();
        match reach[id] {
            Reach::Voter(slot) => {
                carriers[slot].weight += 1;
                carriers[slot].carried.push(Carried {
                    person: people[id].clone(),
                    via,
                });
            }
            Reach::Lost(because) => lost.push(Lost {
                person: people[id].clone(),
                via,
                because,
            }),
            Reach::Unvisited | Reach::OnPath => {}
        }
    }
    let total_weight = carriers.iter().map(|carrier| carrier.weight).sum();
    Resolution {
        carriers,
        lost,
        total_weight,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(from: u32, to: u32) -> Delegation<u32> {
        Delegation {
            from,
            to,
            scope: Scope::Group("g".into()),
        }
    }

    fn tag(from: u32, to: u32, tag: &str) -> Delegation<u32> {
        Delegation {
            from,
            to,
            scope: Scope::Tag(tag.into()),
        }
    }

    fn context(tags: &[&str]) -> DelegationContext {
        DelegationContext {
            group: "g".into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
        }
    }

    #[test]
    fn weight_flows_along_chains_past_non_voters() {
        // 1 -> 2 -> 3 (votes); 4 -> 3.
        let resolution = resolve(
            &[3],
            &[group(1, 2), group(2, 3), group(4, 3)],
            &context(&[]),
        );
        assert_eq!(resolution.weight_of(&3), 4);
        assert_eq!(resolution.total_weight, 4);
        let carried: Vec<(u32, u32)> = resolution.carriers[0]
            .carried
            .iter()
            .map(|c| (c.person, c.via))
            .collect();
        assert_eq!(carried, vec![(1, 2), (2, 3), (4, 3)]);
    }

    #[test]
    fn a_direct_vote_overrides_the_voters_own_delegation() {
        let resolution = resolve(&[1, 2], &[group(1, 2), group(3, 1)], &context(&[]));
        assert_eq!(resolution.weight_of(&1), 2);
        assert_eq!(resolution.weight_of(&2), 1);
    }

    #[test]
    fn cycles_and_dead_ends_lose_weight() {
        let resolution = resolve(
            &[9],
            &[group(1, 2), group(2, 1), group(3, 1), group(4, 5)],
            &context(&[]),
        );
        assert_eq!(resolution.total_weight, 1);
        let lost: Vec<(u32, LostBecause)> = resolution
            .lost
            .iter()
            .map(|l| (l.person, l.because))
            .collect();
        assert_eq!(
            lost,
            vec![
                (1, LostBecause::Cycle),
                (2, LostBecause::Cycle),
                (3, LostBecause::Cycle),
                (4, LostBecause::NoVoter)
            ]
        );
    }

    #[test]
    fn a_voter_inside_a_cycle_collects_the_whole_cycle() {
        let resolution = resolve(
            &[2],
            &[group(1, 2), group(2, 3), group(3, 1)],
            &context(&[]),
        );
        assert_eq!(resolution.weight_of(&2), 3);
    }

    #[test]
    fn tag_delegations_beat_group_ones_in_the_contexts_order() {
        let delegations = [group(1, 2), tag(1, 3, "parks"), tag(1, 4, "roads")];
        assert_eq!(
            resolve(&[2, 3, 4], &delegations, &context(&["roads", "parks"])).weight_of(&4),
            2
        );
        assert_eq!(
            resolve(&[2, 3, 4], &delegations, &context(&["parks"])).weight_of(&3),
            2
        );
        assert_eq!(
            resolve(&[2, 3, 4], &delegations, &context(&["schools"])).weight_of(&2),
            2
        );
        let elsewhere = DelegationContext {
            group: "other".into(),
            tags: vec![],
        };
        assert_eq!(resolve(&[2], &delegations, &elsewhere).total_weight, 1);
    }

    #[test]
    fn a_later_delegation_in_the_same_scope_replaces_an_earlier_one() {
        let resolution = resolve(&[2, 3], &[group(1, 2), group(1, 3)], &context(&[]));
        assert_eq!(resolution.weight_of(&3), 2);
        assert_eq!(resolution.weight_of(&2), 1);
    }
}
