//! The protocol's conventions: problem+json for every error, body limits, request ids,
//! the OpenAPI document and the operational endpoints.

use serde_json::json;
use testkit::{Backend, TestServer, both};

both!(every_error_is_a_problem, operational_endpoints_answer);

async fn every_error_is_a_problem(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = server.client();
    let broken = client
        .post_raw(
            "/api/v1/accounts",
            "application/json",
            b"{\"handle\":".to_vec(),
        )
        .await;
    assert!(
        broken.problem(400)["detail"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );
    client
        .post_raw("/api/v1/accounts", "text/plain", b"{}".to_vec())
        .await
        .problem(415);
    client
        .post_raw("/api/v1/accounts", "application/json", b"[1,2]".to_vec())
        .await
        .problem(422);
    client
        .post_raw(
            "/api/v1/accounts",
            "application/json",
            br#"{"handle":"ab","password":"x"} trailing"#.to_vec(),
        )
        .await
        .problem(400);
    // The server answers 413 before the client has sent all 2 MiB and then closes the
    // connection, so the client may see its write cut instead of the answer: try again then.
    let huge = format!("{{\"handle\":\"{}\"}}", "a".repeat(2 * 1024 * 1024));
    let http = reqwest::Client::new();
    let mut answered = None;
    for _ in 0..5 {
        let sent = http
            .post(client.url("/api/v1/accounts"))
            .header("content-type", "application/json")
            .body(huge.clone())
            .send()
            .await;
        if let Ok(response) = sent {
            let ct = response.headers().get("content-type").cloned();
            answered = Some((response.status().as_u16(), ct));
            break;
        }
    }
    let (status, content_type) = answered.expect("the server answers the oversized body");
    assert_eq!(status, 413);
    assert_eq!(
        content_type.as_ref().and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    client.get("/api/v1/nothing-here").await.problem(404);
    client.get("/totally/unknown").await.problem(404);
    let wrong_method = client.put("/api/v1/accounts", &json!({})).await;
    wrong_method.problem(405);
    assert!(wrong_method.header("allow").unwrap().contains("POST"));
    let anonymous = client.get("/api/v1/me").await;
    anonymous.problem(401);
    assert_eq!(anonymous.header("www-authenticate"), Some("Bearer"));
    let utf8 = client
        .post_raw(
            "/api/v1/accounts",
            "application/json",
            vec![b'"', 0xff, b'"'],
        )
        .await;
    utf8.problem(400);
}

async fn operational_endpoints_answer(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = server.client();
    assert_eq!(client.get("/healthz").await.status, 200);
    assert_eq!(client.get("/readyz").await.status, 200);
    let answer = client.get("/api/v1/accounts/nobody").await;
    let id = answer
        .header("x-request-id")
        .expect("every answer carries a request id");
    assert_eq!(id.len(), 36);
    let traced = client
        .with_header("x-request-id", "trace-me-42")
        .get("/healthz")
        .await;
    assert_eq!(
        traced.header("x-request-id"),
        Some("trace-me-42"),
        "a caller's id is kept"
    );

    let spec = client.get("/api/openapi.json").await;
    assert_eq!(spec.status, 200);
    assert!(spec.json["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = spec.json["paths"].as_object().unwrap();
    for path in [
        "/api/v1/accounts",
        "/api/v1/accounts/{account}",
        "/api/v1/sessions",
        "/api/v1/sessions/current",
        "/api/v1/sessions/{id}",
        "/api/v1/me",
        "/api/v1/password-resets",
        "/api/v1/password-resets/{token}",
        "/api/v1/tokens",
        "/api/v1/tokens/{id}",
    ] {
        assert!(
            paths.contains_key(path),
            "the OpenAPI document lists {path}"
        );
    }
    let sign_up = &spec.json["paths"]["/api/v1/accounts"]["post"]["responses"];
    assert!(sign_up["422"]["content"]["application/problem+json"].is_object());

    let docs = client.get("/api/docs").await;
    assert_eq!(docs.status, 200);
    assert!(docs.body.contains("POST /api/v1/accounts"));
    assert!(
        !docs.body.contains("<script"),
        "the docs page needs no JavaScript"
    );

    // Metrics are for the server's administrators (a token of theirs that may read).
    client.get("/metrics").await.problem(401);
    server
        .account("plain")
        .await
        .get("/metrics")
        .await
        .problem(403);
    let root = server.admin("root").await;
    let reader = root
        .post(
            "/api/v1/tokens",
            &json!({"name": "prometheus", "scopes": ["read"]}),
        )
        .await;
    let scraper = server
        .client()
        .with_token(reader.json["token"].as_str().unwrap());
    let metrics = scraper.get("/metrics").await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics.body.contains("http_requests_total"),
        "{}",
        metrics.body
    );
}

both!(nul_characters_are_refused_not_crashed_on);

/// PostgreSQL refuses NUL in text; found by schemathesis as a 500 on log-in.
async fn nul_characters_are_refused_not_crashed_on(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ada = server.account("ada").await;
    let login = server
        .client()
        .post(
            "/api/v1/sessions",
            &json!({"handle": "a\u{0}b", "password": "x"}),
        )
        .await;
    assert!(login.status == 400 || login.status == 401, "{}", login.body);
    let profile = server.client().get("/api/v1/accounts/a%00b").await;
    assert!(profile.status < 500, "{}", profile.body);
    let search = server.client().get("/api/v1/groups?q=a%00b").await;
    assert!(search.status < 500, "{}", search.body);
    let group = ada
        .post(
            "/api/v1/groups",
            &json!({"handle": "g1", "name": "G", "visibility": "public",
                                         "join_policy": "open", "description": "a\u{0}b"}),
        )
        .await;
    group.problem(422);
}
