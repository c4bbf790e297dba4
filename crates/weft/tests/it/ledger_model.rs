//! The ledger's engine against a model. Random payments, pending transfers posted (fully or in
//! part) or voided, linked legs and reused idempotency keys go through `Ledger::apply_all` in
//! random batches, on the real database. A naive model, written from the rules and
//! applying one step at a time, says what each step must answer and where every balance must
//! end; the hash chain must verify afterwards. Proptest shrinks a failure to its shortest story.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use kernel::{Error, Kernel};
use ledger::{AccountId, BatchId, End, Ledger, Leg, Op, Outcome, PersonId, TransferId};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};
use testkit::{Backend, Client, TestServer, both};

both!(the_engine_answers_like_the_model);

const ACCOUNTS: usize = 4;

/// One step of a story.
#[derive(Debug, Clone)]
enum Step {
    /// One leg, or linked legs; `key` picks one of a few idempotency keys.
    Pay {
        legs: Vec<(usize, usize, i64, bool)>,
        linked: bool,
        key: Option<u8>,
    },
    /// Ends the `which`-th transfer known when the batch starts (an unknown id if none).
    End { which: usize, how: How },
}

#[derive(Debug, Clone, Copy)]
enum How {
    Post,
    PostPart(i64),
    Void,
    Expire,
}

#[derive(Debug, Clone)]
struct Story {
    limits: Vec<(Option<i64>, Option<i64>)>,
    batches: Vec<Vec<Step>>,
}

fn leg() -> impl Strategy<Value = (usize, usize, i64, bool)> {
    // Mostly distinct accounts; sometimes the same one (which must be refused).
    (
        0..ACCOUNTS,
        0..ACCOUNTS,
        amount(),
        prop::bool::weighted(0.35),
    )
}

/// Amounts that often land exactly on a limit (they and the limits are multiples of 25).
fn amount() -> impl Strategy<Value = i64> {
    prop_oneof![4 => (1i64..=8).prop_map(|x| x * 25), 1 => 1i64..=150]
}

fn step() -> impl Strategy<Value = Step> {
    let key = prop::option::weighted(0.3, 0u8..3);
    prop_oneof![
        4 => (leg(), key.clone()).prop_map(|(l, key)| Step::Pay { legs: vec![l], linked: false, key }),
        2 => (prop::collection::vec(leg(), 1..4), key)
            .prop_map(|(legs, key)| Step::Pay { legs, linked: true, key }),
        3 => (any::<usize>(), prop_oneof![
                Just(How::Post),
                amount().prop_map(How::PostPart),
                Just(How::Void),
                Just(How::Expire),
            ])
            .prop_map(|(which, how)| Step::End { which, how }),
    ]
}

fn story() -> impl Strategy<Value = Story> {
    let floor = prop_oneof![
        Just(None),
        Just(Some(0)),
        Just(Some(-100)),
        Just(Some(-300))
    ];
    let ceiling = prop_oneof![Just(None), Just(Some(100)), Just(Some(400))];
    (
        prop::collection::vec((floor, ceiling), ACCOUNTS),
        prop::collection::vec(prop::collection::vec(step(), 1..12), 1..6),
    )
        .prop_map(|(limits, batches)| Story { limits, batches })
}

/// What a step must answer.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    /// New transfers, this many.
    Paid(usize),
    /// The same as the earlier request (its index among the story's steps).
    Replayed(usize),
    Ended,
    /// An expiry of something already ended: nothing happens.
    AlreadyEnded,
    Invalid(String),
    Conflict(String),
    NotFound,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Account {
    floor: Option<i64>,
    ceiling: Option<i64>,
    balance: i64,
    debits_pending: i64,
    credits_pending: i64,
}

/// A transfer the model knows of, in the order they were written.
#[derive(Debug, Clone)]
struct Known {
    id: TransferId,
    from: usize,
    to: usize,
    amount: i64,
    pending: bool,
    ended: bool,
}

/// The rules, as plainly as they can be said.
#[derive(Debug, Default)]
struct Model {
    accounts: Vec<Account>,
    known: Vec<Known>,
    /// key → (request digest, index of the step that first used it).
    keys: HashMap<u8, (String, usize)>,
}

impl Model {
    /// One leg, or the field it is refused on.
    fn leg(&mut self, from: usize, to: usize, amount: i64, pending: bool) -> Result<(), String> {
        if from == to {
            return Err("to".into());
        }
        let (f, t) = (self.accounts[from], self.accounts[to]);
        if let Some(floor) = f.floor
            && f.balance - f.debits_pending - amount < floor
        {
            return Err("from".into());
        }
        if let Some(ceiling) = t.ceiling
            && t.balance + t.credits_pending + amount > ceiling
        {
            return Err("to".into());
        }
        if pending {
            self.accounts[from].debits_pending += amount;
            self.accounts[to].credits_pending += amount;
        } else {
            self.accounts[from].balance -= amount;
            self.accounts[to].balance += amount;
        }
        Ok(())
    }

    fn pay(
        &mut self,
        index: usize,
        legs: &[(usize, usize, i64, bool)],
        linked: bool,
        key: Option<u8>,
    ) -> Answer {
        let digest = format!("{legs:?}{linked}");
        if let Some(k) = key
            && let Some((earlier, first)) = self.keys.get(&k)
        {
            return if *earlier == digest {
                Answer::Replayed(*first)
            } else {
                Answer::Conflict("Idempotency-Key".into())
            };
        }
        let saved = self.accounts.clone();
        for (i, &(from, to, amount, pending)) in legs.iter().enumerate() {
            if let Err(field) = self.leg(from, to, amount, pending) {
                self.accounts = saved;
                let prefix = if linked {
                    format!("legs[{i}].")
                } else {
                    String::new()
                };
                return Answer::Invalid(format!("{prefix}{field}"));
            }
        }
        if let Some(k) = key {
            self.keys.insert(k, (digest, index));
        }
        Answer::Paid(legs.len())
    }

    fn end(&mut self, target: Option<usize>, how: How) -> Answer {
        let Some(t) = target else {
            return Answer::NotFound;
        };
        let k = self.known[t].clone();
        if !k.pending {
            return Answer::Conflict("id".into());
        }
        if k.ended {
            return match how {
                How::Expire => Answer::AlreadyEnded,
                _ => Answer::Conflict("id".into()),
            };
        }
        let posted = match how {
            How::Post => k.amount,
            How::PostPart(x) if x > k.amount => return Answer::Invalid("amount".into()),
            How::PostPart(x) => x,
            How::Void | How::Expire => 0,
        };
        self.known[t].ended = true;
        let (f, to) = (&mut self.accounts[k.from], k.to);
        f.debits_pending -= k.amount;
        f.balance -= posted;
        let to = &mut self.accounts[to];
        to.credits_pending -= k.amount;
        to.balance += posted;
        Answer::Ended
    }
}

/// What the engine answered, in the model's terms.
fn answer_of(
    result: &kernel::Result<Outcome>,
    earlier: &HashMap<usize, (Vec<TransferId>, Option<BatchId>)>,
) -> Answer {
    match result {
        Ok(Outcome::Transfers {
            ids,
            batch,
            replayed: true,
            ..
        }) => earlier
            .iter()
            .find(|(_, (i, b))| (!ids.is_empty() && i == ids) || (batch.is_some() && b == batch))
            .map_or(Answer::Paid(usize::MAX), |(index, _)| {
                Answer::Replayed(*index)
            }),
        Ok(Outcome::Transfers { ids, .. }) => Answer::Paid(ids.len()),
        Ok(Outcome::Ended(Some(_))) => Answer::Ended,
        Ok(Outcome::Ended(None)) => Answer::AlreadyEnded,
        Err(Error::Invalid(fields)) => Answer::Invalid(
            fields
                .iter()
                .map(|f| f.field.clone())
                .collect::<Vec<_>>()
                .join(","),
        ),
        Err(Error::Conflict { field, .. }) => Answer::Conflict(field.clone().unwrap_or_default()),
        Err(Error::NotFound(_)) => Answer::NotFound,
        Err(e) => Answer::Invalid(format!("unexpected: {e}")),
    }
}

struct Bench {
    kernel: Arc<Kernel>,
    ledger: Ledger,
    ana: Client,
    actor: PersonId,
    cases: AtomicUsize,
}

async fn run_story(b: &Bench, story: &Story) -> Result<(), TestCaseError> {
    let case = b.cases.fetch_add(1, Ordering::Relaxed);
    let reply = b
        .ana
        .post(
            "/api/v1/groups/model/currencies",
            &json!({"code": format!("M{case}"), "name": "Model", "kind": "mutual_credit",
                    "scale": 0, "default_floor": null, "default_ceiling": null}),
        )
        .await;
    prop_assert_eq!(reply.status, 201, "{}", reply.body);
    let currency = reply.json["id"].as_str().unwrap().to_string();
    let mut ids = Vec::new();
    let mut model = Model::default();
    for (i, (floor, ceiling)) in story.limits.iter().enumerate() {
        let limit = |l: &Option<i64>| l.map_or(Value::Null, |l| json!(l.to_string()));
        let reply = b
            .ana
            .post(
                &format!("/api/v1/currencies/{currency}/accounts"),
                &json!({"owner_kind": "pool", "name": format!("pool {i}"),
                        "floor": limit(floor), "ceiling": limit(ceiling)}),
            )
            .await;
        prop_assert_eq!(reply.status, 201, "{}", reply.body);
        ids.push(
            reply.json["id"]
                .as_str()
                .unwrap()
                .parse::<AccountId>()
                .unwrap(),
        );
        model.accounts.push(Account {
            floor: *floor,
            ceiling: *ceiling,
            ..Account::default()
        });
    }

    let mut index = 0;
    let mut earlier = HashMap::new();
    for steps in &story.batches {
        // Ends point at what was known when the batch started.
        let known_then = model.known.len();
        let mut ops = Vec::new();
        let mut targets = Vec::new();
        for step in steps {
            match step {
                Step::Pay { legs, linked, key } => {
                    let digest = format!("{legs:?}{linked}");
                    ops.push(Op::Transfer {
                        actor: Some(b.actor),
                        key: key.map(|k| ledger::engine::Key {
                            key: format!("case-{case}-key-{k}"),
                            request_hash: ledger::chain::memo_hash(&digest),
                        }),
                        linked: *linked,
                        legs: legs
                            .iter()
                            .map(|&(from, to, amount, pending)| Leg {
                                from: ids[from],
                                to: ids[to],
                                amount,
                                memo: Some(format!("step {index}")),
                                pending,
                                timeout_at: None,
                                held_by: None,
                            })
                            .collect(),
                    });
                    targets.push(None);
                }
                Step::End { which, how } => {
                    let target = (known_then > 0).then(|| which % known_then);
                    ops.push(Op::End {
                        actor: Some(b.actor),
                        pending: target.map_or_else(TransferId::new, |t| model.known[t].id),
                        how: match how {
                            How::Post => End::Post(None),
                            How::PostPart(x) => End::Post(Some(*x)),
                            How::Void => End::Void,
                            How::Expire => End::Expire,
                        },
                    });
                    targets.push(target);
                }
            }
            index += 1;
        }
        let results = b.ledger.apply_all(&ops).await;
        prop_assert_eq!(results.len(), ops.len());
        let first = index - steps.len();
        for (j, ((step, result), target)) in steps.iter().zip(&results).zip(targets).enumerate() {
            let at = first + j;
            let expected = match step {
                Step::Pay { legs, linked, key } => model.pay(at, legs, *linked, *key),
                Step::End { how, .. } => model.end(target, *how),
            };
            let got = answer_of(result, &earlier);
            prop_assert_eq!(
                &got,
                &expected,
                "step {} ({:?}) answered {:?}",
                at,
                step,
                result
            );
            match (step, result) {
                (
                    Step::Pay { legs, .. },
                    Ok(Outcome::Transfers {
                        ids: written,
                        batch,
                        replayed: false,
                        ..
                    }),
                ) => {
                    earlier.insert(at, (written.clone(), *batch));
                    for (id, &(from, to, amount, pending)) in written.iter().zip(legs) {
                        model.known.push(Known {
                            id: *id,
                            from,
                            to,
                            amount,
                            pending,
                            ended: false,
                        });
                    }
                }
                (Step::End { .. }, Ok(Outcome::Ended(Some(ended)))) => {
                    let t = &model.known[target.expect("an ended transfer was known")];
                    let row = Known {
                        id: ended.id,
                        from: t.from,
                        to: t.to,
                        amount: 0,
                        pending: false,
                        ended: false,
                    };
                    model.known.push(row);
                }
                _ => {}
            }
        }
    }

    // Every balance where the model says; the chain re-walks; the book sums to zero.
    for (id, want) in ids.iter().zip(&model.accounts) {
        let row = ledger::store::account(&b.kernel.db, *id)
            .await
            .unwrap()
            .unwrap();
        let got = Account {
            floor: row.floor,
            ceiling: row.ceiling,
            balance: row.balance,
            debits_pending: row.debits_pending,
            credits_pending: row.credits_pending,
        };
        prop_assert_eq!(got, *want);
    }
    let sum: i64 = model.accounts.iter().map(|a| a.balance).sum();
    prop_assert_eq!(sum, 0);
    let verified = b
        .ana
        .get(&format!("/api/v1/currencies/{currency}/verify"))
        .await;
    prop_assert_eq!(verified.status, 200);
    prop_assert_eq!(&verified.json["ok"], &json!(true), "{}", verified.body);
    prop_assert_eq!(
        verified.json["transfers"].as_i64(),
        Some(model.known.len() as i64)
    );
    Ok(())
}

async fn the_engine_answers_like_the_model(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    let reply = ana
        .post(
            "/api/v1/groups",
            &json!({"handle": "model", "name": "Model", "visibility": "public",
                    "join_policy": "open"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let me = ana.get("/api/v1/me").await;
    let actor: PersonId = me.json["id"].as_str().unwrap().parse().unwrap();
    let bench = Bench {
        kernel: server.kernel.clone(),
        ledger: Ledger::start(server.kernel.clone()),
        ana,
        actor,
        cases: AtomicUsize::new(0),
    };
    let cases = std::env::var("WEFT_LEDGER_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(48);
    let handle = tokio::runtime::Handle::current();
    let outcome = tokio::task::block_in_place(|| {
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        });
        runner.run(&story(), |s| handle.block_on(run_story(&bench, &s)))
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
    assert!(bench.cases.load(Ordering::Relaxed) >= cases as usize);
}
