//! The credit tool through the real server: pools spent by each rule (a decision that passes
//! posts and one that fails voids; N of M approvals post at the Nth, never by who asked),
//! expense claims with receipts (the claimant never approves their own), dues over a jumped
//! clock (created, reminded, paid, marked paid outside Weft), payment requests and payments
//! the payee confirms, currency health, and bad input that moves nothing.

use kernel::Clock as _;
use sea_query::ExprTrait;
use serde_json::{Value, json};
use testkit::{Backend, Client, TestServer, both};

use crate::garden::heard;

both!(
    pools_spend_by_their_rule,
    expense_claims_carry_receipts_and_are_never_approved_by_their_claimant,
    dues_over_a_jumped_clock_create_remind_and_settle_obligations,
    members_pay_request_and_confirm_and_see_the_currency_health,
    bad_input_is_refused_and_moves_nothing,
    what_a_killed_process_left_is_finished_at_start,
);

/// A public group `garden` (owner ana; members bo, cy, di) using decide, with a mutual
/// credit currency `HOURS` (scale 2, floor -300) and an account for each.
struct Garden {
    ana: Client,
    bo: Client,
    cy: Client,
    di: Client,
    currency: String,
    accounts: Vec<String>,
}

async fn garden(server: &TestServer) -> Garden {
    let g =
        crate::garden::garden(server, "decide", &["ana", "bo", "cy", "di"], "-300", "500").await;
    let [ana, bo, cy, di]: [Client; 4] = g.people.try_into().ok().unwrap();
    Garden {
        ana,
        bo,
        cy,
        di,
        currency: g.currency,
        accounts: g.accounts,
    }
}

async fn pool(g: &Garden, body: Value) -> Value {
    let made = g.ana.post("/api/v1/groups/garden/pools", &body).await;
    assert_eq!(made.status, 201, "{}", made.body);
    made.json
}

async fn balance(by: &Client, account: &str) -> String {
    let got = by.get(&format!("/api/v1/ledger-accounts/{account}")).await;
    assert_eq!(got.status, 200, "{}", got.body);
    got.json["balance"].as_str().unwrap().to_string()
}

async fn pool_balance(by: &Client, pool: &str) -> String {
    let got = by.get(&format!("/api/v1/pools/{pool}")).await;
    assert_eq!(got.status, 200, "{}", got.body);
    got.json["balance"].as_str().unwrap().to_string()
}

async fn fund(g: &Garden, pool: &str, amount: &str) {
    let put =
        g.bo.post(
            &format!("/api/v1/pools/{pool}/contributions"),
            &json!({"amount": amount, "memo": "for the pool"}),
        )
        .await;
    assert_eq!(put.status, 201, "{}", put.body);
}

async fn transfer_state(by: &Client, id: &str) -> String {
    let got = by.get(&format!("/api/v1/transfers/{id}")).await;
    assert_eq!(got.status, 200, "{}", got.body);
    got.json["state"].as_str().unwrap().to_string()
}

/// Waits (up to 10 s) until the spend of `transfer` in `pool` is no longer pending.
async fn settled(by: &Client, pool: &str, transfer: &str) -> Value {
    for _ in 0..200 {
        let spends = by.get(&format!("/api/v1/pools/{pool}/spends")).await;
        let spend = spends
            .json
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["transfer"]["id"] == transfer)
            .cloned()
            .unwrap();
        if spend["state"] != "pending" {
            return spend;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the spend of {transfer} stayed pending");
}

async fn pools_spend_by_their_rule(backend: Backend) {
    let server = TestServer::start(backend).await;
    let g = garden(&server).await;
    let cur = g.currency.clone();

    // Admins: posted at once; a member may not spend.
    let admins = pool(
        &g,
        json!({"name": "Tools", "currency": "HOURS", "rule": "admins"}),
    )
    .await;
    let admins_id = admins["id"].as_str().unwrap();
    assert_eq!(admins["rule"], "admins");
    fund(&g, admins_id, "50").await;
    assert_eq!(pool_balance(&g.bo, admins_id).await, "50.00");
    let refused =
        g.bo.post(
            &format!("/api/v1/pools/{admins_id}/spend"),
            &json!({"to": g.accounts[1], "amount": "5", "memo": "mine"}),
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let spent = g
        .ana
        .with_header("idempotency-key", "spend-1")
        .post(
            &format!("/api/v1/pools/{admins_id}/spend"),
            &json!({"to": g.accounts[2], "amount": "10", "memo": "Saw", "category": "tools"}),
        )
        .await;
    assert_eq!(spent.status, 201, "{}", spent.body);
    assert_eq!(spent.json["transfer"]["state"], "posted");
    assert!(spent.json.get("motion").is_none());
    // The same key: the same spend, not a second one.
    let again = g
        .ana
        .with_header("idempotency-key", "spend-1")
        .post(
            &format!("/api/v1/pools/{admins_id}/spend"),
            &json!({"to": g.accounts[2], "amount": "10", "memo": "Saw", "category": "tools"}),
        )
        .await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json["id"], spent.json["id"]);
    assert_eq!(pool_balance(&g.bo, admins_id).await, "40.00");
    assert_eq!(balance(&g.cy, &g.accounts[2]).await, "10.00");
    // The pool's account is the tool's: the transfers API may not move it.
    let bypass = g
        .ana
        .post(
            "/api/v1/transfers",
            &json!({"from": admins["account"], "to": g.accounts[0], "amount": "1"}),
        )
        .await;
    assert_eq!(bypass.status, 409, "{}", bypass.body);

    // Approvals, 2 of 3: who asked never approves; it posts at the second approval only.
    let shared = pool(
        &g,
        json!({"name": "Shared", "currency": cur, "rule": "approvals",
               "approvers": ["ana", "cy", "di"], "required": 2}),
    )
    .await;
    let shared_id = shared["id"].as_str().unwrap();
    assert_eq!(shared["required"], 2);
    fund(&g, shared_id, "30").await;
    let asked =
        g.cy.post(
            &format!("/api/v1/pools/{shared_id}/spend"),
            &json!({"to": g.accounts[2], "amount": "12", "memo": "Seeds"}),
        )
        .await;
    assert_eq!(asked.status, 201, "{}", asked.body);
    assert_eq!(asked.json["transfer"]["state"], "pending");
    let transfer = asked.json["transfer"]["id"].as_str().unwrap().to_string();
    let approve = format!("/api/v1/pools/{shared_id}/spends/{transfer}/approve");
    let own = g.cy.post(&approve, &json!({})).await;
    assert_eq!(own.status, 403, "{}", own.body);
    let not_approver = g.bo.post(&approve, &json!({})).await;
    assert_eq!(not_approver.status, 403, "{}", not_approver.body);
    let first = g.ana.post(&approve, &json!({})).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.json["state"], "pending");
    assert_eq!(transfer_state(&g.ana, &transfer).await, "pending");
    assert_eq!(pool_balance(&g.bo, shared_id).await, "30.00");
    let second = g.di.post(&approve, &json!({})).await;
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(second.json["state"], "posted");
    assert_eq!(second.json["approvals"].as_array().unwrap().len(), 2);
    assert_eq!(transfer_state(&g.ana, &transfer).await, "posted");
    assert_eq!(pool_balance(&g.bo, shared_id).await, "18.00");
    let late = g.ana.post(&approve, &json!({})).await;
    assert_eq!(late.status, 409, "{}", late.body);
    // A rejected one releases the money.
    let asked =
        g.bo.post(
            &format!("/api/v1/pools/{shared_id}/spend"),
            &json!({"to": g.accounts[1], "amount": "5", "memo": "Gloves"}),
        )
        .await;
    let rejected_transfer = asked.json["transfer"]["id"].as_str().unwrap().to_string();
    let rejected =
        g.cy.post(
            &format!("/api/v1/pools/{shared_id}/spends/{rejected_transfer}/reject"),
            &json!({}),
        )
        .await;
    assert_eq!(rejected.status, 200, "{}", rejected.body);
    assert_eq!(rejected.json["state"], "voided");
    assert_eq!(transfer_state(&g.ana, &rejected_transfer).await, "voided");
    assert_eq!(pool_balance(&g.bo, shared_id).await, "18.00");

    // Decision: the spend reserves money and opens a motion; it posts when the motion passes.
    let common = pool(
        &g,
        json!({"name": "Commons", "currency": cur, "rule": "decision"}),
    )
    .await;
    let common_id = common["id"].as_str().unwrap();
    fund(&g, common_id, "40").await;
    let closes = server.clock.now().plus_seconds(3600).to_rfc3339();
    let asked =
        g.bo.post(
            &format!("/api/v1/pools/{common_id}/spend"),
            &json!({"to": g.accounts[3], "amount": "15", "memo": "A bench", "closes_at": closes}),
        )
        .await;
    assert_eq!(asked.status, 201, "{}", asked.body);
    assert_eq!(asked.json["transfer"]["state"], "pending");
    let passing = asked.json["transfer"]["id"].as_str().unwrap().to_string();
    let poll = asked.json["motion"]["poll_id"]
        .as_str()
        .unwrap()
        .to_string();
    let common_pool = g.bo.get(&format!("/api/v1/pools/{common_id}")).await;
    assert_eq!(common_pool.json["pending"], "15.00");
    // Approving is not how a decision is taken.
    let wrong = g
        .ana
        .post(
            &format!("/api/v1/pools/{common_id}/spends/{passing}/approve"),
            &json!({}),
        )
        .await;
    assert_eq!(wrong.status, 409, "{}", wrong.body);
    for who in [&g.ana, &g.cy, &g.di] {
        crate::decide::voted(who, &poll, json!({"stance": "agree"})).await;
    }
    let closed = g
        .ana
        .post(&format!("/api/v1/polls/{poll}/close"), &json!({}))
        .await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    let spend = settled(&g.ana, common_id, &passing).await;
    assert_eq!(spend["state"], "posted", "{spend}");
    assert_eq!(balance(&g.di, &g.accounts[3]).await, "15.00");
    assert_eq!(pool_balance(&g.bo, common_id).await, "25.00");

    // One that fails voids, and the money stays.
    let asked =
        g.bo.post(
            &format!("/api/v1/pools/{common_id}/spend"),
            &json!({"to": g.accounts[1], "amount": "20", "memo": "A party", "closes_at": closes}),
        )
        .await;
    assert_eq!(asked.status, 201, "{}", asked.body);
    let failing = asked.json["transfer"]["id"].as_str().unwrap().to_string();
    let poll = asked.json["motion"]["poll_id"]
        .as_str()
        .unwrap()
        .to_string();
    for who in [&g.ana, &g.cy, &g.di] {
        crate::decide::voted(who, &poll, json!({"stance": "disagree"})).await;
    }
    g.ana
        .post(&format!("/api/v1/polls/{poll}/close"), &json!({}))
        .await;
    let spend = settled(&g.ana, common_id, &failing).await;
    assert_eq!(spend["state"], "voided", "{spend}");
    assert_eq!(transfer_state(&g.ana, &failing).await, "voided");
    assert_eq!(pool_balance(&g.bo, common_id).await, "25.00");

    // The report: in, out, budget against actual, the series; public for a public group.
    let report = server
        .client()
        .get(&format!("/api/v1/pools/{admins_id}/report"))
        .await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert_eq!(report.json["inflows"], "50.00");
    assert_eq!(report.json["outflows"], "10.00");
    assert_eq!(report.json["categories"][0]["category"], "tools");
    assert_eq!(report.json["categories"][0]["actual"], "10.00");
    assert_eq!(report.json["series"].as_array().unwrap().len(), 2);
}

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

async fn expense_claims_carry_receipts_and_are_never_approved_by_their_claimant(backend: Backend) {
    let server = TestServer::start(backend).await;
    let g = garden(&server).await;
    let p = pool(
        &g,
        json!({"name": "Kitchen", "currency": "HOURS", "rule": "admins"}),
    )
    .await;
    let pid = p["id"].as_str().unwrap();
    fund(&g, pid, "80").await;
    // Ana (an owner, who manages the money) claims; she may not approve her own claim.
    let claim = g
        .ana
        .post(
            &format!("/api/v1/pools/{pid}/expenses"),
            &json!({"amount": "20", "description": "Pots", "category": "kitchen", "draft": true}),
        )
        .await;
    assert_eq!(claim.status, 201, "{}", claim.body);
    assert_eq!(claim.json["state"], "draft");
    let eid = claim.json["id"].as_str().unwrap().to_string();
    // A receipt as a multipart form; a text file is refused by its bytes.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(PNG.to_vec())
            .file_name("receipt.png")
            .mime_str("image/png")
            .unwrap(),
    );
    let sent = g
        .ana
        .send(
            g.ana
                .request(
                    reqwest::Method::POST,
                    &format!("/api/v1/expenses/{eid}/receipts"),
                )
                .multipart(form),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    assert_eq!(sent.json["content_type"], "image/png");
    let file = sent.json["id"].as_str().unwrap().to_string();
    let text = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"<html>hi</html>".to_vec()).file_name("receipt.png"),
    );
    let bad = g
        .ana
        .send(
            g.ana
                .request(
                    reqwest::Method::POST,
                    &format!("/api/v1/expenses/{eid}/receipts"),
                )
                .multipart(text),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    // Someone else's claim takes no receipt from bo.
    let foreign =
        g.bo.post_raw(
            &format!("/api/v1/expenses/{eid}/receipts?name=r.png"),
            "image/png",
            PNG.to_vec(),
        )
        .await;
    assert_eq!(foreign.status, 403, "{}", foreign.body);
    let submitted = g
        .ana
        .post(&format!("/api/v1/expenses/{eid}/submit"), &json!({}))
        .await;
    assert_eq!(submitted.status, 200, "{}", submitted.body);
    assert_eq!(submitted.json["state"], "submitted");
    assert_eq!(submitted.json["receipts"].as_array().unwrap().len(), 1);
    let own = g
        .ana
        .post(&format!("/api/v1/expenses/{eid}/approve"), &json!({}))
        .await;
    assert_eq!(own.status, 403, "{}", own.body);
    // A member who does not manage the money may not approve either.
    let member =
        g.bo.post(&format!("/api/v1/expenses/{eid}/approve"), &json!({}))
            .await;
    assert_eq!(member.status, 403, "{}", member.body);
    // Make bo an admin: now he approves, and pays.
    let promoted = g
        .ana
        .patch(
            "/api/v1/groups/garden/members/bo",
            &json!({"role": "admin"}),
        )
        .await;
    assert!(promoted.status < 300, "{}", promoted.body);
    let approved =
        g.bo.post(&format!("/api/v1/expenses/{eid}/approve"), &json!({}))
            .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    assert_eq!(approved.json["state"], "approved");
    let own_pay = g
        .ana
        .post(&format!("/api/v1/expenses/{eid}/pay"), &json!({}))
        .await;
    assert_eq!(own_pay.status, 403, "{}", own_pay.body);
    let paid =
        g.bo.with_header("idempotency-key", "pay-pots")
            .post(&format!("/api/v1/expenses/{eid}/pay"), &json!({}))
            .await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    assert_eq!(paid.json["state"], "paid");
    assert!(paid.json["transfer"].is_string());
    let again =
        g.bo.with_header("idempotency-key", "pay-pots")
            .post(&format!("/api/v1/expenses/{eid}/pay"), &json!({}))
            .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(balance(&g.ana, &g.accounts[0]).await, "20.00");
    assert_eq!(pool_balance(&g.bo, pid).await, "60.00");
    // The receipt is read by members, not by a stranger, although the group is public.
    assert_eq!(g.cy.get(&format!("/api/v1/files/{file}")).await.status, 200);
    let stranger = server.account("zed").await;
    assert_eq!(
        stranger.get(&format!("/api/v1/files/{file}")).await.status,
        404
    );
    assert_eq!(
        stranger
            .get(&format!("/api/v1/expenses/{eid}"))
            .await
            .status,
        404
    );
    // Claims under approvals: never approved by the claimant, approved at the Nth.
    let shared = pool(
        &g,
        json!({"name": "Shared", "currency": "HOURS", "rule": "approvals",
               "approvers": ["ana", "cy"], "required": 1}),
    )
    .await;
    let sid = shared["id"].as_str().unwrap();
    let claim =
        g.cy.post(
            &format!("/api/v1/pools/{sid}/expenses"),
            &json!({"amount": "3", "description": "Twine"}),
        )
        .await;
    assert_eq!(claim.json["state"], "submitted", "{}", claim.body);
    let cid = claim.json["id"].as_str().unwrap();
    let own =
        g.cy.post(&format!("/api/v1/expenses/{cid}/approve"), &json!({}))
            .await;
    assert_eq!(own.status, 403, "{}", own.body);
    let rejected = g
        .ana
        .post(
            &format!("/api/v1/expenses/{cid}/reject"),
            &json!({"note": "Not ours"}),
        )
        .await;
    assert_eq!(rejected.status, 200, "{}", rejected.body);
    assert_eq!(rejected.json["state"], "rejected");
    assert_eq!(rejected.json["note"], "Not ours");
    let listed = g.cy.get(&format!("/api/v1/pools/{sid}/expenses")).await;
    assert_eq!(listed.json.as_array().unwrap().len(), 1);
}

async fn obligations_of(by: &Client, dues: &str) -> Vec<Value> {
    let got = by.get(&format!("/api/v1/dues/{dues}/obligations")).await;
    assert_eq!(got.status, 200, "{}", got.body);
    got.json.as_array().unwrap().clone()
}

async fn dues_over_a_jumped_clock_create_remind_and_settle_obligations(backend: Backend) {
    let server = TestServer::start(backend).await;
    let g = garden(&server).await;
    // A tracked currency for money held outside Weft.
    let eur = g
        .ana
        .post(
            "/api/v1/groups/garden/currencies",
            &json!({"code": "EUR", "name": "Euro", "kind": "tracked", "scale": 2}),
        )
        .await;
    assert_eq!(eur.status, 201, "{}", eur.body);
    let starts = server.clock.now().plus_seconds(10 * 86_400).to_rfc3339();
    let made = g
        .ana
        .post(
            "/api/v1/groups/garden/dues",
            &json!({"name": "Membership", "currency": "HOURS", "amount": "5",
                    "interval": "monthly", "starts_at": starts, "roles": ["member"]}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let dues = made.json["id"].as_str().unwrap().to_string();
    let pool_id = made.json["pool"].as_str().unwrap().to_string();
    let listed = g.bo.get("/api/v1/groups/garden/dues").await;
    assert_eq!(listed.json.as_array().unwrap().len(), 1);
    assert!(obligations_of(&g.ana, &dues).await.is_empty());

    // Three days before the due date, the clock's job makes the obligations and tells
    // the members (the owner's role is not `member`: she owes nothing).
    server.clock.advance_seconds(7 * 86_400 + 60);
    assert!(heard(&g.bo, "dues_due").await, "members hear of their dues");
    let all = obligations_of(&g.ana, &dues).await;
    assert_eq!(all.len(), 3, "{all:?}");
    assert!(
        all.iter()
            .all(|o| o["state"] == "open" && o["overdue"] == false)
    );
    // A member sees their own only.
    let own = obligations_of(&g.bo, &dues).await;
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["member"]["handle"], "bo");
    let bo_owes = own[0]["id"].as_str().unwrap().to_string();
    // Bo pays by a transfer to the pool; nobody else may pay his.
    let other =
        g.cy.post(&format!("/api/v1/obligations/{bo_owes}/pay"), &json!({}))
            .await;
    assert_eq!(other.status, 404, "{}", other.body);
    let paid =
        g.bo.with_header("idempotency-key", "dues-1")
            .post(&format!("/api/v1/obligations/{bo_owes}/pay"), &json!({}))
            .await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    assert_eq!(paid.json["state"], "paid");
    let again =
        g.bo.with_header("idempotency-key", "dues-1")
            .post(&format!("/api/v1/obligations/{bo_owes}/pay"), &json!({}))
            .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(balance(&g.bo, &g.accounts[1]).await, "-5.00");
    assert_eq!(pool_balance(&g.ana, &pool_id).await, "5.00");
    // Cy paid outside Weft: an admin marks it paid with a note, which posts a deposit.
    let cy_owes = obligations_of(&g.ana, &dues)
        .await
        .into_iter()
        .find(|o| o["member"]["handle"] == "cy")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let no_note = g
        .ana
        .post(
            &format!("/api/v1/obligations/{cy_owes}/mark-paid"),
            &json!({}),
        )
        .await;
    assert_eq!(no_note.status, 422, "{}", no_note.body);
    let by_member =
        g.di.post(
            &format!("/api/v1/obligations/{cy_owes}/mark-paid"),
            &json!({"note": "cash"}),
        )
        .await;
    assert_eq!(by_member.status, 404, "{}", by_member.body);
    let marked = g
        .ana
        .post(
            &format!("/api/v1/obligations/{cy_owes}/mark-paid"),
            &json!({"note": "Paid in cash at the meeting"}),
        )
        .await;
    assert_eq!(marked.status, 200, "{}", marked.body);
    assert_eq!(marked.json["state"], "paid");
    assert_eq!(marked.json["paid_by"]["handle"], "ana");
    assert_eq!(pool_balance(&g.ana, &pool_id).await, "10.00");

    // A process killed while paying: cy's mark-paid made its deposit but was left `paying`;
    // di's payment was written as intent and never reached the ledger. At start, cy's is
    // paid (the deposit found under ana's key), di's is open again; no money moves twice.
    let di_owes = obligations_of(&g.ana, &dues)
        .await
        .into_iter()
        .find(|o| o["member"]["handle"] == "di")
        .unwrap();
    let di_id = di_owes["id"].as_str().unwrap().to_string();
    let di_person: uuid::Uuid = di_owes["member"]["id"].as_str().unwrap().parse().unwrap();
    set(
        &server,
        "credit_obligations",
        &cy_owes,
        "state",
        "paying".into(),
    )
    .await;
    set(
        &server,
        "credit_obligations",
        &di_id,
        "state",
        "paying".into(),
    )
    .await;
    set(
        &server,
        "credit_obligations",
        &di_id,
        "paid_by",
        di_person.into(),
    )
    .await;
    set(
        &server,
        "credit_obligations",
        &di_id,
        "ledger_key",
        format!("credit-obligation-{di_id}").into(),
    )
    .await;
    let book = ::ledger::Ledger::start(server.kernel.clone());
    credit::finish(&book).await.unwrap();
    let now = obligations_of(&g.ana, &dues).await;
    let state_of = |who: &str| {
        now.iter().find(|o| o["member"]["handle"] == who).unwrap()["state"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(state_of("cy"), "paid");
    assert_eq!(state_of("di"), "open");
    assert_eq!(
        pool_balance(&g.ana, &pool_id).await,
        "10.00",
        "nothing moved twice"
    );

    // After the due date and its grace, only di is reminded, and he is in arrears.
    server.clock.advance_seconds(6 * 86_400);
    assert!(
        heard(&g.di, "dues_overdue").await,
        "the unpaid are reminded"
    );
    let bo_heard = g.bo.get("/api/v1/notifications").await.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["reason"] == "dues_overdue");
    assert!(!bo_heard, "who paid is not reminded");
    let arrears = g.ana.get("/api/v1/groups/garden/arrears").await;
    assert_eq!(arrears.status, 200, "{}", arrears.body);
    let late: Vec<&str> = arrears
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["member"]["handle"].as_str().unwrap())
        .collect();
    assert_eq!(late, ["di"]);
    let mine = g.di.get("/api/v1/me/obligations").await;
    assert_eq!(mine.json[0]["overdue"], true, "{}", mine.body);
    // The next cycle comes by itself (a month after the first due date, less the notice).
    server.clock.advance_seconds(25 * 86_400);
    for _ in 0..100 {
        if obligations_of(&g.ana, &dues).await.len() == 6 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(obligations_of(&g.ana, &dues).await.len(), 6);
}

async fn members_pay_request_and_confirm_and_see_the_currency_health(backend: Backend) {
    let server = TestServer::start(backend).await;
    let g = garden(&server).await;
    // Bo asks cy for 7 hours; cy hears of it and pays.
    let asked =
        g.bo.post(
            "/api/v1/payment-requests",
            &json!({"from": "cy", "to": g.accounts[1], "amount": "7", "memo": "Weeding"}),
        )
        .await;
    assert_eq!(asked.status, 201, "{}", asked.body);
    assert_eq!(asked.json["state"], "open");
    let rid = asked.json["id"].as_str().unwrap().to_string();
    assert!(heard(&g.cy, "payment_requested").await);
    let not_payer =
        g.bo.post(&format!("/api/v1/payment-requests/{rid}/pay"), &json!({}))
            .await;
    assert_eq!(not_payer.status, 403, "{}", not_payer.body);
    let stranger = server.account("zed").await;
    assert_eq!(
        stranger
            .get(&format!("/api/v1/payment-requests/{rid}"))
            .await
            .status,
        404
    );
    let paid =
        g.cy.post(&format!("/api/v1/payment-requests/{rid}/pay"), &json!({}))
            .await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    assert_eq!(paid.json["state"], "paid");
    assert_eq!(balance(&g.bo, &g.accounts[1]).await, "7.00");
    let twice =
        g.cy.post(&format!("/api/v1/payment-requests/{rid}/pay"), &json!({}))
            .await;
    assert_eq!(twice.status, 409, "{}", twice.body);
    // A declined one moves nothing.
    let asked =
        g.bo.post(
            "/api/v1/payment-requests",
            &json!({"from": g.accounts[3], "to": g.accounts[1], "amount": "2", "memo": "Tea"}),
        )
        .await;
    let declined =
        g.di.post(
            &format!(
                "/api/v1/payment-requests/{}/decline",
                asked.json["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert_eq!(declined.json["state"], "declined", "{}", declined.body);
    assert_eq!(balance(&g.di, &g.accounts[3]).await, "0.00");

    // Di confirms what she receives: a payment to her waits until she accepts.
    let set =
        g.di.put(
            "/api/v1/me/credit-preferences",
            &json!({"confirm_incoming": true}),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    let pay = g
        .ana
        .post(
            "/api/v1/payments",
            &json!({"from": g.accounts[0], "to": g.accounts[3], "amount": "4", "memo": "Jam"}),
        )
        .await;
    assert_eq!(pay.status, 201, "{}", pay.body);
    assert_eq!(pay.json["awaiting_payee"], true);
    let tid = pay.json["transfer"]["id"].as_str().unwrap().to_string();
    assert_eq!(balance(&g.di, &g.accounts[3]).await, "0.00");
    let payer_accepts = g
        .ana
        .post(&format!("/api/v1/payments/{tid}/accept"), &json!({}))
        .await;
    assert_eq!(payer_accepts.status, 403, "{}", payer_accepts.body);
    let accepted =
        g.di.post(&format!("/api/v1/payments/{tid}/accept"), &json!({}))
            .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(accepted.json["transfer"]["state"], "posted");
    assert_eq!(balance(&g.di, &g.accounts[3]).await, "4.00");
    // To someone who does not confirm, a payment is posted at once.
    let direct =
        g.di.post(
            "/api/v1/payments",
            &json!({"from": g.accounts[3], "to": g.accounts[0], "amount": "1"}),
        )
        .await;
    assert_eq!(direct.json["awaiting_payee"], false, "{}", direct.body);

    // Limits changed are logged.
    let changed = g
        .ana
        .patch(
            &format!("/api/v1/ledger-accounts/{}", g.accounts[2]),
            &json!({"floor": "-7"}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let log =
        g.cy.get(&format!(
            "/api/v1/ledger-accounts/{}/limit-changes",
            g.accounts[2]
        ))
        .await;
    assert_eq!(log.status, 200, "{}", log.body);
    assert_eq!(log.json[0]["floor"], "-7.00");
    assert_eq!(log.json[0]["floor_before"], "-300.00");
    assert_eq!(log.json[0]["changed_by"]["handle"], "ana");

    // Health: cy is at her floor now; this month saw three payments between members.
    let health =
        g.bo.get(&format!("/api/v1/currencies/{}/health", g.currency))
            .await;
    assert_eq!(health.status, 200, "{}", health.body);
    let h = &health.json;
    assert_eq!(h["accounts"], 4);
    assert_eq!(h["at_floor"], 1, "{h}");
    assert_eq!(h["months"].as_array().unwrap().len(), 12);
    let this = &h["months"][11];
    assert_eq!(this["transfers"], 3, "{h}");
    assert_eq!(this["volume"], "12.00");
    assert_eq!(this["traders"], 4);
    // Supply: bo 7, di 3 → 10; velocity 12 / 10.
    assert_eq!(h["supply"], "10.00");
    assert_eq!(this["velocity"], 1.2);
    assert!(h["gini"].as_f64().unwrap() > 0.0);
    assert_eq!(
        stranger
            .get(&format!("/api/v1/currencies/{}/health", g.currency))
            .await
            .status,
        404
    );
    // A month later the month gone by reads the same, counted once and kept.
    let before = h["months"][11].clone();
    server.clock.advance_seconds(20 * 86_400);
    assert_eq!(g.bo.get("/api/v1/me").await.status, 200);
    server.clock.advance_seconds(12 * 86_400);
    let path = format!("/api/v1/currencies/{}/health", g.currency);
    let later = g.bo.get(&path).await;
    assert_eq!(later.status, 200, "{}", later.body);
    assert_eq!(later.json["months"][10], before, "{}", later.body);
    assert_eq!(later.json["months"][11]["transfers"], 0);
    let again = g.bo.get(&path).await;
    assert_eq!(again.json["months"], later.json["months"]);
}

async fn bad_input_is_refused_and_moves_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let g = garden(&server).await;
    let eur = g
        .ana
        .post(
            "/api/v1/groups/garden/currencies",
            &json!({"code": "EUR", "name": "Euro", "kind": "tracked", "scale": 2}),
        )
        .await;
    let eur_id = eur.json["id"].as_str().unwrap().to_string();
    let p = pool(
        &g,
        json!({"name": "Tools", "currency": "HOURS", "rule": "admins"}),
    )
    .await;
    let pid = p["id"].as_str().unwrap();
    fund(&g, pid, "10").await;
    let spend = |amount: &'static str| {
        let ana = g.ana.clone();
        let to = g.accounts[1].clone();
        async move {
            ana.post(
                &format!("/api/v1/pools/{pid}/spend"),
                &json!({"to": to, "amount": amount, "memo": "x"}),
            )
            .await
        }
    };
    for amount in ["1.001", "-3", "0", "abc"] {
        let r = spend(amount).await;
        assert_eq!(r.status, 422, "{amount}: {}", r.body);
        assert!(
            r.error_fields().contains(&"amount".to_string()),
            "{}",
            r.body
        );
    }
    // Beyond the pool's balance: refused, nothing reserved.
    let beyond = spend("10.01").await;
    assert_eq!(beyond.status, 422, "{}", beyond.body);
    assert_eq!(beyond.error_fields(), ["amount"], "{}", beyond.body);
    assert!(
        beyond.body.contains("10.00 HOURS available"),
        "{}",
        beyond.body
    );
    assert_eq!(pool_balance(&g.bo, pid).await, "10.00");
    let shown = g.bo.get(&format!("/api/v1/pools/{pid}")).await;
    assert_eq!(shown.json["pending"], "0.00");
    assert_eq!(
        g.bo.get(&format!("/api/v1/pools/{pid}/spends")).await.json,
        json!([])
    );
    // An account of another currency.
    let euro_account =
        g.bo.post(&format!("/api/v1/currencies/{eur_id}/accounts"), &json!({}))
            .await;
    let wrong = g
        .ana
        .post(
            &format!("/api/v1/pools/{pid}/spend"),
            &json!({"to": euro_account.json["id"], "amount": "1", "memo": "x"}),
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    // A payout outside Weft is for tracked money only.
    let outside = g
        .ana
        .post(
            &format!("/api/v1/pools/{pid}/spend"),
            &json!({"to": "outside", "payee": "Shop", "amount": "1", "memo": "x"}),
        )
        .await;
    assert_eq!(outside.status, 422, "{}", outside.body);
    // Dues into a pool of another currency.
    let dues = g
        .ana
        .post(
            "/api/v1/groups/garden/dues",
            &json!({"name": "Fee", "currency": "EUR", "amount": "5", "interval": "monthly",
                    "starts_at": server.clock.now().plus_seconds(86_400).to_rfc3339(), "pool": pid}),
        )
        .await;
    assert_eq!(dues.status, 422, "{}", dues.body);
    assert!(
        dues.error_fields().contains(&"pool".to_string()),
        "{}",
        dues.body
    );
    let interval = g
        .ana
        .post(
            "/api/v1/groups/garden/dues",
            &json!({"name": "Fee", "currency": "HOURS", "amount": "5", "interval": "daily",
                    "starts_at": server.clock.now().to_rfc3339()}),
        )
        .await;
    assert_eq!(interval.status, 422, "{}", interval.body);
    // Approvals need two approvers at least, and a reachable count.
    let few = g
        .ana
        .post(
            "/api/v1/groups/garden/pools",
            &json!({"name": "X", "currency": "HOURS", "rule": "approvals",
                    "approvers": ["ana", "bo"], "required": 3}),
        )
        .await;
    assert_eq!(few.status, 422, "{}", few.body);
    let unknown = g
        .ana
        .post(
            "/api/v1/groups/garden/pools",
            &json!({"name": "X", "currency": "HOURS", "rule": "admins", "colour": "red"}),
        )
        .await;
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    // A receipt that is not an image or a PDF.
    let claim =
        g.bo.post(
            &format!("/api/v1/pools/{pid}/expenses"),
            &json!({"amount": "2", "description": "Nails", "draft": true}),
        )
        .await;
    assert_eq!(claim.status, 201, "{}", claim.body);
    let not_image =
        g.bo.post_raw(
            &format!(
                "/api/v1/expenses/{}/receipts?name=r.txt",
                claim.json["id"].as_str().unwrap()
            ),
            "text/plain",
            b"just text".to_vec(),
        )
        .await;
    assert_eq!(not_image.status, 422, "{}", not_image.body);
    let over =
        g.bo.post(
            &format!("/api/v1/pools/{pid}/expenses"),
            &json!({"amount": "2.001", "description": "Nails"}),
        )
        .await;
    assert_eq!(over.status, 422, "{}", over.body);
    // Nothing moved.
    assert_eq!(pool_balance(&g.bo, pid).await, "10.00");
    assert_eq!(balance(&g.bo, &g.accounts[1]).await, "-10.00");
}

/// Sets `column` of the row `id` in `table` (as if the process had stopped between writing
/// its intent and the ledger's answer).
async fn set(server: &TestServer, table: &str, id: &str, column: &str, value: sea_query::Value) {
    let mut tx = server.kernel.db.begin().await.unwrap();
    tx.execute(
        sea_query::Query::update()
            .table(sea_query::Alias::new(table))
            .value(sea_query::Alias::new(column), value)
            .and_where(
                sea_query::Expr::col(sea_query::Alias::new("id"))
                    .eq(id.parse::<uuid::Uuid>().unwrap()),
            ),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn what_a_killed_process_left_is_finished_at_start(backend: Backend) {
    let server = TestServer::start(backend).await;
    let g = garden(&server).await;
    let shared = pool(
        &g,
        json!({"name": "Shared", "currency": "HOURS", "rule": "approvals",
               "approvers": ["ana", "cy", "di"], "required": 2}),
    )
    .await;
    let sid = shared["id"].as_str().unwrap();
    fund(&g, sid, "20").await;
    // A spend the ledger reserved, whose answer was never recorded.
    let asked =
        g.bo.post(
            &format!("/api/v1/pools/{sid}/spend"),
            &json!({"to": g.accounts[1], "amount": "4", "memo": "Rope"}),
        )
        .await;
    assert_eq!(asked.status, 201, "{}", asked.body);
    let reserved = asked.json["id"].as_str().unwrap().to_string();
    let transfer = asked.json["transfer"]["id"].as_str().unwrap().to_string();
    set(
        &server,
        "credit_spends",
        &reserved,
        "state",
        "reserving".into(),
    )
    .await;
    set(
        &server,
        "credit_spends",
        &reserved,
        "transfer_id",
        sea_query::Value::Uuid(None),
    )
    .await;
    // A spend written as intent whose ledger request never happened.
    let never =
        g.bo.post(
            &format!("/api/v1/pools/{sid}/spend"),
            &json!({"to": g.accounts[1], "amount": "1", "memo": "Never"}),
        )
        .await;
    let never_id = never.json["id"].as_str().unwrap().to_string();
    let never_transfer = never.json["transfer"]["id"].as_str().unwrap().to_string();
    g.bo.post(
        &format!("/api/v1/pools/{sid}/spends/{never_transfer}/reject"),
        &json!({}),
    )
    .await;
    set(
        &server,
        "credit_spends",
        &never_id,
        "state",
        "reserving".into(),
    )
    .await;
    set(
        &server,
        "credit_spends",
        &never_id,
        "ledger_key",
        "credit-spend-never-asked".into(),
    )
    .await;
    // A request paid on the ledger, left as paying; another left paying but never paid.
    let ask = |memo: &'static str| {
        let bo = g.bo.clone();
        let to = g.accounts[1].clone();
        async move {
            let r = bo
                .post(
                    "/api/v1/payment-requests",
                    &json!({"from": "cy", "to": to, "amount": "2", "memo": memo}),
                )
                .await;
            r.json["id"].as_str().unwrap().to_string()
        }
    };
    let paid = ask("Paid").await;
    let unpaid = ask("Unpaid").await;
    g.cy.post(&format!("/api/v1/payment-requests/{paid}/pay"), &json!({}))
        .await;
    set(
        &server,
        "credit_payment_requests",
        &paid,
        "state",
        "paying".into(),
    )
    .await;
    set(
        &server,
        "credit_payment_requests",
        &unpaid,
        "state",
        "paying".into(),
    )
    .await;

    let book = ::ledger::Ledger::start(server.kernel.clone());
    credit::finish(&book).await.unwrap();
    // Twice is the same as once.
    credit::finish(&book).await.unwrap();

    let spends = g.ana.get(&format!("/api/v1/pools/{sid}/spends")).await;
    let spends = spends.json.as_array().unwrap();
    let found = spends
        .iter()
        .find(|s| s["id"] == reserved.as_str())
        .unwrap();
    assert_eq!(found["state"], "pending", "{found}");
    assert_eq!(found["transfer"]["id"], transfer.as_str());
    assert!(
        spends.iter().all(|s| s["id"] != never_id.as_str()),
        "the spend the ledger never saw is gone"
    );
    // The recovered spend still posts at its second approval.
    for who in [&g.ana, &g.cy] {
        let ok = who
            .post(
                &format!("/api/v1/pools/{sid}/spends/{transfer}/approve"),
                &json!({}),
            )
            .await;
        assert_eq!(ok.status, 200, "{}", ok.body);
    }
    assert_eq!(pool_balance(&g.bo, sid).await, "16.00");
    let paid = g.bo.get(&format!("/api/v1/payment-requests/{paid}")).await;
    assert_eq!(paid.json["state"], "paid", "{}", paid.body);
    assert!(paid.json["transfer"].is_string());
    let unpaid =
        g.bo.get(&format!("/api/v1/payment-requests/{unpaid}"))
            .await;
    assert_eq!(unpaid.json["state"], "open", "{}", unpaid.body);
    assert_eq!(balance(&g.cy, &g.accounts[2]).await, "-2.00", "paid once");
}
