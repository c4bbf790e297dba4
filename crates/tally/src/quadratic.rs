//! Capital-constrained quadratic funding (Buterin, Hitzig & Weyl), with Gitcoin's optional
//! pairwise bounding. A project's ideal match is (Σ√cᵢ)² − Σcᵢ = Σ_{i≠j} √(cᵢcⱼ); with
//! pairwise bounding each pair's term is damped by how much that pair co-funds everywhere,
//! √(cᵢcⱼ) · M / (M + kᵢⱼ) where kᵢⱼ = Σ_projects √(cᵢ,ₚ cⱼ,ₚ). When the ideal matches sum to
//! more than the budget, all are scaled down alike so they sum to it; the units are then
//! rounded down and the few left over go to the largest remainders (earlier project on a
//! tie), so the matches never exceed the budget and are exact to one unit.

use std::collections::HashMap;

/// One project's contributions: (contributor, units), a contributor at most once.
pub type Contributions = Vec<(u64, u64)>;

/// Each project's match, in units, from `budget`. `pairwise_m`: Gitcoin's coefficient M for
/// pairwise bounding, `None` for the plain formula.
pub fn matches(projects: &[Contributions], budget: u64, pairwise_m: Option<f64>) -> Vec<u64> {
    let ideal = ideal_matches(projects, pairwise_m);
    constrain(&ideal, budget)
}

/// The unconstrained matches, as real numbers.
pub fn ideal_matches(projects: &[Contributions], pairwise_m: Option<f64>) -> Vec<f64> {
    match pairwise_m {
        None => projects
            .iter()
            .map(|given| {
                let roots: f64 = given.iter().map(|&(_, c)| (c as f64).sqrt()).sum();
                let total: f64 = given.iter().map(|&(_, c)| c as f64).sum();
                (roots * roots - total).max(0.0)
            })
            .collect(),
        Some(m) => {
            // How much each pair co-funds across all projects.
            let mut pairs: HashMap<(u64, u64), f64> = HashMap::new();
            for given in projects {
                for (a, &(i, ci)) in given.iter().enumerate() {
                    for &(j, cj) in &given[a + 1..] {
                        let key = if i < j { (i, j) } else { (j, i) };
                        *pairs.entry(key).or_insert(0.0) += ((ci as f64) * (cj as f64)).sqrt();
                    }
                }
            }
            projects
                .iter()
                .map(|given| {
                    let mut total = 0.0;
                    for (a, &(i, ci)) in given.iter().enumerate() {
                        for &(j, cj) in &given[a + 1..] {
                            let key = if i < j { (i, j) } else { (j, i) };
                            let k = pairs[&key];
                            total += 2.0 * ((ci as f64) * (cj as f64)).sqrt() * m / (m + k);
                        }
                    }
                    total
                })
                .collect()
        }
    }
}

/// Scales `ideal` down to `budget` when it asks for more, in whole units.
pub fn constrain(ideal: &[f64], budget: u64) -> Vec<u64> {
    let sum: f64 = ideal.iter().sum();
    let scale = if sum > budget as f64 && sum > 0.0 {
        budget as f64 / sum
    } else {
        1.0
    };
    let exact: Vec<f64> = ideal.iter().map(|x| x * scale).collect();
    let mut out: Vec<u64> = exact.iter().map(|x| x.floor().max(0.0) as u64).collect();
    if scale < 1.0 {
        let mut left = budget.saturating_sub(out.iter().sum());
        let mut order: Vec<usize> = (0..exact.len()).collect();
        order.sort_by(|&a, &b| {
            let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
            rb.total_cmp(&ra).then(a.cmp(&b))
        });
        for i in order {
            if left == 0 {
                break;
            }
            if exact[i] > 0.0 {
                out[i] += 1;
                left -= 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_small_gifts_draw_more_than_one_large() {
        // Four people give 1 each: (4·1)² − 4 = 12. One person gives 4: 2² − 4 = 0.
        let projects = vec![vec![(1, 1), (2, 1), (3, 1), (4, 1)], vec![(5, 4)]];
        assert_eq!(matches(&projects, 1_000, None), vec![12, 0]);
    }

    #[test]
    fn matches_shrink_to_the_budget_and_add_up_to_it() {
        // Ideal 12 and 6 ( (1+1+1)²... ): scaled to a budget of 10.
        let projects = vec![
            vec![(1, 1), (2, 1), (3, 1), (4, 1)],
            vec![(1, 1), (2, 1), (3, 1)],
        ];
        let ideal = ideal_matches(&projects, None);
        assert_eq!(ideal, vec![12.0, 6.0]);
        let got = matches(&projects, 10, None);
        assert_eq!(got.iter().sum::<u64>(), 10);
        assert_eq!(got, vec![7, 3]); // 6.67 and 3.33: the larger remainder takes the unit
    }

    #[test]
    fn pairwise_bounding_damps_a_pair_that_funds_together() {
        // Two people giving 100 each to the same project: plain match 200; bounded with
        // M = 25 and k = 100, 200 · 25 / 125 = 40.
        let projects = vec![vec![(1, 100), (2, 100)]];
        let plain = ideal_matches(&projects, None)[0];
        let bounded = ideal_matches(&projects, Some(25.0))[0];
        assert!((plain - 200.0).abs() < 1e-9);
        assert!((bounded - 40.0).abs() < 1e-9, "{bounded}");
    }
}
