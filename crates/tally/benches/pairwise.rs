//! The ideation issue's numbers, for the counting part: a wiki-survey of 10,000 ideas and
//! 1,000,000 answers (each idea in about 200), answered by Bradley–Terry voters with spread
//! strengths. Measured: the cold fit, the fit after one more answer started from the last
//! strengths (what the ranking does as votes arrive), and scoring with bands.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use tally::OptionId;
use tally::pairwise::{self, Comparison, Games};

const IDEAS: u32 = 10_000;
const ANSWERS: usize = 1_000_000;

fn survey(seed: u64) -> Games {
    let mut rng = StdRng::seed_from_u64(seed);
    let truth: Vec<f64> = (0..IDEAS)
        .map(|_| rng.random_range(-2.0..2.0f64).exp())
        .collect();
    let mut games = Games::new(IDEAS).unwrap();
    for _ in 0..ANSWERS {
        let a = rng.random_range(0..IDEAS);
        let mut b = rng.random_range(0..IDEAS - 1);
        if b >= a {
            b += 1;
        }
        let p = truth[a as usize] / (truth[a as usize] + truth[b as usize]);
        let (winner, loser) = if rng.random_range(0.0..1.0) < p {
            (a, b)
        } else {
            (b, a)
        };
        games
            .record(
                Comparison {
                    winner: OptionId(winner),
                    loser: OptionId(loser),
                },
                1,
            )
            .unwrap();
    }
    games
}

fn bench(c: &mut Criterion) {
    let mut games = survey(2026);
    let mut group = c.benchmark_group("pairwise 10k ideas, 1M answers");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("cold fit", |b| {
        b.iter(|| black_box(pairwise::fit(&games, None)))
    });
    let fitted = pairwise::fit(&games, None);
    println!("cold fit: {} iterations", fitted.iterations);
    games
        .record(
            Comparison {
                winner: OptionId(7),
                loser: OptionId(8),
            },
            1,
        )
        .unwrap();
    let warm = pairwise::fit(&games, Some(&fitted.strength));
    println!("warm fit after one answer: {} iterations", warm.iterations);
    group.bench_function("warm fit after one answer", |b| {
        b.iter(|| black_box(pairwise::fit(&games, Some(&fitted.strength))))
    });
    group.bench_function("scores with bands", |b| {
        b.iter(|| black_box(pairwise::scores(&games, &warm)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
