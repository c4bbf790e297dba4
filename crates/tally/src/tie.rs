//! The tie rule: how every count in this crate decides between options whose votes are equal,
//! and how it reports that it had to.
//!
//! 1. Look back through the earlier rounds (stages), most recent first, and decide by the votes
//!    the tied options had there: at the first round where they differ, keep only those with the
//!    fewest (when choosing whom to eliminate) or the most (when choosing whose surplus goes
//!    first, or who wins), and go on looking back if several remain. This is the Scottish STV
//!    rule ("the most recently preceding stage at which they had an unequal number of votes",
//!    SSI 2007/42 rules 49 and 51), used for IRV and Meek too so that IRV and one-seat STV agree.
//! 2. Where the votes were equal in every round, the option listed first wins: it survives an
//!    elimination, its surplus goes first, it wins a final tie. Statutes say "by lot"; a poll
//!    that wants a lot shuffles its options when it is created, and the count stays repeatable.

use serde::{Deserialize, Serialize};

use crate::ballot::OptionId;

/// What settled a tie.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Decider {
    /// The votes the tied options had at the end of this earlier round (0-based).
    EarlierRound { round: usize },
    /// Nothing in the votes told them apart; the option listed first was favoured.
    OptionOrder,
}

/// A tie the count had to break, reported so that a page can say so.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TieBreak {
    /// The options that were level, in option order.
    pub tied: Vec<OptionId>,
    /// The one the rule picked (to eliminate, to transfer first, or to win).
    pub chosen: OptionId,
    /// What decided it, the last step taken.
    pub decided_by: Decider,
}

/// Whether the tie rule is choosing the option to lose or the option to go first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pick {
    Fewest,
    Most,
}

/// Breaks a tie between `tied` (at least two options) using earlier rounds' tallies, oldest
/// first in `history`, each indexed by option.
pub(crate) fn break_tie<T: Ord + Copy>(
    tied: &[OptionId],
    history: &[Vec<T>],
    pick: Pick,
) -> TieBreak {
    let mut tied_sorted = tied.to_vec();
    tied_sorted.sort_unstable();
    let mut remaining = tied_sorted.clone();
    for (round, tallies) in history.iter().enumerate().rev() {
        let value = |option: &OptionId| tallies.get(option.index()).copied();
        let extreme = match pick {
            Pick::Fewest => remaining.iter().map(value).min(),
            Pick::Most => remaining.iter().map(value).max(),
        }
        .flatten();
        let narrowed: Vec<OptionId> = remaining
            .iter()
            .copied()
            .filter(|option| value(option) == extreme)
            .collect();
        if narrowed.len() < remaining.len() {
            remaining = narrowed;
            if remaining.len() == 1 {
                return TieBreak {
                    tied: tied_sorted,
                    chosen: remaining[0],
                    decided_by: Decider::EarlierRound { round },
                };
            }
        }
    }
    // Earlier option wins: it is kept when eliminating, preferred when picking.
    let chosen = match pick {
        Pick::Fewest => remaining[remaining.len() - 1],
        Pick::Most => remaining[0],
    };
    TieBreak {
        tied: tied_sorted,
        chosen,
        decided_by: Decider::OptionOrder,
    }
}

/// Options grouped into tiers by descending `key`; equal keys share a tier (listed in option
/// order). The first option of the first tier is the winner under the tie rule's last resort.
pub(crate) fn tiers_by<K: Ord>(options: usize, key: impl Fn(usize) -> K) -> Vec<Vec<OptionId>> {
    let keys: Vec<K> = (0..options).map(&key).collect();
    let mut order: Vec<usize> = (0..options).collect();
    // Stable sort keeps option order inside a tier.
    order.sort_by(|a, b| keys[*b].cmp(&keys[*a]));
    let mut tiers: Vec<Vec<OptionId>> = Vec::new();
    for (position, &option) in order.iter().enumerate() {
        let continues_tier = position > 0 && keys[order[position - 1]] == keys[option];
        if continues_tier {
            if let Some(tier) = tiers.last_mut() {
                tier.push(OptionId(option as u32));
            }
        } else {
            tiers.push(vec![OptionId(option as u32)]);
        }
    }
    tiers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[u32]) -> Vec<OptionId> {
        list.iter().copied().map(OptionId).collect()
    }

    #[test]
    fn looks_back_to_the_most_recent_round_where_the_tied_differ() {
        // Round 0: A=1 B=5 C=3; round 1: A=4 B=4 C=3; now all three are level.
        let history = vec![vec![1, 5, 3], vec![4, 4, 3]];
        let tie = break_tie(&ids(&[0, 1, 2]), &history, Pick::Fewest);
        assert_eq!(tie.chosen, OptionId(2));
        assert_eq!(tie.decided_by, Decider::EarlierRound { round: 1 });
        // Picking the most: round 1 narrows to A and B, round 0 picks B.
        let tie = break_tie(&ids(&[0, 1, 2]), &history, Pick::Most);
        assert_eq!(tie.chosen, OptionId(1));
        assert_eq!(tie.decided_by, Decider::EarlierRound { round: 0 });
    }

    #[test]
    fn equal_throughout_favours_the_option_listed_first() {
        let history = vec![vec![2, 2, 2]];
        let lose = break_tie(&ids(&[2, 0]), &history, Pick::Fewest);
        assert_eq!(lose.chosen, OptionId(2));
        assert_eq!(lose.decided_by, Decider::OptionOrder);
        let win = break_tie(&ids(&[2, 0]), &history, Pick::Most);
        assert_eq!(win.chosen, OptionId(0));
        assert_eq!(win.tied, ids(&[0, 2]));
    }

    #[test]
    fn tiers_group_equal_keys_in_option_order() {
        let scores = [3, 7, 3, 1];
        let tiers = tiers_by(4, |i| scores[i]);
        assert_eq!(tiers, vec![ids(&[1]), ids(&[0, 2]), ids(&[3])]);
    }
}
