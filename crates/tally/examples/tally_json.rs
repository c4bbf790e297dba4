//! Counts a JSON array of elections from stdin and writes their results as JSON to stdout; the
//! bridge `reference/crosscheck.py` uses to compare this crate with Python references.
//!
//! Each election: `{"id": 7, "methods": [...], ...}` with, for ranked methods (`irv`, `schulze`,
//! `schulze_margins`, `borda`, `stv_scottish`, `stv_meek`), `"options": n, "seats": k` and
//! `"ballots": [{"ballot": [2, 0, 1], "weight": 1}, ...]`; for budgets (`mes_cost`,
//! `mes_approval`, `greedy_votes`, `greedy_votes_per_cost`), `"budget": b, "costs": [...]` and
//! `"ballots"` listing approved projects. Each output entry has `"results"` by method and
//! `"micros"` by method: the time of that method alone, profile building included.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::time::Instant;

use serde::Deserialize;
use serde_json::{Value, json};
use tally::budget::{self, GreedyOrder, Utility};
use tally::ranked::schulze::Strength;
use tally::ranked::stv::{StvMethod, StvRules};
use tally::ranked::{borda, irv, schulze, stv};
use tally::{CountError, OptionId, RankedProfile, Weighted};

#[derive(Deserialize)]
struct Election {
    id: u64,
    methods: Vec<String>,
    #[serde(default)]
    options: u32,
    #[serde(default = "one")]
    seats: u32,
    #[serde(default)]
    budget: u64,
    #[serde(default)]
    costs: Vec<u64>,
    ballots: Vec<Weighted<Vec<OptionId>>>,
}

fn one() -> u32 {
    1
}

fn run(election: &Election, method: &str) -> Result<Value, CountError> {
    let profile = || RankedProfile::new(election.options, &election.ballots);
    let stv_rules = |method| StvRules {
        seats: election.seats,
        method,
    };
    let value = match method {
        "irv" => json!(irv::count(&profile()?)),
        "schulze" => json!(schulze::count(&profile()?, Strength::WinningVotes)),
        "schulze_margins" => json!(schulze::count(&profile()?, Strength::Margins)),
        "borda" => json!(borda::count(&profile()?, borda::BordaPoints::Standard)?),
        "stv_scottish" => json!(stv::count(
            &profile()?,
            &stv_rules(StvMethod::ScottishWigm)
        )?),
        "stv_meek" => json!(stv::count(&profile()?, &stv_rules(StvMethod::Meek))?),
        "mes_cost" => json!(budget::equal_shares(
            election.budget,
            &election.costs,
            &election.ballots,
            Utility::Cost
        )?),
        "mes_approval" => json!(budget::equal_shares(
            election.budget,
            &election.costs,
            &election.ballots,
            Utility::Approval
        )?),
        "greedy_votes" => json!(budget::greedy(
            election.budget,
            &election.costs,
            &election.ballots,
            GreedyOrder::Votes
        )?),
        "greedy_votes_per_cost" => json!(budget::greedy(
            election.budget,
            &election.costs,
            &election.ballots,
            GreedyOrder::VotesPerCost
        )?),
        _ => {
            return Err(CountError::InvalidRules {
                reason: "unknown method",
            });
        }
    };
    Ok(value)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut input = Vec::new();
    std::io::stdin().read_to_end(&mut input)?;
    let elections: Vec<Election> = serde_json::from_slice(&input)?;
    let mut output = Vec::with_capacity(elections.len());
    for election in &elections {
        let mut results = BTreeMap::new();
        let mut micros = BTreeMap::new();
        for method in &election.methods {
            let started = Instant::now();
            let result = run(election, method);
            micros.insert(method.clone(), started.elapsed().as_micros() as u64);
            let value = result.unwrap_or_else(|error| json!({ "error": error.to_string() }));
            results.insert(method.clone(), value);
        }
        output.push(json!({ "id": election.id, "results": results, "micros": micros }));
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    serde_json::to_writer(&mut out, &output)?;
    out.write_all(b"\n")?;
    Ok(())
}
