//! Instant-runoff voting: eliminate the option with fewest votes until one holds a majority of the
//! ballots still in play.

use serde::{Deserialize, Serialize};

use crate::ballot::{OptionId, Weight};
use crate::ranked::RankedProfile;
use crate::tie::{Pick, TieBreak, break_tie};

/// One round as a page draws it: the tallies, then what happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IrvRound {
    /// Votes per option at the start of the round (0 for eliminated options).
    pub tallies: Vec<Weight>,
    /// Weight of ballots with no continuing option left.
    pub exhausted: Weight,
    /// Set in the last round: the option with a majority (or the last one standing).
    pub elected: Option<OptionId>,
    /// The option eliminated at the end of this round.
    pub eliminated: Option<OptionId>,
    /// Where the eliminated option's ballots went, per option; the rest exhausted.
    pub transfers: Vec<Weight>,
    /// Set when the elimination was decided by the tie rule.
    pub tie: Option<TieBreak>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IrvResult {
    /// `None` only when no ballot ranked anything.
    pub winner: Option<OptionId>,
    pub rounds: Vec<IrvRound>,
    /// Whether any elimination was decided by the tie rule.
    pub tie: bool,
    /// Weight of the ballots counted.
    pub total: Weight,
}

/// Counts IRV. Each ballot group keeps a pointer to its current option and sits in that option's
/// pile, so an elimination touches only the eliminated option's ballots.
pub fn count(profile: &RankedProfile) -> IrvResult {
    let options = profile.options();
    let groups = profile.distinct_rankings();
    let mut position = vec![0u32; groups];
    let mut piles: Vec<Vec<u32>> = vec![Vec::new(); options];
    let mut tallies = vec![0 as Weight; options];
    for group in 0..groups {
        let first = profile.ranking(group)[0] as usize;
        piles[first].push(group as u32);
        tallies[first] += profile.weight(group);
    }
    let mut continuing = vec![true; options];
    let mut remaining = options;
    let mut exhausted: Weight = 0;
    let mut history: Vec<Vec<Weight>> = Vec::new();
    let mut rounds = Vec::new();
    let total = profile.total_weight();
    if total == 0 || options == 0 {
        return IrvResult {
            winner: None,
            rounds,
            tie: false,
            total,
        };
    }
    loop {
        let in_play = total - exhausted;
        let leader = (0..options)
            .filter(|&option| continuing[option])
            .max_by(|&a, &b| tallies[a].cmp(&tallies[b]).then(b.cmp(&a)))
            .unwrap_or(0);
        if remaining == 1 || tallies[leader] * 2 > in_play {
            rounds.push(IrvRound {
                tallies: tallies.clone(),
                exhausted,
                elected: Some(OptionId(leader as u32)),
                eliminated: None,
                transfers: vec![0; options],
                tie: None,
            });
            let tie = rounds.iter().any(|round| round.tie.is_some());
            return IrvResult {
                winner: Some(OptionId(leader as u32)),
                rounds,
                tie,
                total,
            };
        }
        let fewest = (0..options)
            .filter(|&option| continuing[option])
            .map(|option| tallies[option])
            .min()
            .unwrap_or(0);
        let lowest: Vec<OptionId> = (0..options)
            .filter(|&option| continuing[option] && tallies[option] == fewest)
            .map(|option| OptionId(option as u32))
            .collect();
        let (eliminated, tie) = if lowest.len() == 1 {
            (lowest[0], None)
        } else {
            let tie = break_tie(&lowest, &history, Pick::Fewest);
            (tie.chosen, Some(tie))
        };
        let gone = eliminated.index();
        continuing[gone] = false;
        remaining -= 1;
        let exhausted_at_start = exhausted;
        let mut transfers = vec![0 as Weight; options];
        for group in std::mem::take(&mut piles[gone]) {
            let ranking = profile.ranking(group as usize);
            let weight = profile.weight(group as usize);
            let mut at = position[group as usize] as usize + 1;
            while at < ranking.len() && !continuing[ranking[at] as usize] {
                at += 1;
            }
            position[group as usize] = at as u32;
            match ranking.get(at) {
                Some(&next) => {
                    piles[next as usize].push(group);
                    transfers[next as usize] += weight;
                }
                None => exhausted += weight,
            }
        }
        history.push(tallies.clone());
        rounds.push(IrvRound {
            tallies: tallies.clone(),
            exhausted: exhausted_at_start,
            elected: None,
            eliminated: Some(eliminated),
            transfers: transfers.clone(),
            tie,
        });
        for (option, received) in transfers.iter().enumerate() {
            tallies[option] += received;
        }
        tallies[gone] = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ranked::tests::profile;
    use crate::tie::Decider;

    #[test]
    fn tennessee_capital_is_knoxville() {
        // Memphis, Nashville, Chattanooga, Knoxville (Wikipedia's IRV example).
        let result = count(&profile(
            4,
            &[("ABCD", 42), ("BCDA", 26), ("CDBA", 15), ("DCBA", 17)],
        ));
        assert_eq!(result.winner, Some(OptionId(3)));
        assert_eq!(result.rounds.len(), 3);
        assert_eq!(result.rounds[0].eliminated, Some(OptionId(2)));
        assert_eq!(result.rounds[1].tallies, vec![42, 26, 0, 32]);
        assert_eq!(result.rounds[1].eliminated, Some(OptionId(1)));
        assert_eq!(result.rounds[2].tallies, vec![42, 0, 0, 58]);
        assert!(!result.tie);
    }

    #[test]
    fn a_first_round_majority_ends_the_count() {
        let result = count(&profile(3, &[("A", 3), ("BA", 2)]));
        assert_eq!(result.winner, Some(OptionId(0)));
        assert_eq!(result.rounds.len(), 1);
    }

    #[test]
    fn exhausted_ballots_leave_the_majority_base() {
        // B and C are level; C, listed later, goes. Its ballot exhausts, and A's 2 of the 3
        // still in play is a majority.
        let result = count(&profile(3, &[("A", 2), ("B", 1), ("C", 1)]));
        assert_eq!(result.rounds[0].eliminated, Some(OptionId(2)));
        let last = result.rounds.last().unwrap();
        assert_eq!(last.elected, Some(OptionId(0)));
        assert!(result.tie);
        assert_eq!(result.rounds[1].exhausted, 1);
        assert_eq!(result.rounds[0].exhausted, 0);
    }

    #[test]
    fn ties_look_back_then_favour_the_first_option() {
        // Round 0: A=3 B=2 C=2 D=1 -> D out, to B. Round 1: A=3 B=3 C=2 -> C out, to A.
        // Round 2: A=5 B=3 -> A has 5 of 8.
        let result = count(&profile(4, &[("A", 3), ("B", 2), ("CA", 2), ("DB", 1)]));
        assert_eq!(result.winner, Some(OptionId(0)));
        assert!(!result.tie);
        // B and C level at 2 with no history: C, listed later, goes.
        let result = count(&profile(3, &[("A", 3), ("B", 2), ("CB", 2)]));
        let tie = result.rounds[0].tie.as_ref().unwrap();
        assert_eq!(tie.chosen, OptionId(2));
        assert_eq!(tie.decided_by, Decider::OptionOrder);
        assert_eq!(result.winner, Some(OptionId(1)));
        assert!(result.tie);
    }

    #[test]
    fn no_ballots_no_winner() {
        let result = count(&profile(3, &[("", 5)]));
        assert_eq!(result.winner, None);
        assert!(result.rounds.is_empty());
    }
}
