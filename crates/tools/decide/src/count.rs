//! Counting a poll: its ballots into `tally`'s inputs, and tally's answers into the results
//! the API shows (options named by text). Pure: no database, no kernel calls.

use std::collections::BTreeMap;

use kernel::{Error, Result};
use serde_json::{Value, json};
use tally::ballot::{Dots, OptionId, Scored, SlotAnswer, Stance, Weighted};
use tally::choice::{ChoiceRules, CountRules, DotRules, MeetingRules, ScoreRules};
use tally::ranked::stv::{StvMethod, StvRules};
use tally::ranked::{self, RankedProfile, RankedRules};
use tally::stance::{ConsentRules, ProposalRules, Ratio, Threshold};
use tally::{Ballot, BallotRules};

use crate::model::*;

/// What counting needs of a poll: its kind, rules and options.
#[derive(Clone, Copy)]
pub(crate) struct Shape<'a> {
    pub kind: PollKind,
    pub rules: &'a Rules,
    pub options: &'a [String],
}

/// The rules tally checks a ballot of this poll against.
pub(crate) fn ballot_rules(poll: Shape<'_>) -> BallotRules {
    let options = poll.options.len() as u32;
    let r = &poll.rules;
    match poll.kind {
        PollKind::Proposal | PollKind::Check | PollKind::Question => BallotRules::Proposal,
        PollKind::Consent => BallotRules::Consent,
        PollKind::Count => BallotRules::Count,
        PollKind::Meeting => BallotRules::Meeting(MeetingRules { slots: options }),
        PollKind::Choice => BallotRules::Choice(ChoiceRules {
            options,
            min: r.min_choices.unwrap_or(1),
            max: r.max_choices.unwrap_or(1),
        }),
        PollKind::Approval => BallotRules::Approval { options },
        PollKind::Score => BallotRules::Score(ScoreRules {
            options,
            max: r.score_max.unwrap_or(5),
        }),
        PollKind::DotVote => BallotRules::DotVote(DotRules {
            options,
            dots: r.dots.unwrap_or(10),
        }),
        PollKind::Ranked => BallotRules::Ranked(RankedRules {
            options,
            min: 1,
            max: options,
        }),
    }
}

/// Whether a motion's poll passed by its motion's rule: `majority`, more agree than
/// disagree and block; `two_thirds`, at least two thirds of those are agree; `consent`, nobody
/// blocks or objects; `unanimous`, everyone who took a side agrees. Nobody voting passes
/// nothing.
pub(crate) fn passes(shape: Shape<'_>, results: &Results) -> bool {
    if !shape.kind.has_stances() {
        // A choice or ranked motion passes when the count names one winner.
        return results.voters_count > 0 && results.quorum_met && results.winners.len() == 1;
    }
    let n = |stance: &str| results.tallies[stance].as_u64().unwrap_or(0);
    let (yes, no, veto) = match shape.kind {
        PollKind::Consent => (n("consent"), 0, n("object")),
        _ => (n("agree"), n("disagree"), n("block")),
    };
    if results.voters_count == 0 || yes == 0 || !results.quorum_met {
        return false;
    }
    match shape.rules.pass_rule.as_deref().unwrap_or("majority") {
        "two_thirds" => veto == 0 && 3 * yes >= 2 * (yes + no + veto),
        "consent" => veto == 0,
        "unanimous" => no == 0 && veto == 0,
        _ => veto == 0 && yes > no,
    }
}

fn counting(e: tally::CountError) -> Error {
    Error::internal(format!("counting failed: {e}"))
}

fn by_text(options: &[String], values: impl IntoIterator<Item = u64>) -> Value {
    let map: serde_json::Map<String, Value> = options
        .iter()
        .cloned()
        .zip(values.into_iter().map(|v| json!(v)))
        .collect();
    Value::Object(map)
}

fn texts(options: &[String], ids: &[OptionId]) -> Vec<String> {
    ids.iter()
        .filter_map(|id| options.get(id.index()).cloned())
        .collect()
}

/// What a count takes: each ballot with the weight it carries (its voter's, and that of
/// those whose delegation reaches them), how many voted, and how many took part — by their
/// own vote or through a delegate — which is what a quorum counts.
pub(crate) struct Counted {
    pub ballots: Vec<Weighted<Ballot>>,
    pub voters: u64,
    pub participants: u64,
}

/// Picks the ballots of one shape out of a count's, with their weights.
fn each<T>(ballots: &[Weighted<Ballot>], pick: impl Fn(&Ballot) -> Option<T>) -> Vec<Weighted<T>> {
    ballots
        .iter()
        .filter_map(|b| pick(&b.ballot).map(|x| Weighted::new(x, b.weight)))
        .collect()
}

/// Counts a poll's ballots as its kind and rules say.
pub(crate) fn count(
    poll: Shape<'_>,
    counted: &Counted,
    eligible: u64,
    closed: bool,
) -> Result<Results> {
    let options = poll.options;
    let ballots = &counted.ballots;
    let voters = counted.voters;
    let quorum_needed = (eligible * u64::from(poll.rules.quorum_pct)).div_ceil(100);
    let mut results = Results {
        winners: Vec::new(),
        tallies: Value::Null,
        rounds: None,
        voters_count: voters,
        eligible_count: eligible,
        quorum_met: counted.participants >= quorum_needed,
        weight_counted: ballots.iter().map(|b| b.weight).sum(),
        outcome: None,
        closed,
    };
    let rankings = |ids: &[Vec<OptionId>]| -> Vec<Vec<String>> {
        ids.iter().map(|tier| texts(options, tier)).collect()
    };
    match poll.kind {
        PollKind::Proposal | PollKind::Consent | PollKind::Check => {
            let stances: Vec<Weighted<Stance>> = each(ballots, |b| match b {
                Ballot::Proposal { stance } | Ballot::Consent { stance } => Some(*stance),
                _ => None,
            });
            // The quorum is counted here, in people: weights and delegations make the
            // ballots' weight something else.
            let quorum = Ratio::percent(0);
            let r = if poll.kind != PollKind::Consent {
                let threshold = match poll.rules.threshold_pct {
                    Some(p) => Threshold::AtLeast(Ratio::percent(u64::from(p))),
                    None => Threshold::MoreThan(Ratio::percent(50)),
                };
                tally::stance::count_proposal(
                    &ProposalRules {
                        eligible,
                        quorum,
                        threshold,
                        block_vetoes: poll.kind == PollKind::Proposal,
                    },
                    &stances,
                )
            } else {
                tally::stance::count_consent(&ConsentRules { eligible, quorum }, &stances)
            }
            .map_err(counting)?;
            let counts: Vec<(&str, u64)> = match poll.kind {
                PollKind::Proposal => vec![
                    ("agree", r.agree),
                    ("abstain", r.abstain),
                    ("disagree", r.disagree),
                    ("block", r.block),
                ],
                PollKind::Check => vec![
                    ("agree", r.agree),
                    ("abstain", r.abstain),
                    ("disagree", r.disagree),
                ],
                _ => vec![("consent", r.consent), ("object", r.object)],
            };
            let top = counts.iter().map(|(_, n)| *n).max().unwrap_or(0);
            if top > 0 {
                results.winners = counts
                    .iter()
                    .filter(|(_, n)| *n == top)
                    .map(|(s, _)| s.to_string())
                    .collect();
            }
            results.tallies = Value::Object(
                counts
                    .iter()
                    .map(|(s, n)| (s.to_string(), json!(n)))
                    .collect(),
            );
            results.outcome = Some(if results.quorum_met {
                serde_json::to_value(r.outcome)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            } else {
                "no_quorum".into()
            });
        }
        PollKind::Count => {
            let answers = each(ballots, |b| match b {
                Ballot::Count { answer } => Some(*answer),
                _ => None,
            });
            let target = u64::from(poll.rules.count_target.unwrap_or(1));
            let r = tally::choice::count_participation(&CountRules { target }, &answers)
                .map_err(counting)?;
            results.tallies = json!({ "in": r.joined, "out": r.declined });
            results.rounds = Some(json!({ "target": r.target, "missing": r.missing }));
            if r.reached {
                results.winners = vec!["in".into()];
            }
            results.outcome = Some(if r.reached { "reached" } else { "not_reached" }.into());
        }
        PollKind::Question => {
            results.tallies = json!({ "answers": voters });
        }
        PollKind::Meeting => {
            let answers: Vec<Weighted<Vec<SlotAnswer>>> = each(ballots, |b| match b {
                Ballot::Meeting { slots } => Some(slots.clone()),
                _ => None,
            });
            let rules = MeetingRules {
                slots: options.len() as u32,
            };
            let r = tally::choice::count_meeting(&rules, &answers).map_err(counting)?;
            results.tallies = Value::Object(
                options
                    .iter()
                    .zip(&r.slots)
                    .map(|(o, t)| {
                        (
                            o.clone(),
                            json!({"yes": t.yes, "maybe": t.maybe, "no": t.no}),
                        )
                    })
                    .collect(),
            );
            results.winners = winners_of(options, r.best, r.tie, &r.ranking);
            results.rounds = Some(json!({ "ranking": rankings(&r.ranking) }));
        }
        PollKind::Choice | PollKind::Approval => {
            let picks: Vec<Weighted<Vec<OptionId>>> = each(ballots, |b| match b {
                Ballot::Choice { options } | Ballot::Approval { options } => Some(options.clone()),
                _ => None,
            });
            let rules = match ballot_rules(poll) {
                BallotRules::Choice(rules) => rules,
                _ => ChoiceRules::approval(options.len() as u32),
            };
            let r = tally::choice::count_choice(&rules, &picks).map_err(counting)?;
            results.tallies = by_text(options, r.totals.iter().copied());
            results.winners = winners_of(options, r.winner, r.tie, &r.ranking);
        }
        PollKind::DotVote => {
            let placed: Vec<Weighted<Vec<Dots>>> = each(ballots, |b| match b {
                Ballot::DotVote { dots } => Some(dots.clone()),
                _ => None,
            });
            let BallotRules::DotVote(rules) = ballot_rules(poll) else {
                unreachable!("a dot vote's rules")
            };
            let r = tally::choice::count_dots(&rules, &placed).map_err(counting)?;
            results.tallies = by_text(options, r.totals.iter().copied());
            results.winners = winners_of(options, r.winner, r.tie, &r.ranking);
        }
        PollKind::Score => {
            let scored: Vec<Weighted<Vec<Scored>>> = each(ballots, |b| match b {
                Ballot::Score { scores } => Some(scores.clone()),
                _ => None,
            });
            let BallotRules::Score(rules) = ballot_rules(poll) else {
                unreachable!("a score poll's rules")
            };
            let r = tally::choice::count_scores(&rules, &scored).map_err(counting)?;
            results.tallies = Value::Object(
                options
                    .iter()
                    .zip(&r.options)
                    .map(|(o, t)| {
                        (
                            o.clone(),
                            json!({"total": t.total, "raters": t.raters, "mean": t.mean}),
                        )
                    })
                    .collect(),
            );
            results.winners = winners_of(options, r.winner, r.tie, &r.ranking);
            results.rounds = Some(json!({ "ranking": rankings(&r.ranking) }));
        }
        PollKind::Ranked => {
            let profile = RankedProfile::from_rankings(
                options.len() as u32,
                ballots.iter().filter_map(|b| match &b.ballot {
                    Ballot::Ranked { ranking } => Some((ranking.as_slice(), b.weight)),
                    _ => None,
                }),
            )
            .map_err(counting)?;
            match poll.rules.method.unwrap_or(Method::Irv) {
                Method::Irv => {
                    let r = ranked::irv::count(&profile);
                    let first = r.rounds.first().map(|round| round.tallies.clone());
                    results.tallies =
                        by_text(options, first.unwrap_or_else(|| vec![0; options.len()]));
                    results.winners = r.winner.map(|w| texts(options, &[w])).unwrap_or_default();
                    results.rounds = Some(Value::Array(
                        r.rounds
                            .iter()
                            .map(|round| {
                                json!({
                                    "tallies": by_text(options, round.tallies.iter().copied()),
                                    "exhausted": round.exhausted,
                                    "elected": round.elected.map(|o| texts(options, &[o])),
                                    "eliminated": round.eliminated.map(|o| texts(options, &[o])),
                                })
                            })
                            .collect(),
                    ));
                }
                Method::Schulze => {
                    let r = ranked::schulze::count(&profile, Default::default());
                    let pairwise: BTreeMap<String, Value> = options
                        .iter()
                        .zip(&r.pairwise)
                        .map(|(o, row)| (o.clone(), by_text(options, row.iter().copied())))
                        .collect();
                    results.tallies = json!(pairwise);
                    results.winners = texts(options, &r.winners);
                    results.rounds = Some(json!({ "ranking": rankings(&r.ranking) }));
                }
                Method::Borda => {
                    let r = ranked::borda::count(&profile, Default::default()).map_err(counting)?;
                    results.tallies = by_text(options, r.scores.iter().copied());
                    results.winners = winners_of(options, r.winner, r.tie, &r.ranking);
                    results.rounds = Some(json!({ "ranking": rankings(&r.ranking) }));
                }
                Method::Stv => {
                    let rules = StvRules {
                        seats: poll.rules.seats.unwrap_or(1),
                        method: match poll.rules.stv_rule.unwrap_or(StvRule::Scottish) {
                            StvRule::Scottish => StvMethod::ScottishWigm,
                            StvRule::Meek => StvMethod::Meek,
                        },
                    };
                    let r = ranked::stv::count(&profile, &rules).map_err(counting)?;
                    let votes = |tallies: &[ranked::stv::Votes]| -> Value {
                        Value::Object(
                            options
                                .iter()
                                .zip(tallies)
                                .map(|(o, v)| (o.clone(), json!(v.to_string())))
                                .collect(),
                        )
                    };
                    results.tallies = r
                        .rounds
                        .first()
                        .map(|round| votes(&round.tallies))
                        .unwrap_or_else(|| by_text(options, vec![0; options.len()]));
                    results.winners = texts(options, &r.elected);
                    results.rounds = Some(Value::Array(
                        r.rounds
                            .iter()
                            .map(|round| {
                                let action = match round.action {
                                    ranked::stv::StvAction::FirstPreferences => {
                                        json!({"type": "first_preferences"})
                                    }
                                    ranked::stv::StvAction::Surplus { from } => {
                                        json!({"type": "surplus", "from": texts(options, &[from])})
                                    }
                                    ranked::stv::StvAction::Redistribution => {
                                        json!({"type": "redistribution"})
                                    }
                                    ranked::stv::StvAction::Exclusion { option } => {
                                        json!({"type": "exclusion", "option": texts(options, &[option])})
                                    }
                                    ranked::stv::StvAction::LastVacancies => {
                                        json!({"type": "last_vacancies"})
                                    }
                                };
                                json!({
                                    "action": action,
                                    "tallies": votes(&round.tallies),
                                    "exhausted": round.exhausted.to_string(),
                                    "quota": round.quota.to_string(),
                                    "elected": texts(options, &round.elected),
                                })
                            })
                            .collect(),
                    ));
                }
            }
        }
    }
    if voters == 0 {
        results.winners.clear();
    }
    if !results.quorum_met && poll.kind != PollKind::Question {
        results.winners.clear();
    }
    Ok(results)
}

/// The winner, or every option tied first with it; nobody when nothing got a vote.
fn winners_of(
    options: &[String],
    winner: Option<OptionId>,
    tie: bool,
    ranking: &[Vec<OptionId>],
) -> Vec<String> {
    match winner {
        None => Vec::new(),
        Some(_) if tie => ranking
            .first()
            .map(|tier| texts(options, tier))
            .unwrap_or_default(),
        Some(w) => texts(options, &[w]),
    }
}
