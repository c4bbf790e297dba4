//! Single transferable vote with the Droop quota: Scottish rules (weighted inclusive Gregory,
//! transfer values truncated to five decimals) and Meek's method (keep factors, nine decimals).

use std::collections::HashMap;
use std::fmt;
use std::hash::BuildHasherDefault;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ballot::{CountError, OptionId, Weight};
use crate::ranked::{RankedProfile, RankingHasher};
use crate::tie::{Pick, TieBreak, break_tie};

/// A number of votes, exact to nine decimals (stored in billionths). Scottish transfer values
/// have five decimals and Meek's arithmetic nine, so both are exact here; totals stay below
/// `u64::MAX` because a count's total weight is at most `MAX_TOTAL_WEIGHT` (1e10).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Votes(pub u64);

impl Votes {
    /// Billionths per vote.
    pub const SCALE: u64 = 1_000_000_000;

    /// Whole votes; saturates beyond `u64::MAX` billionths (18 billion votes).
    pub fn whole(votes: u64) -> Self {
        Votes(votes.saturating_mul(Self::SCALE))
    }

    pub fn as_f64(self) -> f64 {
        self.0 as f64 / Self::SCALE as f64
    }
}

impl fmt::Display for Votes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / Self::SCALE;
        let fraction = self.0 % Self::SCALE;
        if fraction == 0 {
            return write!(f, "{whole}");
        }
        let digits = format!("{fraction:09}");
        write!(f, "{whole}.{}", digits.trim_end_matches('0'))
    }
}

impl FromStr for Votes {
    type Err = &'static str;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        if fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return Err("votes have at most nine decimals");
        }
        let whole: u64 = whole
            .parse()
            .map_err(|_| "votes must be a decimal number")?;
        let fraction: u64 = format!("{fraction:0<9}").parse().unwrap_or(0);
        whole
            .checked_mul(Self::SCALE)
            .and_then(|units| units.checked_add(fraction))
            .map(Votes)
            .ok_or("too many votes")
    }
}

// A decimal string: exact, and `Number("…")` in a browser is good enough for drawing.
impl Serialize for Votes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Votes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StvMethod {
    /// The Scottish Local Government Elections Order 2007 (SSI 2007/42), rules 45-52.
    ScottishWigm,
    /// Meek's method as in New Zealand's rules: keep factors, nine decimals rounded up, iterate
    /// until the elected candidates' total surplus is below 0.00001 or keep factors stop moving.
    Meek,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StvRules {
    pub seats: u32,
    pub method: StvMethod,
}

/// What a stage of the count did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StvAction {
    /// First preferences counted.
    FirstPreferences,
    /// An elected candidate's surplus transferred (Scottish rules).
    Surplus { from: OptionId },
    /// Surpluses redistributed by lowering keep factors (Meek).
    Redistribution,
    /// A candidate excluded and its ballots passed on.
    Exclusion { option: OptionId },
    /// As many continuing candidates as vacancies: all deemed elected.
    LastVacancies,
}

/// One stage as a page draws it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StvRound {
    pub action: StvAction,
    /// Votes per option at the end of the stage.
    pub tallies: Vec<Votes>,
    /// Votes on ballots with no continuing preference left (Meek: the excess).
    pub exhausted: Votes,
    /// Votes lost to truncating transfer values so far (Scottish rules).
    pub lost: Votes,
    pub quota: Votes,
    /// Options deemed elected at the end of the stage, highest vote first.
    pub elected: Vec<OptionId>,
    /// Where the stage's ballots went, per option.
    pub transfers: Vec<Votes>,
    /// Set when the tie rule chose whom to exclude or whose surplus to transfer first.
    pub tie: Option<TieBreak>,
    /// Meek: keep factors at the end of the stage.
    pub keep: Option<Vec<Votes>>,
    /// Meek: iterations the stage took.
    pub iterations: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StvResult {
    pub method: StvMethod,
    pub seats: u32,
    /// The quota of the first stage (Scottish rules keep it; Meek lowers it as ballots exhaust).
    pub quota: Votes,
    /// The elected options, in order of election.
    pub elected: Vec<OptionId>,
    pub rounds: Vec<StvRound>,
    /// Whether any exclusion or surplus order was decided by the tie rule.
    pub tie: bool,
    /// Weight of the ballots counted.
    pub total: Weight,
}

/// Counts STV. With no ballots nobody is elected.
pub fn count(profile: &RankedProfile, rules: &StvRules) -> Result<StvResult, CountError> {
    if rules.seats == 0 {
        return Err(CountError::InvalidRules {
            reason: "STV needs at least one seat",
        });
    }
    let mut count = Count::new(profile, rules);
    if profile.total_weight() > 0 {
        match rules.method {
            StvMethod::ScottishWigm => count.run_scottish(),
            StvMethod::Meek => count.run_meek(),
        }
    }
    Ok(count.finish())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Continuing,
    Elected,
    Excluded,
}

/// State shared by both methods.
struct Count<'a> {
    profile: &'a RankedProfile,
    rules: StvRules,
    options: usize,
    status: Vec<Status>,
    tallies: Vec<u64>,
    elected: Vec<OptionId>,
    rounds: Vec<StvRound>,
    history: Vec<Vec<u64>>,
    quota: u64,
    first_quota: u64,
    tie: bool,
}

impl<'a> Count<'a> {
    fn new(profile: &'a RankedProfile, rules: &StvRules) -> Self {
        let options = profile.options();
        Count {
            profile,
            rules: *rules,
            options,
            status: vec![Status::Continuing; options],
            tallies: vec![0; options],
            elected: Vec::new(),
            rounds: Vec::new(),
            history: Vec::new(),
            quota: 0,
            first_quota: 0,
            tie: false,
        }
    }

    fn finish(self) -> StvResult {
        StvResult {
            method: self.rules.method,
            seats: self.rules.seats,
            quota: Votes(self.first_quota),
            elected: self.elected,
            rounds: self.rounds,
            tie: self.tie,
            total: self.profile.total_weight(),
        }
    }

    fn vacancies(&self) -> usize {
        (self.rules.seats as usize).saturating_sub(self.elected.len())
    }

    fn continuing(&self) -> Vec<OptionId> {
        (0..self.options)
            .filter(|&option| self.status[option] == Status::Continuing)
            .map(|option| OptionId(option as u32))
            .collect()
    }

    /// Continuing options at or above `quota`, deemed elected, highest first.
    fn elect_reaching(&mut self, quota: u64) -> Vec<OptionId> {
        let mut reaching: Vec<OptionId> = self
            .continuing()
            .into_iter()
            .filter(|option| self.tallies[option.index()] >= quota)
            .collect();
        reaching.sort_by(|a, b| self.tallies[b.index()].cmp(&self.tallies[a.index()]));
        for option in &reaching {
            self.status[option.index()] = Status::Elected;
            self.elected.push(*option);
        }
        reaching
    }

    /// Rule 52: with as many continuing candidates as vacancies, they are all elected.
    fn fill_last_vacancies(&mut self, round: StvRound) -> bool {
        let continuing = self.continuing();
        if self.vacancies() == 0 || continuing.len() > self.vacancies() {
            return false;
        }
        let mut last = continuing;
        last.sort_by(|a, b| self.tallies[b.index()].cmp(&self.tallies[a.index()]));
        for option in &last {
            self.status[option.index()] = Status::Elected;
            self.elected.push(*option);
        }
        self.rounds.push(StvRound {
            action: StvAction::LastVacancies,
            elected: last,
            transfers: vec![Votes(0); self.options],
            tie: None,
            ..round
        });
        true
    }

    fn record(&mut self, round: StvRound) {
        self.history.push(self.tallies.clone());
        self.rounds.push(round);
    }

    fn votes(&self) -> Vec<Votes> {
        self.tallies.iter().map(|&units| Votes(units)).collect()
    }

    /// The continuing option with the fewest votes, by the tie rule when several have them.
    fn lowest_continuing(&mut self) -> Option<(OptionId, Option<TieBreak>)> {
        let continuing = self.continuing();
        let fewest = continuing
            .iter()
            .map(|option| self.tallies[option.index()])
            .min()?;
        let lowest: Vec<OptionId> = continuing
            .into_iter()
            .filter(|option| self.tallies[option.index()] == fewest)
            .collect();
        if lowest.len() == 1 {
            return Some((lowest[0], None));
        }
        self.tie = true;
        let tie = break_tie(&lowest, &self.history, Pick::Fewest);
        Some((tie.chosen, Some(tie)))
    }
}

/// Where each distinct ranking's ballots currently sit, at what value per ballot.
struct Papers {
    position: Vec<u32>,
    value: Vec<u64>,
    piles: Vec<Vec<u32>>,
}

impl Count<'_> {
    fn run_scottish(&mut self) {
        let profile = self.profile;
        let scale = Votes::SCALE;
        // Rule 46: valid ballots divided by seats + 1, decimals ignored, plus one.
        self.quota = (profile.total_weight() / (u64::from(self.rules.seats) + 1) + 1) * scale;
        self.first_quota = self.quota;
        let groups = profile.distinct_rankings();
        let mut papers = Papers {
            position: vec![0; groups],
            value: vec![scale; groups],
            piles: vec![Vec::new(); self.options],
        };
        for group in 0..groups {
            let first = profile.ranking(group)[0] as usize;
            papers.piles[first].push(group as u32);
            self.tallies[first] += profile.weight(group) * scale;
        }
        let mut exhausted = 0u64;
        let mut lost = 0u64;
        // Elected candidates whose surplus is still to be transferred.
        let mut pending: Vec<OptionId> = Vec::new();
        let mut action = StvAction::FirstPreferences;
        let mut transfers = vec![0u64; self.options];
        let mut tie: Option<TieBreak> = None;
        loop {
            let newly = self.elect_reaching(self.quota);
            pending.extend(newly.iter().copied());
            let round = StvRound {
                action,
                tallies: self.votes(),
                exhausted: Votes(exhausted),
                lost: Votes(lost),
                quota: Votes(self.quota),
                elected: newly,
                transfers: transfers.iter().map(|&units| Votes(units)).collect(),
                tie: tie.take(),
                keep: None,
                iterations: None,
            };
            self.record(round.clone());
            if self.vacancies() == 0 || self.fill_last_vacancies(round) {
                return;
            }
            transfers = vec![0u64; self.options];
            pending.retain(|option| self.tallies[option.index()] > self.quota);
            if !pending.is_empty() {
                // Rule 49: the largest surplus first; equal surpluses by the tie rule.
                let largest = pending
                    .iter()
                    .map(|option| self.tallies[option.index()])
                    .max()
                    .unwrap_or(0);
                let mut level: Vec<OptionId> = pending
                    .iter()
                    .copied()
                    .filter(|option| self.tallies[option.index()] == largest)
                    .collect();
                level.sort_unstable();
                let from = if level.len() == 1 {
                    level[0]
                } else {
                    self.tie = true;
                    let broken = break_tie(&level, &self.history, Pick::Most);
                    let chosen = broken.chosen;
                    tie = Some(broken);
                    chosen
                };
                pending.retain(|option| *option != from);
                let (gone, moved) = self.transfer_surplus(&mut papers, from, &mut transfers);
                exhausted += gone;
                lost += self.tallies[from.index()] - self.quota - moved;
                self.tallies[from.index()] = self.quota;
                action = StvAction::Surplus { from };
                continue;
            }
            // Rule 50: no surplus left to transfer, so exclude the lowest continuing candidate.
            let Some((option, broken)) = self.lowest_continuing() else {
                return;
            };
            tie = broken;
            self.status[option.index()] = Status::Excluded;
            let held = std::mem::take(&mut papers.piles[option.index()]);
            for group in held {
                let value = papers.value[group as usize];
                exhausted += self.pass_on(&mut papers, group, value, &mut transfers);
            }
            self.tallies[option.index()] = 0;
            action = StvAction::Exclusion { option };
        }
    }

    /// Rule 48: every ballot the candidate holds moves on at (surplus × its value) / total,
    /// truncated to five decimals. Returns the votes exhausted and the votes moved in total.
    fn transfer_surplus(
        &mut self,
        papers: &mut Papers,
        from: OptionId,
        transfers: &mut [u64],
    ) -> (u64, u64) {
        let total = self.tallies[from.index()];
        let surplus = total - self.quota;
        // Five decimals are 10_000 billionths.
        let step = Votes::SCALE / 100_000;
        let mut exhausted = 0;
        let mut moved = 0;
        for group in std::mem::take(&mut papers.piles[from.index()]) {
            let value = papers.value[group as usize];
            let exact = u128::from(surplus) * u128::from(value) / u128::from(total);
            let transfer_value = (exact as u64 / step) * step;
            if transfer_value == 0 {
                continue;
            }
            moved += transfer_value * self.profile.weight(group as usize);
            exhausted += self.pass_on(papers, group, transfer_value, transfers);
        }
        (exhausted, moved)
    }

    /// Moves a ranking's ballots to their next continuing preference at `value` each; returns
    /// the votes exhausted if there is none.
    fn pass_on(
        &mut self,
        papers: &mut Papers,
        group: u32,
        value: u64,
        transfers: &mut [u64],
    ) -> u64 {
        let ranking = self.profile.ranking(group as usize);
        let votes = value * self.profile.weight(group as usize);
        let mut at = papers.position[group as usize] as usize + 1;
        while at < ranking.len() && self.status[ranking[at] as usize] != Status::Continuing {
            at += 1;
        }
        papers.position[group as usize] = at as u32;
        papers.value[group as usize] = value;
        match ranking.get(at) {
            Some(&next) => {
                papers.piles[next as usize].push(group);
                self.tallies[next as usize] += votes;
                transfers[next as usize] += votes;
                0
            }
            None => votes,
        }
    }
}

/// Meek stops iterating once the elected candidates' total surplus is below 0.00001.
const MEEK_TOLERANCE: u64 = Votes::SCALE / 100_000;
/// A bound on iterations per stage; fixed-point keep factors settle long before it.
const MEEK_MAX_ITERATIONS: u32 = 1_000;

/// Ballots cut to what a Meek stage can reach: each ranking without excluded options, up to and
/// including its first hopeful (continuing) option, identical prefixes merged.
struct StagePrefixes {
    items: Vec<u32>,
    starts: Vec<usize>,
    weights: Vec<u64>,
    /// Weight of ballots with nothing left to reach.
    exhausted: u64,
}

impl StagePrefixes {
    fn build(profile: &RankedProfile, status: &[Status]) -> Self {
        let mut prefixes = StagePrefixes {
            items: Vec::new(),
            starts: vec![0],
            weights: Vec::new(),
            exhausted: 0,
        };
        let mut index: HashMap<Box<[u32]>, usize, BuildHasherDefault<RankingHasher>> =
            HashMap::default();
        let mut prefix: Vec<u32> = Vec::new();
        for (ranking, weight) in profile.groups() {
            prefix.clear();
            for &option in ranking {
                match status[option as usize] {
                    Status::Excluded => continue,
                    Status::Elected => prefix.push(option),
                    Status::Continuing => {
                        prefix.push(option);
                        break;
                    }
                }
            }
            if prefix.is_empty() {
                prefixes.exhausted += weight;
                continue;
            }
            match index.get(prefix.as_slice()) {
                Some(&group) => prefixes.weights[group] += weight,
                None => {
                    index.insert(prefix.clone().into_boxed_slice(), prefixes.weights.len());
                    prefixes.items.extend_from_slice(&prefix);
                    prefixes.starts.push(prefixes.items.len());
                    prefixes.weights.push(weight);
                }
            }
        }
        prefixes
    }

    /// Each ballot's value flows down its prefix; every option keeps its keep factor's share of
    /// what reaches it (rounded up to nine decimals, as the New Zealand rules say) and passes on
    /// the rest. Returns the votes per option and the excess.
    fn flow(&self, keep: &[u64], options: usize) -> (Vec<u64>, u64) {
        let scale = Votes::SCALE;
        let mut votes = vec![0u64; options];
        let mut excess = self.exhausted * scale;
        for (group, &weight) in self.weights.iter().enumerate() {
            let mut left = scale;
            for &option in &self.items[self.starts[group]..self.starts[group + 1]] {
                let factor = keep[option as usize];
                let kept = if factor >= scale {
                    left
                } else {
                    (u128::from(left) * u128::from(factor)).div_ceil(u128::from(scale)) as u64
                };
                votes[option as usize] += kept * weight;
                left -= kept;
                if left == 0 {
                    break;
                }
            }
            excess += left * weight;
        }
        (votes, excess)
    }
}

impl Count<'_> {
    fn run_meek(&mut self) {
        let scale = Votes::SCALE;
        let seats = u64::from(self.rules.seats);
        let total = self.profile.total_weight() * scale;
        let mut keep = vec![scale; self.options];
        let mut action = StvAction::FirstPreferences;
        let mut tie: Option<TieBreak> = None;
        let mut before = vec![0u64; self.options];
        loop {
            let prefixes = StagePrefixes::build(self.profile, &self.status);
            let mut iterations = 0;
            let mut newly;
            let mut excess;
            loop {
                iterations += 1;
                let (votes, left) = prefixes.flow(&keep, self.options);
                excess = left;
                self.tallies = votes;
                self.quota = (total - excess) / (seats + 1) + 1;
                if self.first_quota == 0 {
                    self.first_quota = self.quota;
                }
                newly = self.elect_reaching(self.quota);
                if !newly.is_empty() || iterations >= MEEK_MAX_ITERATIONS {
                    break;
                }
                let elected: Vec<usize> = (0..self.options)
                    .filter(|&option| self.status[option] == Status::Elected)
                    .collect();
                let surplus: u64 = elected
                    .iter()
                    .map(|&option| self.tallies[option].saturating_sub(self.quota))
                    .sum();
                if surplus < MEEK_TOLERANCE {
                    break;
                }
                let mut moved = false;
                for option in elected {
                    let updated = (u128::from(keep[option]) * u128::from(self.quota))
                        .div_ceil(u128::from(self.tallies[option].max(1)))
                        .min(u128::from(scale)) as u64;
                    moved |= updated != keep[option];
                    keep[option] = updated;
                }
                if !moved {
                    break;
                }
            }
            let round = StvRound {
                action,
                tallies: self.votes(),
                exhausted: Votes(excess),
                lost: Votes(0),
                quota: Votes(self.quota),
                elected: newly.clone(),
                transfers: self
                    .tallies
                    .iter()
                    .zip(&before)
                    .map(|(&now, &was)| Votes(now.saturating_sub(was)))
                    .collect(),
                tie: tie.take(),
                keep: Some(keep.iter().map(|&factor| Votes(factor)).collect()),
                iterations: Some(iterations),
            };
            before = self.tallies.clone();
            self.record(round.clone());
            if self.vacancies() == 0 || self.fill_last_vacancies(round) {
                return;
            }
            if !newly.is_empty() {
                action = StvAction::Redistribution;
                continue;
            }
            let Some((option, broken)) = self.lowest_continuing() else {
                return;
            };
            tie = broken;
            self.status[option.index()] = Status::Excluded;
            keep[option.index()] = 0;
            action = StvAction::Exclusion { option };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ranked::tests::profile;

    fn scottish(seats: u32) -> StvRules {
        StvRules {
            seats,
            method: StvMethod::ScottishWigm,
        }
    }

    fn meek(seats: u32) -> StvRules {
        StvRules {
            seats,
            method: StvMethod::Meek,
        }
    }

    fn ids(list: &[u32]) -> Vec<OptionId> {
        list.iter().copied().map(OptionId).collect()
    }

    #[test]
    fn votes_print_and_parse_exactly() {
        assert_eq!(Votes(1_500_000_000).to_string(), "1.5");
        assert_eq!(Votes::whole(7).to_string(), "7");
        assert_eq!(Votes(12_345).to_string(), "0.000012345");
        assert_eq!("0.000012345".parse(), Ok(Votes(12_345)));
        assert_eq!("3".parse(), Ok(Votes::whole(3)));
        assert!("1.0000000001".parse::<Votes>().is_err());
        assert_eq!(
            serde_json::to_string(&Votes(2_250_000_000)).unwrap(),
            "\"2.25\""
        );
    }

    #[test]
    fn wikipedia_food_election_elects_chocolate_oranges_strawberries() {
        // Oranges, Pears, Chocolate, Strawberries, Hamburgers; 20 voters, 3 seats, quota 6.
        let profile = profile(
            5,
            &[
                ("A", 4),
                ("BA", 2),
                ("CD", 8),
                ("CE", 4),
                ("D", 1),
                ("E", 1),
            ],
        );
        for rules in [scottish(3), meek(3)] {
            let result = count(&profile, &rules).unwrap();
            let mut elected = result.elected.clone();
            elected.sort();
            assert_eq!(elected, ids(&[0, 2, 3]), "{:?}", rules.method);
        }
        let result = count(&profile, &scottish(3)).unwrap();
        assert_eq!(result.quota, Votes::whole(6));
        assert_eq!(result.elected[0], OptionId(2));
        // Chocolate's surplus of 6 from 12 moves at 0.5 each: 4 to strawberries, 2 to burgers.
        assert_eq!(
            result.rounds[1].action,
            StvAction::Surplus { from: OptionId(2) }
        );
        assert_eq!(result.rounds[1].tallies[3], Votes::whole(5));
        assert_eq!(result.rounds[1].tallies[4], Votes::whole(3));
    }

    #[test]
    fn scottish_transfer_values_are_truncated_to_five_decimals() {
        // 10 ballots, 2 seats: quota 10/3 = 3, plus one, is 4. A's surplus 3 of 7 moves at
        // 3/7 = 0.428571..., truncated to 0.42857, on each of its 7 ballots.
        let profile = profile(4, &[("AB", 7), ("C", 2), ("D", 1)]);
        let result = count(&profile, &scottish(2)).unwrap();
        assert_eq!(result.quota, Votes::whole(4));
        let surplus = &result.rounds[1];
        assert_eq!(surplus.action, StvAction::Surplus { from: OptionId(0) });
        assert_eq!(surplus.tallies[1], "2.99999".parse().unwrap());
        assert_eq!(surplus.lost, "0.00001".parse().unwrap());
        assert_eq!(surplus.tallies[0], Votes::whole(4));
        assert_eq!(result.elected, ids(&[0, 1]));
    }

    #[test]
    fn meek_keep_factors_settle_at_the_quota() {
        // A is elected at once; its keep factor settles at quota / 60 with nobody else reaching
        // the quota; D's exclusion then exhausts 19 votes, the quota falls to 27 and B is in.
        let profile = profile(4, &[("AB", 60), ("C", 21), ("D", 19)]);
        let result = count(&profile, &meek(2)).unwrap();
        assert_eq!(result.elected, ids(&[0, 1]));
        let settled = &result.rounds[1];
        assert_eq!(settled.action, StvAction::Redistribution);
        assert!(settled.elected.is_empty());
        let keep_a = settled.keep.as_ref().unwrap()[0];
        assert!(
            (keep_a.as_f64() - 100.0 / 3.0 / 60.0).abs() < 1e-6,
            "{keep_a}"
        );
        let last = &result.rounds[2];
        assert_eq!(
            last.action,
            StvAction::Exclusion {
                option: OptionId(3)
            }
        );
        assert_eq!(last.quota, "27.000000001".parse().unwrap());
        assert_eq!(last.elected, ids(&[1]));
    }

    #[test]
    fn one_seat_stv_behaves_like_irv() {
        let ballots = [("ABCD", 42), ("BCDA", 26), ("CDBA", 15), ("DCBA", 17)];
        for rules in [scottish(1), meek(1)] {
            let result = count(&profile(4, &ballots), &rules).unwrap();
            assert_eq!(result.elected, ids(&[3]), "{:?}", rules.method);
        }
    }

    #[test]
    fn as_many_candidates_as_seats_are_all_elected() {
        let result = count(&profile(2, &[("A", 1)]), &scottish(2)).unwrap();
        assert_eq!(result.elected, ids(&[0, 1]));
        assert_eq!(
            result.rounds.last().unwrap().action,
            StvAction::LastVacancies
        );
    }

    #[test]
    fn no_ballots_elect_nobody_and_zero_seats_is_refused() {
        assert!(
            count(&profile(3, &[]), &meek(2))
                .unwrap()
                .elected
                .is_empty()
        );
        assert!(count(&profile(3, &[("A", 1)]), &scottish(0)).is_err());
    }

    #[test]
    fn exclusion_ties_look_back_at_earlier_stages() {
        // Stage 0: A=5 B=4 C=3 D=2 E=1 (quota 8 for 1 seat). E goes to C (C=4).
        // Stage 1: B=4, C=4 tied lowest after D goes? D=2 goes first, to B: B=6.
        let profile = profile(5, &[("A", 5), ("B", 4), ("C", 3), ("DB", 2), ("EC", 1)]);
        let result = count(&profile, &scottish(1)).unwrap();
        assert_eq!(
            result.rounds[1].action,
            StvAction::Exclusion {
                option: OptionId(4)
            }
        );
        assert!(!result.tie);
        // B and C both at 4 after E's transfer; the stage before had B=4, C=3, so C goes.
        let profile = crate::ranked::tests::profile(4, &[("A", 6), ("B", 4), ("C", 3), ("DC", 1)]);
        let result = count(&profile, &scottish(1)).unwrap();
        let tied = result
            .rounds
            .iter()
            .find_map(|round| round.tie.clone())
            .unwrap();
        assert_eq!(tied.chosen, OptionId(2));
        assert_eq!(
            tied.decided_by,
            crate::tie::Decider::EarlierRound { round: 0 }
        );
        assert!(result.tie);
    }
}
