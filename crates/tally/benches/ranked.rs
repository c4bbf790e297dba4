//! The numbers: 1,000,000 ranked ballots over 10 options, counted by IRV, Schulze and
//! Borda (< 1 s each) and STV for 3 seats (< 2 s), from the ballots (validation and grouping
//! included). Two electorates: impartial culture (every full ranking equally likely, so almost
//! no two ballots agree: the worst case for grouping) and factions (three blocs with noisy
//! orders, ballots of 3 to 10 places, more like real polls).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use tally::ranked::borda::{self, BordaPoints};
use tally::ranked::irv;
use tally::ranked::schulze::{self, Strength};
use tally::ranked::stv::{self, StvMethod, StvRules};
use tally::{OptionId, RankedProfile, Weighted};

const BALLOTS: usize = 1_000_000;
const OPTIONS: u32 = 10;

fn impartial_culture(seed: u64) -> Vec<Weighted<Vec<OptionId>>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut ranking: Vec<OptionId> = (0..OPTIONS).map(OptionId).collect();
    (0..BALLOTS)
        .map(|_| {
            ranking.shuffle(&mut rng);
            Weighted::one(ranking.clone())
        })
        .collect()
}

fn factions(seed: u64) -> Vec<Weighted<Vec<OptionId>>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let blocs: Vec<Vec<OptionId>> = (0..3)
        .map(|_| {
            let mut order: Vec<OptionId> = (0..OPTIONS).map(OptionId).collect();
            order.shuffle(&mut rng);
            order
        })
        .collect();
    (0..BALLOTS)
        .map(|_| {
            let roll = rng.random_range(0..10);
            let bloc = if roll < 5 {
                0
            } else if roll < 8 {
                1
            } else {
                2
            };
            let mut ranking = blocs[bloc].clone();
            // A few swaps of neighbours: people mostly agree with their bloc, not entirely.
            for _ in 0..3 {
                let at = rng.random_range(0..OPTIONS as usize - 1);
                if rng.random_bool(0.5) {
                    ranking.swap(at, at + 1);
                }
            }
            ranking.truncate(rng.random_range(3..=OPTIONS as usize));
            Weighted::one(ranking)
        })
        .collect()
}

fn million_ballots(c: &mut Criterion) {
    for (name, ballots) in [
        ("impartial", impartial_culture(9)),
        ("factions", factions(9)),
    ] {
        let mut group = c.benchmark_group(format!("1M ballots, 10 options, {name}"));
        group.sample_size(10);
        group.warm_up_time(Duration::from_secs(1));
        group.measurement_time(Duration::from_secs(8));
        let profile = || RankedProfile::new(OPTIONS, black_box(&ballots)).unwrap();
        group.bench_function("profile only", |b| b.iter(profile));
        group.bench_function("irv", |b| b.iter(|| irv::count(&profile())));
        group.bench_function("schulze", |b| {
            b.iter(|| schulze::count(&profile(), Strength::WinningVotes))
        });
        group.bench_function("borda", |b| {
            b.iter(|| borda::count(&profile(), BordaPoints::Standard))
        });
        for (label, method) in [
            ("stv scottish 3 seats", StvMethod::ScottishWigm),
            ("stv meek 3 seats", StvMethod::Meek),
        ] {
            let rules = StvRules { seats: 3, method };
            group.bench_function(label, |b| b.iter(|| stv::count(&profile(), &rules)));
        }
        group.finish();
    }
}

criterion_group!(benches, million_ballots);
criterion_main!(benches);
