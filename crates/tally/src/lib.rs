//! Pure voting and allocation algorithms for Weft: every decision, budget and ideation tool ends
//! in one of these counts. No I/O, no async, no clocks, no randomness: the same ballots always
//! give the same result, and every result serialises (serde) with enough detail for a page to
//! draw each round.
//!
//! # What is here
//! - [`stance`]: proposals (agree / abstain / disagree / block) and consent (consent / object),
//!   with quorum and pass threshold.
//! - [`choice`]: choice (min..max picks), approval, score, dot vote, count, meeting.
//! - [`ranked`]: IRV, Schulze (winning votes or margins, with a full ranking), Borda (standard
//!   or Loomio's truncated points), STV with the Droop quota under Scottish rules (weighted
//!   inclusive Gregory) or Meek's method.
//! - [`delegation`]: liquid delegation resolved into ballot weights.
//! - [`pairwise`]: Bradley–Terry scores for pairwise wiki surveys.
//! - [`budget`]: Decidim's ballot rules, greedy and Method of Equal Shares allocation.
//!
//! Every count validates its ballots first ([`ballot::BallotError`] says exactly what is wrong
//! and [`ballot::CountError`] which ballot), and takes each ballot's weight from delegation.
//!
//! # Arithmetic
//! Weights are integers and every count but STV, Method of Equal Shares and Bradley–Terry is
//! integer arithmetic. STV counts in [`ranked::stv::Votes`], exact to nine decimals: Scottish
//! transfer values are truncated to five decimals as the statute says, Meek keeps nine decimals
//! rounding up as the New Zealand rules say. Method of Equal Shares uses exact rationals.
//! Bradley–Terry is a statistical estimate and uses floating point, aggregated in a fixed order.
//!
//! # Ties
//! One rule everywhere ([`tie`]):
//! 1. Between options tied in a round-based count (IRV and STV eliminations, the order of STV
//!    surpluses), look back to the most recent earlier round in which the tied options had
//!    different votes and take the fewest (to eliminate) or the most (to go first); keep looking
//!    back while several remain level. This is the Scottish rule (SSI 2007/42 rules 49 and 51),
//!    often called backwards tie-breaking.
//! 2. Where nothing in the votes separates them, the option with the lower index is favoured: it
//!    survives an elimination, goes first, and wins. A poll that wants lots drawn shuffles its
//!    option list once when it is created; the count stays repeatable.
//!
//! A result says when the rule decided: `tie: true` on the result, and the round or step with a
//! [`tie::TieBreak`] naming the tied options and what decided. Counts that rank by a total
//! (choice, score, Borda, Schulze) report equal totals as shared tiers and set `tie` when the top
//! tier holds more than one option. With no votes at all there is no winner (`None`).

#![forbid(unsafe_code)]

pub mod ballot;
pub mod budget;
pub mod choice;
pub mod delegation;
pub mod pairwise;
pub mod quadratic;
pub mod ranked;
pub mod rules;
pub mod stance;
pub mod tie;

pub use ballot::{
    Availability, Ballot, BallotError, CountError, Dots, OptionId, Participation, Scored,
    SlotAnswer, Stance, Weight, Weighted,
};
pub use ranked::{RankedProfile, RankedRules};
pub use rules::{BallotRules, parse_ballot};
pub use tie::{Decider, TieBreak};
