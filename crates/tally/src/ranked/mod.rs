//! Ranked ballots and the profile every ranked count works on: validated once, identical
//! rankings merged into one weighted group.

pub mod borda;
pub mod irv;
pub mod schulze;
pub mod stv;

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use crate::ballot::{
    BallotError, CountError, MAX_TOTAL_WEIGHT, OptionId, Weight, Weighted, check_distinct_options,
    check_option_count,
};
use crate::choice::check_pick_count;

/// A ranked poll: each ballot ranks between `min` and `max` distinct options, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankedRules {
    pub options: u32,
    pub min: u32,
    pub max: u32,
}

impl RankedRules {
    pub fn validate(&self, ranking: &[OptionId]) -> Result<(), BallotError> {
        check_distinct_options(ranking, self.options)?;
        check_pick_count(ranking.len(), self.min, self.max)
    }
}

/// Validated ranked ballots, identical rankings merged into weighted groups. Real ballots (and
/// random ones over few options) repeat a lot, so every count runs over far fewer groups than
/// ballots; when a sample shows almost no repeats the ballots stay one group each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RankedProfile {
    options: usize,
    /// The groups' rankings, one after another, as option indices.
    items: Vec<u32>,
    /// Where each group's ranking starts in `items`, plus one final end.
    starts: Vec<usize>,
    weights: Vec<Weight>,
    total: Weight,
    /// Weight of ballots that ranked nothing: valid, but no ranked count uses them.
    blank: Weight,
}

impl RankedProfile {
    /// Validates every ballot (unknown option, duplicate) and merges identical rankings.
    pub fn new(options: u32, ballots: &[Weighted<Vec<OptionId>>]) -> Result<Self, CountError> {
        Self::from_rankings(
            options,
            ballots
                .iter()
                .map(|ballot| (ballot.ballot.as_slice(), ballot.weight)),
        )
    }

    /// Like [`RankedProfile::new`] for rankings held elsewhere.
    pub fn from_rankings<'a>(
        options: u32,
        rankings: impl IntoIterator<Item = (&'a [OptionId], Weight)>,
    ) -> Result<Self, CountError> {
        let option_count = check_option_count(options)?;
        let rankings = rankings.into_iter();
        let expected = rankings.size_hint().0;
        let mut profile = RankedProfile {
            options: option_count,
            items: Vec::with_capacity(expected * option_count.min(16)),
            starts: Vec::with_capacity(expected + 1),
            weights: Vec::with_capacity(expected),
            total: 0,
            blank: 0,
        };
        profile.starts.push(0);
        // A stamp per option finds duplicates in one pass without clearing between ballots.
        let mut seen = vec![usize::MAX; option_count];
        for (index, (ranking, weight)) in rankings.enumerate() {
            for &option in ranking {
                let invalid = |error| CountError::InvalidBallot { index, error };
                let slot = seen
                    .get_mut(option.index())
                    .ok_or_else(|| invalid(BallotError::UnknownOption { option, options }))?;
                if *slot == index {
                    return Err(invalid(BallotError::DuplicateOption { option }));
                }
                *slot = index;
            }
            profile.total = profile
                .total
                .checked_add(weight)
                .filter(|total| *total <= MAX_TOTAL_WEIGHT)
                .ok_or(CountError::TooMuchWeight)?;
            if ranking.is_empty() {
                profile.blank += weight;
                continue;
            }
            if weight == 0 {
                continue;
            }
            profile.items.extend(ranking.iter().map(|option| option.0));
            profile.starts.push(profile.items.len());
            profile.weights.push(weight);
        }
        profile.total -= profile.blank;
        if let Some(expected_groups) = profile.groups_worth_merging() {
            profile = profile.merged(expected_groups);
        }
        Ok(profile)
    }

    /// Whether merging identical rankings will pay for its hashing, and if so roughly how many
    /// groups to expect. Small profiles always merge; large ones look at a spread-out sample and
    /// merge unless nearly every ranking is unique (impartial random ballots over 10 options,
    /// say), where merging only costs time.
    fn groups_worth_merging(&self) -> Option<usize> {
        const SAMPLE: usize = 4096;
        let groups = self.weights.len();
        if groups <= SAMPLE {
            return Some(groups);
        }
        let stride = groups / SAMPLE;
        let mut distinct: HashSet<&[u32], BuildHasherDefault<RankingHasher>> =
            HashSet::with_capacity_and_hasher(SAMPLE, BuildHasherDefault::default());
        for group in (0..groups).step_by(stride).take(SAMPLE) {
            distinct.insert(self.ranking(group));
        }
        (distinct.len() * 10 < SAMPLE * 9).then(|| groups / SAMPLE * distinct.len())
    }

    /// The same profile with identical rankings merged into one group, in order of first
    /// appearance.
    fn merged(self, expected_groups: usize) -> Self {
        let mut merged = RankedProfile {
            items: Vec::with_capacity(self.items.len()),
            starts: vec![0],
            weights: Vec::with_capacity(expected_groups),
            ..self.clone_empty()
        };
        if self.options <= PACKED_OPTIONS {
            let mut index: HashMap<u64, usize, BuildHasherDefault<RankingHasher>> =
                HashMap::with_capacity_and_hasher(expected_groups, Default::default());
            for (ranking, weight) in self.groups() {
                let group = *index
                    .entry(packed(ranking))
                    .or_insert_with(|| merged.push_group(ranking));
                merged.weights[group] += weight;
            }
        } else {
            let mut index: HashMap<&[u32], usize, BuildHasherDefault<RankingHasher>> =
                HashMap::with_capacity_and_hasher(expected_groups, Default::default());
            for (ranking, weight) in self.groups() {
                let group = *index
                    .entry(ranking)
                    .or_insert_with(|| merged.push_group(ranking));
                merged.weights[group] += weight;
            }
        }
        merged
    }

    /// Appends a group with no weight yet; returns its index.
    fn push_group(&mut self, ranking: &[u32]) -> usize {
        self.items.extend_from_slice(ranking);
        self.starts.push(self.items.len());
        self.weights.push(0);
        self.weights.len() - 1
    }

    fn clone_empty(&self) -> Self {
        RankedProfile {
            options: self.options,
            items: Vec::new(),
            starts: Vec::new(),
            weights: Vec::new(),
            total: self.total,
            blank: self.blank,
        }
    }

    /// The number of options ranked ballots may name.
    pub fn options(&self) -> usize {
        self.options
    }

    /// Total weight of the non-blank ballots: the valid votes of every ranked count.
    pub fn total_weight(&self) -> Weight {
        self.total
    }

    /// Weight of ballots that ranked nothing.
    pub fn blank_weight(&self) -> Weight {
        self.blank
    }

    /// How many distinct rankings the ballots hold.
    pub fn distinct_rankings(&self) -> usize {
        self.weights.len()
    }

    pub(crate) fn ranking(&self, group: usize) -> &[u32] {
        &self.items[self.starts[group]..self.starts[group + 1]]
    }

    pub(crate) fn weight(&self, group: usize) -> Weight {
        self.weights[group]
    }

    pub(crate) fn groups(&self) -> impl Iterator<Item = (&[u32], Weight)> + '_ {
        (0..self.weights.len()).map(|group| (self.ranking(group), self.weights[group]))
    }
}

/// Up to this many options a ranking packs into one `u64` key (five bits a place), which hashes
/// and compares far faster than a slice: the common case of a poll with a handful of options.
const PACKED_OPTIONS: usize = 12;

/// A ranking of at most [`PACKED_OPTIONS`] places over options below 31, as a base-32 number
/// whose digits are option + 1; no digit is 0, so different rankings give different keys.
fn packed(ranking: &[u32]) -> u64 {
    ranking
        .iter()
        .fold(0u64, |key, &option| (key << 5) | u64::from(option + 1))
}

/// A fast, non-cryptographic hash for grouping rankings (the FxHash mix); rankings are not
/// attacker-chosen keys in a long-lived table, so flooding resistance buys nothing here.
#[derive(Default)]
pub(crate) struct RankingHasher(u64);

impl RankingHasher {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for RankingHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
    }

    fn write_u32(&mut self, value: u32) {
        self.mix(u64::from(value));
    }

    fn write_u64(&mut self, value: u64) {
        self.mix(value);
    }

    fn write_usize(&mut self, value: usize) {
        self.mix(value as u64);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds weighted ballots from letters: `("ABC", 3)` ranks A, B, C with weight 3.
    pub(crate) fn ballots(list: &[(&str, u64)]) -> Vec<Weighted<Vec<OptionId>>> {
        list.iter()
            .map(|(ranking, weight)| {
                Weighted::new(
                    ranking
                        .bytes()
                        .map(|letter| OptionId(u32::from(letter - b'A')))
                        .collect(),
                    *weight,
                )
            })
            .collect()
    }

    pub(crate) fn profile(options: u32, list: &[(&str, u64)]) -> RankedProfile {
        RankedProfile::new(options, &ballots(list)).unwrap()
    }

    #[test]
    fn identical_rankings_merge_and_blanks_are_set_aside() {
        let profile = profile(3, &[("AB", 2), ("B", 1), ("AB", 3), ("", 4), ("C", 0)]);
        assert_eq!(profile.distinct_rankings(), 2);
        assert_eq!(profile.total_weight(), 6);
        assert_eq!(profile.blank_weight(), 4);
        assert_eq!(profile.ranking(0), &[0, 1]);
        assert_eq!(profile.weight(0), 5);
    }

    #[test]
    fn invalid_rankings_are_named_by_position() {
        assert_eq!(
            RankedProfile::new(3, &ballots(&[("AB", 1), ("ADB", 1)])),
            Err(CountError::InvalidBallot {
                index: 1,
                error: BallotError::UnknownOption {
                    option: OptionId(3),
                    options: 3
                }
            })
        );
        assert_eq!(
            RankedProfile::new(3, &ballots(&[("ABA", 1)])),
            Err(CountError::InvalidBallot {
                index: 0,
                error: BallotError::DuplicateOption {
                    option: OptionId(0)
                }
            })
        );
    }

    #[test]
    fn rules_bound_the_ranking_length() {
        let rules = RankedRules {
            options: 4,
            min: 2,
            max: 3,
        };
        assert_eq!(
            rules.validate(&[OptionId(1)]),
            Err(BallotError::TooFewChoices { given: 1, min: 2 })
        );
        assert!(rules.validate(&[OptionId(1), OptionId(3)]).is_ok());
    }

    /// 6,000 ballots, nearly all distinct full rankings of 9 options, from a fixed LCG.
    fn many_distinct() -> Vec<Weighted<Vec<OptionId>>> {
        let mut state: u64 = 7;
        let mut next = move |bound: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % bound
        };
        (0..6_000)
            .map(|_| {
                let mut order: Vec<OptionId> = (0..9).map(OptionId).collect();
                for i in (1..order.len()).rev() {
                    order.swap(i, next(i as u64 + 1) as usize);
                }
                Weighted::new(order, 1 + next(3))
            })
            .collect()
    }

    #[test]
    fn unique_rankings_stay_unmerged_and_count_the_same_merged() {
        use crate::ranked::{borda, irv, schulze, stv};
        let ballots = many_distinct();
        let unmerged = RankedProfile::new(9, &ballots).unwrap();
        assert_eq!(unmerged.groups_worth_merging(), None);
        assert_eq!(unmerged.distinct_rankings(), 6_000);
        let merged = unmerged.clone().merged(0);
        assert!(merged.distinct_rankings() < 6_000);
        assert_eq!(merged.total_weight(), unmerged.total_weight());
        let results = |profile: &RankedProfile| {
            let mut all = vec![
                serde_json::to_value(irv::count(profile)).unwrap(),
                serde_json::to_value(schulze::count(profile, schulze::Strength::WinningVotes))
                    .unwrap(),
                serde_json::to_value(borda::count(profile, borda::BordaPoints::Standard).unwrap())
                    .unwrap(),
            ];
            for method in [stv::StvMethod::ScottishWigm, stv::StvMethod::Meek] {
                let rules = stv::StvRules { seats: 3, method };
                all.push(serde_json::to_value(stv::count(profile, &rules).unwrap()).unwrap());
            }
            all
        };
        assert_eq!(results(&unmerged), results(&merged));
    }

    #[test]
    fn large_profiles_with_repeats_merge() {
        let ballots: Vec<Weighted<Vec<OptionId>>> = (0..10_000)
            .map(|i| Weighted::one(vec![OptionId(i % 3), OptionId(3)]))
            .collect();
        let profile = RankedProfile::new(4, &ballots).unwrap();
        assert_eq!(profile.distinct_rankings(), 3);
        assert_eq!(profile.weight(0), 3_334);
    }

    #[test]
    fn packed_and_slice_merging_agree() {
        // The same ballots in a 9-option poll (packed keys) and a 20-option poll (slices).
        let ballots: Vec<Weighted<Vec<OptionId>>> = many_distinct()
            .into_iter()
            .map(|ballot| {
                let mut ranking = ballot.ballot;
                ranking.truncate(1 + ranking[0].index() % 3);
                Weighted::new(ranking, ballot.weight)
            })
            .collect();
        let narrow = RankedProfile::new(9, &ballots).unwrap();
        let wide = RankedProfile::new(20, &ballots).unwrap();
        assert!(narrow.options() <= PACKED_OPTIONS && wide.options() > PACKED_OPTIONS);
        let groups = |profile: &RankedProfile| -> Vec<(Vec<u32>, u64)> {
            profile.groups().map(|(r, w)| (r.to_vec(), w)).collect()
        };
        assert_eq!(groups(&narrow), groups(&wide));
        let mut expected: std::collections::BTreeMap<Vec<u32>, u64> = Default::default();
        for ballot in &ballots {
            let key = ballot.ballot.iter().map(|o| o.0).collect();
            *expected.entry(key).or_default() += ballot.weight;
        }
        let mut merged = groups(&wide);
        merged.sort();
        assert_eq!(merged, expected.into_iter().collect::<Vec<_>>());
    }
}
