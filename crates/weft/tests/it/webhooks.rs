//! Webhooks out through the real server to a real local receiver: signed per the Standard
//! Webhooks specification (checked with the `standardwebhooks` crate), filtered by type,
//! retried after the receiver was down so that every missed delivery arrives, replayed on
//! demand, and turned off by a 410.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};
use testkit::{Backend, Client, TestServer, both};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

both!(
    deliveries_are_signed_retried_and_never_lost,
    a_gone_receiver_turns_its_endpoint_off,
);

type Received = Arc<Mutex<Vec<(HeaderMap, String)>>>;

/// A receiver on `port` (0: any) answering `status`; stops when `stop` is cancelled.
async fn receiver(port: u16, status: u16, got: Received, stop: CancellationToken) -> u16 {
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: String| {
            let got = got.clone();
            async move {
                got.lock().unwrap().push((headers, body));
                StatusCode::from_u16(status).unwrap()
            }
        }),
    );
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await
            .unwrap();
    });
    port
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn deliveries(client: &Client, hook: &str) -> Vec<Value> {
    let page = client
        .get(&format!("/api/v1/webhooks/{hook}/deliveries?limit=100"))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.json["items"].as_array().unwrap().clone()
}

fn verify(secret: &str, headers: &HeaderMap, body: &str) -> Value {
    let wh = standardwebhooks::Webhook::new(secret).unwrap();
    wh.verify(body.as_bytes(), headers)
        .unwrap_or_else(|e| panic!("the signature does not verify: {e:?}"));
    serde_json::from_str(body).unwrap()
}

async fn deliveries_are_signed_retried_and_never_lost(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    let bo = server.account("bo").await;
    let reply = ana
        .post(
            "/api/v1/groups",
            &json!({"handle": "garden", "name": "Garden", "visibility": "public", "join_policy": "open"}),
        )
        .await;
    assert_eq!(reply.status, 201);
    let got: Received = Arc::default();
    let stop = CancellationToken::new();
    let port = receiver(0, 200, got.clone(), stop.clone()).await;
    let url = format!("http://127.0.0.1:{port}/hook");

    // Bad endpoints are refused field by field; members may not add one.
    let bad = ana
        .post(
            "/api/v1/groups/garden/webhooks",
            &json!({"url": "ftp://x", "events": []}),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.error_fields(), vec!["url", "events"], "{}", bad.body);
    bo.post("/api/v1/groups/garden/members", &json!({})).await;
    bo.post(
        "/api/v1/groups/garden/webhooks",
        &json!({"url": url, "events": ["*"]}),
    )
    .await
    .problem(403);

    let hook = ana
        .post(
            "/api/v1/groups/garden/webhooks",
            &json!({"url": url, "events": ["*"]}),
        )
        .await;
    assert_eq!(hook.status, 201, "{}", hook.body);
    let secret = hook.json["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"));
    let id = hook.json["id"].as_str().unwrap().to_string();
    // Another endpoint wants only updates.
    let updates_got: Received = Arc::default();
    let updates_port = receiver(0, 200, updates_got.clone(), CancellationToken::new()).await;
    let updates = ana
        .post(
            "/api/v1/groups/garden/webhooks",
            &json!({"url": format!("http://127.0.0.1:{updates_port}/hook"), "events": ["Update"]}),
        )
        .await;
    assert_eq!(updates.status, 201);
    let updates_secret = updates.json["secret"].as_str().unwrap().to_string();

    // Something happens: it arrives, signed.
    let posted = ana
        .post(
            "/api/v1/groups/garden/activities",
            &json!({"type": "Create", "summary": "first", "object": {"type": "Note", "id": "https://t.example/1"}}),
        )
        .await;
    assert_eq!(posted.status, 201);
    wait_for("the first delivery", || !got.lock().unwrap().is_empty()).await;
    let (headers, body) = got.lock().unwrap()[0].clone();
    let payload = verify(&secret, &headers, &body);
    assert_eq!(payload["type"], "Create");
    assert_eq!(payload["data"]["summary"], "first");
    assert_eq!(payload["data"]["id"], posted.json["id"]);
    // A forged body does not verify.
    let wh = standardwebhooks::Webhook::new(&secret).unwrap();
    assert!(
        wh.verify(body.replace("first", "forged").as_bytes(), &headers)
            .is_err()
    );

    // The receiver goes down; three things happen; each first attempt fails.
    stop.cancel();
    tokio::time::sleep(Duration::from_millis(200)).await;
    ana.patch("/api/v1/groups/garden", &json!({"name": "The Garden"}))
        .await;
    for n in ["second", "third"] {
        ana.post(
            "/api/v1/groups/garden/activities",
            &json!({"type": "Create", "summary": n, "object": {"type": "Note", "id": "https://t.example/2"}}),
        )
        .await;
    }
    let started = Instant::now();
    loop {
        let ds = deliveries(&ana, &id).await;
        let failed_once = ds
            .iter()
            .filter(|d| d["state"] == "pending" && d["attempts"] == 1)
            .count();
        if failed_once == 3 {
            assert!(ds.iter().all(|d| d["state"] != "failed"), "{ds:?}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{ds:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // It comes back; after the first retry's wait every missed delivery arrives, in order.
    let stop = CancellationToken::new();
    receiver(port, 200, got.clone(), stop.clone()).await;
    server.clock.advance_seconds(6);
    wait_for("the missed deliveries", || got.lock().unwrap().len() == 4).await;
    let received: Vec<Value> = got
        .lock()
        .unwrap()
        .iter()
        .map(|(h, b)| verify(&secret, h, b))
        .collect();
    let mut summaries: Vec<String> = received[1..]
        .iter()
        .map(|p| p["data"]["summary"].as_str().unwrap().to_string())
        .collect();
    summaries.sort();
    assert_eq!(summaries.len(), 3);
    assert!(
        summaries.iter().any(|s| s.contains("changed")),
        "{summaries:?}"
    );
    // The receiver answers before the sender records it: wait for the records too.
    let started = Instant::now();
    let ds = loop {
        let ds = deliveries(&ana, &id).await;
        assert_eq!(ds.len(), 4);
        if ds.iter().all(|d| d["state"] == "delivered") {
            break ds;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{ds:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    // The updates-only endpoint got the rename and nothing else.
    wait_for("the update", || updates_got.lock().unwrap().len() == 1).await;
    let (h, b) = updates_got.lock().unwrap()[0].clone();
    assert_eq!(verify(&updates_secret, &h, &b)["type"], "Update");

    // A replay sends the same message again (same webhook-id: receivers can drop it).
    let first = ds.last().unwrap()["id"].as_str().unwrap().to_string();
    let replayed = ana
        .post(
            &format!("/api/v1/webhooks/{id}/deliveries/{first}/replay"),
            &json!({}),
        )
        .await;
    assert_eq!(replayed.status, 202, "{}", replayed.body);
    wait_for("the replay", || got.lock().unwrap().len() == 5).await;
    let again = got.lock().unwrap()[4].clone();
    assert_eq!(
        again.0["webhook-id"],
        got.lock().unwrap()[0].0["webhook-id"]
    );
    verify(&secret, &again.0, &again.1);

    // Only who manages the group's tools sees an endpoint and its deliveries.
    bo.get(&format!("/api/v1/webhooks/{id}/deliveries"))
        .await
        .problem(404);
    bo.get("/api/v1/groups/garden/webhooks").await.problem(403);
    let listed = ana.get("/api/v1/groups/garden/webhooks").await;
    assert_eq!(listed.json.as_array().unwrap().len(), 2);
    assert!(listed.json[0].get("secret").is_none());

    // Removed: nothing more is sent.
    assert_eq!(
        ana.delete(&format!("/api/v1/webhooks/{id}")).await.status,
        204
    );
    ana.post(
        "/api/v1/groups/garden/activities",
        &json!({"type": "Create", "summary": "after", "object": {"type": "Note", "id": "https://t.example/3"}}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(got.lock().unwrap().len(), 5);
    stop.cancel();
}

async fn a_gone_receiver_turns_its_endpoint_off(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    ana.post(
        "/api/v1/groups",
        &json!({"handle": "garden", "name": "Garden", "visibility": "public", "join_policy": "open"}),
    )
    .await;
    let got: Received = Arc::default();
    let port = receiver(0, 410, got.clone(), CancellationToken::new()).await;
    let hook = ana
        .post(
            "/api/v1/groups/garden/webhooks",
            &json!({"url": format!("http://127.0.0.1:{port}/hook"), "events": ["Create"]}),
        )
        .await;
    assert_eq!(hook.status, 201, "{}", hook.body);
    let id = hook.json["id"].as_str().unwrap().to_string();
    let x = ana
        .post(
            "/api/v1/groups/garden/activities",
            &json!({"type": "Create", "summary": "x", "object": {"type": "Note", "id": "https://t.example/1"}}),
        )
        .await;
    assert_eq!(x.status, 201, "{}", x.body);
    wait_for("the 410", || got.lock().unwrap().len() == 1).await;
    let started = Instant::now();
    loop {
        let listed = ana.get("/api/v1/groups/garden/webhooks").await;
        if !listed.json[0]["disabled_at"].is_null() {
            assert!(
                listed.json[0]["disabled_reason"]
                    .as_str()
                    .unwrap()
                    .contains("410")
            );
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{}",
            listed.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ds = deliveries(&ana, &id).await;
    assert_eq!(ds[0]["state"], "failed");
    assert_eq!(ds[0]["last_status"], 410);
    // Nothing more goes to it, and it cannot be replayed to.
    ana.post(
        "/api/v1/groups/garden/activities",
        &json!({"type": "Create", "summary": "y", "object": {"type": "Note", "id": "https://t.example/2"}}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(got.lock().unwrap().len(), 1);
    let d = ds[0]["id"].as_str().unwrap();
    ana.post(
        &format!("/api/v1/webhooks/{id}/deliveries/{d}/replay"),
        &json!({}),
    )
    .await
    .problem(409);
}
