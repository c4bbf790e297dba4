//! Hardening 2: outside tools, limits and streamed answers. Each story is a hole found by
//! trying Weft as an attacker would, kept shut on both databases.

use std::time::Duration;

use serde_json::json;
use testkit::{Backend, Client, TestServer, both};

both!(
    outside_tools_cannot_pass_for_weft,
    webhooks_cannot_reach_private_addresses_hidden_in_others,
    limits_hold_for_streams_sign_ups_and_invitation_mail,
    statements_defuse_formulas_behind_tab_and_cr,
    weft_redirects_to_no_tool_before_log_in_nor_to_an_unreviewed_one,
    the_registrar_decides_which_groups_use_a_tool,
    secrets_at_rest_are_sealed_under_a_key_outside_the_database,
);

/// A group token of an outside tool (from its registration answer) for `group`.
async fn group_token(server: &TestServer, tool: &serde_json::Value, group: &str) -> Client {
    let token = reqwest::Client::new()
        .post(format!("{}/oauth/token", server.url))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", tool["client_id"].as_str().unwrap()),
            ("client_secret", tool["client_secret"].as_str().unwrap()),
            ("scope", &format!("group:{group}")),
        ])
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    server
        .client()
        .with_token(token["access_token"].as_str().expect("a tool token"))
}

async fn group(owner: &Client, handle: &str) {
    let reply = owner
        .post(
            "/api/v1/groups",
            &json!({"handle": handle, "name": handle, "visibility": "public", "join_policy": "open"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
}

async fn outside_tools_cannot_pass_for_weft(backend: Backend) {
    let server = TestServer::start(backend).await;
    let dev = server.account("dev").await;
    // Built-in names, the kernel's areas and the tools DESIGN plans are all Weft's.
    for (name, handle) in [
        ("Groups", None),
        ("Ledger", None),
        ("Notifications", None),
        ("Chat", None),
        ("Decide", None),
        ("Anything", Some("weft")),
        ("Anything", Some("budget")),
    ] {
        let mut body = json!({"name": name, "home_url": "https://tool.example"});
        if let Some(h) = handle {
            body["handle"] = json!(h);
        }
        let reply = dev.post("/api/v1/tools", &body).await;
        assert_eq!(
            reply.error_fields(),
            ["handle"],
            "{name} {handle:?}: {}",
            reply.body
        );
    }
    // Nor may an outside tool post activities in Weft's namespaces.
    group(&dev, "garden").await;
    let tool = dev
        .post(
            "/api/v1/tools",
            &json!({"name": "Board", "home_url": "https://board.example"}),
        )
        .await;
    assert_eq!(tool.status, 201, "{}", tool.body);
    assert_eq!(
        dev.put("/api/v1/groups/garden/tools/board", &json!({}))
            .await
            .status,
        204
    );
    let board = group_token(&server, &tool.json, "garden").await;
    for kind in ["weft:RoleChanged", "ledger:Transfer", "groups:Join"] {
        let posted = board
            .post(
                "/api/v1/groups/garden/activities",
                &json!({"type": kind, "summary": "a trick",
                        "object": {"type": "Note", "id": "https://board.example/1"}}),
            )
            .await;
        assert_eq!(posted.error_fields(), ["type"], "{kind}: {}", posted.body);
    }
    let own = board
        .post(
            "/api/v1/groups/garden/activities",
            &json!({"type": "board:Moved", "summary": "a card moved",
                    "object": {"type": "Note", "id": "https://board.example/1"}}),
        )
        .await;
    assert_eq!(own.status, 201, "{}", own.body);
}

async fn webhooks_cannot_reach_private_addresses_hidden_in_others(backend: Backend) {
    let server = TestServer::start_with(backend, |c| c.webhooks_allow_private = false).await;
    let ana = server.account("ana").await;
    group(&ana, "garden").await;
    for url in [
        "http://[::127.0.0.1]/hook",
        "http://[64:ff9b::7f00:1]/hook",
        "http://[64:ff9b:1::a00:1]/hook",
        "http://[2002:7f00:1::1]/hook",
        "http://[2001:0:7f00:1::1]/hook",
        "http://198.18.0.1/hook",
        "http://192.0.0.170/hook",
        "http://[fec0::1]/hook",
    ] {
        let made = ana
            .post(
                "/api/v1/groups/garden/webhooks",
                &json!({"url": url, "events": ["*"]}),
            )
            .await;
        assert_eq!(made.error_fields(), ["url"], "{url}: {}", made.body);
    }
}

async fn limits_hold_for_streams_sign_ups_and_invitation_mail(backend: Backend) {
    let server = TestServer::start_with(backend, |c| {
        c.streams_per_account = 2;
        c.signups_per_hour = 4;
        c.invitation_mails_per_hour = 2;
    })
    .await;
    let ana = server.account("ana").await;

    // Two live streams at once, not three; one ended frees its place.
    let first = ana.stream("/api/v1/stream", None).await;
    let _second = ana.stream("/api/v1/stream", None).await;
    let third = ana.get("/api/v1/stream").await;
    assert_eq!(third.status, 429, "{}", third.body);
    assert!(third.header("retry-after").is_some());
    drop(first);
    let mut reopened = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let again = ana
            .send(
                ana.request(reqwest::Method::GET, "/api/v1/stream?probe")
                    .header("last-event-id", "x"),
            )
            .await;
        if again.status == 400 {
            reopened = true;
            break;
        }
    }
    assert!(reopened, "a closed stream gives its place back");

    // Sign-ups from one address: four an hour.
    for handle in ["bo", "cy", "dan", "dee"] {
        let signed = server
            .client()
            .post(
                "/api/v1/accounts",
                &json!({"handle": handle, "password": "tangerine-orbit-cello-47"}),
            )
            .await;
        assert_eq!(signed.status, 201, "{}", signed.body);
    }
    let fifth = server
        .client()
        .post(
            "/api/v1/accounts",
            &json!({"handle": "eve", "password": "eve-tangerine-orbit-47"}),
        )
        .await;
    assert_eq!(fifth.status, 429, "{}", fifth.body);

    // Invitation mail: two an hour per person.
    group(&ana, "garden").await;
    for i in 0..2 {
        let sent = ana
            .post(
                "/api/v1/groups/garden/invitations",
                &json!({"email": format!("friend{i}@example.org")}),
            )
            .await;
        assert_eq!(sent.status, 201, "{}", sent.body);
    }
    ana.post(
        "/api/v1/groups/garden/invitations",
        &json!({"email": "friend2@example.org"}),
    )
    .await
    .problem(429);
    // Links and invitations to accounts send no mail and are not counted.
    assert_eq!(
        ana.post("/api/v1/groups/garden/invitations", &json!({}))
            .await
            .status,
        201
    );
}

async fn statements_defuse_formulas_behind_tab_and_cr(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    group(&ana, "garden").await;
    let currency = ana
        .post(
            "/api/v1/groups/garden/currencies",
            &json!({"code": "HRS", "name": "Hours", "kind": "mutual_credit", "scale": 2,
                    "default_floor": "-100"}),
        )
        .await;
    let currency = currency.json["id"].as_str().unwrap();
    let mine = ana
        .post(
            &format!("/api/v1/currencies/{currency}/accounts"),
            &json!({}),
        )
        .await;
    let mine = mine.json["id"].as_str().unwrap();
    let pool = ana
        .post(
            &format!("/api/v1/currencies/{currency}/accounts"),
            &json!({"owner_kind": "pool", "name": "Pool", "floor": null}),
        )
        .await;
    let pool = pool.json["id"].as_str().unwrap();
    for memo in ["\t=HYPERLINK(\"http://evil.example\")", "\r=1+1"] {
        let paid = ana
            .post(
                "/api/v1/transfers",
                &json!({"from": pool, "to": mine, "amount": "1", "memo": memo}),
            )
            .await;
        assert_eq!(paid.status, 201, "{}", paid.body);
    }
    let csv = ana
        .send(
            ana.request(
                reqwest::Method::GET,
                &format!("/api/v1/ledger-accounts/{mine}/statement"),
            )
            .header("accept", "text/csv"),
        )
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.body.contains("\"'\t=HYPERLINK"), "{}", csv.body);
    assert!(csv.body.contains("\"'\r=1+1\""), "{}", csv.body);
}

/// A browser: keeps cookies, follows no redirects.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn weft_redirects_to_no_tool_before_log_in_nor_to_an_unreviewed_one(backend: Backend) {
    let server = TestServer::start(backend).await;
    let mallory = server.account("mallory").await;
    let tool = mallory
        .post(
            "/api/v1/tools",
            &json!({"name": "Bouncer", "home_url": "https://evil.example",
                    "redirect_uris": ["https://evil.example/cb"],
                    "post_logout_redirect_uris": ["https://evil.example/bye"]}),
        )
        .await;
    assert_eq!(tool.status, 201, "{}", tool.body);
    assert_eq!(tool.json["reviewed"], false);
    let client_id = tool.json["client_id"].as_str().unwrap();
    let bad = format!(
        "{}/oauth/authorize?response_type=token&client_id={client_id}&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&scope=openid",
        server.url
    );
    let bye = format!(
        "{}/oauth/logout?client_id={client_id}&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2Fbye",
        server.url
    );

    // Nobody logged in: Weft's own pages, no redirect of any kind.
    let visitor = browser();
    for url in [&bad, &bye] {
        let answer = visitor.get(url).send().await.unwrap();
        assert!(answer.headers().get("location").is_none(), "{url}");
        assert!(answer.status().as_u16() < 300 || answer.status().as_u16() >= 400);
    }

    // Logged in: an unreviewed tool gets a page with a link, not a redirect.
    let ana = server.account("ana").await;
    let _ = ana;
    let person = browser();
    let logged = person
        .post(format!("{}/api/v1/sessions", server.url))
        .json(&json!({"handle": "ana", "password": "ana-tangerine-orbit-47"}))
        .send()
        .await
        .unwrap();
    assert_eq!(logged.status(), 201);
    let answer = person.get(&bad).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    assert!(answer.headers().get("location").is_none());
    let page = answer.text().await.unwrap();
    assert!(page.contains("Continue to evil.example"), "{page}");

    // Only a server administrator reviews a tool; then its errors go back to it on their own.
    mallory
        .patch(
            "/api/v1/tools/bouncer/registration",
            &json!({"reviewed": true}),
        )
        .await
        .problem(403);
    let root = server.admin("root").await;
    let reviewed = root
        .patch(
            "/api/v1/tools/bouncer/registration",
            &json!({"reviewed": true}),
        )
        .await;
    assert_eq!(reviewed.status, 200, "{}", reviewed.body);
    assert_eq!(reviewed.json["reviewed"], true);
    let answer = person.get(&bad).send().await.unwrap();
    assert_eq!(answer.status(), 303);
    let to = answer.headers()["location"].to_str().unwrap();
    assert!(
        to.starts_with("https://evil.example/cb?error=unsupported_response_type"),
        "{to}"
    );
    // Still nothing before a log-in.
    let answer = visitor.get(&bad).send().await.unwrap();
    assert!(answer.headers().get("location").is_none());
}

async fn the_registrar_decides_which_groups_use_a_tool(backend: Backend) {
    let server = TestServer::start(backend).await;
    let owner = server.account("owner").await;
    let stranger = server.account("stranger").await;
    group(&owner, "garden").await;
    group(&stranger, "lair").await;
    // Grafana's example: the highest role in any group using the tool becomes `role`.
    let grafana = owner
        .post(
            "/api/v1/tools",
            &json!({"name": "Grafana", "home_url": "https://grafana.example",
                    "redirect_uris": ["https://grafana.example/login/generic_oauth"],
                    "claims": [{"claim": "role", "values": {"owner": "Admin", "member": "Viewer"}},
                               {"claim": "gardener", "group": "garden", "values": {"owner": "yes"}}]}),
        )
        .await;
    assert_eq!(grafana.status, 201, "{}", grafana.body);
    assert_eq!(grafana.json["access"], "approval", "asking is the default");
    // A rule for one group keeps the group's id, not its handle.
    let garden_id = owner.get("/api/v1/groups/garden").await.json["id"].clone();
    assert_eq!(grafana.json["claims"][1]["group"], garden_id);

    // The registrar turns it on in their own group at once; a stranger's group only asks.
    assert_eq!(
        owner
            .put("/api/v1/groups/garden/tools/grafana", &json!({}))
            .await
            .status,
        204
    );
    let asked = stranger
        .put("/api/v1/groups/lair/tools/grafana", &json!({}))
        .await;
    assert_eq!(asked.status, 202, "{}", asked.body);
    assert_eq!(asked.json["status"], "pending");
    let request = asked.json["id"].as_str().unwrap().to_string();
    // Asking again is the same request; the tool is not on in the lair.
    let again = stranger
        .put("/api/v1/groups/lair/tools/grafana", &json!({}))
        .await;
    assert_eq!(again.json["id"], asked.json["id"]);
    let lair_tools = stranger.get("/api/v1/groups/lair/tools").await;
    assert!(!lair_tools.body.contains("grafana"), "{}", lair_tools.body);
    // The registrar is told, and lists the requests; nobody else may see or decide them.
    let inbox = owner.get("/api/v1/notifications").await;
    assert!(inbox.body.contains("tool_request"), "{}", inbox.body);
    stranger
        .get("/api/v1/tools/grafana/requests")
        .await
        .problem(403);
    stranger
        .post(
            &format!("/api/v1/tool-requests/{request}/approve"),
            &json!({}),
        )
        .await
        .problem(404);
    let listed = owner.get("/api/v1/tools/grafana/requests").await;
    assert_eq!(listed.json["items"][0]["group"]["handle"], "lair");
    // Rejected: still off. Asked again, approved: on (with no body at all).
    let rejected = owner
        .post(
            &format!("/api/v1/tool-requests/{request}/reject"),
            &json!({}),
        )
        .await;
    assert_eq!(rejected.json["status"], "rejected");
    owner
        .post(
            &format!("/api/v1/tool-requests/{request}/approve"),
            &json!({}),
        )
        .await
        .problem(410);
    let asked = stranger
        .put("/api/v1/groups/lair/tools/grafana", &json!({}))
        .await;
    assert_eq!(asked.status, 202);
    let approved = owner
        .send(owner.request(
            reqwest::Method::POST,
            &format!(
                "/api/v1/tool-requests/{}/approve",
                asked.json["id"].as_str().unwrap()
            ),
        ))
        .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    let lair_tools = stranger.get("/api/v1/groups/lair/tools").await;
    assert!(lair_tools.body.contains("grafana"), "{}", lair_tools.body);

    // An open tool: any group turns it on.
    let opened = owner
        .patch(
            "/api/v1/tools/grafana/registration",
            &json!({"access": "open"}),
        )
        .await;
    assert_eq!(opened.json["access"], "open");
    group(&stranger, "den").await;
    assert_eq!(
        stranger
            .put("/api/v1/groups/den/tools/grafana", &json!({}))
            .await
            .status,
        204
    );
    // A rule naming a group nobody can see is refused.
    let hidden = owner
        .patch(
            "/api/v1/tools/grafana/registration",
            &json!({"claims": [{"claim": "x", "group": "no_such_group", "values": {}}]}),
        )
        .await;
    assert_eq!(hidden.error_fields(), ["claims[0].group"]);
}

/// Every value of `column` in `table`, as the database keeps it.
async fn kept<T>(server: &TestServer, table: &str, column: &str) -> Vec<T>
where
    (T,): kernel::db::Record,
{
    use sea_query::{Alias, Query};
    let rows: Vec<(T,)> = server
        .kernel
        .db
        .fetch_all(
            &Query::select()
                .column(Alias::new(column))
                .from(Alias::new(table))
                .to_owned(),
        )
        .await
        .unwrap();
    rows.into_iter().map(|(v,)| v).collect()
}

async fn secrets_at_rest_are_sealed_under_a_key_outside_the_database(backend: Backend) {
    let first = TestServer::start(backend).await;
    let ana = first.account("ana").await;
    group(&ana, "garden").await;
    let hook = ana
        .post(
            "/api/v1/groups/garden/webhooks",
            &json!({"url": "http://127.0.0.1:9/hook", "events": ["*"]}),
        )
        .await;
    assert_eq!(hook.status, 201, "{}", hook.body);
    let secret = hook.json["secret"].as_str().unwrap().to_string();
    assert_eq!(first.client().get("/oauth/jwks").await.status, 200);

    // What the database keeps gives none of them away.
    let hooks: Vec<String> = kept(&first, "webhooks", "secret").await;
    assert_eq!(hooks.len(), 1);
    assert!(hooks[0].starts_with("sealed:") && !hooks[0].contains(&secret));
    let keys: Vec<Vec<u8>> = kept(&first, "oidc_keys", "private_der").await;
    assert!(!keys.is_empty());
    assert!(
        keys.iter().all(|k| k.starts_with(b"wseal1")),
        "OIDC keys sealed"
    );
    let accounts: Vec<Vec<u8>> = kept(&first, "accounts", "secret_key").await;
    assert!(
        accounts.iter().all(|k| k.starts_with(b"wseal1")),
        "account keys sealed"
    );
    // Tool tokens are random and kept as their hash: nothing to forge one from.
    let tool = ana
        .post(
            "/api/v1/tools",
            &json!({"name": "Board", "home_url": "https://board.example"}),
        )
        .await;
    assert_eq!(
        ana.put("/api/v1/groups/garden/tools/board", &json!({}))
            .await
            .status,
        204
    );
    let board = group_token(&first, &tool.json, "garden").await;
    let token = board.token().unwrap().to_string();
    let hashes: Vec<Vec<u8>> = kept(&first, "tool_tokens", "secret_hash").await;
    assert_eq!(hashes.len(), 1);
    assert_eq!(hashes[0].len(), 32, "a SHA-256, not the token");
    assert!(token.starts_with("weft_tool_"));

    // Rotation: a node with a new key first (and the old one second) seals everything anew;
    // then a node with the new key alone opens it all.
    let new_key = "bmV3LXNlYWxpbmcta2V5LWZvci1yb3RhdGlvbi10ZXM=";
    let url = first.config.database_url();
    let rotated = TestServer::start_with(backend, |c| {
        c.database_url = url.clone();
        c.secret_key = format!("{new_key},{}", testkit::TEST_SEAL_KEY);
    })
    .await;
    drop(rotated);
    let only_new = TestServer::start_with(backend, |c| {
        c.database_url = url.clone();
        c.secret_key = new_key.into();
    })
    .await;
    let hooks: Vec<String> = kept(&only_new, "webhooks", "secret").await;
    let ids: Vec<uuid::Uuid> = kept(&only_new, "webhooks", "id").await;
    assert_eq!(
        only_new
            .kernel
            .seal
            .open_text(&hooks[0], ids[0].as_bytes())
            .unwrap(),
        secret
    );
    assert_eq!(only_new.client().get("/oauth/jwks").await.status, 200);
}
