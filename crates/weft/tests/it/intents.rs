//! The intents tool through the real server: offers and requests matched with a score and its
//! reasons, bounties escrowed on the ledger, added to, paid in equal shares on fulfilment and
//! refunded on withdrawal and expiry (also after a crash between two steps), "still needed?"
//! prompts, followed tags, the directory across groups, the Murmurations export, bad input,
//! and who may do what with which token.

use sea_query::ExprTrait;
use serde_json::{Value, json};
use testkit::{Backend, Client, TestServer, both};

use crate::garden::{balance, heard, heard_now};

both!(
    a_request_with_a_bounty_is_matched_fulfilled_and_paid,
    several_who_fulfil_share_the_bounty,
    withdrawn_and_expired_bounties_are_refunded,
    bad_input_is_refused_and_moves_nothing,
    strangers_narrow_tokens_and_roles_get_only_what_they_hold,
    the_directory_filters_and_exports_and_tags_are_followed,
    a_bounty_left_between_two_steps_is_finished_at_start,
);

/// The garden using intents: ana owns it, bo and cy are members; `HOURS` (floor -10,
/// ceiling 100) with an account for each.
struct Garden {
    ana: Client,
    bo: Client,
    cy: Client,
    currency: String,
}

async fn garden(server: &TestServer) -> Garden {
    let g = crate::garden::garden(server, "intents", &["ana", "bo", "cy"], "-10", "100").await;
    let [ana, bo, cy]: [Client; 3] = g.people.try_into().ok().unwrap();
    Garden {
        ana,
        bo,
        cy,
        currency: g.currency,
    }
}

/// A POST with no body at all (`curl -X POST`).
async fn act(who: &Client, path: &str) -> testkit::Reply {
    who.send(who.request(reqwest::Method::POST, path)).await
}

async fn post(by: &Client, group: &str, body: Value) -> Value {
    let made = by
        .post(&format!("/api/v1/groups/{group}/intents"), &body)
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    made.json
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

async fn a_request_with_a_bounty_is_matched_fulfilled_and_paid(backend: Backend) {
    let server = TestServer::start(backend).await;
    let g = garden(&server).await;
    // Two plumbing offers: one in Camden, one in Manchester.
    let near = post(
        &g.bo,
        "garden",
        json!({"kind": "offer", "title": "Plumbing repairs", "tags": ["plumbing"],
               "quantity": 3, "unit": "hours",
               "location": {"name": "Kentish Town", "lat": 51.55, "lon": -0.14}}),
    )
    .await;
    let far = post(
        &g.cy,
        "garden",
        json!({"kind": "offer", "title": "Plumber for hire", "tags": ["plumbing"],
               "location": {"name": "Manchester", "lat": 53.48, "lon": -2.24}}),
    )
    .await;
    assert_eq!(near["state"], "open");
    assert_eq!(near["quantity"], 3.0);
    assert_eq!(near["location"]["name"], "Kentish Town");
    // Ana's request with a bounty of 5: escrowed from her account at once.
    let made = g
        .ana
        .post(
            "/api/v1/groups/garden/intents",
            &json!({"kind": "request", "title": "Leaky tap", "description": "The kitchen tap drips",
                    "tags": ["plumbing", "Kitchen"],
                    "location": {"name": "Camden", "lat": 51.54, "lon": -0.14},
                    "bounty": {"currency": "HOURS", "amount": "5"}}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let request = made.json;
    let rid = id(&request);
    assert_eq!(request["tags"], json!(["plumbing", "kitchen"]));
    assert_eq!(request["bounty"]["amount"], "5.00");
    assert_eq!(request["bounty"]["state"], "held");
    assert_eq!(request["bounty"]["currency"], "HOURS");
    assert_eq!(balance(&g.ana, &g.currency).await, "-5.00");
    // Matches: the near offer first, and why.
    let matches = g.ana.get(&format!("/api/v1/intents/{rid}/matches")).await;
    assert_eq!(matches.status, 200, "{}", matches.body);
    let items = matches.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{}", matches.body);
    assert_eq!(items[0]["intent"]["id"], near["id"]);
    assert_eq!(items[1]["intent"]["id"], far["id"]);
    assert!(items[0]["score"].as_u64().unwrap() > items[1]["score"].as_u64().unwrap());
    assert_eq!(items[0]["why"], "tags: plumbing; 1 km");
    assert!(
        items[1]["why"].as_str().unwrap().contains("260 km"),
        "{}",
        items[1]["why"]
    );
    // The near offer's author heard of the request that matches it; the far one's, whose
    // match scores below the bar for a notice, did not.
    assert!(heard(&g.bo, "intent_match").await);
    assert!(!heard_now(&g.cy, "intent_match").await);
    // And from the offer's side, the request is its match.
    let back =
        g.bo.get(&format!("/api/v1/intents/{}/matches", id(&near)))
            .await;
    assert_eq!(back.json["items"][0]["intent"]["id"], request["id"]);

    // Cy adds 1 to the bounty; the retry with the same key moves nothing more.
    let add = |key: &'static str| {
        let cy = g.cy.clone();
        let rid = rid.clone();
        async move {
            cy.with_header("idempotency-key", key)
                .post(
                    &format!("/api/v1/intents/{rid}/bounty"),
                    &json!({"amount": "1"}),
                )
                .await
        }
    };
    let first = add("cy-adds-one").await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.json["bounty"]["amount"], "6.00");
    let again = add("cy-adds-one").await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json["bounty"]["amount"], "6.00");
    assert_eq!(balance(&g.cy, &g.currency).await, "-1.00");
    assert!(heard(&g.ana, "bounty_added").await);

    // Bo responds ("I can do this"); ana accepts; a second response from bo is refused.
    let response =
        g.bo.post(
            &format!("/api/v1/intents/{rid}/responses"),
            &json!({"message": "Tomorrow morning?"}),
        )
        .await;
    assert_eq!(response.status, 201, "{}", response.body);
    assert!(heard(&g.ana, "intent_response").await);
    g.bo.post(&format!("/api/v1/intents/{rid}/responses"), &json!({}))
        .await
        .problem(409);
    // The author cannot respond to her own, nor mark it fulfilled before accepting anyone.
    g.ana
        .post(&format!("/api/v1/intents/{rid}/responses"), &json!({}))
        .await
        .problem(409);
    act(&g.ana, &format!("/api/v1/intents/{rid}/fulfil"))
        .await
        .problem(409);
    let resp_id = id(&response.json);
    // Only the author accepts.
    act(&g.cy, &format!("/api/v1/responses/{resp_id}/accept"))
        .await
        .problem(403);
    let accepted = act(&g.ana, &format!("/api/v1/responses/{resp_id}/accept")).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(accepted.json["state"], "accepted");
    assert!(heard(&g.bo, "response_accepted").await);
    let committed = g.ana.get(&format!("/api/v1/intents/{rid}")).await;
    assert_eq!(committed.json["state"], "committed");
    // Cy, not accepted, cannot mark it fulfilled.
    act(&g.cy, &format!("/api/v1/intents/{rid}/fulfil"))
        .await
        .problem(403);
    // Bo marks his side; it waits for ana's.
    let half = act(&g.bo, &format!("/api/v1/intents/{rid}/fulfil")).await;
    assert_eq!(half.status, 200, "{}", half.body);
    assert_eq!(half.json["state"], "committed");
    assert_eq!(balance(&g.bo, &g.currency).await, "0.00");
    // Ana's mark fulfils it: the bounty pays bo, once.
    let done = act(&g.ana, &format!("/api/v1/intents/{rid}/fulfil")).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.json["state"], "fulfilled");
    assert_eq!(done.json["bounty"]["state"], "paid");
    assert_eq!(balance(&g.bo, &g.currency).await, "6.00");
    assert_eq!(balance(&g.ana, &g.currency).await, "-5.00");
    assert!(heard(&g.bo, "intent_fulfilled").await);
    // Closed: no more responses, no more money, no second payment.
    g.cy.post(&format!("/api/v1/intents/{rid}/responses"), &json!({}))
        .await
        .problem(409);
    g.cy.post(
        &format!("/api/v1/intents/{rid}/bounty"),
        &json!({"amount": "1"}),
    )
    .await
    .problem(409);
    act(&g.ana, &format!("/api/v1/intents/{rid}/fulfil"))
        .await
        .problem(409);
    assert_eq!(balance(&g.bo, &g.currency).await, "6.00");
    // A fulfilled request is no one's match any more.
    let after =
        g.bo.get(&format!("/api/v1/intents/{}/matches", id(&near)))
            .await;
    assert_eq!(after.json["items"], json!([]));
    // The author sees every response; cy (no response) sees none.
    let all = g.ana.get(&format!("/api/v1/intents/{rid}/responses")).await;
    assert_eq!(all.json["items"].as_array().unwrap().len(), 1);
    assert_eq!(all.json["items"][0]["done"], true);
    let none = g.cy.get(&format!("/api/v1/intents/{rid}/responses")).await;
    assert_eq!(none.json["items"], json!([]));
}

async fn several_who_fulfil_share_the_bounty(backend: Backend) {
    let server = TestServer::start(backend).await;
    let g = garden(&server).await;
    let request = post(
        &g.ana,
        "garden",
        json!({"kind": "request", "title": "Move a piano", "tags": ["moving"],
               "bounty": {"currency": g.currency, "amount": "3.01"}}),
    )
    .await;
    let rid = id(&request);
    for who in [&g.bo, &g.cy] {
        let r = who
            .post(&format!("/api/v1/intents/{rid}/responses"), &json!({}))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let accepted = act(&g.ana, &format!("/api/v1/responses/{}/accept", id(&r.json))).await;
        assert_eq!(accepted.status, 200, "{}", accepted.body);
    }
    // Ana marks it first; then bo: it is fulfilled with bo alone done? No — both said
    // they would; the first responder's mark fulfils it and pays those who marked.
    let first = act(&g.ana, &format!("/api/v1/intents/{rid}/fulfil")).await;
    assert_eq!(first.json["state"], "committed");
    assert_eq!(first.json["author_done"], true);
    // Cy marks before bo: cy's mark fulfils it, and only those done are paid.
    let cy_done = act(&g.cy, &format!("/api/v1/intents/{rid}/fulfil")).await;
    assert_eq!(cy_done.json["state"], "fulfilled");
    assert_eq!(balance(&g.cy, &g.currency).await, "3.01");
    assert_eq!(balance(&g.bo, &g.currency).await, "0.00");

    // When both have marked before the author does, they share it equally (the first
    // share takes the odd cent).
    let request = post(
        &g.ana,
        "garden",
        json!({"kind": "request", "title": "Paint the fence", "tags": ["painting"],
               "bounty": {"currency": g.currency, "amount": "2.01"}}),
    )
    .await;
    let rid = id(&request);
    for who in [&g.bo, &g.cy] {
        let r = who
            .post(&format!("/api/v1/intents/{rid}/responses"), &json!({}))
            .await;
        act(&g.ana, &format!("/api/v1/responses/{}/accept", id(&r.json))).await;
        let mark = act(who, &format!("/api/v1/intents/{rid}/fulfil")).await;
        assert_eq!(mark.json["state"], "committed");
    }
    let done = act(&g.ana, &format!("/api/v1/intents/{rid}/fulfil")).await;
    assert_eq!(done.json["state"], "fulfilled");
    let bo = balance(&g.bo, &g.currency).await;
    let cy = balance(&g.cy, &g.currency).await;
    // 2.01 in two: 1.01 and 1.00, on top of cy's 3.01 from the piano.
    let mut shares = [bo.clone(), cy.clone()];
    shares.sort();
    assert!(
        shares == ["1.00".to_string(), "4.02".to_string()]
            || shares == ["1.01".to_string(), "4.01".to_string()],
        "bo {bo} cy {cy}"
    );
    assert_eq!(balance(&g.ana, &g.currency).await, "-5.02");
}

async fn withdrawn_and_expired_bounties_are_refunded(backend: Backend) {
    let server = TestServer::start(backend).await;
    let g = garden(&server).await;
    let request = post(
        &g.ana,
        "garden",
        json!({"kind": "request", "title": "Borrow a ladder", "tags": ["tools"],
               "bounty": {"currency": "HOURS", "amount": "4"}}),
    )
    .await;
    let rid = id(&request);
    let added =
        g.cy.post(
            &format!("/api/v1/intents/{rid}/bounty"),
            &json!({"amount": "2"}),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.body);
    assert_eq!(balance(&g.ana, &g.currency).await, "-4.00");
    assert_eq!(balance(&g.cy, &g.currency).await, "-2.00");
    // Only the author (or who manages the tool) withdraws.
    act(&g.bo, &format!("/api/v1/intents/{rid}/withdraw"))
        .await
        .problem(403);
    let gone = act(&g.ana, &format!("/api/v1/intents/{rid}/withdraw")).await;
    assert_eq!(gone.status, 200, "{}", gone.body);
    assert_eq!(gone.json["state"], "withdrawn");
    assert_eq!(gone.json["bounty"]["state"], "refunded");
    assert_eq!(balance(&g.ana, &g.currency).await, "0.00");
    assert_eq!(balance(&g.cy, &g.currency).await, "0.00");
    assert!(heard(&g.cy, "intent_closed").await);
    act(&g.ana, &format!("/api/v1/intents/{rid}/withdraw"))
        .await
        .problem(409);

    // A request whose author has left the group: withdrawn by who manages the tool, its
    // money still goes back to every giver.
    let left = post(
        &g.bo,
        "garden",
        json!({"kind": "request", "title": "Borrow a wheelbarrow", "tags": ["tools"],
               "bounty": {"currency": "HOURS", "amount": "2"}}),
    )
    .await;
    let added =
        g.cy.post(
            &format!("/api/v1/intents/{}/bounty", id(&left)),
            &json!({"amount": "1"}),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.body);
    let gone = g.bo.delete("/api/v1/groups/garden/members/bo").await;
    assert_eq!(gone.status, 204, "{}", gone.body);
    let withdrawn = act(&g.ana, &format!("/api/v1/intents/{}/withdraw", id(&left))).await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
    assert_eq!(
        withdrawn.json["bounty"]["state"], "refunded",
        "{}",
        withdrawn.body
    );
    assert_eq!(balance(&g.cy, &g.currency).await, "0.00");
    let back = g.bo.post("/api/v1/groups/garden/members", &json!({})).await;
    assert!(back.status < 300, "{}", back.body);
    assert_eq!(balance(&g.bo, &g.currency).await, "0.00");

    // A request that expires in five days: asked "still needed?" halfway (three days before,
    // for a longer life), then closed, its bounty back.
    let until = kernel::Clock::now(&server.clock)
        .plus_seconds(5 * 86_400)
        .to_rfc3339();
    let short = post(
        &g.ana,
        "garden",
        json!({"kind": "request", "title": "Seedlings", "tags": ["seeds"], "until": until,
               "bounty": {"currency": "HOURS", "amount": "3"}}),
    )
    .await;
    let sid = id(&short);
    assert_eq!(balance(&g.ana, &g.currency).await, "-3.00");
    server.clock.advance_seconds(2 * 86_400);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!heard_now(&g.ana, "still_needed").await, "not yet");
    server.clock.advance_seconds(86_400);
    assert!(heard(&g.ana, "still_needed").await, "asked halfway");
    // The inbox answers it on the line: still needed, or withdraw.
    let inbox = g.ana.get("/").await;
    let page = format!(
        "/groups/{}/intents/{sid}",
        short["group"]["id"].as_str().unwrap()
    );
    assert!(
        inbox.body.contains(&format!("action=\"{page}/renew\"")),
        "{}",
        inbox.body
    );
    assert!(inbox.body.contains(&format!("action=\"{page}/withdraw\"")));
    // A renewed one would stay; this one is left to expire.
    server.clock.advance_seconds(2 * 86_400 + 60);
    let mut expired = Value::Null;
    for _ in 0..100 {
        expired = g.ana.get(&format!("/api/v1/intents/{sid}")).await.json;
        if expired["bounty"]["state"] == "refunded" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(expired["state"], "expired", "{expired}");
    assert_eq!(expired["bounty"]["state"], "refunded");
    assert_eq!(balance(&g.ana, &g.currency).await, "0.00");

    // Renewing keeps an intent open past its first expiry.
    let until = kernel::Clock::now(&server.clock)
        .plus_seconds(86_400)
        .to_rfc3339();
    let kept = post(
        &g.bo,
        "garden",
        json!({"kind": "offer", "title": "Spare jam jars", "tags": ["jars"], "until": until}),
    )
    .await;
    let renewed = act(&g.bo, &format!("/api/v1/intents/{}/renew", id(&kept))).await;
    assert_eq!(renewed.status, 200, "{}", renewed.body);
    server.clock.advance_seconds(2 * 86_400);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let still = g.bo.get(&format!("/api/v1/intents/{}", id(&kept))).await;
    assert_eq!(still.json["state"], "open", "{}", still.body);
}

async fn bad_input_is_refused_and_moves_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let g = garden(&server).await;
    // Another group with its own currency.
    let other = g
        .bo
        .post(
            "/api/v1/groups",
            &json!({"handle": "orchard", "name": "Orchard", "visibility": "listed", "join_policy": "open"}),
        )
        .await;
    assert_eq!(other.status, 201, "{}", other.body);
    let apples =
        g.bo.post(
            "/api/v1/groups/orchard/currencies",
            &json!({"code": "APPLES", "name": "Apples", "kind": "mutual_credit", "scale": 0}),
        )
        .await;
    let apples = id(&apples.json);
    let cases = [
        // A bounty beyond the author's floor (-10).
        (
            json!({"kind": "request", "title": "Big", "bounty": {"currency": "HOURS", "amount": "11"}}),
            422,
            "bounty.amount",
        ),
        (
            json!({"kind": "request", "title": "Elsewhere", "bounty": {"currency": apples, "amount": "1"}}),
            422,
            "bounty.currency",
        ),
        (
            json!({"kind": "request", "title": "Zero", "bounty": {"currency": "HOURS", "amount": "0"}}),
            422,
            "bounty.amount",
        ),
        (
            json!({"kind": "offer", "title": "Paid offer", "bounty": {"currency": "HOURS", "amount": "1"}}),
            422,
            "bounty",
        ),
        (
            json!({"kind": "request", "title": "Far north", "location": {"name": "?", "lat": 200, "lon": 0}}),
            422,
            "location.lat",
        ),
        (
            json!({"kind": "request", "title": "Half a place", "location": {"name": "x", "lat": 51}}),
            422,
            "location",
        ),
        (json!({"kind": "request", "title": ""}), 422, "title"),
        (
            json!({"kind": "request", "title": "Tags", "tags": ["a/b"]}),
            422,
            "tags",
        ),
        (
            json!({"kind": "request", "title": "Past", "until": "2001-01-01"}),
            422,
            "until",
        ),
        (
            json!({"kind": "request", "title": "Forever", "expires": "2999-01-01"}),
            422,
            "expires",
        ),
        (
            json!({"kind": "request", "title": "Backwards", "from": "2999-02-01", "until": "2999-01-01"}),
            422,
            "until",
        ),
        (
            json!({"kind": "request", "title": "Less", "quantity": -1}),
            422,
            "quantity",
        ),
    ];
    for (body, status, field) in cases {
        let reply = g.ana.post("/api/v1/groups/garden/intents", &body).await;
        let problem = reply.problem(status);
        let named = problem["errors"]
            .as_array()
            .map(|e| e.iter().any(|e| e["field"] == field))
            .unwrap_or(false)
            || problem["field"] == field
            || problem["detail"].as_str().unwrap_or("").contains(field);
        assert!(named, "{body}: {problem}");
    }
    // Wrong shapes: a kind that is not one, unknown fields.
    g.ana
        .post(
            "/api/v1/groups/garden/intents",
            &json!({"kind": "gift", "title": "x"}),
        )
        .await
        .problem(422);
    g.ana
        .post(
            "/api/v1/groups/garden/intents",
            &json!({"kind": "offer", "title": "x", "price": 3}),
        )
        .await
        .problem(422);
    // Shared across groups: only a public group's.
    let listed =
        g.bo.put("/api/v1/groups/orchard/tools/intents", &json!({}))
            .await;
    assert_eq!(listed.status, 204);
    g.bo.post(
        "/api/v1/groups/orchard/intents",
        &json!({"kind": "offer", "title": "Apples", "public": true}),
    )
    .await
    .problem(422);
    // Nothing was made, nothing moved.
    assert_eq!(balance(&g.ana, &g.currency).await, "0.00");
    let list = g.ana.get("/api/v1/groups/garden/intents?state=all").await;
    assert_eq!(list.json["items"], json!([]), "{}", list.body);
    // A person cannot take the keys the tools ask the ledger under in their name.
    let accounts = g.ana.get("/api/v1/me/ledger-accounts").await.json;
    let list = accounts
        .as_array()
        .or_else(|| accounts["items"].as_array())
        .unwrap()
        .clone();
    let mine = list[0]["id"].as_str().unwrap().to_string();
    let bo_accounts = g.bo.get("/api/v1/me/ledger-accounts").await.json;
    let theirs = bo_accounts
        .as_array()
        .or_else(|| bo_accounts["items"].as_array())
        .unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for key in ["intents-0000-refund", "tasks-card-1-pay"] {
        g.ana
            .with_header("idempotency-key", key)
            .post(
                "/api/v1/transfers",
                &json!({"from": mine, "to": theirs, "amount": "0.01"}),
            )
            .await
            .problem(422);
    }
    // Bad filters and ids.
    for path in [
        "/api/v1/intents?near=200,0",
        "/api/v1/intents?near=abc",
        "/api/v1/intents?km=-1",
        "/api/v1/intents?limit=1000",
        "/api/v1/intents?state=gone",
        "/api/v1/intents?currency=HOURS",
        "/api/v1/intents?tag=a/b",
    ] {
        g.ana.get(path).await.problem(422);
    }
    g.ana.get("/api/v1/intents/not-an-id").await.problem(404);
    act(&g.ana, "/api/v1/responses/not-an-id/accept")
        .await
        .problem(404);
    // A contribution beyond the floor moves nothing; one without a currency on a request
    // without a bounty is refused.
    let request = post(
        &g.ana,
        "garden",
        json!({"kind": "request", "title": "Fix the gate", "tags": ["gate"]}),
    )
    .await;
    let rid = id(&request);
    g.cy.post(
        &format!("/api/v1/intents/{rid}/bounty"),
        &json!({"amount": "1"}),
    )
    .await
    .problem(422);
    g.cy.post(
        &format!("/api/v1/intents/{rid}/bounty"),
        &json!({"amount": "50", "currency": "HOURS"}),
    )
    .await
    .problem(422);
    g.cy.with_header("idempotency-key", &"k".repeat(300))
        .post(
            &format!("/api/v1/intents/{rid}/bounty"),
            &json!({"amount": "1", "currency": "HOURS"}),
        )
        .await
        .problem(422);
    assert_eq!(balance(&g.cy, &g.currency).await, "0.00");
    // The author's own first money, refused, leaves the request as it was.
    g.ana
        .post(
            &format!("/api/v1/intents/{rid}/bounty"),
            &json!({"amount": "50", "currency": "HOURS"}),
        )
        .await
        .problem(422);
    let still = g.ana.get(&format!("/api/v1/intents/{rid}")).await;
    assert_eq!(still.status, 200, "{}", still.body);
    assert_eq!(still.json["bounty"], Value::Null, "{}", still.body);
    // The first money names the currency; later money must be in it.
    let first =
        g.cy.post(
            &format!("/api/v1/intents/{rid}/bounty"),
            &json!({"amount": "1", "currency": "HOURS"}),
        )
        .await;
    assert_eq!(first.status, 201, "{}", first.body);
    g.cy.post(
        &format!("/api/v1/intents/{rid}/bounty"),
        &json!({"amount": "1", "currency": apples}),
    )
    .await
    .problem(422);
    // Offers carry no bounty.
    let offer = post(
        &g.bo,
        "garden",
        json!({"kind": "offer", "title": "Eggs", "tags": ["eggs"]}),
    )
    .await;
    g.cy.post(
        &format!("/api/v1/intents/{}/bounty", id(&offer)),
        &json!({"amount": "1", "currency": "HOURS"}),
    )
    .await
    .problem(409);
    assert_eq!(balance(&g.cy, &g.currency).await, "-1.00");
}

async fn strangers_narrow_tokens_and_roles_get_only_what_they_hold(backend: Backend) {
    let server = TestServer::start(backend).await;
    let g = garden(&server).await;
    let offer = post(
        &g.bo,
        "garden",
        json!({"kind": "offer", "title": "Bread", "tags": ["bread"]}),
    )
    .await;
    let oid = id(&offer);
    // A secret group's intents are not there for a stranger.
    let secret = g
        .ana
        .post(
            "/api/v1/groups",
            &json!({"handle": "den", "name": "Den", "visibility": "secret", "join_policy": "invite"}),
        )
        .await;
    assert_eq!(secret.status, 201);
    g.ana
        .put("/api/v1/groups/den/tools/intents", &json!({}))
        .await;
    let hidden = post(
        &g.ana,
        "den",
        json!({"kind": "request", "title": "Secret plan", "tags": ["bread"]}),
    )
    .await;
    let hid = id(&hidden);
    let zed = server.account("zed").await;
    for path in [
        format!("/api/v1/intents/{hid}"),
        format!("/api/v1/intents/{hid}/matches"),
        format!("/api/v1/intents/{hid}/murmurations"),
        "/api/v1/groups/den/intents".to_string(),
        "/api/v1/groups/den/intents/murmurations".to_string(),
    ] {
        zed.get(&path).await.problem(404);
        server.client().get(&path).await.problem(404);
    }
    for path in [
        format!("/api/v1/intents/{hid}/responses"),
        format!("/api/v1/intents/{hid}/withdraw"),
        format!("/api/v1/intents/{hid}/fulfil"),
        format!("/api/v1/intents/{hid}/renew"),
    ] {
        zed.post(&path, &json!({})).await.problem(404);
    }
    zed.post(
        &format!("/api/v1/intents/{hid}/bounty"),
        &json!({"amount": "1", "currency": "HOURS"}),
    )
    .await
    .problem(404);
    // The directory shows a stranger the public group's, not the secret one's; a member of
    // both sees both.
    let seen = |list: &Value| -> Vec<String> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["title"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(seen(&zed.get("/api/v1/intents").await.json), ["Bread"]);
    assert_eq!(
        seen(&server.client().get("/api/v1/intents").await.json),
        ["Bread"]
    );
    assert_eq!(
        seen(&g.ana.get("/api/v1/intents").await.json),
        ["Secret plan", "Bread"]
    );
    // A secret group's request is no match of a public group's offer (for its author, nor
    // anyone).
    let matches = g.bo.get(&format!("/api/v1/intents/{oid}/matches")).await;
    assert_eq!(matches.json["items"], json!([]));
    // A public group's intent is read by anyone, acted on by members only.
    assert_eq!(zed.get(&format!("/api/v1/intents/{oid}")).await.status, 200);
    zed.post(
        "/api/v1/groups/garden/intents",
        &json!({"kind": "offer", "title": "Spam"}),
    )
    .await
    .problem(403);
    zed.post(&format!("/api/v1/intents/{oid}/responses"), &json!({}))
        .await
        .problem(403);
    server
        .client()
        .post(&format!("/api/v1/intents/{oid}/responses"), &json!({}))
        .await
        .problem(401);
    // A member withdraws only their own; a role with tool:intents:manage any; a watcher
    // (no post) reads only.
    act(&g.cy, &format!("/api/v1/intents/{oid}/withdraw"))
        .await
        .problem(403);
    for (name, permissions) in [
        ("steward", json!(["post", "tool:intents:manage"])),
        ("watcher", json!([])),
    ] {
        let made = g
            .ana
            .post(
                "/api/v1/groups/garden/roles",
                &json!({"name": name, "permissions": permissions}),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
    }
    g.ana
        .patch(
            "/api/v1/groups/garden/members/cy",
            &json!({"role": "steward"}),
        )
        .await;
    g.ana
        .patch(
            "/api/v1/groups/garden/members/bo",
            &json!({"role": "watcher"}),
        )
        .await;
    assert_eq!(
        g.bo.get(&format!("/api/v1/intents/{oid}")).await.status,
        200
    );
    g.bo.post(
        "/api/v1/groups/garden/intents",
        &json!({"kind": "offer", "title": "x"}),
    )
    .await
    .problem(403);
    let request = post(
        &g.ana,
        "garden",
        json!({"kind": "request", "title": "Flour", "tags": ["bread"]}),
    )
    .await;
    g.bo.post(
        &format!("/api/v1/intents/{}/responses", id(&request)),
        &json!({}),
    )
    .await
    .problem(403);
    let taken_down = act(&g.cy, &format!("/api/v1/intents/{oid}/withdraw")).await;
    assert_eq!(taken_down.status, 200, "{}", taken_down.body);
    assert_eq!(taken_down.json["state"], "withdrawn");
    // The steward does not accept responses to others' intents: only the author does.
    let reply =
        g.cy.post(
            &format!("/api/v1/intents/{}/responses", id(&request)),
            &json!({}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let (rid, resp) = (id(&request), id(&reply.json));
    act(&zed, &format!("/api/v1/responses/{resp}/accept"))
        .await
        .problem(403);

    // Tokens: intents:read reads and does nothing else; intents:write posts but puts up no
    // money; a token for another group is a stranger here.
    let token = |scopes: Value, group: Option<&'static str>| {
        let ana = g.ana.clone();
        let server_client = server.client();
        async move {
            let mut body = json!({"name": "t", "scopes": scopes});
            if let Some(group) = group {
                body["group"] = json!(group);
            }
            let made = ana.post("/api/v1/tokens", &body).await;
            assert_eq!(made.status, 201, "{}", made.body);
            server_client.with_token(made.json["token"].as_str().unwrap())
        }
    };
    let reader = token(json!(["intents:read"]), None).await;
    assert_eq!(
        reader.get(&format!("/api/v1/intents/{rid}")).await.status,
        200
    );
    assert_eq!(reader.get("/api/v1/me/intent-tags").await.status, 200);
    reader
        .post(
            "/api/v1/groups/garden/intents",
            &json!({"kind": "offer", "title": "x"}),
        )
        .await
        .problem(403);
    reader
        .put("/api/v1/me/intent-tags/bread", &json!({}))
        .await
        .problem(403);
    act(&reader, &format!("/api/v1/responses/{resp}/accept"))
        .await
        .problem(403);
    let writer = token(json!(["intents:write"]), None).await;
    let made = writer
        .post(
            "/api/v1/groups/garden/intents",
            &json!({"kind": "offer", "title": "By token"}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let accepted = act(&writer, &format!("/api/v1/responses/{resp}/accept")).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    writer
        .post(
            "/api/v1/groups/garden/intents",
            &json!({"kind": "request", "title": "Bounty by token",
                    "bounty": {"currency": "HOURS", "amount": "1"}}),
        )
        .await
        .problem(403);
    writer
        .post(
            &format!("/api/v1/intents/{rid}/bounty"),
            &json!({"amount": "1", "currency": "HOURS"}),
        )
        .await
        .problem(403);
    assert_eq!(balance(&g.ana, &g.currency).await, "0.00");
    let other_tool = token(json!(["tasks:write"]), None).await;
    let refused = other_tool
        .post(
            "/api/v1/groups/garden/intents",
            &json!({"kind": "offer", "title": "x"}),
        )
        .await;
    assert!([403, 404].contains(&refused.status), "{}", refused.body);
    other_tool.get("/api/v1/me/intent-tags").await.problem(403);
    let den_only = token(json!(["read", "write"]), Some("den")).await;
    let refused = den_only
        .post(
            "/api/v1/groups/garden/intents",
            &json!({"kind": "offer", "title": "x"}),
        )
        .await;
    assert!([403, 404].contains(&refused.status), "{}", refused.body);
    den_only
        .put("/api/v1/me/intent-tags/bread", &json!({}))
        .await
        .problem(403);
    // The limited token's directory holds its group alone.
    assert_eq!(
        seen(&den_only.get("/api/v1/intents").await.json),
        ["Secret plan"]
    );

    // Someone who left a listed group hears nothing of it: their old offer there is still
    // open, but a request that matches it tells them no title.
    let club = g
        .ana
        .post(
            "/api/v1/groups",
            &json!({"handle": "club", "name": "Club", "visibility": "listed", "join_policy": "open"}),
        )
        .await;
    assert_eq!(club.status, 201, "{}", club.body);
    g.ana
        .put("/api/v1/groups/club/tools/intents", &json!({}))
        .await;
    zed.post("/api/v1/groups/club/members", &json!({})).await;
    post(
        &zed,
        "club",
        json!({"kind": "offer", "title": "Sourdough starter", "tags": ["baking"]}),
    )
    .await;
    let left = zed.delete("/api/v1/groups/club/members/zed").await;
    assert_eq!(left.status, 204, "{}", left.body);
    post(
        &g.ana,
        "club",
        json!({"kind": "request", "title": "Baking lessons", "tags": ["baking"]}),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!heard_now(&zed, "intent_match").await);

    // A group that turns the tool off has no intents.
    let off = g.ana.delete("/api/v1/groups/garden/tools/intents").await;
    assert_eq!(off.status, 204, "{}", off.body);
    g.ana
        .get(&format!("/api/v1/intents/{rid}"))
        .await
        .problem(404);
    g.ana
        .get("/api/v1/groups/garden/intents")
        .await
        .problem(404);
}

async fn the_directory_filters_and_exports_and_tags_are_followed(backend: Backend) {
    let server = TestServer::start(backend).await;
    let g = garden(&server).await;
    // Cy follows #apples (as "Apples", kept lowercase).
    let followed = g.cy.put("/api/v1/me/intent-tags/Apples", &json!({})).await;
    assert_eq!(followed.status, 200, "{}", followed.body);
    assert_eq!(followed.json["tags"], json!(["apples"]));
    let offer = post(
        &g.bo,
        "garden",
        json!({"kind": "offer", "title": "Windfall apples", "description": "A crate of cooking apples",
               "tags": ["apples", "fruit"], "quantity": 10, "unit": "kg", "item": "good",
               "location": {"name": "Hackney", "lat": 51.545, "lon": -0.055}}),
    )
    .await;
    assert!(heard(&g.cy, "followed_tag").await, "cy follows #apples");
    assert!(!heard_now(&g.ana, "followed_tag").await);
    // The notice leads to the offer's page, which answers.
    let inbox = g.cy.get("/api/v1/notifications").await;
    let link = inbox.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["reason"] == "followed_tag")
        .and_then(|n| n["activity"]["url"].as_str())
        .unwrap()
        .to_string();
    assert!(
        link.ends_with(&format!("/intents/{}", id(&offer))),
        "{link}"
    );
    let page = g.cy.get(&link).await;
    assert_eq!(page.status, 200, "{link}");
    assert!(page.body.contains("Windfall apples"));
    post(
        &g.ana,
        "garden",
        json!({"kind": "request", "title": "Childcare on Saturday", "tags": ["childcare"],
               "location": {"name": "Brighton", "lat": 50.82, "lon": -0.14},
               "bounty": {"currency": "HOURS", "amount": "2"}}),
    )
    .await;
    let titles = |list: Value| -> Vec<String> {
        list["items"]
            .as_array()
            .unwrap_or(&Vec::new())
            .iter()
            .map(|i| i["title"].as_str().unwrap().to_string())
            .collect()
    };
    let d = &g.cy;
    assert_eq!(
        titles(d.get("/api/v1/intents?q=crate").await.json),
        ["Windfall apples"]
    );
    assert_eq!(
        titles(d.get("/api/v1/intents?tag=fruit").await.json),
        ["Windfall apples"]
    );
    assert_eq!(
        titles(d.get("/api/v1/intents?place=HACK").await.json),
        ["Windfall apples"]
    );
    assert_eq!(
        titles(d.get("/api/v1/intents?kind=request").await.json),
        ["Childcare on Saturday"]
    );
    assert_eq!(
        titles(d.get("/api/v1/intents?near=51.5,-0.1&km=10").await.json),
        ["Windfall apples"]
    );
    assert_eq!(
        titles(d.get("/api/v1/intents?near=51.5,-0.1&km=100").await.json).len(),
        2
    );
    assert_eq!(
        titles(
            d.get(&format!("/api/v1/intents?currency={}", g.currency))
                .await
                .json
        ),
        ["Childcare on Saturday"]
    );
    assert_eq!(
        titles(d.get("/api/v1/intents?group=garden&kind=offer").await.json),
        ["Windfall apples"]
    );
    // Paging: one at a time.
    let page = d.get("/api/v1/intents?limit=1").await;
    assert_eq!(page.json["items"].as_array().unwrap().len(), 1);
    let next = page.json["next"].as_str().unwrap();
    let rest = d
        .get(&format!("/api/v1/intents?limit=1&before={next}"))
        .await;
    assert_ne!(rest.json["items"][0]["id"], page.json["items"][0]["id"]);
    // The Murmurations profile of an offer.
    let m = server
        .client()
        .get(&format!("/api/v1/intents/{}/murmurations", id(&offer)))
        .await;
    assert_eq!(m.status, 200, "{}", m.body);
    assert_eq!(
        m.json["linked_schemas"],
        json!(["offers_wants_schema-v0.1.0"])
    );
    assert_eq!(m.json["exchange_type"], "offer");
    assert_eq!(m.json["item_type"], "good");
    assert_eq!(m.json["tags"], json!(["apples", "fruit"]));
    assert_eq!(m.json["geolocation"], json!({"lat": 51.545, "lon": -0.055}));
    assert!(
        m.json["details_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/groups/garden/intents/{}", id(&offer)))
    );
    assert!(m.json["expires_at"].as_i64().unwrap() > 1_700_000_000);
    let all = server
        .client()
        .get("/api/v1/groups/garden/intents/murmurations")
        .await;
    assert_eq!(all.json["items"].as_array().unwrap().len(), 2);
    assert_eq!(all.json["items"][0]["exchange_type"], "want");
    assert_eq!(
        all.json["items"][0]["transaction_type"],
        json!(["buy-sell"])
    );
    // Unfollowing stops the notices; a bad tag is refused.
    let off = g.cy.delete("/api/v1/me/intent-tags/apples").await;
    assert_eq!(off.json["tags"], json!([]));
    g.cy.put("/api/v1/me/intent-tags/a%2Fb", &json!({}))
        .await
        .problem(422);

    // Filters match their text literally: `_` is no wildcard, `%` matches nothing.
    post(
        &g.bo,
        "garden",
        json!({"kind": "offer", "title": "Walks", "tags": ["dog_walking"]}),
    )
    .await;
    assert_eq!(
        titles(d.get("/api/v1/intents?tag=dog_walking").await.json),
        ["Walks"]
    );
    assert_eq!(
        titles(d.get("/api/v1/intents?tag=dogxwalking").await.json).len(),
        0
    );
    assert_eq!(titles(d.get("/api/v1/intents?q=%25").await.json).len(), 0);

    // Shared across public groups: a shared offer in another public group matches a shared
    // request here; unshared ones do not cross.
    let other = g
        .bo
        .post(
            "/api/v1/groups",
            &json!({"handle": "market", "name": "Market", "visibility": "public", "join_policy": "open"}),
        )
        .await;
    assert_eq!(other.status, 201);
    g.bo.put("/api/v1/groups/market/tools/intents", &json!({}))
        .await;
    let shared = post(
        &g.bo,
        "market",
        json!({"kind": "offer", "title": "Babysitting", "tags": ["childcare"], "public": true}),
    )
    .await;
    assert_eq!(shared["public"], true);
    post(
        &g.bo,
        "market",
        json!({"kind": "offer", "title": "Nanny share", "tags": ["childcare"]}),
    )
    .await;
    let request = post(
        &g.cy,
        "garden",
        json!({"kind": "request", "title": "After-school childcare", "tags": ["childcare"], "public": true}),
    )
    .await;
    let matches =
        g.cy.get(&format!("/api/v1/intents/{}/matches", id(&request)))
            .await;
    let found = titles(json!({"items": matches.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["intent"].clone())
        .collect::<Vec<_>>()}));
    assert_eq!(found, ["Babysitting"], "{}", matches.body);
    assert_eq!(
        matches.json["items"][0]["intent"]["group"]["handle"],
        "market"
    );
}

async fn a_bounty_left_between_two_steps_is_finished_at_start(backend: Backend) {
    let server = TestServer::start(backend).await;
    let g = garden(&server).await;
    let withdrawing = post(
        &g.ana,
        "garden",
        json!({"kind": "request", "title": "Withdrawing", "tags": ["x"],
               "bounty": {"currency": "HOURS", "amount": "3"}}),
    )
    .await;
    let paying = post(
        &g.ana,
        "garden",
        json!({"kind": "request", "title": "Paying", "tags": ["y"],
               "bounty": {"currency": "HOURS", "amount": "2"}}),
    )
    .await;
    assert_eq!(balance(&g.ana, &g.currency).await, "-5.00");
    let bo_id = g.bo.get("/api/v1/me").await.json["id"]
        .as_str()
        .unwrap()
        .to_string();
    // As if the process stopped after writing the step and before the ledger answered.
    let set = |intent: String, values: Vec<(&'static str, sea_query::Value)>| {
        let kernel = server.kernel.clone();
        async move {
            let mut tx = kernel.db.begin().await.unwrap();
            let mut q = sea_query::Query::update();
            q.table(sea_query::Alias::new("intents"));
            for (column, value) in values {
                q.value(sea_query::Alias::new(column), value);
            }
            q.and_where(
                sea_query::Expr::col(sea_query::Alias::new("id"))
                    .eq(intent.parse::<uuid::Uuid>().unwrap()),
            );
            tx.execute(&q).await.unwrap();
            tx.commit().await.unwrap();
        }
    };
    set(
        id(&withdrawing),
        vec![
            ("state", "withdrawn".into()),
            ("bounty_state", "refunding".into()),
        ],
    )
    .await;
    set(
        id(&paying),
        vec![
            ("state", "fulfilled".into()),
            ("bounty_state", "paying".into()),
            ("payees", format!("[\"{bo_id}\"]").into()),
        ],
    )
    .await;
    // Contributions written but never taken by the ledger: the first money on a request
    // posted without a bounty (the request stays, without one), and the bounty a request
    // was posted with (the request goes, as if never posted).
    let never = post(
        &g.cy,
        "garden",
        json!({"kind": "request", "title": "Never escrowed", "tags": ["z"]}),
    )
    .await;
    let founding = post(
        &g.cy,
        "garden",
        json!({"kind": "request", "title": "Posted with a bounty", "tags": ["z"]}),
    )
    .await;
    for (intent, state) in [(&never, "starting"), (&founding, "escrowing")] {
        unanswered_contribution(&server, &g.cy, &id(intent)).await;
        set(
            id(intent),
            vec![
                ("bounty_state", state.into()),
                (
                    "bounty_currency",
                    g.currency.parse::<uuid::Uuid>().unwrap().into(),
                ),
            ],
        )
        .await;
    }
    let ledger = ::ledger::Ledger::start(server.kernel.clone());
    intents::finish(&ledger).await.unwrap();
    // Twice is the same as once.
    intents::finish(&ledger).await.unwrap();
    assert_eq!(
        balance(&g.ana, &g.currency).await,
        "-2.00",
        "the withdrawn request's 3 came back"
    );
    assert_eq!(balance(&g.bo, &g.currency).await, "2.00", "paid, once");
    assert_eq!(balance(&g.cy, &g.currency).await, "0.00", "nothing moved");
    let w = g
        .ana
        .get(&format!("/api/v1/intents/{}", id(&withdrawing)))
        .await;
    assert_eq!(w.json["bounty"]["state"], "refunded");
    let p = g.ana.get(&format!("/api/v1/intents/{}", id(&paying))).await;
    assert_eq!(p.json["bounty"]["state"], "paid");
    let n = g.cy.get(&format!("/api/v1/intents/{}", id(&never))).await;
    assert_eq!(
        n.status, 200,
        "a later contribution that never moved leaves the request"
    );
    assert_eq!(n.json["bounty"], Value::Null);
    g.cy.get(&format!("/api/v1/intents/{}", id(&founding)))
        .await
        .problem(404);
}

/// A contribution of 1.00 from `who`'s account to an intent, written as if the process
/// stopped before the ledger was asked.
async fn unanswered_contribution(server: &TestServer, who: &Client, intent: &str) {
    let accounts = who.get("/api/v1/me/ledger-accounts").await.json;
    let list = accounts
        .as_array()
        .or_else(|| accounts["items"].as_array())
        .unwrap()
        .clone();
    let account: uuid::Uuid = list[0]["id"].as_str().unwrap().parse().unwrap();
    let person: uuid::Uuid = who.get("/api/v1/me").await.json["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let mut tx = server.kernel.db.begin().await.unwrap();
    tx.execute(
        sea_query::Query::insert()
            .into_table(sea_query::Alias::new("intent_contributions"))
            .columns(
                [
                    "id",
                    "intent_id",
                    "contributor_id",
                    "payer",
                    "amount",
                    "state",
                    "created_at",
                ]
                .map(sea_query::Alias::new),
            )
            .values_panic([
                uuid::Uuid::now_v7().into(),
                intent.parse::<uuid::Uuid>().unwrap().into(),
                person.into(),
                account.into(),
                100i64.into(),
                "escrowing".into(),
                1i64.into(),
            ]),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}
