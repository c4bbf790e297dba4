//! Borda count, in the standard form and in Loomio's truncated form.

use serde::{Deserialize, Serialize};

use crate::ballot::{CountError, OptionId, Weight};
use crate::ranked::RankedProfile;
use crate::tie::tiers_by;

/// Points per place, best place first (place 0).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "points", rename_all = "snake_case")]
pub enum BordaPoints {
    /// With n options, place p earns n - 1 - p; unranked options earn nothing.
    #[default]
    Standard,
    /// Loomio's ranked choice: place p earns `ranks - p`, so the first of `ranks` allowed places
    /// earns `ranks` points and the last earns 1; places beyond earn nothing.
    Truncated { ranks: u32 },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BordaResult {
    /// Weighted points per option.
    pub scores: Vec<Weight>,
    /// Options by points, equal points sharing a tier.
    pub ranking: Vec<Vec<OptionId>>,
    /// `None` when no option earned a point.
    pub winner: Option<OptionId>,
    pub tie: bool,
}

/// Counts Borda points.
pub fn count(profile: &RankedProfile, points: BordaPoints) -> Result<BordaResult, CountError> {
    let options = profile.options();
    let top = match points {
        BordaPoints::Standard => options.saturating_sub(1) as u64,
        BordaPoints::Truncated { ranks } => u64::from(ranks),
    };
    // No option can earn more than the top points on every ballot; refuse what a u64 can't hold.
    if top.checked_mul(profile.total_weight()).is_none() {
        return Err(CountError::InvalidRules {
            reason: "too many Borda points for these ballots",
        });
    }
    let mut scores = vec![0 as Weight; options];
    for (ranking, weight) in profile.groups() {
        for (place, &option) in ranking.iter().enumerate() {
            let earned = top.saturating_sub(place as u64);
            if earned == 0 {
                break;
            }
            scores[option as usize] += earned * weight;
        }
    }
    let ranking = tiers_by(options, |option| scores[option]);
    let first = ranking.first().filter(|tier| scores[tier[0].index()] > 0);
    Ok(BordaResult {
        winner: first.map(|tier| tier[0]),
        tie: first.is_some_and(|tier| tier.len() > 1),
        ranking,
        scores,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ranked::tests::profile;

    #[test]
    fn standard_points_count_down_to_zero() {
        // Tennessee: Nashville wins Borda.
        let result = count(
            &profile(4, &[("ABCD", 42), ("BCDA", 26), ("CDBA", 15), ("DCBA", 17)]),
            BordaPoints::Standard,
        )
        .unwrap();
        assert_eq!(result.scores, vec![126, 194, 173, 107]);
        assert_eq!(result.winner, Some(OptionId(1)));
    }

    #[test]
    fn truncated_points_follow_loomio() {
        // Three places allowed: 3, 2, 1 points.
        let result = count(
            &profile(5, &[("ABCD", 1), ("EA", 2)]),
            BordaPoints::Truncated { ranks: 3 },
        )
        .unwrap();
        assert_eq!(result.scores, vec![3 + 4, 2, 1, 0, 6]);
        assert_eq!(result.winner, Some(OptionId(0)));
        assert!(!result.tie);
    }
}
