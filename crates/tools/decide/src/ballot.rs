//! A vote as the API takes it, turned into the ballot `tally` counts: options named by id or
//! text, the field of the poll's kind, the poll's reasons rule. Pure: no database.

use kernel::{Error, Result};
use serde_json::{Value, json};
use tally::Ballot;
use tally::ballot::{Availability, Dots, OptionId, Participation, Scored, SlotAnswer, Stance};

use crate::count::{Shape, ballot_rules};
use crate::model::*;

pub(crate) const PROPOSAL_STANCES: [&str; 4] = ["agree", "abstain", "disagree", "block"];
pub(crate) const CONSENT_STANCES: [&str; 2] = ["consent", "object"];
pub(crate) const CHECK_STANCES: [&str; 3] = ["agree", "abstain", "disagree"];
pub(crate) const COUNT_STANCES: [&str; 2] = ["in", "out"];

/// The fixed options of a kind whose options are stances.
pub(crate) fn stances(kind: PollKind) -> &'static [&'static str] {
    match kind {
        PollKind::Proposal => &PROPOSAL_STANCES,
        PollKind::Consent => &CONSENT_STANCES,
        PollKind::Check => &CHECK_STANCES,
        PollKind::Count => &COUNT_STANCES,
        _ => &[],
    }
}

/// The field a vote of this kind fills.
pub(crate) fn expected_field(kind: PollKind) -> &'static str {
    match kind {
        PollKind::Proposal | PollKind::Consent | PollKind::Check | PollKind::Count => "stance",
        PollKind::Choice | PollKind::Approval => "choices",
        PollKind::Score => "scores",
        PollKind::DotVote => "dots",
        PollKind::Ranked => "ranking",
        PollKind::Meeting => "slots",
        PollKind::Question => "reason",
    }
}

/// What a question poll's ballot is stored as: it says only that its voter answered.
pub(crate) const ANSWERED: &str = r#"{"kind":"question"}"#;

/// A meeting slot's canonical text: its start, to the second, in UTC.
pub(crate) fn slot_text(t: kernel::Timestamp) -> String {
    t.to_datetime()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The option a ballot names: by its id (a number), its text (any case), or for a meeting,
/// its start time in any RFC 3339 spelling.
pub(crate) fn option_of(options: &[String], named: &Value, field: &str) -> Result<OptionId> {
    let found = match named {
        Value::Number(n) => n
            .as_u64()
            .filter(|i| (*i as usize) < options.len())
            .map(|i| i as u32),
        Value::String(s) => {
            let wanted = s.trim().to_lowercase();
            options
                .iter()
                .position(|o| o.to_lowercase() == wanted)
                .or_else(|| {
                    let t: kernel::Timestamp = serde_json::from_value(json!(s.trim())).ok()?;
                    let text = slot_text(t);
                    options.iter().position(|o| *o == text)
                })
                .map(|i| i as u32)
        }
        _ => None,
    };
    found
        .map(OptionId)
        .ok_or_else(|| Error::invalid(field, format!("no option {named} in this poll")))
}

/// `{option: value}` with options named by id or text.
fn named<'a>(
    options: &[String],
    map: &'a serde_json::Map<String, Value>,
    field: &str,
) -> Result<Vec<(OptionId, &'a Value)>> {
    let mut out = Vec::with_capacity(map.len());
    for (key, value) in map {
        let name = key
            .parse::<u64>()
            .map_or_else(|_| Value::String(key.clone()), |n| json!(n));
        out.push((option_of(options, &name, field)?, value));
    }
    Ok(out)
}

fn named_counts(
    options: &[String],
    map: &serde_json::Map<String, Value>,
    field: &str,
) -> Result<Vec<(OptionId, u32)>> {
    named(options, map, field)?
        .into_iter()
        .map(|(option, value)| {
            let n = value
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| {
                    Error::invalid(
                        field,
                        format!("option {}: a whole number, 0 or more", option.0),
                    )
                })?;
            Ok((option, n))
        })
        .collect()
}

fn stance_of(kind: PollKind, given: &str) -> Result<Stance> {
    let allowed = stances(kind);
    let given = given.trim();
    if !allowed.contains(&given) {
        return Err(Error::invalid(
            "stance",
            format!("one of: {}", allowed.join(", ")),
        ));
    }
    serde_json::from_value(json!(given)).map_err(|_| Error::invalid("stance", "not a stance"))
}

/// The tally ballot a vote stands for, checked against the poll's kind and rules (a question
/// poll's is `None`: its answer is the reason).
pub(crate) fn ballot_of(poll: Shape<'_>, vote: &NewVote) -> Result<Option<Ballot>> {
    let kind = poll.kind;
    let options = poll.options;
    let expected = expected_field(kind);
    let wrong = |field: &str| Error::invalid(field, format!("a {kind} poll takes {expected}"));
    let given = [
        ("stance", vote.stance.is_some()),
        ("choices", vote.choices.is_some()),
        ("scores", vote.scores.is_some()),
        ("dots", vote.dots.is_some()),
        ("ranking", vote.ranking.is_some()),
        ("slots", vote.slots.is_some()),
    ];
    if let Some((field, _)) = given
        .iter()
        .find(|(field, present)| *present && *field != expected)
    {
        return Err(wrong(field));
    }
    let ballot = match kind {
        PollKind::Question => return Ok(None),
        PollKind::Proposal | PollKind::Consent | PollKind::Check => {
            let stance = stance_of(kind, vote.stance.as_deref().ok_or_else(|| wrong("stance"))?)?;
            if kind == PollKind::Consent {
                Ballot::Consent { stance }
            } else {
                Ballot::Proposal { stance }
            }
        }
        PollKind::Count => {
            let answer = match vote.stance.as_deref().map(str::trim) {
                Some("in") => Participation::In,
                Some("out") => Participation::Out,
                Some(_) => return Err(Error::invalid("stance", "one of: in, out")),
                None => return Err(wrong("stance")),
            };
            Ballot::Count { answer }
        }
        PollKind::Choice | PollKind::Approval => {
            let picks = vote.choices.as_ref().ok_or_else(|| wrong("choices"))?;
            let picks = picks
                .iter()
                .map(|p| option_of(options, p, "choices"))
                .collect::<Result<Vec<_>>>()?;
            if kind == PollKind::Choice {
                Ballot::Choice { options: picks }
            } else {
                Ballot::Approval { options: picks }
            }
        }
        PollKind::Score => {
            let scores = vote.scores.as_ref().ok_or_else(|| wrong("scores"))?;
            Ballot::Score {
                scores: named_counts(options, scores, "scores")?
                    .into_iter()
                    .map(|(option, score)| Scored { option, score })
                    .collect(),
            }
        }
        PollKind::DotVote => {
            let dots = vote.dots.as_ref().ok_or_else(|| wrong("dots"))?;
            Ballot::DotVote {
                dots: named_counts(options, dots, "dots")?
                    .into_iter()
                    .filter(|(_, n)| *n > 0)
                    .map(|(option, dots)| Dots { option, dots })
                    .collect(),
            }
        }
        PollKind::Ranked => {
            let ranking = vote.ranking.as_ref().ok_or_else(|| wrong("ranking"))?;
            Ballot::Ranked {
                ranking: ranking
                    .iter()
                    .map(|p| option_of(options, p, "ranking"))
                    .collect::<Result<Vec<_>>>()?,
            }
        }
        PollKind::Meeting => {
            let slots = vote.slots.as_ref().ok_or_else(|| wrong("slots"))?;
            let mut answers = Vec::with_capacity(slots.len());
            for (slot, value) in named(options, slots, "slots")? {
                let answer = match value.as_str() {
                    Some("yes") => Availability::Yes,
                    Some("maybe") => Availability::Maybe,
                    Some("no") => Availability::No,
                    _ => return Err(Error::invalid("slots", "each slot: yes, maybe or no")),
                };
                answers.push(SlotAnswer { slot, answer });
            }
            Ballot::Meeting { slots: answers }
        }
    };
    ballot_rules(poll)
        .validate(&ballot)
        .map_err(|e| Error::invalid(expected, e.to_string()))?;
    Ok(Some(ballot))
}

/// Whether a ballot speaks against (disagree, block, object): where the poll requires a reason
/// for that.
fn against(ballot: Option<&Ballot>) -> bool {
    match ballot {
        Some(Ballot::Proposal { stance } | Ballot::Consent { stance }) => {
            matches!(stance, Stance::Disagree | Stance::Block | Stance::Object)
        }
        _ => false,
    }
}

/// The reason a vote keeps, by the poll's rule: none where reasons are off, one where they
/// are required (a question's answer is its reason).
pub(crate) fn reason_of<'a>(
    poll: Shape<'_>,
    ballot: Option<&Ballot>,
    given: Option<&'a str>,
) -> Result<Option<&'a str>> {
    let reason = given.map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 2000) {
        return Err(Error::invalid("reason", "at most 2000 characters"));
    }
    let required = poll.kind == PollKind::Question
        || match poll.rules.reasons {
            Reasons::Required => true,
            Reasons::RequiredAgainst => against(ballot),
            Reasons::Off | Reasons::Optional => false,
        };
    if required && reason.is_none() {
        return Err(Error::invalid(
            "reason",
            if poll.kind == PollKind::Question {
                "a question's answer is its reason: write one"
            } else {
                "this poll asks for a reason with this vote"
            },
        ));
    }
    if poll.rules.reasons == Reasons::Off && poll.kind != PollKind::Question && reason.is_some() {
        return Err(Error::invalid("reason", "this poll takes no reasons"));
    }
    Ok(reason)
}
