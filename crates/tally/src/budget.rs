//! Participatory budgeting: Decidim's voting rules as ballot validation, and greedy and
//! Method of Equal Shares allocation over approval ballots.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, Zero};
use serde::{Deserialize, Serialize};

use crate::ballot::{
    BallotError, CountError, OptionId, Weight, Weighted, check_distinct_options,
    check_option_count, validate_all,
};
use crate::choice::check_pick_count;

/// Decidim's three voting rules for a budget ballot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoteRule {
    /// The chosen projects must cost at least `percent`% of the budget and no more than it
    /// ("vote threshold percent").
    Threshold { percent: u32 },
    /// At least `minimum` projects, costing no more than the budget ("minimum number of
    /// projects").
    MinimumProjects { minimum: u32 },
    /// Between `minimum` and `maximum` projects whatever they cost ("select projects"), as we
    /// read Decidim: this rule counts projects instead of money.
    SelectedProjects { minimum: u32, maximum: u32 },
}

/// A budgeting poll: project costs (indexed by option), the money available, and the rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecidimRules {
    pub budget: u64,
    pub costs: Vec<u64>,
    pub rule: VoteRule,
}

impl DecidimRules {
    pub fn validate(&self, projects: &[OptionId]) -> Result<(), BallotError> {
        let options = u32::try_from(self.costs.len()).unwrap_or(u32::MAX);
        check_distinct_options(projects, options)?;
        let total = projects.iter().fold(0u64, |sum, project| {
            sum.saturating_add(self.costs[project.index()])
        });
        let within_budget = || {
            if total > self.budget {
                Err(BallotError::OverBudget {
                    total,
                    budget: self.budget,
                })
            } else {
                Ok(())
            }
        };
        match self.rule {
            VoteRule::Threshold { percent } => {
                within_budget()?;
                let minimum = (u128::from(self.budget) * u128::from(percent)).div_ceil(100);
                if u128::from(total) < minimum {
                    return Err(BallotError::BelowThreshold {
                        total,
                        minimum: u64::try_from(minimum).unwrap_or(u64::MAX),
                    });
                }
                Ok(())
            }
            VoteRule::MinimumProjects { minimum } => {
                check_pick_count(projects.len(), minimum, u32::MAX)?;
                within_budget()
            }
            VoteRule::SelectedProjects { minimum, maximum } => {
                check_pick_count(projects.len(), minimum, maximum)
            }
        }
    }
}

/// Which projects greedy funds first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GreedyOrder {
    /// Most votes first: the usual participatory budgeting count.
    #[default]
    Votes,
    /// Most votes per unit of cost first.
    VotesPerCost,
}

/// How Method of Equal Shares measures a supporter's satisfaction with a funded project.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Utility {
    /// The project's cost (equalshares.net's default for approval ballots).
    #[default]
    Cost,
    /// One per approved project.
    Approval,
}

/// A funded project, in the order projects were funded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funded {
    pub project: OptionId,
    pub cost: u64,
    pub votes: Weight,
    /// Method of Equal Shares: the most any supporter paid per unit of weight, as an exact
    /// fraction ("7/3").
    pub per_voter: Option<String>,
    /// Whether the tie rule chose this project over another equally good one.
    pub tie: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub funded: Vec<Funded>,
    pub spent: u64,
    pub left: u64,
    /// Approval weight per project.
    pub votes: Vec<Weight>,
    /// Whether the tie rule decided anything that changed what was funded.
    pub tie: bool,
}

impl Allocation {
    /// The funded projects in option order.
    pub fn projects(&self) -> Vec<OptionId> {
        let mut projects: Vec<OptionId> = self.funded.iter().map(|f| f.project).collect();
        projects.sort_unstable();
        projects
    }
}

fn approvals(
    costs: &[u64],
    ballots: &[Weighted<Vec<OptionId>>],
) -> Result<Vec<Weight>, CountError> {
    let options = u32::try_from(costs.len()).unwrap_or(u32::MAX);
    check_option_count(options)?;
    validate_all(ballots, |projects| {
        check_distinct_options(projects, options)
    })?;
    let mut votes = vec![0 as Weight; costs.len()];
    for ballot in ballots {
        for project in &ballot.ballot {
            votes[project.index()] += ballot.weight;
        }
    }
    Ok(votes)
}

/// Funds projects in order of `order`, skipping any that no longer fit, until the list ends.
/// Projects without a vote are never funded. Equal keys go in option order.
pub fn greedy(
    budget: u64,
    costs: &[u64],
    ballots: &[Weighted<Vec<OptionId>>],
    order: GreedyOrder,
) -> Result<Allocation, CountError> {
    let votes = approvals(costs, ballots)?;
    let key_order = |a: usize, b: usize| -> Ordering {
        match order {
            GreedyOrder::Votes => votes[b].cmp(&votes[a]),
            // votes/cost, with cost 0 as infinitely good; compared by cross-multiplying.
            GreedyOrder::VotesPerCost => match (costs[a], costs[b]) {
                (0, 0) => votes[b].cmp(&votes[a]),
                (0, _) => Ordering::Less,
                (_, 0) => Ordering::Greater,
                (ca, cb) => (u128::from(votes[b]) * u128::from(ca))
                    .cmp(&(u128::from(votes[a]) * u128::from(cb))),
            },
        }
    };
    let mut candidates: Vec<usize> = (0..costs.len()).filter(|&p| votes[p] > 0).collect();
    candidates.sort_by(|&a, &b| key_order(a, b).then(a.cmp(&b)));
    let mut left = budget;
    let mut funded_flags = vec![false; costs.len()];
    let mut funded = Vec::new();
    for &project in &candidates {
        if costs[project] <= left {
            left -= costs[project];
            funded_flags[project] = true;
            funded.push(Funded {
                project: OptionId(project as u32),
                cost: costs[project],
                votes: votes[project],
                per_voter: None,
                tie: false,
            });
        }
    }
    // The tie rule mattered where two equally ranked projects were treated differently.
    let mut tie = false;
    for entry in &mut funded {
        let project = entry.project.index();
        let decided = candidates.iter().any(|&other| {
            other > project && key_order(project, other) == Ordering::Equal && !funded_flags[other]
        });
        entry.tie = decided;
        tie |= decided;
    }
    Ok(Allocation {
        funded,
        spent: budget - left,
        left,
        votes,
        tie,
    })
}

/// The Method of Equal Shares (Peters & Skowron) without completion: every voter gets an equal
/// share of the budget (per unit of weight); a project is funded when its supporters can pay
/// for it, cheapest price per unit of satisfaction first, each paying an equal amount or all they
/// have left. Exact rational arithmetic throughout, so ties are real ties (then option order).
///
/// Three things keep it fast on large rounds without giving up exactness. A project's price
/// only rises as its supporters' money runs down, so the price it had when last looked at is a
/// lower bound: each step looks at projects cheapest-known first and stops at the first whose
/// bound is above the best price found (Peters' own implementation does the same). Voters'
/// money takes few distinct values (everyone starts equal; a step moves all who had one value
/// to one new value), so money is kept as classes of equal value, and a project's supporters
/// are counted per class rather than one by one. And all money is kept over one common
/// denominator, multiplied by the payers' weight at each funded project, so that weighing up a
/// project is integer arithmetic with no fraction to reduce.
pub fn equal_shares(
    budget: u64,
    costs: &[u64],
    ballots: &[Weighted<Vec<OptionId>>],
    utility: Utility,
) -> Result<Allocation, CountError> {
    let votes = approvals(costs, ballots)?;
    // Voters with the same approvals pay alike: one group each, with the group's weight.
    let mut groups: BTreeMap<Vec<u32>, Weight> = BTreeMap::new();
    for ballot in ballots.iter().filter(|ballot| ballot.weight > 0) {
        let mut projects: Vec<u32> = ballot.ballot.iter().map(|p| p.0).collect();
        projects.sort_unstable();
        *groups.entry(projects).or_insert(0) += ballot.weight;
    }
    let voters: Weight = groups.values().sum();
    let weights: Vec<Weight> = groups.values().copied().collect();
    let mut supporters: Vec<Vec<usize>> = vec![Vec::new(); costs.len()];
    for (group, projects) in groups.keys().enumerate() {
        for &project in projects {
            supporters[project as usize].push(group);
        }
    }
    let mut allocation = Allocation {
        funded: Vec::new(),
        spent: 0,
        left: budget,
        votes: votes.clone(),
        tie: false,
    };
    if voters == 0 {
        return Ok(allocation);
    }
    let mut money = Money::new(budget, voters, weights.len());
    let mut open: Vec<usize> = (0..costs.len()).filter(|&p| votes[p] > 0).collect();
    // Free projects someone wants cost nobody anything.
    for &project in open.iter().filter(|&&p| costs[p] == 0) {
        allocation.funded.push(Funded {
            project: OptionId(project as u32),
            cost: 0,
            votes: votes[project],
            per_voter: Some("0".into()),
            tie: false,
        });
    }
    open.retain(|&p| costs[p] > 0);
    // The price each project had when last looked at (`None`: never yet).
    let mut known: Vec<Option<BigRational>> = vec![None; costs.len()];
    loop {
        open.sort_by(|&a, &b| match (&known[a], &known[b]) {
            (None, None) => a.cmp(&b),
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => x.cmp(y).then(a.cmp(&b)),
        });
        let mut best: Option<(usize, BigRational, Payment)> = None;
        let mut best_tied = false;
        let mut unaffordable = Vec::new();
        for &project in &open {
            // Its price now is at least what it was: past the best, nothing can beat it.
            if let (Some((_, best_price, _)), Some(bound)) = (&best, &known[project])
                && bound > best_price
            {
                break;
            }
            // Money only ever runs down, so an unaffordable project stays unaffordable.
            let Some(payment) = money.equal_payment(costs[project], &supporters[project], &weights)
            else {
                unaffordable.push(project);
                continue;
            };
            // Compared by value: no need to reduce the fraction.
            let price = match utility {
                Utility::Approval => {
                    BigRational::new_raw(payment.num.clone(), money.denominator(&payment))
                }
                Utility::Cost => BigRational::new_raw(
                    payment.num.clone(),
                    money.denominator(&payment) * BigInt::from(costs[project]),
                ),
            };
            known[project] = Some(price.clone());
            match &best {
                Some((best_project, best_price, _)) if price == *best_price => {
                    best_tied = true;
                    if project < *best_project {
                        best = Some((project, price, payment));
                    }
                }
                Some((_, best_price, _)) if price > *best_price => {}
                _ => {
                    best = Some((project, price, payment));
                    best_tied = false;
                }
            }
        }
        open.retain(|p| !unaffordable.contains(p));
        let Some((project, _, payment)) = best else {
            break;
        };
        let per_voter = BigRational::new(payment.num.clone(), money.denominator(&payment));
        money.charge(&supporters[project], &payment);
        open.retain(|&p| p != project);
        allocation.tie |= best_tied;
        allocation.funded.push(Funded {
            project: OptionId(project as u32),
            cost: costs[project],
            votes: votes[project],
            per_voter: Some(per_voter.to_string()),
            tie: best_tied,
        });
    }
    allocation.spent = allocation.funded.iter().map(|f| f.cost).sum();
    allocation.left = budget.saturating_sub(allocation.spent);
    Ok(allocation)
}

/// What each supporter pays for a project: `num / (payers · denominator)`, where `payers` is
/// the weight of those who pay it in full (the others pay all they have).
struct Payment {
    num: BigInt,
    payers: Weight,
}

/// What each group of voters has left, as classes of equal value over one common
/// denominator: group `g` has `nums[class_of[g]] / denominator`. Class 0 is nothing left.
struct Money {
    denominator: BigInt,
    nums: Vec<BigInt>,
    class_of: Vec<u32>,
}

impl Money {
    /// Everyone's equal share, `budget / voters`.
    fn new(budget: u64, voters: Weight, groups: usize) -> Self {
        Money {
            denominator: BigInt::from(voters),
            nums: vec![BigInt::zero(), BigInt::from(budget)],
            class_of: vec![1; groups],
        }
    }

    fn denominator(&self, payment: &Payment) -> BigInt {
        &self.denominator * BigInt::from(payment.payers)
    }

    /// The amount each supporter pays (or everything they have left, if less) so that together
    /// they pay `cost`: the poorest drop out of the equal split one by one. `None` when all they
    /// have is not enough. In integers: with `rest = cost·denominator − paid by the poorer`,
    /// a class of numerator `n` pays the equal share `rest / weight` when that is at most `n`.
    fn equal_payment(
        &self,
        cost: u64,
        supporters: &[usize],
        weights: &[Weight],
    ) -> Option<Payment> {
        let mut by_class: HashMap<u32, Weight> = HashMap::new();
        for &g in supporters {
            *by_class.entry(self.class_of[g]).or_insert(0) += weights[g];
        }
        let mut poorest_first: Vec<(u32, Weight)> = by_class.into_iter().collect();
        poorest_first.sort_unstable_by(|a, b| {
            self.nums[a.0 as usize]
                .cmp(&self.nums[b.0 as usize])
                .then(a.0.cmp(&b.0))
        });
        let mut rest = BigInt::from(cost) * &self.denominator;
        let mut weight: Weight = poorest_first.iter().map(|(_, w)| w).sum();
        for (class, w) in poorest_first {
            let n = &self.nums[class as usize];
            if rest <= n * BigInt::from(weight) {
                return Some(Payment {
                    num: rest,
                    payers: weight,
                });
            }
            rest -= n * BigInt::from(w);
            weight -= w;
        }
        None
    }

    /// Each supporter pays `payment`, or all they have if less. The common denominator takes
    /// the payers' weight; every class the supporters are in moves to one new class.
    fn charge(&mut self, supporters: &[usize], payment: &Payment) {
        let scale = BigInt::from(payment.payers);
        self.denominator *= &scale;
        for n in self.nums.iter_mut().skip(1) {
            *n *= &scale;
        }
        let mut moved: HashMap<u32, u32> = HashMap::new();
        for &g in supporters {
            let class = self.class_of[g];
            let to = *moved.entry(class).or_insert_with(|| {
                let left = &self.nums[class as usize] - &payment.num;
                if left.is_positive() {
                    self.nums.push(left);
                    (self.nums.len() - 1) as u32
                } else {
                    0
                }
            });
            self.class_of[g] = to;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approvals(list: &[(&[u32], u64)]) -> Vec<Weighted<Vec<OptionId>>> {
        list.iter()
            .map(|(ids, w)| Weighted::new(ids.iter().copied().map(OptionId).collect(), *w))
            .collect()
    }

    fn ids(list: &[u32]) -> Vec<OptionId> {
        list.iter().copied().map(OptionId).collect()
    }

    #[test]
    fn decidim_rules_name_what_is_wrong() {
        let rules = |rule| DecidimRules {
            budget: 100,
            costs: vec![60, 30, 20],
            rule,
        };
        let threshold = rules(VoteRule::Threshold { percent: 70 });
        assert_eq!(
            threshold.validate(&ids(&[1, 2])),
            Err(BallotError::BelowThreshold {
                total: 50,
                minimum: 70
            })
        );
        assert_eq!(
            threshold.validate(&ids(&[0, 1, 2])),
            Err(BallotError::OverBudget {
                total: 110,
                budget: 100
            })
        );
        assert!(threshold.validate(&ids(&[0, 1])).is_ok());
        let minimum = rules(VoteRule::MinimumProjects { minimum: 2 });
        assert_eq!(
            minimum.validate(&ids(&[0])),
            Err(BallotError::TooFewChoices { given: 1, min: 2 })
        );
        let selected = rules(VoteRule::SelectedProjects {
            minimum: 1,
            maximum: 2,
        });
        assert_eq!(
            selected.validate(&ids(&[0, 1, 2])),
            Err(BallotError::TooManyChoices { given: 3, max: 2 })
        );
        assert_eq!(
            selected.validate(&ids(&[3])),
            Err(BallotError::UnknownOption {
                option: OptionId(3),
                options: 3
            })
        );
    }

    #[test]
    fn greedy_skips_what_no_longer_fits() {
        let ballots = approvals(&[(&[0, 1], 5), (&[2], 3), (&[1, 2], 1)]);
        let result = greedy(100, &[80, 50, 20], &ballots, GreedyOrder::Votes).unwrap();
        // Votes: 0 -> 5, 1 -> 6, 2 -> 4. Fund 1 (50), skip 0 (80 > 50 left), fund 2 (20).
        assert_eq!(result.projects(), ids(&[1, 2]));
        assert_eq!(result.left, 30);
        assert!(!result.tie);
    }

    #[test]
    fn equal_shares_gives_the_minority_its_share() {
        // Budget 100, 4 voters: 25 each. Three want A and B (50 each), one wants C (25).
        // Greedy spends everything on A and B; equal shares funds A and C.
        let ballots = approvals(&[(&[0, 1], 3), (&[2], 1)]);
        let costs = [50, 50, 25];
        let greedy_result = greedy(100, &costs, &ballots, GreedyOrder::Votes).unwrap();
        assert_eq!(greedy_result.projects(), ids(&[0, 1]));
        let mes = equal_shares(100, &costs, &ballots, Utility::Cost).unwrap();
        assert_eq!(mes.projects(), ids(&[0, 2]));
        assert_eq!(mes.funded[0].per_voter.as_deref(), Some("50/3"));
        // A and B were level: the tie rule chose A.
        assert!(mes.funded[0].tie);
        assert!(mes.tie);
    }

    #[test]
    fn equal_shares_lets_the_poor_pay_what_they_have() {
        // Budget 90 over 3 voters: 30 each. X (cost 20) for voter 0 only; Y (cost 65) for all.
        // X goes first (20 < 65/3 per voter); voter 0 then has 10 for Y, the others 55/2 each.
        let ballots = approvals(&[(&[0, 1], 1), (&[1], 2)]);
        let mes = equal_shares(90, &[20, 65], &ballots, Utility::Approval).unwrap();
        assert_eq!(mes.funded[0].project, OptionId(0));
        assert_eq!(mes.funded[1].project, OptionId(1));
        assert_eq!(mes.funded[1].per_voter.as_deref(), Some("55/2"));
        assert_eq!(mes.left, 5);
    }
}
