//! Durable jobs through a real server's kernel: due times, retries with backoff, unique keys,
//! transactions, and nodes that die holding jobs. Time moves by the server's `ManualClock`;
//! `run_due` stands in for the runner's poll so each story decides when jobs run.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kernel::Kernel;
use kernel::id::JobId;
use kernel::jobs::{
    self, BoxFuture, Handlers, Job, JobHandler, JobState, JobStatus, NewJob, Runner, RunnerOptions,
};
use serde_json::json;
use testkit::{Backend, TestServer, both};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

both!(
    a_job_waits_for_its_run_at,
    a_failing_job_is_retried_with_growing_backoff_then_fails,
    a_panicking_handler_counts_as_a_failure,
    a_unique_key_enqueued_twice_runs_once,
    a_job_enqueued_in_a_rolled_back_transaction_never_runs,
    a_late_finisher_changes_nothing,
    a_spawned_runner_wakes_and_hands_back_on_shutdown,
);

/// Every run a handler saw: (node, job, attempt).
type Runs = Arc<Mutex<Vec<(String, JobId, u32)>>>;

/// `test.record`: notes each run and succeeds.
struct Record {
    node: String,
    runs: Runs,
}

impl JobHandler for Record {
    fn kind(&self) -> &'static str {
        "test.record"
    }
    fn run(&self, _: Arc<Kernel>, job: Job) -> BoxFuture<'static, Result<(), String>> {
        self.runs
            .lock()
            .unwrap()
            .push((self.node.clone(), job.id, job.attempt));
        Box::pin(async { Ok(()) })
    }
}

/// `test.flaky`: fails the first `fail_times` attempts (from the payload; all when absent).
struct Flaky {
    runs: Runs,
}

impl JobHandler for Flaky {
    fn kind(&self) -> &'static str {
        "test.flaky"
    }
    fn run(&self, _: Arc<Kernel>, job: Job) -> BoxFuture<'static, Result<(), String>> {
        self.runs
            .lock()
            .unwrap()
            .push(("flaky".into(), job.id, job.attempt));
        let fail_times = job.payload["fail_times"].as_u64().unwrap_or(u64::MAX);
        Box::pin(async move {
            if u64::from(job.attempt) <= fail_times {
                Err(format!("attempt {} failed", job.attempt))
            } else {
                Ok(())
            }
        })
    }
}

/// `test.panic`: panics, once while building its future and once while running it.
struct Panics;

impl JobHandler for Panics {
    fn kind(&self) -> &'static str {
        "test.panic"
    }
    fn run(&self, _: Arc<Kernel>, job: Job) -> BoxFuture<'static, Result<(), String>> {
        if job.payload["early"] == true {
            panic!("early panic");
        }
        Box::pin(async { panic!("late panic") })
    }
}

/// `test.record` on a node that notes the start, then waits for `release` (if any) and fails
/// or succeeds as told — or hangs forever without one, like a node that froze.
struct Stuck {
    node: String,
    started: Runs,
    release: Option<Arc<Notify>>,
    fail: bool,
}

impl Stuck {
    fn runner(
        kernel: &Arc<Kernel>,
        options: RunnerOptions,
        release: Option<Arc<Notify>>,
        fail: bool,
    ) -> (Runner, Runs) {
        let started = Runs::default();
        let handler = Stuck {
            node: options.node.clone(),
            started: Arc::clone(&started),
            release,
            fail,
        };
        let handlers = Handlers::new(vec![Arc::new(handler)]);
        (Runner::new(Arc::clone(kernel), handlers, options), started)
    }
}

impl JobHandler for Stuck {
    fn kind(&self) -> &'static str {
        "test.record"
    }
    fn run(&self, _: Arc<Kernel>, job: Job) -> BoxFuture<'static, Result<(), String>> {
        self.started
            .lock()
            .unwrap()
            .push((self.node.clone(), job.id, job.attempt));
        let (release, fail) = (self.release.clone(), self.fail);
        Box::pin(async move {
            match release {
                Some(release) => release.notified().await,
                None => std::future::pending::<()>().await,
            }
            if fail {
                Err("finished too late".into())
            } else {
                Ok(())
            }
        })
    }
}

fn options(node: &str) -> RunnerOptions {
    RunnerOptions {
        node: node.into(),
        lease: Duration::from_secs(60),
        poll: Duration::from_millis(20),
        concurrency: 4,
    }
}

/// A runner of `test.record`, `test.flaky` and `test.panic` on `kernel`, and the runs it will
/// see.
fn recording_runner(kernel: &Arc<Kernel>, node: &str) -> (Runner, Runs) {
    recording_runner_with(kernel, options(node))
}

fn recording_runner_with(kernel: &Arc<Kernel>, options: RunnerOptions) -> (Runner, Runs) {
    let runs = Runs::default();
    let handlers = Handlers::new(vec![
        Arc::new(Record {
            node: options.node.clone(),
            runs: Arc::clone(&runs),
        }),
        Arc::new(Flaky {
            runs: Arc::clone(&runs),
        }),
        Arc::new(Panics),
    ]);
    (Runner::new(Arc::clone(kernel), handlers, options), runs)
}

fn ids(runs: &Runs) -> Vec<JobId> {
    runs.lock().unwrap().iter().map(|(_, id, _)| *id).collect()
}

async fn status(server: &TestServer, id: JobId) -> JobStatus {
    jobs::status(&server.kernel.db, id)
        .await
        .unwrap()
        .expect("the job exists")
}

async fn enqueue(server: &TestServer, job: NewJob) -> JobId {
    jobs::enqueue_now(&server.kernel, job)
        .await
        .unwrap()
        .expect("a new job")
}

/// Runs due jobs until none are left; answers how many ran.
async fn drain(runner: &Runner) -> usize {
    let mut total = 0;
    loop {
        match runner.run_due().await.unwrap() {
            0 => return total,
            n => total += n,
        }
    }
}

async fn a_job_waits_for_its_run_at(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (runner, runs) = recording_runner(&server.kernel, "n1");
    let later = server.kernel.now().plus_seconds(60);
    let job = enqueue(
        &server,
        NewJob::new("test.record", json!({"n": 1})).at(later),
    )
    .await;
    assert_eq!(status(&server, job).await.state, JobState::Queued);
    assert_eq!(status(&server, job).await.payload, json!({"n": 1}));
    assert_eq!(runner.run_due().await.unwrap(), 0);
    server.clock.advance_seconds(59);
    assert_eq!(runner.run_due().await.unwrap(), 0);
    assert!(ids(&runs).is_empty());

    server.clock.advance_seconds(1);
    assert_eq!(runner.run_due().await.unwrap(), 1);
    assert_eq!(*runs.lock().unwrap(), [("n1".to_string(), job, 1)]);
    assert_eq!(
        runner.run_due().await.unwrap(),
        0,
        "a done job does not run again"
    );
    let done = status(&server, job).await;
    assert_eq!(done.state, JobState::Done);
    assert_eq!(done.attempts, 1);
    assert_eq!(done.finished_at, Some(server.kernel.now()));
    assert_eq!(done.locked_by, None);

    // Without a time, a job is due at once.
    let immediate = enqueue(&server, NewJob::new("test.record", json!({}))).await;
    assert_eq!(runner.run_due().await.unwrap(), 1);
    assert_eq!(ids(&runs), [job, immediate]);
}

async fn a_failing_job_is_retried_with_growing_backoff_then_fails(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (runner, runs) = recording_runner(&server.kernel, "n1");
    let job = enqueue(&server, NewJob::new("test.flaky", json!({})).attempts(3)).await;

    // Attempt n fails and waits 2^n s, plus at most a tenth, before the next.
    for attempt in 1..=2u32 {
        assert_eq!(runner.run_due().await.unwrap(), 1, "attempt {attempt}");
        let after = status(&server, job).await;
        assert_eq!(after.state, JobState::Queued);
        assert_eq!(after.attempts, attempt);
        assert_eq!(
            after.last_error.as_deref(),
            Some(&*format!("attempt {attempt} failed"))
        );
        let wait_us = after.run_at.0 - server.kernel.now().0;
        let base_us = (1i64 << attempt) * 1_000_000;
        assert!(
            (base_us..=base_us + base_us / 10).contains(&wait_us),
            "attempt {attempt} waits {wait_us} µs"
        );
        server.clock.advance_seconds((1 << attempt) - 1);
        assert_eq!(runner.run_due().await.unwrap(), 0, "not before its backoff");
        server.clock.advance_seconds(2 + (1 << attempt) / 10);
    }
    assert_eq!(runner.run_due().await.unwrap(), 1, "attempt 3");
    let failed = status(&server, job).await;
    assert_eq!(failed.state, JobState::Failed);
    assert_eq!(failed.attempts, 3);
    assert_eq!(failed.last_error.as_deref(), Some("attempt 3 failed"));
    assert_eq!(failed.finished_at, Some(server.kernel.now()));
    server.clock.advance_seconds(24 * 3600);
    assert_eq!(
        runner.run_due().await.unwrap(),
        0,
        "a failed job stays failed"
    );
    assert_eq!(ids(&runs), [job, job, job]);

    // A job that fails twice and then succeeds ends done, its last error kept.
    let flaky = enqueue(&server, NewJob::new("test.flaky", json!({"fail_times": 2}))).await;
    for _ in 0..3 {
        assert_eq!(runner.run_due().await.unwrap(), 1);
        server.clock.advance_seconds(10);
    }
    let done = status(&server, flaky).await;
    assert_eq!(done.state, JobState::Done);
    assert_eq!(done.attempts, 3);
    assert_eq!(done.last_error.as_deref(), Some("attempt 2 failed"));
}

async fn a_panicking_handler_counts_as_a_failure(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (runner, _) = recording_runner(&server.kernel, "n1");
    let late = enqueue(&server, NewJob::new("test.panic", json!({})).attempts(2)).await;
    let early = enqueue(
        &server,
        NewJob::new("test.panic", json!({"early": true})).attempts(1),
    )
    .await;
    assert_eq!(runner.run_due().await.unwrap(), 2);
    let retried = status(&server, late).await;
    assert_eq!(retried.state, JobState::Queued);
    assert_eq!(
        retried.last_error.as_deref(),
        Some("the handler panicked: late panic")
    );
    let failed = status(&server, early).await;
    assert_eq!(failed.state, JobState::Failed);
    assert_eq!(
        failed.last_error.as_deref(),
        Some("the handler panicked: early panic")
    );
    server.clock.advance_seconds(3);
    assert_eq!(runner.run_due().await.unwrap(), 1);
    assert_eq!(status(&server, late).await.state, JobState::Failed);
}

async fn a_unique_key_enqueued_twice_runs_once(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (runner, runs) = recording_runner(&server.kernel, "n1");
    let job = || NewJob::new("test.record", json!({"week": 12})).unique("digest:ada:12");
    let first = jobs::enqueue_now(&server.kernel, job()).await.unwrap();
    let first = first.expect("the first one is enqueued");
    assert_eq!(
        jobs::enqueue_now(&server.kernel, job()).await.unwrap(),
        None
    );
    assert_eq!(
        status(&server, first).await.unique_key.as_deref(),
        Some("digest:ada:12")
    );
    assert_eq!(drain(&runner).await, 1);
    assert_eq!(ids(&runs), [first]);
    // Done, the key still stands for "already done".
    assert_eq!(
        jobs::enqueue_now(&server.kernel, job()).await.unwrap(),
        None
    );
    assert_eq!(drain(&runner).await, 0);

    // Inside one transaction too, and jobs without a key never clash.
    let mut tx = server.kernel.db.begin().await.unwrap();
    let now = server.kernel.now();
    let other = NewJob::new("test.record", json!({})).unique("digest:bo:12");
    assert!(
        jobs::enqueue(&mut tx, now, other.clone())
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(jobs::enqueue(&mut tx, now, other).await.unwrap(), None);
    let plain = NewJob::new("test.record", json!({}));
    assert!(
        jobs::enqueue(&mut tx, now, plain.clone())
            .await
            .unwrap()
            .is_some()
    );
    assert!(jobs::enqueue(&mut tx, now, plain).await.unwrap().is_some());
    tx.commit().await.unwrap();
    assert_eq!(drain(&runner).await, 3);
    assert_eq!(ids(&runs).len(), 4);
}

async fn a_job_enqueued_in_a_rolled_back_transaction_never_runs(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (runner, runs) = recording_runner(&server.kernel, "n1");
    let mut tx = server.kernel.db.begin().await.unwrap();
    let now = server.kernel.now();
    let rolled_back = jobs::enqueue(
        &mut tx,
        now,
        NewJob::new("test.record", json!({})).unique("k"),
    )
    .await
    .unwrap()
    .expect("enqueued inside the transaction");
    drop(tx);
    assert_eq!(drain(&runner).await, 0);
    assert!(
        jobs::status(&server.kernel.db, rolled_back)
            .await
            .unwrap()
            .is_none()
    );
    // Its unique key went with it.
    let committed = enqueue(&server, NewJob::new("test.record", json!({})).unique("k")).await;
    assert_eq!(drain(&runner).await, 1);
    assert_eq!(ids(&runs), [committed]);
}

/// Two runners on one kernel stand for two nodes (on PostgreSQL the tests below also use two
/// real servers). Node A is still busy when its lease runs out and B takes the job over; A's
/// late failure must not touch B's claim, and B's success stands.
async fn a_late_finisher_changes_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (release_a, release_b) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let (a, a_started) = Stuck::runner(
        &server.kernel,
        options("a"),
        Some(Arc::clone(&release_a)),
        true,
    );
    let (b, b_started) = Stuck::runner(
        &server.kernel,
        options("b"),
        Some(Arc::clone(&release_b)),
        false,
    );
    let job = enqueue(&server, NewJob::new("test.record", json!({}))).await;

    let a_run = tokio::spawn(async move { a.run_due().await.unwrap() });
    wait_for(&a_started, 1).await;
    let b = Arc::new(b);
    assert_eq!(b.run_due().await.unwrap(), 0, "A holds the lease");
    server.clock.advance_seconds(61);
    let b_run = tokio::spawn({
        let b = Arc::clone(&b);
        async move { b.run_due().await.unwrap() }
    });
    wait_for(&b_started, 1).await;
    assert_eq!(*b_started.lock().unwrap(), [("b".to_string(), job, 2)]);

    release_a.notify_one();
    assert_eq!(a_run.await.unwrap(), 1);
    let still_b = status(&server, job).await;
    assert_eq!(
        still_b.state,
        JobState::Running,
        "A's late failure changed nothing"
    );
    assert_eq!(still_b.locked_by.as_deref(), Some("b"));
    assert_eq!(still_b.attempts, 2);
    assert_eq!(still_b.last_error, None);

    release_b.notify_one();
    assert_eq!(b_run.await.unwrap(), 1);
    let done = status(&server, job).await;
    assert_eq!(done.state, JobState::Done);
    assert_eq!(done.attempts, 2);
    assert_eq!(done.last_error, None);
    assert_eq!(b.run_due().await.unwrap(), 0);
}

/// Waits up to ten seconds for `runs` to hold `count` entries.
async fn wait_for(runs: &Runs, count: usize) {
    for _ in 0..500 {
        if runs.lock().unwrap().len() >= count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("expected {count} runs, saw {}", runs.lock().unwrap().len());
}

/// A second server on the first one's PostgreSQL database: another node of the same
/// community, with a clock of its own.
async fn second_node(a: &TestServer) -> TestServer {
    let url = a.config.database_url.clone();
    TestServer::start_with(Backend::Postgres, |c| c.database_url = url).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_of_a_killed_node_run_once_elsewhere_after_their_lease() {
    let a = TestServer::start(Backend::Postgres).await;
    let b = second_node(&a).await;
    let mut enqueued = Vec::new();
    for n in 0..6 {
        enqueued.push(enqueue(&a, NewJob::new("test.record", json!({"n": n}))).await);
    }

    let wide = RunnerOptions {
        concurrency: 8,
        ..options("a")
    };
    let (node_a, started) = Stuck::runner(&a.kernel, wide, None, false);
    let a_task = node_a.spawn(CancellationToken::new());
    wait_for(&started, enqueued.len()).await;
    // A crash: the runner's futures are dropped mid-run, nothing is written or handed back.
    a_task.abort();
    assert!(a_task.await.unwrap_err().is_cancelled());
    for &id in &enqueued {
        let held = status(&a, id).await;
        assert_eq!(held.state, JobState::Running);
        assert_eq!(held.locked_by.as_deref(), Some("a"));
    }

    let (node_b, b_runs) = recording_runner(&b.kernel, "b");
    assert_eq!(node_b.run_due().await.unwrap(), 0);
    a.clock.advance_seconds(30);
    b.clock.advance_seconds(30);
    assert_eq!(node_b.run_due().await.unwrap(), 0, "the lease still holds");
    a.clock.advance_seconds(31);
    b.clock.advance_seconds(31);
    assert_eq!(drain(&node_b).await, enqueued.len());
    assert_eq!(drain(&node_b).await, 0);

    let mut ran = ids(&b_runs);
    ran.sort();
    let mut expected = enqueued.clone();
    expected.sort();
    assert_eq!(
        ran, expected,
        "each job ran to completion exactly once, on B"
    );
    for &id in &enqueued {
        let done = status(&a, id).await;
        assert_eq!(done.state, JobState::Done);
        assert_eq!(done.attempts, 2);
        assert_eq!(done.locked_by, None);
    }
    drop(b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_claiming_at_once_run_every_job_once() {
    let a = TestServer::start(Backend::Postgres).await;
    let b = second_node(&a).await;
    let mut enqueued = Vec::new();
    for n in 0..80 {
        enqueued.push(enqueue(&a, NewJob::new("test.record", json!({"n": n}))).await);
    }
    // B's clock started later, so it is ahead of A's; move A past every run_at too.
    a.clock.advance_seconds(1);

    let (node_a, a_runs) = recording_runner(&a.kernel, "a");
    let (node_b, b_runs) = recording_runner(&b.kernel, "b");
    let a_loop = tokio::spawn(async move { drain(&node_a).await });
    let b_loop = tokio::spawn(async move { drain(&node_b).await });
    let (a_ran, b_ran) = (a_loop.await.unwrap(), b_loop.await.unwrap());
    assert_eq!(a_ran + b_ran, enqueued.len());

    let mut counts: HashMap<JobId, usize> = HashMap::new();
    for id in ids(&a_runs).into_iter().chain(ids(&b_runs)) {
        *counts.entry(id).or_default() += 1;
    }
    assert_eq!(counts.len(), enqueued.len());
    assert!(
        counts.values().all(|&n| n == 1),
        "a job ran twice: {counts:?}"
    );
    for &id in &enqueued {
        assert_eq!(status(&a, id).await.state, JobState::Done);
    }
    drop(b);
}

/// The spawned runner polls on its own, wakes early when told, and on shutdown hands back the
/// jobs it was running without counting the attempt.
async fn a_spawned_runner_wakes_and_hands_back_on_shutdown(backend: Backend) {
    let server = TestServer::start(backend).await;
    // Polling only hourly: the job runs because the runner is woken.
    let hourly = RunnerOptions {
        poll: Duration::from_secs(3600),
        ..options("n1")
    };
    let (runner, runs) = recording_runner_with(&server.kernel, hourly);
    let waker = runner.waker();
    let shutdown = CancellationToken::new();
    let task = runner.spawn(shutdown.clone());
    let first = enqueue(&server, NewJob::new("test.record", json!({}))).await;
    waker.notify_one();
    wait_for(&runs, 1).await;
    assert_eq!(ids(&runs), [first]);
    shutdown.cancel();
    task.await.unwrap();

    let (stuck, started) = Stuck::runner(&server.kernel, options("n2"), None, false);
    let shutdown = CancellationToken::new();
    let task = stuck.spawn(shutdown.clone());
    let held = enqueue(&server, NewJob::new("test.record", json!({}))).await;
    wait_for(&started, 1).await;
    assert_eq!(status(&server, held).await.state, JobState::Running);
    shutdown.cancel();
    task.await.unwrap();
    let released = status(&server, held).await;
    assert_eq!(released.state, JobState::Queued);
    assert_eq!(released.attempts, 0);
    assert_eq!(released.locked_by, None);
}
