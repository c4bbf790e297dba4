//! The budget tool through the real server: cobudget rounds drawing on a credit pool (caps,
//! allocations, stretch goals, the raised goal of Cobudget #1221, cancel and complete giving
//! money back, payouts against budget items), vote rounds counted by greedy and the Method of
//! Equal Shares under Decidim's rules, quadratic rounds matched from a budget (notional, and
//! with contributors' own money), phases moved by the clock and a recurring round, a killed
//! process's money steps finished once, custom roles and narrow tokens, bad input.

use std::sync::Arc;

use serde_json::{Value, json};
use testkit::{Backend, Client, TestServer, both};

use crate::garden::{Garden, heard};

both!(
    a_cobudget_round_funds_buckets_from_the_pool,
    a_vote_round_counts_ballots_by_its_rule,
    a_quadratic_round_matches_many_small_gifts,
    phases_move_by_the_clock_and_a_recurring_round_follows,
    money_steps_left_by_a_killed_process_finish_once,
    a_pool_pays_a_round_only_what_its_managers_allow,
    custom_roles_and_narrow_tokens_get_only_what_they_hold,
);

/// The garden using budget (and credit): ana owns it, bo, cy and di are members; a pool under
/// the admins rule holding 100 HOURS.
async fn garden(server: &TestServer) -> (Garden, String) {
    let g =
        crate::garden::garden(server, "budget", &["ana", "bo", "cy", "di"], "-100", "100").await;
    let pool = g.people[0]
        .post(
            "/api/v1/groups/garden/pools",
            &json!({"name": "Commons", "currency": g.currency, "rule": "admins"}),
        )
        .await;
    assert_eq!(pool.status, 201, "{}", pool.body);
    let pool = pool.json["id"].as_str().unwrap().to_string();
    let put = g.people[0]
        .post(
            &format!("/api/v1/pools/{pool}/deposits"),
            &json!({"amount": "100", "memo": "Grant"}),
        )
        .await;
    assert_eq!(put.status, 201, "{}", put.body);
    (g, pool)
}

async fn round(by: &Client, body: Value) -> Value {
    let made = by.post("/api/v1/groups/garden/rounds", &body).await;
    assert_eq!(made.status, 201, "{}", made.body);
    made.json
}

async fn bucket(by: &Client, round: &str, title: &str, items: Value) -> String {
    let made = by
        .post(
            &format!("/api/v1/rounds/{round}/buckets"),
            &json!({"title": title, "items": items}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    made.json["id"].as_str().unwrap().to_string()
}

async fn give(by: &Client, bucket: &str, amount: &str) -> testkit::Reply {
    by.post(
        &format!("/api/v1/buckets/{bucket}/contributions"),
        &json!({"amount": amount}),
    )
    .await
}

async fn get(by: &Client, path: &str) -> Value {
    let got = by.get(path).await;
    assert_eq!(got.status, 200, "{}", got.body);
    got.json
}

async fn pool_balance(by: &Client, pool: &str) -> String {
    get(by, &format!("/api/v1/pools/{pool}")).await["balance"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A POST with no body at all.
async fn act(who: &Client, path: &str) -> testkit::Reply {
    who.send(who.request(reqwest::Method::POST, path)).await
}

async fn a_cobudget_round_funds_buckets_from_the_pool(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (g, pool) = garden(&server).await;
    let [ana, bo, cy, di]: [Client; 4] = g.people.clone().try_into().ok().unwrap();
    let r = round(
        &ana,
        json!({"title": "Spring", "currency": "HOURS", "mechanism": "cobudget",
               "allocation": "20", "max_per_bucket": "15", "pool": pool, "budget": "30",
               "guidelines": ["Good for the garden"]}),
    )
    .await;
    let rid = r["id"].as_str().unwrap().to_string();
    assert_eq!(r["phase"], "funding");
    assert_eq!(r["mine"]["allocation"], "20.00");
    // A pool pays a cobudget round only up to a budget.
    ana.post(
        "/api/v1/groups/garden/rounds",
        &json!({"title": "Open-ended", "currency": "HOURS", "mechanism": "cobudget",
                "allocation": "20", "pool": pool}),
    )
    .await
    .problem(422);
    assert_eq!(r["mine"]["left"], "20.00");
    // Only who runs rounds opens one.
    bo.post(
        "/api/v1/groups/garden/rounds",
        &json!({"title": "Mine", "currency": "HOURS", "mechanism": "cobudget", "allocation": "5"}),
    )
    .await
    .problem(403);

    let shed = bucket(
        &bo,
        &rid,
        "Tool shed",
        json!([{"name": "Wood", "min": "8", "max": "12"}, {"name": "Paint", "min": "2", "max": "3"}]),
    )
    .await;
    let b = get(&bo, &format!("/api/v1/buckets/{shed}")).await;
    assert_eq!(
        (b["goal"].as_str(), b["stretch"].as_str()),
        (Some("10.00"), Some("15.00"))
    );
    assert_eq!(b["state"], "open");
    assert_eq!(
        b["review"], "approved",
        "a round without review approves at once"
    );
    let pond = bucket(&cy, &rid, "Pond", json!([{"name": "Liner", "min": "30"}])).await;

    // Below the goal, nothing moves.
    let first = give(&cy, &shed, "6").await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.json["left"], "14.00");
    assert_eq!(first.json["state"], "open");
    assert_eq!(pool_balance(&ana, &pool).await, "100.00");
    // Reaching it funds the bucket: the pool pays what it was given, into the bucket's account.
    let key = "shed-di-1";
    let second = di
        .send(
            di.request(
                reqwest::Method::POST,
                &format!("/api/v1/buckets/{shed}/contributions"),
            )
            .header("idempotency-key", key)
            .json(&json!({"amount": "4"})),
        )
        .await;
    assert_eq!(second.status, 201, "{}", second.body);
    assert_eq!(second.json["state"], "funded");
    assert_eq!(pool_balance(&ana, &pool).await, "90.00");
    let again = di
        .send(
            di.request(
                reqwest::Method::POST,
                &format!("/api/v1/buckets/{shed}/contributions"),
            )
            .header("idempotency-key", key)
            .json(&json!({"amount": "4"})),
        )
        .await;
    assert_eq!(again.status, 201);
    assert_eq!(
        again.json["id"], second.json["id"],
        "a retry is the same contribution"
    );
    assert_eq!(
        pool_balance(&ana, &pool).await,
        "90.00",
        "and pays nothing twice"
    );
    assert!(heard(&bo, "bucket_funded").await, "its creator hears");
    let b = get(&bo, &format!("/api/v1/buckets/{shed}")).await;
    assert_eq!(b["received"], "10.00");
    assert_eq!(b["progress"], 100);
    let account = b["account"].as_str().unwrap().to_string();
    let held = get(&ana, &format!("/api/v1/ledger-accounts/{account}")).await;
    assert_eq!(held["balance"], "10.00");
    assert_eq!(held["held_by"], "budget");

    // Caps: per person per bucket, the allocation, the stretch goal; bad amounts.
    give(&cy, &shed, "10").await.problem(422); // cy gave 6; 16 > 15
    give(&cy, &pond, "15").await.problem(422); // 6 + 15 > 20
    for bad in ["-1", "0", "abc", "0.001"] {
        give(&bo, &pond, bad).await.problem(422);
    }
    let over = give(&bo, &shed, "6").await; // 10 + 6 > 15
    let over = over.problem(422);
    assert!(over.to_string().contains("only 5.00 more"), "{over}");
    // The stretch, paid as it comes.
    let stretch = give(&bo, &shed, "5").await;
    assert_eq!(stretch.status, 201, "{}", stretch.body);
    assert_eq!(pool_balance(&ana, &pool).await, "85.00");

    // Cobudget #1221: raising the goal puts a funded bucket back to funding.
    let raised = bo
        .patch(
            &format!("/api/v1/buckets/{shed}"),
            &json!({"items": [{"name": "Wood", "min": "14", "max": "16"}, {"name": "Paint", "min": "2", "max": "3"}]}),
        )
        .await;
    assert_eq!(raised.status, 200, "{}", raised.body);
    assert_eq!(raised.json["state"], "open");
    assert_eq!(raised.json["goal"], "16.00");
    let refunded = give(&ana, &shed, "1").await;
    assert_eq!(refunded.json["state"], "funded", "{}", refunded.body);
    assert_eq!(
        pool_balance(&ana, &pool).await,
        "84.00",
        "the pool pays only the new part"
    );
    // And a goal lowered to what an open bucket was given funds it, paid at once.
    let pot = bucket(&di, &rid, "Pots", json!([{"name": "Pots", "min": "8"}])).await;
    assert_eq!(give(&di, &pot, "5").await.json["state"], "open");
    let lowered = di
        .patch(
            &format!("/api/v1/buckets/{pot}"),
            &json!({"items": [{"name": "Pots", "min": "5"}]}),
        )
        .await;
    assert_eq!(lowered.json["state"], "funded", "{}", lowered.body);
    assert_eq!(lowered.json["received"], "5.00");
    assert_eq!(pool_balance(&ana, &pool).await, "79.00");

    // Cancelling the pond gives the allocations back; it held no money.
    give(&cy, &pond, "10").await;
    assert_eq!(
        get(&cy, &format!("/api/v1/rounds/{rid}")).await["mine"]["left"],
        "4.00"
    );
    di.post(&format!("/api/v1/buckets/{pond}/cancel"), &json!({}))
        .await
        .problem(403);
    let cancelled = act(&cy, &format!("/api/v1/buckets/{pond}/cancel")).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(cancelled.json["state"], "cancelled");
    assert_eq!(
        get(&cy, &format!("/api/v1/rounds/{rid}")).await["mine"]["left"],
        "14.00"
    );
    give(&cy, &pond, "1").await.problem(409);

    // After funding: payouts to its creators against its items, then done.
    let pay = || {
        bo.send(
            bo.request(
                reqwest::Method::POST,
                &format!("/api/v1/buckets/{shed}/payouts"),
            )
            .header("idempotency-key", "planks-1")
            .json(&json!({"amount": "9", "item": "Wood", "memo": "Planks"})),
        )
    };
    let paid = pay().await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    assert_eq!(crate::garden::balance(&bo, &g.currency).await, "9.00");
    // A retry answers the same payout and pays nothing twice.
    let again = pay().await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.json["id"], paid.json["id"]);
    assert_eq!(crate::garden::balance(&bo, &g.currency).await, "9.00");
    bo.post(
        &format!("/api/v1/buckets/{shed}/payouts"),
        &json!({"amount": "100"}),
    )
    .await
    .problem(422);
    bo.post(
        &format!("/api/v1/buckets/{shed}/payouts"),
        &json!({"amount": "1", "to": "cy"}),
    )
    .await
    .problem(422);
    bo.post(
        &format!("/api/v1/buckets/{shed}/payouts"),
        &json!({"amount": "1", "item": "Glass"}),
    )
    .await
    .problem(422);
    // What was paid out is spent: the bucket is done, not cancelled (which would hand the
    // allocations back for the pool to pay again).
    act(&bo, &format!("/api/v1/buckets/{shed}/cancel"))
        .await
        .problem(409);
    let b = get(&ana, &format!("/api/v1/buckets/{shed}")).await;
    assert_eq!(b["items"][0]["spent"], "9.00");
    assert_eq!(b["paid_out"], "9.00");
    let done = act(&bo, &format!("/api/v1/buckets/{shed}/complete")).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.json["state"], "completed");
    assert_eq!(done.json["returned"], "7.00");
    assert_eq!(
        pool_balance(&ana, &pool).await,
        "86.00",
        "what was not spent came back"
    );
    let statement = get(&ana, &format!("/api/v1/ledger-accounts/{account}")).await;
    assert_eq!(statement["balance"], "0.00");

    // Closing: results freeze; contributing after is refused.
    let closed = act(&ana, &format!("/api/v1/rounds/{rid}/close")).await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    assert_eq!(closed.json["phase"], "closed");
    act(&ana, &format!("/api/v1/rounds/{rid}/close"))
        .await
        .problem(409);
    let results = get(&di, &format!("/api/v1/rounds/{rid}/results")).await;
    assert_eq!(results["final"], true);
    let funded: Vec<&str> = results["funded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["title"].as_str().unwrap())
        .collect();
    assert_eq!(funded, ["Tool shed", "Pots"]);
    give(&bo, &shed, "1").await.problem(409);
    // The ledger's chain still verifies.
    let verified = get(&ana, &format!("/api/v1/currencies/{}/verify", g.currency)).await;
    assert_eq!(verified["ok"], true, "{verified}");

    // A stranger sees nothing of a round of a public group but reads it; cannot give.
    let zed = server.account("zed").await;
    assert_eq!(zed.get(&format!("/api/v1/rounds/{rid}")).await.status, 200);
    give(&zed, &pond, "1").await.problem(403);
}

async fn a_vote_round_counts_ballots_by_its_rule(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (g, pool) = garden(&server).await;
    let [ana, bo, cy, di]: [Client; 4] = g.people.clone().try_into().ok().unwrap();
    // Budget 60; costs 50, 30, 20, 10. Threshold 50%: a ballot costs 30 to 60.
    let r = round(
        &ana,
        json!({"title": "Vote", "currency": "HOURS", "mechanism": "vote", "budget": "60",
               "threshold_pct": 50, "vote_rule": "greedy", "pool": pool}),
    )
    .await;
    let rid = r["id"].as_str().unwrap().to_string();
    assert!(
        r["rule_text"].as_str().unwrap().contains("at least 50%"),
        "{}",
        r["rule_text"]
    );
    let mut ids = Vec::new();
    for (title, cost) in [
        ("Big", "50"),
        ("Mid", "30"),
        ("Small", "20"),
        ("Tiny", "10"),
    ] {
        ids.push(bucket(&ana, &rid, title, json!([{"name": "All", "min": cost}])).await);
    }
    let cast = |who: Client, picks: Vec<usize>| {
        let ids = ids.clone();
        let rid = rid.clone();
        async move {
            let chosen: Vec<&String> = picks.iter().map(|&i| &ids[i]).collect();
            who.post(
                &format!("/api/v1/rounds/{rid}/ballots"),
                &json!({"buckets": chosen}),
            )
            .await
        }
    };
    // Breaking the rule: below the threshold, over the budget, unknown or twice.
    let low = cast(bo.clone(), vec![3]).await;
    let low = low.problem(422);
    assert!(low.to_string().contains("at least 30.00"), "{low}");
    cast(bo.clone(), vec![0, 1]).await.problem(422);
    bo.post(
        &format!("/api/v1/rounds/{rid}/ballots"),
        &json!({"buckets": [ids[0], ids[0]]}),
    )
    .await
    .problem(422);
    bo.post(
        &format!("/api/v1/rounds/{rid}/ballots"),
        &json!({"buckets": [uuid::Uuid::now_v7()]}),
    )
    .await
    .problem(422);
    // Big+Tiny (60) ×2, Mid+Small (50) ×1, Mid+Tiny ×1 (cast twice: the last counts).
    assert_eq!(cast(bo.clone(), vec![0, 3]).await.status, 201);
    assert_eq!(cast(cy.clone(), vec![0, 3]).await.status, 201);
    assert_eq!(cast(di.clone(), vec![1, 2]).await.status, 201);
    assert_eq!(cast(ana.clone(), vec![1, 2]).await.status, 201);
    assert_eq!(cast(ana.clone(), vec![1, 3]).await.status, 201);
    // Votes stay hidden from members until the close; managers see them.
    assert!(get(&bo, &format!("/api/v1/buckets/{}", ids[0])).await["votes"].is_null());
    assert_eq!(
        get(&ana, &format!("/api/v1/buckets/{}", ids[0])).await["votes"],
        2
    );
    // Ballots chose the buckets at their cost: it no longer changes.
    ana.patch(
        &format!("/api/v1/buckets/{}", ids[3]),
        &json!({"items": [{"name": "All", "min": "60"}]}),
    )
    .await
    .problem(422);
    // Contributions are not how a vote round is funded.
    give(&bo, &ids[0], "1").await.problem(409);
    let closed = act(&ana, &format!("/api/v1/rounds/{rid}/close")).await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    // Votes: Big 2, Mid 2, Small 1, Tiny 3. Greedy by votes: Tiny (10), Big (50) = 60.
    let results = get(&bo, &format!("/api/v1/rounds/{rid}/results")).await;
    let funded: Vec<&str> = results["funded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["title"].as_str().unwrap())
        .collect();
    assert_eq!(funded, ["Tiny", "Big"], "{results}");
    assert_eq!(results["spent"], "60.00");
    assert_eq!(results["ballots"], 4);
    // Winners are paid from the pool.
    assert_eq!(pool_balance(&ana, &pool).await, "40.00");
    let big = get(&bo, &format!("/api/v1/buckets/{}", ids[0])).await;
    assert_eq!(big["state"], "funded");
    assert_eq!(big["received"], "50.00");
    cast(bo.clone(), vec![0, 3]).await.problem(409);

    // The Method of Equal Shares, on a notional round: the minority gets its share.
    // Budget 100 over 4 voters (25 each); three want A and B (50 each), one wants C (25).
    let mes = round(
        &ana,
        json!({"title": "Shares", "currency": "HOURS", "mechanism": "vote", "budget": "100",
               "vote_rule": "equal_shares", "min_selected": 1, "max_selected": 3}),
    )
    .await;
    let mid = mes["id"].as_str().unwrap().to_string();
    let mut opts = Vec::new();
    for (title, cost) in [("A", "50"), ("B", "50"), ("C", "25")] {
        opts.push(bucket(&ana, &mid, title, json!([{"name": "All", "min": cost}])).await);
    }
    for who in [&ana, &bo, &cy] {
        let c = who
            .post(
                &format!("/api/v1/rounds/{mid}/ballots"),
                &json!({"buckets": [opts[0], opts[1]]}),
            )
            .await;
        assert_eq!(c.status, 201, "{}", c.body);
    }
    di.post(
        &format!("/api/v1/rounds/{mid}/ballots"),
        &json!({"buckets": [opts[0], opts[1], opts[2], opts[2]]}),
    )
    .await
    .problem(422);
    let c = di
        .post(
            &format!("/api/v1/rounds/{mid}/ballots"),
            &json!({"buckets": [opts[2]]}),
        )
        .await;
    assert_eq!(c.status, 201, "{}", c.body);
    // As things stand, before the close: for who runs the round, not for voters.
    let live = get(&ana, &format!("/api/v1/rounds/{mid}/results")).await;
    assert_eq!(live["final"], false);
    bo.get(&format!("/api/v1/rounds/{mid}/results"))
        .await
        .problem(409);
    act(&ana, &format!("/api/v1/rounds/{mid}/close")).await;
    let results = get(&bo, &format!("/api/v1/rounds/{mid}/results")).await;
    let mut funded: Vec<&str> = results["funded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["title"].as_str().unwrap())
        .collect();
    funded.sort_unstable();
    assert_eq!(funded, ["A", "C"], "{results}");
    assert_eq!(results["final"], true);
    assert_eq!(
        pool_balance(&ana, &pool).await,
        "40.00",
        "a notional round moves nothing"
    );
}

async fn a_quadratic_round_matches_many_small_gifts(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (g, pool) = garden(&server).await;
    let [ana, bo, cy, di]: [Client; 4] = g.people.clone().try_into().ok().unwrap();
    // Notional: 4 people give 1 each to Many; 1 gives 4 to One. Ideal: 12 and 0.
    let r = round(
        &ana,
        json!({"title": "QF", "currency": "HOURS", "mechanism": "quadratic", "budget": "10"}),
    )
    .await;
    let rid = r["id"].as_str().unwrap().to_string();
    let many = bucket(&bo, &rid, "Many", json!([{"name": "All", "min": "50"}])).await;
    let one = bucket(&bo, &rid, "One", json!([{"name": "All", "min": "50"}])).await;
    for who in [&ana, &bo, &cy, &di] {
        assert_eq!(give(who, &many, "1").await.status, 201);
    }
    assert_eq!(give(&ana, &one, "4").await.status, 201);
    // Live: 12 asked, 10 in the budget: Many takes it all.
    let live = get(&bo, &format!("/api/v1/rounds/{rid}/results")).await;
    let by_title = |results: &Value, title: &str| -> Value {
        results["funded"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["title"] == title)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(by_title(&live, "Many")["matched"], "10.00", "{live}");
    assert_eq!(by_title(&live, "One")["matched"], "0.00", "{live}");
    assert_eq!(
        get(&bo, &format!("/api/v1/buckets/{many}")).await["matched"],
        "10.00"
    );
    // A notional quadratic round moves no one's money.
    assert_eq!(crate::garden::balance(&ana, &g.currency).await, "0.00");

    // With the pool: contributors give their own money; the match comes from the pool.
    let r = round(
        &ana,
        json!({"title": "QF pool", "currency": "HOURS", "mechanism": "quadratic", "budget": "20",
               "pool": pool, "pairwise": true, "max_per_bucket": "5"}),
    )
    .await;
    let rid = r["id"].as_str().unwrap().to_string();
    assert_eq!(r["pairwise_m"], 25);
    let well = bucket(&cy, &rid, "Well", json!([{"name": "Pump", "min": "40"}])).await;
    let fence = bucket(&cy, &rid, "Fence", json!([{"name": "Posts", "min": "40"}])).await;
    assert_eq!(give(&bo, &well, "4").await.status, 201);
    assert_eq!(give(&di, &well, "4").await.status, 201);
    assert_eq!(give(&di, &fence, "1").await.status, 201);
    give(&di, &fence, "5").await.problem(422); // the cap: 1 + 5 > 5
    assert_eq!(crate::garden::balance(&bo, &g.currency).await, "-4.00");
    assert_eq!(crate::garden::balance(&di, &g.currency).await, "-5.00");
    // More than the account allows: refused, nothing kept.
    let broke = server.account("eve").await;
    let joined = broke
        .post("/api/v1/groups/garden/members", &json!({}))
        .await;
    assert!(joined.status < 300);
    give(&broke, &fence, "1").await.problem(422);
    // Cancelling the fence gives di's money back.
    let cancelled = act(&cy, &format!("/api/v1/buckets/{fence}/cancel")).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(crate::garden::balance(&di, &g.currency).await, "-4.00");
    // A bucket rejected after people gave is left out at the close: its gifts go back.
    let kiln = bucket(&cy, &rid, "Kiln", json!([{"name": "Bricks", "min": "40"}])).await;
    assert_eq!(give(&bo, &kiln, "2").await.status, 201);
    assert_eq!(crate::garden::balance(&bo, &g.currency).await, "-6.00");
    let rejected = ana
        .post(
            &format!("/api/v1/buckets/{kiln}/review"),
            &json!({"state": "rejected", "note": "Not this spring"}),
        )
        .await;
    assert_eq!(rejected.status, 200, "{}", rejected.body);
    // bo and di co-fund only the well: the pair's match is bounded, 2·4·25/(25+4) = 6.90.
    let closed = act(&ana, &format!("/api/v1/rounds/{rid}/close")).await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    let results = get(&bo, &format!("/api/v1/rounds/{rid}/results")).await;
    assert_eq!(by_title(&results, "Well")["matched"], "6.89", "{results}");
    assert_eq!(by_title(&results, "Well")["amount"], "14.89");
    let w = get(&bo, &format!("/api/v1/buckets/{well}")).await;
    assert_eq!(w["state"], "funded");
    assert_eq!(w["received"], "14.89", "8 given and 6.89 matched");
    assert_eq!(pool_balance(&ana, &pool).await, "93.11");
    assert_eq!(
        crate::garden::balance(&bo, &g.currency).await,
        "-4.00",
        "the kiln's 2 came back at the close"
    );
    let k = get(&bo, &format!("/api/v1/buckets/{kiln}")).await;
    assert_eq!(k["returned"], "2.00");
    assert_eq!(k["contributed"], "0.00");
}

async fn phases_move_by_the_clock_and_a_recurring_round_follows(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (g, _pool) = garden(&server).await;
    let [ana, bo, cy, _di]: [Client; 4] = g.people.clone().try_into().ok().unwrap();
    let now = kernel::Timestamp(kernel::Clock::now(&server.clock).0);
    let day = 86_400;
    let r = round(
        &ana,
        json!({"title": "Monthly", "currency": "HOURS", "mechanism": "cobudget",
               "allocation": "10", "recurring": "monthly",
               "phases": {"proposals_until": now.plus_seconds(day).to_rfc3339(),
                          "review_until": now.plus_seconds(2 * day).to_rfc3339(),
                          "funding_until": now.plus_seconds(5 * day).to_rfc3339()}}),
    )
    .await;
    let rid = r["id"].as_str().unwrap().to_string();
    assert_eq!(r["phase"], "proposals");
    let good = bucket(&bo, &rid, "Benches", json!([{"name": "Wood", "min": "5"}])).await;
    let bad = bucket(
        &cy,
        &rid,
        "Golf course",
        json!([{"name": "Grass", "min": "5"}]),
    )
    .await;
    let b = get(&bo, &format!("/api/v1/buckets/{good}")).await;
    assert_eq!(b["review"], "pending");
    give(&bo, &good, "1").await.problem(409);
    // Bad dates and a recurring round without an end.
    ana.post(
        "/api/v1/groups/garden/rounds",
        &json!({"title": "x", "currency": "HOURS", "mechanism": "cobudget", "allocation": "1",
                "phases": {"proposals_until": now.plus_seconds(2 * day).to_rfc3339(),
                           "review_until": now.plus_seconds(day).to_rfc3339()}}),
    )
    .await
    .problem(422);
    ana.post(
        "/api/v1/groups/garden/rounds",
        &json!({"title": "x", "currency": "HOURS", "mechanism": "cobudget", "allocation": "1",
                "recurring": "monthly"}),
    )
    .await
    .problem(422);

    let phase_is = |phase: &'static str| {
        let ana = ana.clone();
        let rid = rid.clone();
        async move {
            for _ in 0..100 {
                if get(&ana, &format!("/api/v1/rounds/{rid}")).await["phase"] == phase {
                    return true;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            false
        }
    };
    server.clock.advance_seconds(day + 60);
    assert!(phase_is("review").await, "proposals close by the clock");
    bucket_refused(&bo, &rid).await;
    for (id, state) in [(&good, "approved"), (&bad, "rejected")] {
        let reviewed = ana
            .post(
                &format!("/api/v1/buckets/{id}/review"),
                &json!({"state": state, "note": "Checked against the guidelines"}),
            )
            .await;
        assert_eq!(reviewed.status, 200, "{}", reviewed.body);
    }
    bo.post(
        &format!("/api/v1/buckets/{good}/review"),
        &json!({"state": "approved"}),
    )
    .await
    .problem(403);
    // New items are reviewed again.
    let edited = bo
        .patch(
            &format!("/api/v1/buckets/{good}"),
            &json!({"items": [{"name": "Oak", "min": "5"}]}),
        )
        .await;
    assert_eq!(edited.json["review"], "pending", "{}", edited.body);
    let again = ana
        .post(
            &format!("/api/v1/buckets/{good}/review"),
            &json!({"state": "approved"}),
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert!(heard(&cy, "bucket_reviewed").await);
    server.clock.advance_seconds(day);
    assert!(phase_is("funding").await);
    give(&cy, &bad, "1").await.problem(409);
    let funded = give(&bo, &good, "5").await;
    assert_eq!(funded.json["state"], "funded", "{}", funded.body);
    server.clock.advance_seconds(3 * day);
    assert!(phase_is("closed").await, "funding closes by the clock");
    let closed = get(&ana, &format!("/api/v1/rounds/{rid}")).await;
    let next = closed["next"]
        .as_str()
        .expect("a recurring round opens the next");
    let next = get(&bo, &format!("/api/v1/rounds/{next}")).await;
    assert_eq!(next["title"], "Monthly");
    assert_eq!(next["previous"], rid.as_str());
    assert_eq!(next["mine"]["left"], "10.00", "fresh allocations");
    assert_eq!(next["buckets"], 0);
    let at = |v: &Value| -> kernel::Timestamp { serde_json::from_value(v.clone()).unwrap() };
    let first_end = at(&r["phases"]["funding_until"]);
    let next_end = at(&next["phases"]["funding_until"]);
    let gap = (next_end.0 - first_end.0) / 1_000_000;
    assert!((28 * day..=31 * day).contains(&gap), "a month later: {gap}");
    let rounds = get(&bo, "/api/v1/groups/garden/rounds").await;
    assert_eq!(rounds["items"].as_array().unwrap().len(), 2);
}

async fn bucket_refused(by: &Client, round: &str) {
    by.post(
        &format!("/api/v1/rounds/{round}/buckets"),
        &json!({"title": "Late", "items": [{"name": "x", "min": "1"}]}),
    )
    .await
    .problem(409);
}

async fn money_steps_left_by_a_killed_process_finish_once(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (g, pool) = garden(&server).await;
    let [ana, bo, _cy, _di]: [Client; 4] = g.people.clone().try_into().ok().unwrap();
    let r = round(
        &ana,
        json!({"title": "Crash", "currency": "HOURS", "mechanism": "cobudget",
               "allocation": "20", "pool": pool, "budget": "50"}),
    )
    .await;
    let rid = r["id"].as_str().unwrap().to_string();
    let shed = bucket(&bo, &rid, "Shed", json!([{"name": "Wood", "min": "10"}])).await;
    assert_eq!(give(&bo, &shed, "10").await.json["state"], "funded");
    assert_eq!(pool_balance(&ana, &pool).await, "90.00");
    // As if the process stopped after the ledger paid and before the step was marked done.
    let sql = |table: &str| sea_query::Alias::new(table.to_string());
    {
        use sea_query::ExprTrait;
        let mut tx = server.kernel.db.begin().await.unwrap();
        tx.execute(
            sea_query::Query::update()
                .table(sql("budget_moves"))
                .value(sql("state"), "pending")
                .and_where(sea_query::Expr::col(sql("kind")).eq("draw")),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    // While a step waits, what the bucket holds is not known: it is neither cancelled nor done.
    act(&bo, &format!("/api/v1/buckets/{shed}/cancel"))
        .await
        .problem(409);
    let money = budget::Money {
        ledger: ::ledger::Ledger::start(server.kernel.clone()),
        pools: Some(Arc::new(credit::port::CreditPools)),
    };
    budget::finish_moves(&money).await.unwrap();
    budget::finish_moves(&money).await.unwrap();
    assert_eq!(pool_balance(&ana, &pool).await, "90.00", "paid once");
    let b = get(&bo, &format!("/api/v1/buckets/{shed}")).await;
    assert_eq!(b["received"], "10.00", "the bucket knows what it got");
    let cancelled = act(&bo, &format!("/api/v1/buckets/{shed}/cancel")).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(
        pool_balance(&ana, &pool).await,
        "100.00",
        "and gives it back once"
    );
}

async fn custom_roles_and_narrow_tokens_get_only_what_they_hold(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (g, pool) = garden(&server).await;
    let [ana, bo, cy, di]: [Client; 4] = g.people.clone().try_into().ok().unwrap();
    // A treasurer runs rounds; a watcher reads and takes no part; funders are a role.
    for (name, permissions) in [
        (
            "treasurer",
            json!(["post", "tool:budget:manage", "manage_money"]),
        ),
        ("watcher", json!([])),
        ("funder", json!(["post"])),
    ] {
        let made = ana
            .post(
                "/api/v1/groups/garden/roles",
                &json!({"name": name, "permissions": permissions}),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
    }
    for (who, role) in [("cy", "treasurer"), ("bo", "watcher"), ("di", "funder")] {
        let changed = ana
            .patch(
                &format!("/api/v1/groups/garden/members/{who}"),
                &json!({"role": role}),
            )
            .await;
        assert_eq!(changed.status, 200, "{}", changed.body);
    }
    let made = cy
        .post(
            "/api/v1/groups/garden/rounds",
            &json!({"title": "Role round", "currency": "HOURS", "mechanism": "cobudget",
                    "allocation": "10", "funders": "funder", "pool": pool, "budget": "20"}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let rid = made.json["id"].as_str().unwrap().to_string();
    assert_eq!(made.json["mine"]["may_manage"], true);
    // An unknown role for funders is refused.
    cy.post(
        "/api/v1/groups/garden/rounds",
        &json!({"title": "x", "currency": "HOURS", "mechanism": "cobudget", "allocation": "1",
                "funders": "nobody"}),
    )
    .await
    .problem(422);
    let b = bucket(&ana, &rid, "Seeds", json!([{"name": "Seeds", "min": "30"}])).await;
    // The watcher reads, proposes nothing, gives nothing.
    assert_eq!(
        bo.get(&format!("/api/v1/rounds/{rid}/buckets"))
            .await
            .status,
        200
    );
    bo.post(
        &format!("/api/v1/rounds/{rid}/buckets"),
        &json!({"title": "x", "items": [{"name": "x", "min": "1"}]}),
    )
    .await
    .problem(403);
    give(&bo, &b, "1").await.problem(403);
    // The owner is not a funder here, but runs the tool: a manager may.
    assert_eq!(give(&ana, &b, "1").await.status, 201);
    assert_eq!(give(&di, &b, "1").await.status, 201);
    let ret = get(&di, &format!("/api/v1/rounds/{rid}")).await;
    assert_eq!(ret["mine"]["may_fund"], true);
    assert_eq!(ret["mine"]["may_manage"], false);
    // Tokens: budget:read reads and gives nothing; budget:write gives; a token limited to
    // another group takes no part here.
    let other = ana
        .post(
            "/api/v1/groups",
            &json!({"handle": "elsewhere", "name": "Elsewhere", "visibility": "public", "join_policy": "open"}),
        )
        .await;
    assert_eq!(other.status, 201, "{}", other.body);
    let token = |who: Client, scopes: Value, group: Option<&'static str>| {
        let client = server.client();
        async move {
            let mut body = json!({"name": "t", "scopes": scopes});
            if let Some(group) = group {
                body["group"] = json!(group);
            }
            let made = who.post("/api/v1/tokens", &body).await;
            assert_eq!(made.status, 201, "{}", made.body);
            client.with_token(made.json["token"].as_str().unwrap())
        }
    };
    let reader = token(di.clone(), json!(["budget:read"]), None).await;
    assert_eq!(
        reader.get(&format!("/api/v1/buckets/{b}")).await.status,
        200
    );
    give(&reader, &b, "1").await.problem(403);
    let writer = token(di.clone(), json!(["budget:write"]), None).await;
    assert_eq!(give(&writer, &b, "1").await.status, 201);
    // budget:write is not ledger:write: it cannot open a round on the pool (money).
    let cy_writer = token(cy.clone(), json!(["budget:write"]), None).await;
    let on_pool = cy_writer
        .post(
            "/api/v1/groups/garden/rounds",
            &json!({"title": "x", "currency": "HOURS", "mechanism": "cobudget", "allocation": "1",
                    "pool": pool}),
        )
        .await;
    assert!(matches!(on_pool.status, 403 | 422), "{}", on_pool.body);
    let elsewhere = token(ana.clone(), json!(["budget:write"]), Some("elsewhere")).await;
    // It reads a public group's round as anyone does, and takes no part in it.
    assert!(matches!(give(&elsewhere, &b, "1").await.status, 403 | 404));
    let made = elsewhere
        .post(
            &format!("/api/v1/rounds/{rid}/buckets"),
            &json!({"title": "x", "items": [{"name": "x", "min": "1"}]}),
        )
        .await;
    assert!(matches!(made.status, 403 | 404), "{}", made.body);
    // Nothing moved for the refused ones.
    let seen = get(&ana, &format!("/api/v1/buckets/{b}")).await;
    assert_eq!(seen["contributed"], "3.00");
}

async fn a_pool_pays_a_round_only_what_its_managers_allow(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (g, pool) = garden(&server).await;
    let [ana, bo, cy, di]: [Client; 4] = g.people.clone().try_into().ok().unwrap();
    // cy manages money (an admin) and ties the round to the pool, for at most 10.
    let promoted = ana
        .patch(
            "/api/v1/groups/garden/members/cy",
            &json!({"role": "admin"}),
        )
        .await;
    assert_eq!(promoted.status, 200, "{}", promoted.body);
    let r = round(
        &cy,
        json!({"title": "Capped", "currency": "HOURS", "mechanism": "cobudget",
               "allocation": "20", "pool": pool, "budget": "10"}),
    )
    .await;
    let rid = r["id"].as_str().unwrap().to_string();
    let a = bucket(&bo, &rid, "A", json!([{"name": "A", "min": "8"}])).await;
    let b = bucket(&bo, &rid, "B", json!([{"name": "B", "min": "5"}])).await;
    assert_eq!(give(&di, &a, "8").await.json["state"], "funded");
    // B would take the round past its 10: refused, nothing kept.
    let over = give(&di, &b, "5").await;
    let over = over.problem(409);
    assert!(over.to_string().contains("2.00 more"), "{over}");
    assert_eq!(
        get(&bo, &format!("/api/v1/buckets/{b}")).await["contributed"],
        "0.00"
    );
    assert_eq!(pool_balance(&ana, &pool).await, "92.00");
    // Who runs budgets without managing money cannot hand out the pool's money.
    let made = ana
        .post(
            "/api/v1/groups/garden/roles",
            &json!({"name": "budgeter", "permissions": ["post", "tool:budget:manage"]}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    ana.patch(
        "/api/v1/groups/garden/members/bo",
        &json!({"role": "budgeter"}),
    )
    .await;
    bo.put(
        &format!("/api/v1/rounds/{rid}/allocations/bo"),
        &json!({"amount": "1000"}),
    )
    .await
    .problem(403);
    // cy steps down: the pool stops paying the round they tied to it.
    ana.patch(
        "/api/v1/groups/garden/members/cy",
        &json!({"role": "member"}),
    )
    .await;
    let c = bucket(&di, &rid, "C", json!([{"name": "C", "min": "1"}])).await;
    give(&di, &c, "1").await.problem(409);
    assert_eq!(
        get(&bo, &format!("/api/v1/buckets/{c}")).await["state"],
        "open"
    );
    assert_eq!(pool_balance(&ana, &pool).await, "92.00");
}
