//! The ledger crate on its own, on a fresh SQLite file (see bench/ledger):
//!   1. transfers per second through `Ledger::apply_all`, in batches;
//!   2. the first statement page of an account with 1,000,000 transfers.
//!
//! Usage: ledger_direct [TRANSFERS (default 200000)] [BATCH (default 1000)] [STATEMENT_ROWS (default 1000000)]

use std::sync::Arc;
use std::time::Instant;

use kernel::db::{Db, DbOptions};
use kernel::groups::model::{JoinPolicy, NewGroup, Visibility};
use kernel::mail::Mailer;
use kernel::people::{ClientInfo, LogIn, SignUp};
use kernel::{Kernel, KernelConfig, SystemClock};
use ledger::model::{CurrencyKind, NewAccount, NewCurrency, OwnerKind};
use ledger::{Ledger, Leg, Op, service};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let transfers = args.first().copied().unwrap_or(200_000);
    let batch = args.get(1).copied().unwrap_or(1_000) as usize;
    let statement_rows = args.get(2).copied().unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let options = DbOptions {
        migrations: vec![&kernel::db::MIGRATIONS, &ledger::MIGRATIONS],
        ..DbOptions::default()
    };
    let db = Db::connect(&Db::sqlite_url_in(dir.path()), &options)
        .await
        .unwrap();
    let config = KernelConfig {
        argon2_memory_kib: 64,
        argon2_iterations: 1,
        data_dir: dir.path().into(),
        ..KernelConfig::default()
    };
    let mailer = Mailer::outbox(dir.path(), "weft@localhost").unwrap();
    let k = Arc::new(Kernel::new(db, Arc::new(SystemClock), mailer, config));
    let password = "tangerine-orbit-cello-47".to_string();
    kernel::people::sign_up(
        &k,
        SignUp {
            handle: "bench".into(),
            password: password.clone(),
            display_name: None,
            email: None,
        },
        false,
    )
    .await
    .unwrap();
    let session = kernel::people::log_in(
        &k,
        LogIn {
            handle: "bench".into(),
            password,
        },
        ClientInfo {
            user_agent: None,
            ip: None,
        },
    )
    .await
    .unwrap();
    let actor = kernel::people::authenticate(&k, &session.token)
        .await
        .unwrap();
    kernel::groups::create_group(
        &k,
        &actor,
        NewGroup {
            handle: "bench".into(),
            name: "Bench".into(),
            description: None,
            visibility: Visibility::Public,
            join_policy: JoinPolicy::Open,
            parent: None,
            parent_admins_manage: false,
        },
    )
    .await
    .unwrap();
    let currency = service::create_currency(
        &k,
        &actor,
        "bench",
        NewCurrency {
            code: "B".into(),
            name: "Bench".into(),
            kind: CurrencyKind::MutualCredit,
            scale: 2,
            symbol: None,
            default_floor: Some(None),
            default_ceiling: Some(None),
        },
    )
    .await
    .unwrap();
    let mut accounts = Vec::new();
    for i in 0..64 {
        let a = service::open_account(
            &k,
            &actor,
            currency.id,
            NewAccount {
                owner_kind: Some(OwnerKind::Pool),
                name: Some(format!("pool {i}")),
                ..NewAccount::default()
            },
        )
        .await
        .unwrap();
        accounts.push(a.id);
    }
    let ledger = Ledger::start(Arc::clone(&k));
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };

    // 1. Random transfers among 64 accounts, `batch` at a time.
    let started = Instant::now();
    let mut done = 0u64;
    while done < transfers {
        let ops: Vec<Op> = (0..batch)
            .map(|_| {
                let from = accounts[(next() % 64) as usize];
                let mut to = accounts[(next() % 64) as usize];
                if to == from {
                    to = accounts[((next() % 63 + 1) as usize
                        + accounts.iter().position(|a| *a == from).unwrap())
                        % 64];
                }
                Op::Transfer {
                    actor: Some(actor.account),
                    key: None,
                    linked: false,
                    legs: vec![Leg {
                        from,
                        to,
                        amount: (next() % 10_000 + 1) as i64,
                        memo: None,
                        pending: false,
                        timeout_at: None,
                        held_by: None,
                    }],
                }
            })
            .collect();
        for r in ledger.apply_all(&ops).await {
            r.unwrap();
        }
        done += batch as u64;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "direct: {done} transfers in batches of {batch} in {secs:.2} s = {:.0} transfers/s",
        done as f64 / secs
    );

    // 2. One account with `statement_rows` transfers: the first page of its statement.
    let (a, b) = (accounts[0], accounts[1]);
    let have = done / 32; // about what account 0 has already
    let started = Instant::now();
    let mut added = have;
    while added < statement_rows {
        let ops: Vec<Op> = (0..5_000)
            .map(|i| Op::Transfer {
                actor: Some(actor.account),
                key: None,
                linked: false,
                legs: vec![if i % 2 == 0 {
                    Leg {
                        from: a,
                        to: b,
                        amount: 100,
                        memo: Some("rent".into()),
                        pending: false,
                        timeout_at: None,
                        held_by: None,
                    }
                } else {
                    Leg {
                        from: b,
                        to: a,
                        amount: 100,
                        memo: None,
                        pending: false,
                        timeout_at: None,
                        held_by: None,
                    }
                }],
            })
            .collect();
        for r in ledger.apply_all(&ops).await {
            r.unwrap();
        }
        added += 5_000;
    }
    println!(
        "seeded account 0 to about {added} transfers in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let facts = service::account_for(&k, &actor, a).await.unwrap();
    let mut times = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let page = service::statement_page(&k, &facts, None, 51).await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(page.len(), 51);
    }
    times.sort_by(|x, y| x.partial_cmp(y).unwrap());
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    println!(
        "statement first page (51 rows) of an account with ~{added} transfers, 200 reads: mean {mean:.2} ms, p50 {:.2} ms, p99 {:.2} ms",
        times[100], times[198]
    );
    let t = Instant::now();
    let v = ledger::verify::verify_currency(
        &k.db,
        &ledger::store::currency(&k.db, currency.id)
            .await
            .unwrap()
            .unwrap(),
    )
    .await
    .unwrap();
    println!(
        "verify: ok={} over {} transfers in {:.1} s",
        v.ok,
        v.transfers,
        t.elapsed().as_secs_f64()
    );
}
