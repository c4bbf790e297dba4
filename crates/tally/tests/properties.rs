//! Properties every count must have, checked on random elections (proptest), and fuzzing of
//! ballot parsing and validation with arbitrary input.

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Value, json};
use tally::budget::{self, DecidimRules, GreedyOrder, Utility, VoteRule};
use tally::choice::{self, ChoiceRules, CountRules, DotRules, MeetingRules, ScoreRules};
use tally::delegation::{self, Delegation, DelegationContext, Scope};
use tally::pairwise::{self, Comparison};
use tally::ranked::borda::{self, BordaPoints};
use tally::ranked::schulze::{self, Strength};
use tally::ranked::stv::{self, StvMethod, StvRules};
use tally::ranked::{RankedRules, irv};
use tally::stance::{self, ConsentRules, ProposalRules, Ratio, Threshold};
use tally::{
    Availability, Ballot, BallotRules, CountError, Dots, OptionId, RankedProfile, Scored,
    SlotAnswer, Stance, Weighted, parse_ballot,
};

type Ranked = Vec<Weighted<Vec<OptionId>>>;

/// A random permutation of the options, cut to a random non-empty length.
fn ranking(options: u32) -> impl Strategy<Value = Vec<OptionId>> {
    (
        Just((0..options).map(OptionId).collect::<Vec<_>>()).prop_shuffle(),
        1..=options as usize,
    )
        .prop_map(|(order, len)| order[..len].to_vec())
}

/// A ranked election: 2 to 6 options, up to 40 ballots of weight 1 to 3.
fn election() -> impl Strategy<Value = (u32, Ranked)> {
    (2u32..=6).prop_flat_map(|options| {
        (
            Just(options),
            prop::collection::vec(
                (ranking(options), 1u64..=3).prop_map(|(r, w)| Weighted::new(r, w)),
                1..40,
            ),
        )
    })
}

fn profile(options: u32, ballots: &Ranked) -> RankedProfile {
    RankedProfile::new(options, ballots).unwrap()
}

fn stv_rules(seats: u32, method: StvMethod) -> StvRules {
    StvRules { seats, method }
}

const METHODS: [StvMethod; 2] = [StvMethod::ScottishWigm, StvMethod::Meek];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_condorcet_winner_wins_schulze((options, ballots) in election()) {
        // Pairwise preferences computed here, independently of the crate.
        let n = options as usize;
        let mut above = vec![vec![0u64; n]; n];
        for ballot in &ballots {
            let place = |o: usize| ballot.ballot.iter().position(|x| x.index() == o);
            for (x, row) in above.iter_mut().enumerate() {
                for (y, cell) in row.iter_mut().enumerate() {
                    let x_above_y = match (place(x), place(y)) {
                        (Some(a), Some(b)) => a < b,
                        (Some(_), None) => true,
                        _ => false,
                    };
                    if x_above_y {
                        *cell += ballot.weight;
                    }
                }
            }
        }
        let condorcet = (0..n).find(|&x| (0..n).all(|y| y == x || above[x][y] > above[y][x]));
        if let Some(winner) = condorcet {
            for strength in [Strength::WinningVotes, Strength::Margins] {
                let result = schulze::count(&profile(options, &ballots), strength);
                prop_assert_eq!(result.winner, Some(OptionId(winner as u32)));
                prop_assert_eq!(result.winners.clone(), vec![OptionId(winner as u32)]);
                prop_assert!(!result.tie);
                prop_assert_eq!(result.ranking[0].clone(), vec![OptionId(winner as u32)]);
            }
        }
    }

    #[test]
    fn irv_and_one_seat_stv_agree((options, ballots) in election()) {
        let profile = profile(options, &ballots);
        let irv = irv::count(&profile);
        for method in METHODS {
            let stv = stv::count(&profile, &stv_rules(1, method)).unwrap();
            prop_assert_eq!(stv.elected.first().copied(), irv.winner, "{:?}", method);
            prop_assert_eq!(stv.elected.len(), 1);
        }
    }

    #[test]
    fn unanimous_ballots_elect_the_top_choice_everywhere(
        (options, top, weights, seats) in (2u32..=7).prop_flat_map(|options| (
            Just(options),
            ranking(options),
            prop::collection::vec(1u64..=5, 1..20),
            1u32..=3,
        ))
    ) {
        let first = top[0];
        let ballots: Ranked = weights.iter().map(|&w| Weighted::new(top.clone(), w)).collect();
        let profile = profile(options, &ballots);
        prop_assert_eq!(irv::count(&profile).winner, Some(first));
        for strength in [Strength::WinningVotes, Strength::Margins] {
            prop_assert_eq!(schulze::count(&profile, strength).winner, Some(first));
        }
        for points in [BordaPoints::Standard, BordaPoints::Truncated { ranks: options }] {
            prop_assert_eq!(borda::count(&profile, points).unwrap().winner, Some(first));
        }
        for method in METHODS {
            let result = stv::count(&profile, &stv_rules(seats, method)).unwrap();
            prop_assert_eq!(result.elected.first().copied(), Some(first), "{:?}", method);
        }
        let single: Ranked = weights.iter().map(|&w| Weighted::new(vec![first], w)).collect();
        let rules = ChoiceRules { options, min: 1, max: 1 };
        prop_assert_eq!(choice::count_choice(&rules, &single).unwrap().winner, Some(first));
        let scores: Vec<Weighted<Vec<Scored>>> = weights
            .iter()
            .map(|&w| Weighted::new(
                top.iter().enumerate().map(|(place, &option)| Scored {
                    option,
                    score: 10 - place as u32,
                }).collect(),
                w,
            ))
            .collect();
        let rules = ScoreRules { options, max: 10 };
        prop_assert_eq!(choice::count_scores(&rules, &scores).unwrap().winner, Some(first));
    }

    #[test]
    fn permuting_ballots_never_changes_a_result(
        ((options, ballots), order, costs, budget_total) in election().prop_flat_map(|(o, b)| {
            let len = b.len();
            (
                Just((o, b)),
                Just((0..len).collect::<Vec<usize>>()).prop_shuffle(),
                prop::collection::vec(0u64..50, o as usize),
                0u64..150,
            )
        })
    ) {
        let shuffled: Ranked = order.iter().map(|&i| ballots[i].clone()).collect();
        let results = |ballots: &Ranked| -> Vec<Value> {
            let profile = profile(options, ballots);
            let mut all = vec![
                json!(irv::count(&profile)),
                json!(schulze::count(&profile, Strength::WinningVotes)),
                json!(schulze::count(&profile, Strength::Margins)),
                json!(borda::count(&profile, BordaPoints::Standard).unwrap()),
                json!(borda::count(&profile, BordaPoints::Truncated { ranks: 3 }).unwrap()),
            ];
            for method in METHODS {
                for seats in [1, 2] {
                    all.push(json!(stv::count(&profile, &stv_rules(seats, method)).unwrap()));
                }
            }
            all.push(json!(choice::count_approval(options, ballots).unwrap()));
            let dots: Vec<Weighted<Vec<Dots>>> = ballots
                .iter()
                .map(|b| Weighted::new(
                    b.ballot.iter().take(2).map(|&option| Dots { option, dots: 2 }).collect(),
                    b.weight,
                ))
                .collect();
            let rules = DotRules { options, dots: 4 };
            all.push(json!(choice::count_dots(&rules, &dots).unwrap()));
            for utility in [Utility::Cost, Utility::Approval] {
                all.push(json!(budget::equal_shares(budget_total, &costs, ballots, utility).unwrap()));
            }
            for order in [GreedyOrder::Votes, GreedyOrder::VotesPerCost] {
                all.push(json!(budget::greedy(budget_total, &costs, ballots, order).unwrap()));
            }
            let pairs: Vec<Weighted<Comparison>> = ballots
                .iter()
                .filter(|b| b.ballot.len() >= 2)
                .map(|b| Weighted::new(
                    Comparison { winner: b.ballot[0], loser: b.ballot[1] },
                    b.weight,
                ))
                .collect();
            all.push(json!(pairwise::score(options, &pairs).unwrap()));
            let stances: Vec<Weighted<Stance>> = ballots
                .iter()
                .map(|b| Weighted::new(
                    [Stance::Agree, Stance::Abstain, Stance::Disagree, Stance::Block][b.ballot.len() % 4],
                    b.weight,
                ))
                .collect();
            let rules = ProposalRules {
                eligible: 200,
                quorum: Ratio::percent(20),
                threshold: Threshold::AtLeast(Ratio::new(2, 3)),
                block_vetoes: false,
            };
            all.push(json!(stance::count_proposal(&rules, &stances).unwrap()));
            let scores: Vec<Weighted<Vec<Scored>>> = ballots
                .iter()
                .map(|b| Weighted::new(
                    b.ballot.iter().enumerate().map(|(place, &option)| Scored {
                        option,
                        score: 5 - place as u32,
                    }).collect(),
                    b.weight,
                ))
                .collect();
            all.push(json!(choice::count_scores(&ScoreRules { options, max: 5 }, &scores).unwrap()));
            let answers: Vec<Weighted<Vec<SlotAnswer>>> = ballots
                .iter()
                .map(|b| Weighted::new(
                    b.ballot.iter().zip([Availability::Yes, Availability::Maybe, Availability::No])
                        .map(|(&slot, answer)| SlotAnswer { slot, answer })
                        .collect(),
                    b.weight,
                ))
                .collect();
            all.push(json!(choice::count_meeting(&MeetingRules { slots: options }, &answers).unwrap()));
            all
        };
        let before = results(&ballots);
        let after = results(&shuffled);
        for (a, b) in before.iter().zip(&after) {
            prop_assert_eq!(a, b);
        }
    }
}

/// People 0..n, some voting, each with up to three delegations in scopes that may or may not
/// apply to the decision.
fn delegation_case() -> impl Strategy<Value = (usize, Vec<u32>, Vec<Delegation<u32>>)> {
    (1usize..25).prop_flat_map(|people| {
        let scope = select(vec![
            Scope::Group("g".into()),
            Scope::Group("other".into()),
            Scope::Tag("t1".into()),
            Scope::Tag("t2".into()),
            Scope::Tag("t3".into()),
        ]);
        (
            Just(people),
            prop::collection::vec(0..people as u32, 0..people),
            prop::collection::vec(
                (0..people as u32, 0..people as u32, scope)
                    .prop_map(|(from, to, scope)| Delegation { from, to, scope }),
                0..people * 3,
            ),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn total_weight_equals_the_people_whose_vote_reaches_a_voter(
        (people, voters, delegations) in delegation_case()
    ) {
        let context = DelegationContext { group: "g".into(), tags: vec!["t1".into(), "t2".into()] };
        // Independently: each person's applicable delegation, best scope first, later wins.
        let rank = |scope: &Scope| match scope {
            Scope::Tag(t) if t == "t1" => Some(0),
            Scope::Tag(t) if t == "t2" => Some(1),
            Scope::Group(g) if g == "g" => Some(2),
            _ => None,
        };
        let mut target: Vec<Option<(u32, u32)>> = vec![None; people];
        for d in &delegations {
            if let Some(r) = rank(&d.scope) {
                let slot = &mut target[d.from as usize];
                if slot.is_none_or(|(best, _)| r <= best) {
                    *slot = Some((r, d.to));
                }
            }
        }
        let votes = |p: u32| voters.contains(&p);
        let reaches = |start: u32| {
            let mut at = start;
            for _ in 0..=people {
                if votes(at) {
                    return true;
                }
                match target[at as usize] {
                    Some((_, to)) => at = to,
                    None => return false,
                }
            }
            false
        };
        let involved: std::collections::BTreeSet<u32> = voters
            .iter()
            .copied()
            .chain(delegations.iter().flat_map(|d| [d.from, d.to]))
            .collect();
        let expected = involved.iter().filter(|&&p| reaches(p)).count() as u64;
        let resolution = delegation::resolve(&voters, &delegations, &context);
        prop_assert_eq!(resolution.total_weight, expected);
        let summed: u64 = resolution.carriers.iter().map(|c| c.weight).sum();
        prop_assert_eq!(summed, expected);
        for carrier in &resolution.carriers {
            prop_assert_eq!(carrier.weight, 1 + carrier.carried.len() as u64);
        }
        let lost = involved.len() as u64 - expected;
        let non_voters_without_delegation = involved
            .iter()
            .filter(|&&p| !votes(p) && target[p as usize].is_none())
            .count() as u64;
        prop_assert_eq!(resolution.lost.len() as u64, lost - non_voters_without_delegation);
    }
}

const WORDS: &[&str] = &[
    "proposal", "consent", "choice", "approval", "score", "dot_vote", "count", "meeting", "ranked",
    "budget", "agree", "abstain", "disagree", "block", "object", "yes", "maybe", "no", "in", "out",
];
const FIELDS: &[&str] = &[
    "kind", "stance", "options", "scores", "dots", "answer", "slots", "ranking", "projects",
    "option", "score", "slot",
];

/// JSON made of the words and fields ballots use, nested, with hostile numbers mixed in.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (0u64..8).prop_map(|n| json!(n)),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        select(WORDS).prop_map(|w| json!(w)),
        "[a-z_]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((select(FIELDS), inner), 0..4).prop_map(|pairs| {
                Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

/// Something shaped like a ballot: a known kind and a few fields of arbitrary JSON.
fn ballotish() -> impl Strategy<Value = Vec<u8>> {
    (
        select(WORDS),
        prop::collection::vec((select(FIELDS), json_value()), 0..3),
    )
        .prop_map(|(kind, fields)| {
            let mut object = serde_json::Map::new();
            object.insert("kind".into(), json!(kind));
            for (k, v) in fields {
                object.insert(k.to_string(), v);
            }
            serde_json::to_vec(&Value::Object(object)).unwrap_or_default()
        })
}

/// A ballot of the given kind with the right fields, holding values that may or may not be
/// valid (options out of range, repeats, too many dots, stances of the other process).
fn near_valid(kind: &'static str) -> BoxedStrategy<Vec<u8>> {
    let ids = || prop::collection::vec(prop_oneof![0u32..6, any::<u32>()], 0..7);
    let value: BoxedStrategy<Value> = match kind {
        "proposal" | "consent" => select(&["agree", "abstain", "disagree", "block", "consent", "object"][..])
            .prop_map(|stance| json!({ "stance": stance }))
            .boxed(),
        "choice" | "approval" => ids().prop_map(|options| json!({ "options": options })).boxed(),
        "ranked" => ids().prop_map(|ranking| json!({ "ranking": ranking })).boxed(),
        "budget" => ids().prop_map(|projects| json!({ "projects": projects })).boxed(),
        "score" => prop::collection::vec((0u32..6, prop_oneof![0u32..12, any::<u32>()]), 0..5)
            .prop_map(|pairs| json!({ "scores": pairs.iter().map(|(o, s)| json!({ "option": o, "score": s })).collect::<Vec<_>>() }))
            .boxed(),
        "dot_vote" => prop::collection::vec((0u32..6, prop_oneof![0u32..6, any::<u32>()]), 0..5)
            .prop_map(|pairs| json!({ "dots": pairs.iter().map(|(o, d)| json!({ "option": o, "dots": d })).collect::<Vec<_>>() }))
            .boxed(),
        "meeting" => prop::collection::vec((0u32..6, select(&["yes", "maybe", "no", "in"][..])), 0..5)
            .prop_map(|pairs| json!({ "slots": pairs.iter().map(|(s, a)| json!({ "slot": s, "answer": a })).collect::<Vec<_>>() }))
            .boxed(),
        _ => select(&["in", "out", "maybe"][..]).prop_map(|answer| json!({ "answer": answer })).boxed(),
    };
    value
        .prop_map(move |mut fields| {
            fields["kind"] = json!(kind);
            serde_json::to_vec(&fields).unwrap_or_default()
        })
        .boxed()
}

/// Poll rules, sensible and absurd.
fn rules() -> impl Strategy<Value = BallotRules> {
    let count = prop_oneof![8 => 0u32..8, 1 => Just(u32::MAX), 1 => Just(70_000u32)];
    let small = prop_oneof![8 => 0u32..8, 1 => Just(u32::MAX)];
    prop_oneof![
        Just(BallotRules::Proposal),
        Just(BallotRules::Consent),
        Just(BallotRules::Count),
        (count.clone(), small.clone(), small.clone())
            .prop_map(|(options, min, max)| BallotRules::Choice(ChoiceRules { options, min, max })),
        count
            .clone()
            .prop_map(|options| BallotRules::Approval { options }),
        (count.clone(), small.clone())
            .prop_map(|(options, max)| BallotRules::Score(ScoreRules { options, max })),
        (count.clone(), small.clone())
            .prop_map(|(options, dots)| BallotRules::DotVote(DotRules { options, dots })),
        count
            .clone()
            .prop_map(|slots| BallotRules::Meeting(MeetingRules { slots })),
        (count, small.clone(), small.clone())
            .prop_map(|(options, min, max)| BallotRules::Ranked(RankedRules { options, min, max })),
        (
            any::<u64>(),
            prop::collection::vec(prop_oneof![0u64..100, any::<u64>()], 0..6),
            prop_oneof![
                small
                    .clone()
                    .prop_map(|percent| VoteRule::Threshold { percent }),
                small
                    .clone()
                    .prop_map(|minimum| VoteRule::MinimumProjects { minimum }),
                (small.clone(), small)
                    .prop_map(|(minimum, maximum)| VoteRule::SelectedProjects { minimum, maximum }),
            ],
        )
            .prop_map(|(budget, costs, rule)| BallotRules::Budget(DecidimRules {
                budget,
                costs,
                rule
            })),
    ]
}

/// Counts one valid ballot with the count its rules belong to. A ballot that passed validation
/// must never be refused as invalid by the count, and nothing may panic.
fn count_accepted(rules: &BallotRules, ballot: Ballot) -> Result<(), String> {
    let refused_as_invalid = |result: Result<(), CountError>| match result {
        Err(CountError::InvalidBallot { index, error }) => Err(format!(
            "count refused ballot {index} that validation accepted: {error}"
        )),
        _ => Ok(()),
    };
    let outcome: Result<(), CountError> = match (rules, ballot) {
        (BallotRules::Proposal, Ballot::Proposal { stance }) => stance::count_proposal(
            &ProposalRules {
                eligible: 3,
                quorum: Ratio::percent(50),
                threshold: Threshold::MoreThan(Ratio::new(1, 2)),
                block_vetoes: true,
            },
            &[Weighted::one(stance)],
        )
        .map(drop),
        (BallotRules::Consent, Ballot::Consent { stance }) => stance::count_consent(
            &ConsentRules {
                eligible: 3,
                quorum: Ratio::percent(50),
            },
            &[Weighted::one(stance)],
        )
        .map(drop),
        (BallotRules::Choice(r), Ballot::Choice { options }) => {
            choice::count_choice(r, &[Weighted::one(options)]).map(drop)
        }
        (BallotRules::Approval { options: n }, Ballot::Approval { options }) => {
            choice::count_approval(*n, &[Weighted::one(options)]).map(drop)
        }
        (BallotRules::Score(r), Ballot::Score { scores }) => {
            choice::count_scores(r, &[Weighted::one(scores)]).map(drop)
        }
        (BallotRules::DotVote(r), Ballot::DotVote { dots }) => {
            choice::count_dots(r, &[Weighted::one(dots)]).map(drop)
        }
        (BallotRules::Count, Ballot::Count { answer }) => {
            choice::count_participation(&CountRules { target: 2 }, &[Weighted::one(answer)])
                .map(drop)
        }
        (BallotRules::Meeting(r), Ballot::Meeting { slots }) => {
            choice::count_meeting(r, &[Weighted::one(slots)]).map(drop)
        }
        (BallotRules::Ranked(r), Ballot::Ranked { ranking }) => {
            RankedProfile::new(r.options, &[Weighted::one(ranking)]).and_then(|profile| {
                irv::count(&profile);
                schulze::count(&profile, Strength::WinningVotes);
                borda::count(&profile, BordaPoints::Standard)?;
                for method in METHODS {
                    stv::count(&profile, &stv_rules(1, method))?;
                }
                Ok(())
            })
        }
        (BallotRules::Budget(r), Ballot::Budget { projects }) => {
            let ballots = [Weighted::one(projects)];
            budget::greedy(r.budget, &r.costs, &ballots, GreedyOrder::Votes)
                .and_then(|_| budget::equal_shares(r.budget, &r.costs, &ballots, Utility::Cost))
                .map(drop)
        }
        (rules, ballot) => {
            return Err(format!(
                "{} rules accepted a {} ballot",
                rules.kind(),
                ballot.kind()
            ));
        }
    };
    refused_as_invalid(outcome)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200), rules in rules()) {
        if let Ok(ballot) = parse_ballot(&bytes, &rules) {
            prop_assert!(count_accepted(&rules, ballot).is_ok());
        }
    }

    #[test]
    fn ballot_shaped_json_never_panics_and_valid_ballots_count(
        (rules, json) in rules().prop_flat_map(|rules| {
            let kind = rules.kind();
            (Just(rules), prop_oneof![3 => near_valid(kind), 1 => ballotish()])
        })
    ) {
        match parse_ballot(&json, &rules) {
            Ok(ballot) => {
                let counted = count_accepted(&rules, ballot);
                prop_assert!(counted.is_ok(), "{:?}", counted);
            }
            Err(error) => prop_assert!(!error.to_string().is_empty()),
        }
    }
}

#[test]
fn fuzzing_reaches_valid_ballots() {
    // Guard against a fuzzer that only ever produces rejects: a fixed sample must parse.
    let rules = BallotRules::Ranked(RankedRules {
        options: 4,
        min: 1,
        max: 4,
    });
    assert!(parse_ballot(br#"{"kind":"ranked","ranking":[3,1]}"#, &rules).is_ok());
    let rules = BallotRules::DotVote(DotRules {
        options: 2,
        dots: 5,
    });
    let ballot = parse_ballot(
        br#"{"kind":"dot_vote","dots":[{"option":1,"dots":5}]}"#,
        &rules,
    )
    .unwrap();
    assert!(count_accepted(&rules, ballot).is_ok());
}
