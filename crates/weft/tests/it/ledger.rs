//! The ledger through the real server: currencies, accounts, payments, pending transfers,
//! linked legs, idempotency, statements, the hash chain — and its invariants under many
//! payers at once and a `kill -9`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use testkit::{Backend, Client, TestServer, both};

both!(
    currencies_accounts_and_payments,
    bad_payments_move_nothing,
    idempotency_keys_apply_once,
    pending_transfers_post_void_and_expire,
    linked_legs_apply_all_or_nothing,
    many_payers_at_once_keep_every_invariant,
    a_changed_row_breaks_the_chain,
    a_killed_server_keeps_every_acknowledged_transfer,
    payees_hear_of_payments_and_nobody_else_does,
    tool_held_accounts_move_only_through_their_tool,
    a_pending_transfer_a_tool_made_ends_only_through_it,
);

/// A group `garden` owned by ana with bo as member, a currency `HOURS` (scale 2, floor
/// -100, ceiling 500) and an account for each.
struct Setup {
    ana: Client,
    bo: Client,
    currency: String,
    ana_acct: String,
    bo_acct: String,
}

async fn group(owner: &Client, handle: &str) {
    let reply = owner
        .post(
            "/api/v1/groups",
            &json!({"handle": handle, "name": format!("The {handle}"), "visibility": "public",
                    "join_policy": "open"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
}

async fn currency(owner: &Client, group: &str, code: &str, floor: &str, ceiling: &str) -> String {
    let reply = owner
        .post(
            &format!("/api/v1/groups/{group}/currencies"),
            &json!({"code": code, "name": format!("{code} of {group}"), "kind": "mutual_credit",
                    "scale": 2, "default_floor": floor, "default_ceiling": ceiling}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json["id"].as_str().unwrap().to_string()
}

async fn open(client: &Client, currency: &str) -> String {
    let reply = client
        .post(
            &format!("/api/v1/currencies/{currency}/accounts"),
            &json!({}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json["id"].as_str().unwrap().to_string()
}

async fn setup(server: &TestServer) -> Setup {
    let ana = server.account("ana").await;
    let bo = server.account("bo").await;
    group(&ana, "garden").await;
    bo.post("/api/v1/groups/garden/members", &json!({})).await;
    let currency = currency(&ana, "garden", "HOURS", "-100", "500").await;
    let ana_acct = open(&ana, &currency).await;
    let bo_acct = open(&bo, &currency).await;
    Setup {
        ana,
        bo,
        currency,
        ana_acct,
        bo_acct,
    }
}

async fn pay(client: &Client, from: &str, to: &str, amount: Value) -> testkit::Reply {
    client
        .post(
            "/api/v1/transfers",
            &json!({"from": from, "to": to, "amount": amount}),
        )
        .await
}

async fn balance(client: &Client, account: &str) -> Value {
    let reply = client
        .get(&format!("/api/v1/ledger-accounts/{account}"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json
}

async fn verify(client: &Client, currency: &str) -> Value {
    let reply = client
        .get(&format!("/api/v1/currencies/{currency}/verify"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json
}

async fn currencies_accounts_and_payments(backend: Backend) {
    let server = TestServer::start(backend).await;
    let s = setup(&server).await;
    let c = s
        .ana
        .get(&format!("/api/v1/currencies/{}", s.currency))
        .await;
    assert_eq!(c.json["code"], "HOURS");
    assert_eq!(c.json["default_floor"], "-100.00");
    assert_eq!(c.json["group"]["handle"], "garden");
    // One account per person and currency.
    s.bo.post(
        &format!("/api/v1/currencies/{}/accounts", s.currency),
        &json!({}),
    )
    .await
    .problem(409);

    let paid = pay(&s.ana, &s.ana_acct, &s.bo_acct, json!("10.5")).await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    assert_eq!(paid.json["state"], "posted");
    assert_eq!(paid.json["amount"], "10.50");
    assert_eq!(paid.json["seq"], 1);
    // A JSON number is an amount too.
    let paid2 = pay(&s.bo, &s.bo_acct, &s.ana_acct, json!(0.25)).await;
    assert_eq!(paid2.status, 201, "{}", paid2.body);

    let ana = balance(&s.ana, &s.ana_acct).await;
    assert_eq!(ana["balance"], "-10.25");
    assert_eq!(ana["floor"], "-100.00");
    assert_eq!(ana["available"], "89.75");
    assert_eq!(balance(&s.bo, &s.bo_acct).await["balance"], "10.25");

    // The statement: newest first, with the running balance.
    let st =
        s.bo.get(&format!("/api/v1/ledger-accounts/{}/statement", s.bo_acct))
            .await;
    assert_eq!(st.status, 200, "{}", st.body);
    let items = st.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        (items[0]["amount"].as_str(), items[0]["balance"].as_str()),
        (Some("-0.25"), Some("10.25"))
    );
    assert_eq!(
        (items[1]["amount"].as_str(), items[1]["balance"].as_str()),
        (Some("10.50"), Some("10.50"))
    );
    assert_eq!(items[1]["counterparty"], s.ana_acct.as_str());
    let page =
        s.bo.get(&format!(
            "/api/v1/ledger-accounts/{}/statement?limit=1",
            s.bo_acct
        ))
        .await;
    let next = page.json["next_cursor"].as_str().unwrap();
    let rest =
        s.bo.get(&format!(
            "/api/v1/ledger-accounts/{}/statement?limit=1&cursor={next}",
            s.bo_acct
        ))
        .await;
    assert_eq!(rest.json["items"][0]["seq"], 1);
    assert_eq!(rest.json["next_cursor"], Value::Null);
    // As CSV, oldest first.
    let csv =
        s.bo.send(
            s.bo.request(
                reqwest::Method::GET,
                &format!("/api/v1/ledger-accounts/{}/statement", s.bo_acct),
            )
            .header("accept", "text/csv"),
        )
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 3, "{}", csv.body);
    assert!(lines[0].starts_with("date,seq,"));
    assert!(lines[1].contains(",10.50,false,10.50,"), "{}", lines[1]);
    assert!(lines[2].contains(",-0.25,false,10.25,"), "{}", lines[2]);
    // As a browser asks for it, gzip and all: the whole statement arrives (a streamed body
    // under the compression layer once panicked after its last chunk).
    let zipped = reqwest::Client::new()
        .get(s.bo.url(&format!("/api/v1/ledger-accounts/{}/statement", s.bo_acct)))
        .bearer_auth(s.bo.token().unwrap())
        .header("accept", "text/csv")
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(zipped.status(), 200);
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    let bytes = zipped.bytes().await.expect("the whole body arrives");
    let mut unzipped = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut unzipped)
        .expect("a complete gzip stream");
    assert_eq!(unzipped, csv.body);

    // Statements are private: bo does not see ana's account; ana (an admin) sees bo's.
    s.bo.get(&format!("/api/v1/ledger-accounts/{}", s.ana_acct))
        .await
        .problem(404);
    assert_eq!(balance(&s.ana, &s.bo_acct).await["owner"]["handle"], "bo");
    let book = s
        .ana
        .get(&format!("/api/v1/currencies/{}/transfers", s.currency))
        .await;
    assert_eq!(book.json["items"].as_array().unwrap().len(), 2);
    s.bo.get(&format!("/api/v1/currencies/{}/transfers", s.currency))
        .await
        .problem(403);
    // An outsider does not know the currency exists.
    let eve = server.account("eve").await;
    eve.get(&format!("/api/v1/currencies/{}", s.currency))
        .await
        .problem(404);
    eve.post(
        &format!("/api/v1/currencies/{}/accounts", s.currency),
        &json!({}),
    )
    .await
    .problem(404);
    eve.get(&format!("/api/v1/ledger-accounts/{}", s.bo_acct))
        .await
        .problem(404);
    // Only who manages the money creates currencies.
    s.bo.post(
        "/api/v1/groups/garden/currencies",
        &json!({"code": "X", "name": "x", "kind": "tracked", "scale": 0}),
    )
    .await
    .problem(403);

    // Limits: changed by admins, kept, and the owner is told.
    let changed = s
        .ana
        .patch(
            &format!("/api/v1/ledger-accounts/{}", s.bo_acct),
            &json!({"floor": "-20", "ceiling": null}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(changed.json["floor"], "-20.00");
    assert_eq!(changed.json["ceiling"], Value::Null);
    s.bo.patch(
        &format!("/api/v1/ledger-accounts/{}", s.bo_acct),
        &json!({"floor": "-999"}),
    )
    .await
    .problem(403);
    let inbox = s.bo.get("/api/v1/notifications?unread=true").await;
    assert!(inbox.body.contains("limits_changed"), "{}", inbox.body);
    let mine = s.bo.get("/api/v1/me/ledger-accounts").await;
    assert_eq!(mine.json["items"][0]["id"], s.bo_acct.as_str());

    let v = verify(&s.bo, &s.currency).await;
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["transfers"], 2);

    // A group with a book cannot be deleted: money's history is never erased.
    let gone = s.ana.delete("/api/v1/groups/garden?confirm=garden").await;
    assert!(
        gone.problem(409)["detail"]
            .as_str()
            .unwrap()
            .contains("ledger"),
        "{}",
        gone.body
    );
    assert_eq!(verify(&s.ana, &s.currency).await["ok"], true);
    assert_eq!(s.ana.get("/api/v1/groups/garden").await.status, 200);
}

async fn bad_payments_move_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let s = setup(&server).await;
    let other = currency(&s.ana, "garden", "SEEDS", "-10", "10").await;
    let foreign = open(&s.ana, &other).await;
    for (amount, why) in [
        (json!("-1"), "more than zero"),
        (json!("0"), "more than zero"),
        (json!("1.001"), "more than 2 decimals"),
        (json!("abc"), "not a decimal amount"),
        (json!("1e3"), "not a decimal amount"),
        (json!(true), ""),
        (json!("99999999999999999999"), "too large"),
    ] {
        let reply = pay(&s.ana, &s.ana_acct, &s.bo_acct, amount.clone()).await;
        assert!(
            reply.status == 422 || reply.status == 400,
            "{amount}: {}",
            reply.body
        );
        assert!(reply.body.contains(why), "{amount}: {}", reply.body);
    }
    // Over the floor: the 422 names the limit.
    let over = pay(&s.ana, &s.ana_acct, &s.bo_acct, json!("100.01")).await;
    over.problem(422);
    assert_eq!(over.error_fields(), ["from"]);
    assert!(over.body.contains("floor of -100.00"), "{}", over.body);
    // Unknown and foreign-currency accounts, one's own account twice.
    let nobody = uuid::Uuid::now_v7().to_string();
    let unknown = pay(&s.ana, &s.ana_acct, &nobody, json!("1")).await;
    assert_eq!(unknown.error_fields(), ["to"], "{}", unknown.body);
    let cross = pay(&s.ana, &s.ana_acct, &foreign, json!("1")).await;
    assert_eq!(cross.error_fields(), ["to"], "{}", cross.body);
    pay(&s.ana, &s.ana_acct, &s.ana_acct, json!("1"))
        .await
        .problem(422);
    pay(&s.ana, &nobody, &s.bo_acct, json!("1"))
        .await
        .problem(422);
    // Someone else's account: even an admin does not pay from a member's account.
    pay(&s.ana, &s.bo_acct, &s.ana_acct, json!("1"))
        .await
        .problem(403);
    // An account one may not see is "no such account".
    let hidden = pay(&s.bo, &s.ana_acct, &s.bo_acct, json!("1")).await;
    assert_eq!(hidden.error_fields(), ["from"], "{}", hidden.body);
    // Malformed bodies.
    s.ana
        .post("/api/v1/transfers", &json!({"from": s.ana_acct}))
        .await
        .problem(422);
    s.ana
        .post(
            "/api/v1/transfers",
            &json!({"from": "x", "to": "y", "amount": "1"}),
        )
        .await
        .problem(422);
    // A removed member no longer pays from their account.
    s.ana.delete("/api/v1/groups/garden/members/bo").await;
    let gone = pay(&s.bo, &s.bo_acct, &s.ana_acct, json!("1")).await;
    assert_eq!(gone.error_fields(), ["from"], "{}", gone.body);
    // Nothing moved.
    assert_eq!(balance(&s.ana, &s.ana_acct).await["balance"], "0.00");
    assert_eq!(balance(&s.ana, &s.bo_acct).await["balance"], "0.00");
    let v = verify(&s.ana, &s.currency).await;
    assert_eq!(
        (v["ok"].clone(), v["transfers"].clone()),
        (json!(true), json!(0))
    );
}

async fn idempotency_keys_apply_once(backend: Backend) {
    let server = TestServer::start(backend).await;
    let s = setup(&server).await;
    let keyed = s.ana.with_header("idempotency-key", "order-1");
    let body = json!({"from": s.ana_acct, "to": s.bo_acct, "amount": "5", "memo": "seeds"});
    let first = keyed.post("/api/v1/transfers", &body).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.header("idempotent-replayed"), None);
    let again = keyed.post("/api/v1/transfers", &body).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.json["id"], first.json["id"]);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    // "5.00" is the same amount as "5".
    let same = keyed
        .post(
            "/api/v1/transfers",
            &json!({"from": s.ana_acct, "to": s.bo_acct, "amount": "5.00", "memo": "seeds"}),
        )
        .await;
    assert_eq!(same.json["id"], first.json["id"]);
    let other = keyed
        .post(
            "/api/v1/transfers",
            &json!({"from": s.ana_acct, "to": s.bo_acct, "amount": "6"}),
        )
        .await;
    other.problem(409);
    // Keys are the caller's own: bo may use the same key for his own payment.
    let bo =
        s.bo.with_header("idempotency-key", "order-1")
            .post(
                "/api/v1/transfers",
                &json!({"from": s.bo_acct, "to": s.ana_acct, "amount": "1"}),
            )
            .await;
    assert_eq!(bo.status, 201, "{}", bo.body);
    // The same key sent ten times at once applies once.
    let racing = s.ana.with_header("idempotency-key", "order-2");
    let body = json!({"from": s.ana_acct, "to": s.bo_acct, "amount": "1"});
    let replies =
        futures::future::join_all((0..10).map(|_| racing.post("/api/v1/transfers", &body))).await;
    let ids: std::collections::BTreeSet<String> = replies
        .iter()
        .map(|r| {
            assert_eq!(r.status, 201, "{}", r.body);
            r.json["id"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(balance(&s.bo, &s.bo_acct).await["balance"], "5.00");
    s.ana
        .with_header("idempotency-key", "")
        .post("/api/v1/transfers", &body)
        .await
        .problem(422);
    assert_eq!(verify(&s.ana, &s.currency).await["transfers"], 3);
}

async fn pending_transfers_post_void_and_expire(backend: Backend) {
    let server = TestServer::start(backend).await;
    let s = setup(&server).await;
    let reserve = |amount: &str, timeout: Option<u64>| {
        let mut body =
            json!({"from": s.ana_acct, "to": s.bo_acct, "amount": amount, "pending": true});
        if let Some(t) = timeout {
            body["timeout_s"] = json!(t);
        }
        let ana = s.ana.clone();
        async move { ana.post("/api/v1/transfers", &body).await }
    };
    let p = reserve("60", None).await;
    assert_eq!(p.status, 201, "{}", p.body);
    assert_eq!(p.json["state"], "pending");
    let ana = balance(&s.ana, &s.ana_acct).await;
    assert_eq!(
        (
            ana["balance"].as_str(),
            ana["pending_debits"].as_str(),
            ana["available"].as_str()
        ),
        (Some("0.00"), Some("60.00"), Some("40.00"))
    );
    assert_eq!(balance(&s.bo, &s.bo_acct).await["pending_credits"], "60.00");
    // The reservation counts against the floor.
    pay(&s.ana, &s.ana_acct, &s.bo_acct, json!("50"))
        .await
        .problem(422);
    // Post part of it: the rest is released.
    let id = p.json["id"].as_str().unwrap();
    let posted = s
        .ana
        .post(
            &format!("/api/v1/transfers/{id}/post"),
            &json!({"amount": "25"}),
        )
        .await;
    assert_eq!(posted.status, 200, "{}", posted.body);
    assert_eq!(
        (
            posted.json["state"].as_str(),
            posted.json["posted_amount"].as_str()
        ),
        (Some("posted"), Some("25.00"))
    );
    let ana = balance(&s.ana, &s.ana_acct).await;
    assert_eq!(
        (ana["balance"].as_str(), ana["pending_debits"].as_str()),
        (Some("-25.00"), Some("0.00"))
    );
    s.ana
        .post(&format!("/api/v1/transfers/{id}/post"), &json!({}))
        .await
        .problem(409);
    s.ana
        .post(&format!("/api/v1/transfers/{id}/void"), &json!({}))
        .await
        .problem(409);

    // Void: by the receiver too. Posting a voided transfer is refused.
    let q = reserve("10", None).await;
    let qid = q.json["id"].as_str().unwrap();
    let voided =
        s.bo.post(&format!("/api/v1/transfers/{qid}/void"), &json!({}))
            .await;
    assert_eq!(voided.json["state"], "voided", "{}", voided.body);
    let again = s
        .ana
        .post(&format!("/api/v1/transfers/{qid}/post"), &json!({}))
        .await;
    again.problem(409);
    assert!(again.body.contains("voided"), "{}", again.body);
    // Only the payer posts; more than reserved is refused; a posted-at-once transfer has no end.
    let r = reserve("5", None).await;
    let rid = r.json["id"].as_str().unwrap();
    s.bo.post(&format!("/api/v1/transfers/{rid}/post"), &json!({}))
        .await
        .problem(403);
    s.ana
        .post(
            &format!("/api/v1/transfers/{rid}/post"),
            &json!({"amount": "6"}),
        )
        .await
        .problem(422);
    let now = pay(&s.ana, &s.ana_acct, &s.bo_acct, json!("1")).await;
    s.ana
        .post(
            &format!(
                "/api/v1/transfers/{}/void",
                now.json["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await
        .problem(409);
    // Without a body, post takes all of it.
    let all = s
        .ana
        .send(s.ana.request(
            reqwest::Method::POST,
            &format!("/api/v1/transfers/{rid}/post"),
        ))
        .await;
    assert_eq!(all.json["posted_amount"], "5.00", "{}", all.body);

    // A timeout voids it by itself (a durable job), when its time comes.
    let t = reserve("7", Some(60)).await;
    assert_eq!(t.status, 201, "{}", t.body);
    let tid = t.json["id"].as_str().unwrap().to_string();
    server.clock.advance_seconds(61);
    let started = Instant::now();
    loop {
        let got = s.ana.get(&format!("/api/v1/transfers/{tid}")).await;
        if got.json["state"] == "expired" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "it expired: {}",
            got.body
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(balance(&s.ana, &s.ana_acct).await["pending_debits"], "0.00");
    let bad = s
        .ana
        .post(
            "/api/v1/transfers",
            &json!({"from": s.ana_acct, "to": s.bo_acct, "amount": "1", "timeout_s": 5}),
        )
        .await;
    assert_eq!(bad.error_fields(), ["timeout_s"]);
    let v = verify(&s.ana, &s.currency).await;
    assert_eq!(v["ok"], true, "{v}");
}

async fn linked_legs_apply_all_or_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let s = setup(&server).await;
    let fund = s
        .ana
        .post(
            &format!("/api/v1/currencies/{}/accounts", s.currency),
            &json!({"owner_kind": "pool", "name": "Garden fund", "floor": null}),
        )
        .await;
    assert_eq!(fund.status, 201, "{}", fund.body);
    let fund = fund.json["id"].as_str().unwrap().to_string();
    // The group's own accounts are spent by who manages its money.
    let legs = json!({"legs": [
        {"from": fund, "to": s.ana_acct, "amount": "30"},
        {"from": fund, "to": s.bo_acct, "amount": "600"},
    ]});
    let refused = s.ana.post("/api/v1/transfer-batches", &legs).await;
    refused.problem(422);
    assert_eq!(refused.error_fields(), ["legs[1].to"], "{}", refused.body);
    assert_eq!(
        balance(&s.ana, &s.ana_acct).await["balance"],
        "0.00",
        "the first leg did not apply"
    );
    assert_eq!(verify(&s.ana, &s.currency).await["transfers"], 0);
    let ok = s
        .ana
        .post(
            "/api/v1/transfer-batches",
            &json!({"legs": [
                {"from": fund, "to": s.ana_acct, "amount": "30"},
                {"from": fund, "to": s.bo_acct, "amount": "20", "memo": "compost"},
            ]}),
        )
        .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    let transfers = ok.json["transfers"].as_array().unwrap();
    assert_eq!(transfers.len(), 2);
    assert_eq!(transfers[0]["batch_id"], ok.json["id"]);
    assert_eq!(balance(&s.ana, &fund).await["balance"], "-50.00");
    // A member may not spend the group's money, nor open its accounts.
    s.bo.post(
        "/api/v1/transfer-batches",
        &json!({"legs": [{"from": fund, "to": s.bo_acct, "amount": "1"}]}),
    )
    .await
    .problem(403);
    s.bo.post(
        &format!("/api/v1/currencies/{}/accounts", s.currency),
        &json!({"owner_kind": "pool", "name": "mine"}),
    )
    .await
    .problem(403);
    s.ana
        .post("/api/v1/transfer-batches", &json!({"legs": []}))
        .await
        .problem(422);
    assert_eq!(verify(&s.ana, &s.currency).await["ok"], true);

    // Linked legs may move two currencies; each is written in its own currency's decimals.
    let seeds = s
        .ana
        .post(
            "/api/v1/groups/garden/currencies",
            &json!({"code": "SEEDS", "name": "Seeds", "kind": "tracked", "scale": 0,
                    "default_floor": null}),
        )
        .await;
    assert_eq!(seeds.status, 201, "{}", seeds.body);
    let seeds = seeds.json["id"].as_str().unwrap().to_string();
    let accounts = format!("/api/v1/currencies/{seeds}/accounts");
    let seed_fund = s
        .ana
        .post(
            &accounts,
            &json!({"owner_kind": "pool", "name": "Seed bank"}),
        )
        .await;
    let seed_fund = seed_fund.json["id"].as_str().unwrap().to_string();
    let bo_seeds = open(&s.bo, &seeds).await;
    let both = s
        .ana
        .post(
            "/api/v1/transfer-batches",
            &json!({"legs": [
                {"from": fund, "to": s.bo_acct, "amount": "1"},
                {"from": seed_fund, "to": bo_seeds, "amount": "3"},
            ]}),
        )
        .await;
    assert_eq!(both.status, 201, "{}", both.body);
    assert_eq!(both.json["transfers"][0]["amount"], "1.00");
    assert_eq!(both.json["transfers"][1]["amount"], "3");
}

/// A small deterministic generator, so a failure can be replayed.
fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

async fn many_payers_at_once_keep_every_invariant(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    group(&ana, "market").await;
    let currency = currency(&ana, "market", "CRED", "-20", "20").await;
    let mut people = Vec::new();
    for i in 0..16 {
        let p = server.account(&format!("p{i}")).await;
        p.post("/api/v1/groups/market/members", &json!({})).await;
        let acct = open(&p, &currency).await;
        people.push((p, acct));
    }
    let accounts: Vec<String> = people.iter().map(|(_, a)| a.clone()).collect();
    // 64 clients (four per person) pay each other at once.
    let tasks = (0..64u64).map(|i| {
        let (client, from) = people[(i % 16) as usize].clone();
        let accounts = accounts.clone();
        async move {
            let mut seed = 0x9E37_79B9_7F4A_7C15 ^ (i + 1);
            let (mut ok, mut refused) = (0, 0);
            for _ in 0..15 {
                let to = &accounts[(next(&mut seed) % 16) as usize];
                if *to == from {
                    continue;
                }
                let amount = format!("{}.{:02}", next(&mut seed) % 9, next(&mut seed) % 100);
                let r = pay(&client, &from, to, json!(amount)).await;
                match r.status {
                    201 => ok += 1,
                    422 => refused += 1,
                    other => panic!("{other}: {}", r.body),
                }
            }
            (ok, refused)
        }
    });
    let results = futures::future::join_all(tasks).await;
    let accepted: u64 = results.iter().map(|(ok, _)| ok).sum();
    let refused: u64 = results.iter().map(|(_, r)| r).sum();
    assert!(accepted > 100, "{accepted} accepted, {refused} refused");
    let v = verify(&ana, &currency).await;
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(
        v["transfers"], accepted,
        "every acknowledged transfer is in the book, once"
    );
    let mut sum = 0.0;
    for (p, acct) in &people {
        let b = balance(p, acct).await;
        let value: f64 = b["balance"].as_str().unwrap().parse().unwrap();
        assert!((-20.0..=20.0).contains(&value), "{b}");
        sum += value;
    }
    assert!(sum.abs() < 1e-9, "the balances sum to zero: {sum}");
}

async fn a_changed_row_breaks_the_chain(backend: Backend) {
    use sea_query::{Alias, Expr, ExprTrait, Query};
    let server = TestServer::start(backend).await;
    let s = setup(&server).await;
    for amount in ["1", "2", "3"] {
        assert_eq!(
            pay(&s.ana, &s.ana_acct, &s.bo_acct, json!(amount))
                .await
                .status,
            201
        );
    }
    let good = verify(&s.ana, &s.currency).await;
    assert_eq!(good["ok"], true);
    // Someone edits transfer #2 in the database behind Weft's back.
    server
        .kernel
        .db
        .execute(
            Query::update()
                .table(Alias::new("transfers"))
                .value(Alias::new("amount"), 20_000)
                .and_where(Expr::col(Alias::new("seq")).eq(2)),
        )
        .await
        .unwrap();
    let bad = verify(&s.ana, &s.currency).await;
    assert_eq!(bad["ok"], false);
    let problems = bad["problems"].as_array().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p["seq"] == 2 && p["detail"].as_str().unwrap().contains("hash")),
        "{bad}"
    );
    // The hash names #2 alone; the running balances after it no longer add up either.
    let hashes = problems
        .iter()
        .filter(|p| p["detail"].as_str().unwrap().contains("hash"))
        .count();
    assert_eq!(hashes, 1, "{bad}");
    assert!(problems.iter().all(|p| p["seq"] != 1), "{bad}");
    // The command line says so too, and fails.
    let out = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["--data-dir"])
        .arg(&server.config.data_dir)
        .args([
            "--database-url",
            &server.config.database_url(),
            "ledger",
            "verify",
        ])
        .env_remove("WEFT_DATABASE_URL")
        .env("WEFT_SECRET_KEY", testkit::TEST_SEAL_KEY)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("BROKEN HOURS") && text.contains("#2:"),
        "{text}"
    );
}

fn weft_at(backend_url: Option<&str>, dir: &std::path::Path, port: u16) -> std::process::Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_weft"));
    command
        .arg("--data-dir")
        .arg(dir)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("WEFT_ARGON2_MEMORY_KIB", "64")
        .env("WEFT_LOGIN_ATTEMPTS_PER_MINUTE", "0")
        .env("WEFT_SIGNUPS_PER_HOUR", "0")
        .env("WEFT_SECRET_KEY", testkit::TEST_SEAL_KEY)
        .env_remove("WEFT_DATABASE_URL")
        .stderr(Stdio::null());
    if let Some(url) = backend_url {
        command.args(["--database-url", url]);
    }
    command.spawn().unwrap()
}

async fn ready(client: &Client) {
    let started = Instant::now();
    while !reqwest::get(client.url("/readyz"))
        .await
        .is_ok_and(|r| r.status() == 200)
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server became ready"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_killed_server_keeps_every_acknowledged_transfer(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let scratch = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(testkit::ScratchDatabase::create().await),
    };
    let url = scratch.as_ref().map(|s| s.url.clone());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = weft_at(url.as_deref(), dir.path(), port);
    let base = Client::new(&format!("http://127.0.0.1:{port}"));
    ready(&base).await;
    let mut people = Vec::new();
    for i in 0..8 {
        let handle = format!("k{i}");
        let password = "tangerine-orbit-cello-47";
        base.post(
            "/api/v1/accounts",
            &json!({"handle": handle, "password": password}),
        )
        .await;
        let login = base
            .post(
                "/api/v1/sessions",
                &json!({"handle": handle, "password": password}),
            )
            .await;
        people.push(base.with_token(login.json["token"].as_str().unwrap()));
    }
    group(&people[0], "crash").await;
    for p in &people[1..] {
        p.post("/api/v1/groups/crash/members", &json!({})).await;
    }
    let currency = currency(&people[0], "crash", "KILL", "-1000000", "1000000").await;
    let mut accounts = Vec::new();
    for p in &people {
        accounts.push(open(p, &currency).await);
    }
    // Eight payers; each acknowledged transfer is written down. The server is killed under them.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let tasks: Vec<_> = (0..8usize)
        .map(|i| {
            let (client, from) = (people[i].clone(), accounts[i].clone());
            let to = accounts[(i + 1) % 8].clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut acknowledged = Vec::new();
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    n += 1;
                    let request = client
                        .request(reqwest::Method::POST, "/api/v1/transfers")
                        .bearer_auth(client.token().unwrap())
                        .header("idempotency-key", format!("{i}-{n}"))
                        .json(&json!({"from": from, "to": to, "amount": "1"}))
                        .timeout(Duration::from_secs(5));
                    match request.send().await {
                        Ok(r) if r.status() == 201 => {
                            let body: Value = r.json().await.unwrap_or(Value::Null);
                            if let Some(id) = body["id"].as_str() {
                                acknowledged.push(id.to_string());
                            }
                        }
                        _ => tokio::time::sleep(Duration::from_millis(20)).await,
                    }
                }
                acknowledged
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut acknowledged = Vec::new();
    for t in tasks {
        acknowledged.extend(t.await.unwrap());
    }
    assert!(
        acknowledged.len() > 20,
        "{} acknowledged before the kill",
        acknowledged.len()
    );

    let mut server = weft_at(url.as_deref(), dir.path(), port);
    ready(&base).await;
    for id in &acknowledged {
        let got = people[0].get(&format!("/api/v1/transfers/{id}")).await;
        assert_eq!(
            got.status, 200,
            "acknowledged transfer {id} survived: {}",
            got.body
        );
    }
    let v = verify(&people[0], &currency).await;
    assert_eq!(v["ok"], true, "{v}");
    assert!(v["transfers"].as_i64().unwrap() >= acknowledged.len() as i64);
    server.kill().unwrap();
    server.wait().unwrap();
    drop(scratch);
}

/// The direct notifications of a person's inbox, newest first: (reason, summary).
async fn told(client: &Client) -> Vec<(String, String)> {
    let inbox = client.get("/api/v1/notifications?limit=50").await;
    assert_eq!(inbox.status, 200, "{}", inbox.body);
    inbox.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "direct" && i["activity"]["object"]["type"] == "weft:Transfer")
        .map(|i| {
            (
                i["reason"].as_str().unwrap_or_default().to_string(),
                i["activity"]["summary"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

async fn payees_hear_of_payments_and_nobody_else_does(backend: Backend) {
    let server = TestServer::start(backend).await;
    let s = setup(&server).await;
    let cy = server.account("cy").await;
    cy.post("/api/v1/groups/garden/members", &json!({})).await;

    // A payment: bo hears of it, with the amount and the memo; ana, who paid, is not told.
    let paid = s
        .ana
        .post(
            "/api/v1/transfers",
            &json!({"from": s.ana_acct, "to": s.bo_acct, "amount": "12.5", "memo": "seedlings"}),
        )
        .await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    assert_eq!(
        told(&s.bo).await,
        vec![(
            "payment_received".to_string(),
            "ana paid you 12.50 HOURS: “seedlings”".to_string()
        )]
    );
    assert_eq!(told(&s.ana).await, vec![]);

    // A reservation for ana, then bo voids it: ana hears of both; bo of neither.
    let pending =
        s.bo.post(
            "/api/v1/transfers",
            &json!({"from": s.bo_acct, "to": s.ana_acct, "amount": "3", "pending": true}),
        )
        .await;
    assert_eq!(pending.status, 201, "{}", pending.body);
    let id = pending.json["id"].as_str().unwrap();
    let voided =
        s.bo.post(&format!("/api/v1/transfers/{id}/void"), &json!({}))
            .await;
    assert_eq!(voided.status, 200, "{}", voided.body);
    let reasons: Vec<String> = told(&s.ana).await.into_iter().map(|(r, _)| r).collect();
    assert_eq!(reasons, ["payment_voided", "payment_reserved"]);
    assert_eq!(told(&s.bo).await.len(), 1);

    // Payments are private to their two sides: cy, a member, sees none of them in the
    // group's activity, and the group's own accounts tell nobody.
    let feed = cy.get("/api/v1/groups/garden/activities?limit=100").await;
    assert_eq!(feed.status, 200, "{}", feed.body);
    assert!(!feed.body.contains("weft:Transfer"), "{}", feed.body);
    let bo_feed = s.bo.get("/api/v1/groups/garden/activities?limit=100").await;
    assert!(bo_feed.body.contains("weft:Transfer"), "{}", bo_feed.body);
    let pool = |name: &str| json!({"owner_kind": "pool", "name": name});
    let path = format!("/api/v1/currencies/{}/accounts", s.currency);
    let a = s.ana.post(&path, &pool("seeds")).await.json["id"].clone();
    let b = s.ana.post(&path, &pool("tools")).await.json["id"].clone();
    let transfers_seen = |body: &str| body.matches("weft:Transfer").count();
    let feed = |c: Client| async move {
        c.get("/api/v1/groups/garden/activities?limit=100")
            .await
            .body
    };
    let before = transfers_seen(&feed(s.ana.clone()).await);
    assert!(before > 0);
    let moved = s
        .ana
        .post(
            "/api/v1/transfers",
            &json!({"from": a, "to": b, "amount": "1"}),
        )
        .await;
    assert_eq!(moved.status, 201, "{}", moved.body);
    assert_eq!(transfers_seen(&feed(s.ana.clone()).await), before);
    assert_eq!(told(&s.ana).await.len(), 2);
    assert_eq!(told(&cy).await, vec![]);
}

/// A pool a tool holds: the API cannot pay from it, into it, post or void what touches it,
/// nor change its limits, even for the group's owner who manages its money (409); the tool's
/// own service moves it, and another tool cannot.
async fn tool_held_accounts_move_only_through_their_tool(backend: Backend) {
    let server = TestServer::start(backend).await;
    let s = setup(&server).await;
    let k = &server.kernel;
    let ana = kernel::people::service::authenticate(k, s.ana.token().unwrap())
        .await
        .unwrap();
    let currency: ledger::CurrencyId = s.currency.parse().unwrap();
    let pool = ledger::service::open_held_account(
        k,
        "budget",
        &ana,
        currency,
        ledger::OwnerKind::Pool,
        "Garden bucket",
    )
    .await
    .unwrap();
    assert_eq!(pool.held_by.as_deref(), Some("budget"));
    let pool_id = pool.id.to_string();
    assert_eq!(balance(&s.ana, &pool_id).await["held_by"], "budget");

    // Through the API: into it, out of it, in a batch, pending, limits — all 409.
    let into = pay(&s.ana, &s.ana_acct, &pool_id, json!("5")).await;
    assert_eq!(
        into.problem(409)["errors"][0]["field"],
        "to",
        "{}",
        into.body
    );
    pay(&s.ana, &pool_id, &s.bo_acct, json!("1"))
        .await
        .problem(409);
    s.ana
        .post(
            "/api/v1/transfer-batches",
            &json!({"legs": [{"from": s.ana_acct, "to": s.bo_acct, "amount": "1"},
                             {"from": s.ana_acct, "to": pool_id, "amount": "1"}]}),
        )
        .await
        .problem(409);
    s.ana
        .patch(
            &format!("/api/v1/ledger-accounts/{pool_id}"),
            &json!({"floor": "-1000"}),
        )
        .await
        .problem(409);

    // Through its tool: ana contributes, then the bucket pays bo, pending, and the tool posts.
    let ledger = ledger::Ledger::start(std::sync::Arc::clone(k));
    let contribute =
        serde_json::from_value(json!({"from": s.ana_acct, "to": pool_id, "amount": "20"})).unwrap();
    ledger::service::transfer_for_tool(&ledger, "budget", &ana, contribute, None)
        .await
        .unwrap();
    let payout = serde_json::from_value(
        json!({"from": pool_id, "to": s.bo_acct, "amount": "8", "pending": true}),
    )
    .unwrap();
    let (pending, _) = ledger::service::transfer_for_tool(&ledger, "budget", &ana, payout, None)
        .await
        .unwrap();
    // Neither side may end it through the API: not bo (the payee), not ana.
    for who in [&s.ana, &s.bo] {
        who.post(
            &format!("/api/v1/transfers/{}/void", pending.id),
            &json!({}),
        )
        .await
        .problem(409);
        who.post(
            &format!("/api/v1/transfers/{}/post", pending.id),
            &json!({}),
        )
        .await
        .problem(409);
    }
    // Another tool cannot touch it either.
    let other =
        serde_json::from_value(json!({"from": pool_id, "to": s.ana_acct, "amount": "1"})).unwrap();
    let refused = ledger::service::transfer_for_tool(&ledger, "tasks", &ana, other, None).await;
    assert!(
        matches!(refused, Err(kernel::Error::Conflict { .. })),
        "{refused:?}"
    );
    ledger::service::end_pending_for_tool(
        &ledger,
        "budget",
        &ana,
        pending.id,
        Some(Default::default()),
    )
    .await
    .unwrap();
    assert_eq!(balance(&s.ana, &pool_id).await["balance"], "12.00");
    assert_eq!(balance(&s.bo, &s.bo_acct).await["balance"], "8.00");

    // Its limits change only through it.
    let limits: ledger::LimitsUpdate = serde_json::from_value(json!({"floor": "-5"})).unwrap();
    let refused =
        ledger::service::update_limits_for_tool(k, "tasks", &ana, pool.id, limits.clone()).await;
    assert!(
        matches!(refused, Err(kernel::Error::Conflict { .. })),
        "{refused:?}"
    );
    let changed = ledger::service::update_limits_for_tool(k, "budget", &ana, pool.id, limits)
        .await
        .unwrap();
    assert_eq!(changed.floor.as_deref(), Some("-5.00"));

    // Linked legs through it: the bucket pays bo and ana at once, or neither.
    let both_legs = serde_json::from_value(json!({"legs": [
        {"from": pool_id, "to": s.bo_acct, "amount": "2"},
        {"from": pool_id, "to": s.ana_acct, "amount": "1"}]}))
    .unwrap();
    let (batch, _) = ledger::service::batch_for_tool(&ledger, "budget", &ana, both_legs, None)
        .await
        .unwrap();
    assert_eq!(batch.transfers.len(), 2);
    assert_eq!(balance(&s.ana, &pool_id).await["balance"], "9.00");
    assert_eq!(verify(&s.ana, &s.currency).await["ok"], true);
}

/// The escrow rule when the payee is known: a pending transfer from payer to payee that the
/// tool made is the tool's to post or void — neither the payer nor the payee ends it through
/// the API, so a task's reward is not taken back nor claimed before the tool's rule says so.
async fn a_pending_transfer_a_tool_made_ends_only_through_it(backend: Backend) {
    let server = TestServer::start(backend).await;
    let s = setup(&server).await;
    let k = &server.kernel;
    let ana = kernel::people::service::authenticate(k, s.ana.token().unwrap())
        .await
        .unwrap();
    let ledger = ledger::Ledger::start(std::sync::Arc::clone(k));
    let reward = serde_json::from_value(
        json!({"from": s.ana_acct, "to": s.bo_acct, "amount": "3", "pending": true}),
    )
    .unwrap();
    let (held, _) = ledger::service::transfer_for_tool(&ledger, "tasks", &ana, reward, None)
        .await
        .unwrap();
    assert_eq!(held.held_by.as_deref(), Some("tasks"));
    let seen = s.ana.get(&format!("/api/v1/transfers/{}", held.id)).await;
    assert_eq!(seen.json["held_by"], "tasks", "{}", seen.body);
    for who in [&s.ana, &s.bo] {
        for end in ["void", "post"] {
            let answer = who
                .post(&format!("/api/v1/transfers/{}/{end}", held.id), &json!({}))
                .await;
            assert_eq!(
                answer.problem(409)["errors"][0]["field"],
                "transfer",
                "{}",
                answer.body
            );
        }
    }
    let other = ledger::service::end_pending_for_tool(&ledger, "budget", &ana, held.id, None).await;
    assert!(
        matches!(other, Err(kernel::Error::Conflict { .. })),
        "{other:?}"
    );
    assert_eq!(balance(&s.ana, &s.ana_acct).await["pending_debits"], "3.00");
    let voided = ledger::service::end_pending_for_tool(&ledger, "tasks", &ana, held.id, None)
        .await
        .unwrap();
    assert_eq!(voided.state, ledger::TransferState::Voided);
    assert_eq!(balance(&s.ana, &s.ana_acct).await["pending_debits"], "0.00");

    // An ordinary pending transfer stays its payer's to post through the API.
    let plain = s
        .ana
        .post(
            "/api/v1/transfers",
            &json!({"from": s.ana_acct, "to": s.bo_acct, "amount": "1", "pending": true}),
        )
        .await;
    assert_eq!(plain.status, 201, "{}", plain.body);
    let plain = plain.json["id"].as_str().unwrap().to_string();
    let posted = s
        .ana
        .post(&format!("/api/v1/transfers/{plain}/post"), &json!({}))
        .await;
    assert_eq!(posted.status, 200, "{}", posted.body);
    assert_eq!(verify(&s.ana, &s.currency).await["ok"], true);
}
