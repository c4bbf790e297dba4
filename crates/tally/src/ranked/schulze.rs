//! The Schulze method (beatpath): pairwise preferences, strongest paths, winners and a full
//! ranking.

use serde::{Deserialize, Serialize};

use crate::ballot::{OptionId, Weight};
use crate::ranked::RankedProfile;

/// How strong a pairwise defeat is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// The winner's votes, as Schulze recommends: a defeat `d[x][y] > d[y][x]` has strength
    /// `d[x][y]`.
    #[default]
    WinningVotes,
    /// The margin `d[x][y] - d[y][x]`.
    Margins,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchulzeResult {
    /// `pairwise[x][y]`: weight of ballots ranking x above y (a ranked option is above every
    /// unranked one; two unranked options are level).
    pub pairwise: Vec<Vec<Weight>>,
    /// `strongest_paths[x][y]`: the strength of the strongest path from x to y (0: none).
    pub strongest_paths: Vec<Vec<Weight>>,
    /// Every option no other option beats (x beats y when `paths[x][y] > paths[y][x]`).
    pub winners: Vec<OptionId>,
    /// The first of `winners` in option order; `None` when there were no ballots.
    pub winner: Option<OptionId>,
    /// Tiers: every option of a tier beats every option of every later tier. Options inside a
    /// tier (listed in option order) cannot all be ordered by the beats relation.
    pub ranking: Vec<Vec<OptionId>>,
    /// One full order: the tiers in turn, inside each the beats relation respected and the tie
    /// rule (option order) used where it says nothing.
    pub order: Vec<OptionId>,
    /// Whether several options could win, so the winner came from the tie rule.
    pub tie: bool,
}

/// Counts Schulze. Building the pairwise matrix is the only pass over the ballots (once per
/// distinct ranking); the rest is O(options³).
pub fn count(profile: &RankedProfile, strength: Strength) -> SchulzeResult {
    let options = profile.options();
    let pairwise = pairwise_preferences(profile);
    let at = |x: usize, y: usize| pairwise[x * options + y];
    let mut paths = vec![0 as Weight; options * options];
    for x in 0..options {
        for y in 0..options {
            if x != y && at(x, y) > at(y, x) {
                paths[x * options + y] = match strength {
                    Strength::WinningVotes => at(x, y),
                    Strength::Margins => at(x, y) - at(y, x),
                };
            }
        }
    }
    for via in 0..options {
        for x in 0..options {
            let to_via = paths[x * options + via];
            if x == via || to_via == 0 {
                continue;
            }
            for y in 0..options {
                if y != x && y != via {
                    let through = to_via.min(paths[via * options + y]);
                    if through > paths[x * options + y] {
                        paths[x * options + y] = through;
                    }
                }
            }
        }
    }
    let beats = |x: usize, y: usize| paths[x * options + y] > paths[y * options + x];
    let winners: Vec<OptionId> = (0..options)
        .filter(|&x| !(0..options).any(|y| beats(y, x)))
        .map(|x| OptionId(x as u32))
        .collect();
    // A linear extension of `beats` (a strict partial order, as Schulze proved), lowest index
    // first wherever the order allows.
    let mut placed = vec![false; options];
    let mut order: Vec<usize> = Vec::with_capacity(options);
    while order.len() < options {
        let next = (0..options)
            .find(|&x| !placed[x] && !(0..options).any(|y| !placed[y] && beats(y, x)))
            .unwrap_or_else(|| (0..options).find(|&x| !placed[x]).unwrap_or(0));
        placed[next] = true;
        order.push(next);
    }
    // Valid cuts between tiers are nested, so cutting the extension wherever everything before
    // beats everything after gives the unique finest tiers.
    let mut ranking: Vec<Vec<OptionId>> = Vec::new();
    let mut tier: Vec<OptionId> = Vec::new();
    for (position, &option) in order.iter().enumerate() {
        tier.push(OptionId(option as u32));
        let cut = position + 1 == options
            || order[..=position]
                .iter()
                .all(|&x| order[position + 1..].iter().all(|&y| beats(x, y)));
        if cut {
            tier.sort_unstable();
            ranking.push(std::mem::take(&mut tier));
        }
    }
    let voted = profile.total_weight() > 0;
    let matrix = |flat: &[Weight]| -> Vec<Vec<Weight>> {
        flat.chunks(options.max(1))
            .map(<[Weight]>::to_vec)
            .collect()
    };
    SchulzeResult {
        pairwise: if options == 0 {
            Vec::new()
        } else {
            matrix(&pairwise)
        },
        strongest_paths: if options == 0 {
            Vec::new()
        } else {
            matrix(&paths)
        },
        winner: winners.first().copied().filter(|_| voted),
        tie: voted && winners.len() > 1,
        winners,
        order: order.iter().map(|&x| OptionId(x as u32)).collect(),
        ranking,
    }
}

/// `d[x * options + y]`: weight ranking x above y.
pub(crate) fn pairwise_preferences(profile: &RankedProfile) -> Vec<Weight> {
    let options = profile.options();
    let mut d = vec![0 as Weight; options * options];
    for (ranking, weight) in profile.groups() {
        // Each ranked option beats everything except itself and what is ranked above it: add
        // the weight to its whole row, then take it back from those.
        for (place, &above) in ranking.iter().enumerate() {
            let row = &mut d[above as usize * options..(above as usize + 1) * options];
            for cell in row.iter_mut() {
                *cell += weight;
            }
            for &higher in &ranking[..=place] {
                row[higher as usize] -= weight;
            }
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ranked::tests::profile;

    fn ids(list: &[u32]) -> Vec<OptionId> {
        list.iter().copied().map(OptionId).collect()
    }

    #[test]
    fn wikipedia_example_ranks_e_a_c_b_d() {
        let profile = profile(
            5,
            &[
                ("ACBED", 5),
                ("ADECB", 5),
                ("BEDAC", 8),
                ("CABED", 3),
                ("CAEBD", 7),
                ("CBADE", 2),
                ("DCEBA", 7),
                ("EBADC", 8),
            ],
        );
        let result = count(&profile, Strength::WinningVotes);
        assert_eq!(result.pairwise[0][1], 20);
        assert_eq!(result.pairwise[1][0], 25);
        assert_eq!(result.strongest_paths[4][3], 31);
        assert_eq!(result.winner, Some(OptionId(4)));
        assert_eq!(result.order, ids(&[4, 0, 2, 1, 3]));
        assert_eq!(
            result.ranking,
            vec![ids(&[4]), ids(&[0]), ids(&[2]), ids(&[1]), ids(&[3])]
        );
        assert!(!result.tie);
    }

    #[test]
    fn unranked_options_lose_to_ranked_ones_and_tie_among_themselves() {
        let result = count(&profile(3, &[("A", 2)]), Strength::WinningVotes);
        assert_eq!(
            result.pairwise,
            vec![vec![0, 2, 2], vec![0, 0, 0], vec![0, 0, 0]]
        );
        assert_eq!(result.ranking, vec![ids(&[0]), ids(&[1, 2])]);
        assert_eq!(result.winner, Some(OptionId(0)));
    }

    #[test]
    fn a_perfect_cycle_is_one_tier_and_a_tie() {
        let result = count(
            &profile(3, &[("ABC", 1), ("BCA", 1), ("CAB", 1)]),
            Strength::Margins,
        );
        assert_eq!(result.winners, ids(&[0, 1, 2]));
        assert_eq!(result.ranking, vec![ids(&[0, 1, 2])]);
        assert!(result.tie);
        assert_eq!(result.winner, Some(OptionId(0)));
    }

    #[test]
    fn incomparable_options_merge_tiers() {
        // "AB" puts B above the unranked C, so A > B > C in full.
        let result = count(&profile(3, &[("AB", 1)]), Strength::WinningVotes);
        assert_eq!(result.ranking, vec![ids(&[0]), ids(&[1]), ids(&[2])]);
        // Add "C": A still beats B, but C is level with both, so no cut is honest.
        let result = count(&profile(3, &[("AB", 1), ("C", 1)]), Strength::WinningVotes);
        assert_eq!(result.winners, ids(&[0, 2]));
        assert_eq!(result.ranking, vec![ids(&[0, 1, 2])]);
        assert_eq!(result.order, ids(&[0, 1, 2]));
        assert!(result.tie);
    }
}
