//! Outside tools through the real server: one registers, a group turns it on, it gets a token
//! for that group by the client credentials grant, reads the members and posts an activity a
//! member sees — and it is refused in another group, for anything else, and once turned off.

use serde_json::{Value, json};
use testkit::{Backend, Client, TestServer, both};

both!(
    a_tool_joins_one_group_and_nothing_else,
    activities_in_are_checked_field_by_field,
    the_token_endpoint_speaks_oauth,
);

async fn group(owner: &Client, handle: &str, visibility: &str) {
    let reply = owner
        .post(
            "/api/v1/groups",
            &json!({"handle": handle, "name": format!("The {handle}"), "visibility": visibility,
                    "join_policy": "open"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
}

async fn register(dev: &Client, name: &str) -> Value {
    let reply = dev
        .post(
            "/api/v1/tools",
            &json!({"name": name, "description": "Decisions, together",
                    "home_url": "https://loomio.example",
                    "icon_url": "https://loomio.example/icon.svg",
                    "redirect_uris": ["https://loomio.example/oauth/callback"],
                    "webhook_url": "https://loomio.example/hooks/weft",
                    "scopes": ["groups:read", "members:read", "activities:write"],
                    // Any group may turn it on (the default asks the registrar each time).
                    "access": "open"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json
}

/// `POST /oauth/token` with the client's id and secret in the form.
async fn token_reply(
    server: &TestServer,
    client_id: &str,
    secret: &str,
    scope: &str,
) -> (u16, Value) {
    let http = reqwest::Client::new();
    let reply = http
        .post(format!("{}/oauth/token", server.url))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("scope", scope),
        ])
        .send()
        .await
        .unwrap();
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap_or(Value::Null))
}

async fn a_tool_joins_one_group_and_nothing_else(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    let bo = server.account("bo").await;
    let dev = server.account("dev").await;
    group(&ana, "garden", "public").await;
    group(&ana, "club", "public").await;
    group(&ana, "hidden", "secret").await;
    bo.post("/api/v1/groups/garden/members", &json!({})).await;

    let tool = register(&dev, "Loomio").await;
    assert_eq!(tool["name"], "loomio");
    assert_eq!(tool["display_name"], "Loomio");
    let client_id = tool["client_id"].as_str().unwrap().to_string();
    let secret = tool["client_secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("weft_cs_"));
    // The name is taken now, by the tool.
    let again = dev
        .post(
            "/api/v1/tools",
            &json!({"name": "Loomio", "home_url": "https://other.example"}),
        )
        .await;
    assert_eq!(
        again.problem(409)["errors"][0]["field"],
        "handle",
        "{}",
        again.body
    );

    // The directory shows it beside the built-in tools, used by no group yet.
    let directory = ana.get("/api/v1/tools").await;
    let entry = directory
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "loomio")
        .cloned();
    let entry = entry.expect("the outside tool is in the directory");
    assert_eq!(entry["kind"], "external");
    assert_eq!(entry["icon"], "https://loomio.example/icon.svg");
    assert_eq!(entry["groups"], json!([]));

    // No token for a group that does not use it.
    let (status, body) = token_reply(&server, &client_id, &secret, "group:garden").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope")),
        "{body}"
    );

    assert_eq!(
        ana.put("/api/v1/groups/garden/tools/loomio", &json!({}))
            .await
            .status,
        204
    );
    let directory = bo.get("/api/v1/tools").await;
    let entry = directory
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "loomio")
        .cloned()
        .unwrap();
    assert_eq!(entry["groups"][0]["handle"], "garden");
    let used = bo.get("/api/v1/groups/garden/tools").await;
    assert!(used.body.contains("\"loomio\""), "{}", used.body);

    let (status, body) = token_reply(
        &server,
        &client_id,
        &secret,
        "group:garden members:read activities:write",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(body["scope"].as_str().unwrap().contains("group:garden"));
    let loomio = server
        .client()
        .with_token(body["access_token"].as_str().unwrap());

    // It reads the members and their roles…
    let members = loomio.get("/api/v1/groups/garden/members").await;
    assert_eq!(members.status, 200, "{}", members.body);
    assert!(
        members.body.contains("\"bo\"") && members.body.contains("owner"),
        "{}",
        members.body
    );
    // …and posts an activity that reaches members like a built-in tool's.
    let posted = loomio
        .post(
            "/api/v1/groups/garden/activities",
            &json!({"@context": "https://www.w3.org/ns/activitystreams",
                    "type": "Create", "summary": "Kofi started a proposal: where to plant",
                    "object": {"type": "Question", "id": "https://loomio.example/p/7",
                               "name": "Where to plant the apple trees"},
                    "to": ["bo"], "loomio:closing_at": "2026-12-01"}),
        )
        .await;
    assert_eq!(posted.status, 201, "{}", posted.body);
    assert_eq!(posted.json["tool"], "loomio");
    let feed = bo.get("/api/v1/groups/garden/activities").await;
    let first = &feed.json["items"][0];
    assert_eq!(first["tool"], "loomio", "{}", feed.body);
    assert_eq!(first["type"], "Create");
    assert_eq!(first["actor"]["handle"], "loomio", "{}", feed.body);
    assert_eq!(first["url"], "https://loomio.example/p/7");
    assert_eq!(first["object"]["name"], "Where to plant the apple trees");
    assert_eq!(first["extra"]["loomio:closing_at"], "2026-12-01");
    let inbox = bo.get("/api/v1/notifications?tool=loomio").await;
    assert_eq!(
        inbox.json["items"][0]["reason"], "loomio_mention",
        "{}",
        inbox.body
    );
    // In the browser, bo's home page shows it, with the tool's name and the link back.
    let home = server
        .client()
        .with_header("accept", "text/html")
        .with_header("cookie", &format!("weft_session={}", bo.token().unwrap()))
        .get("/")
        .await;
    assert!(
        home.body
            .contains("Kofi started a proposal: where to plant")
            && home.body.contains(
                "href=\"https://loomio.example/p/7\" rel=\"noopener noreferrer nofollow\""
            )
            && home.body.contains("(in loomio)"),
        "{}",
        home.body
    );

    // Nothing else: not another group, not the group's settings, not anyone's account.
    let note = json!({"type": "Create", "summary": "hello",
                      "object": {"type": "Note", "id": "https://loomio.example/n/1"}});
    loomio
        .post("/api/v1/groups/club/activities", &note)
        .await
        .problem(403);
    loomio.get("/api/v1/groups/club/members").await.problem(403);
    loomio
        .get("/api/v1/groups/hidden/members")
        .await
        .problem(404);
    loomio
        .patch("/api/v1/groups/garden", &json!({"name": "Taken over"}))
        .await
        .problem(403);
    loomio.get("/api/v1/me").await.problem(403);
    loomio
        .post("/api/v1/groups", &json!({"handle": "botland", "name": "Bots", "visibility": "public", "join_policy": "open"}))
        .await
        .problem(403);
    loomio
        .post("/api/v1/groups/club/members", &json!({}))
        .await
        .problem(403);
    let (status, body) = token_reply(&server, &client_id, &secret, "group:club").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope")),
        "{body}"
    );
    // A tool may not ask for more than tool scopes.
    let (status, body) = token_reply(&server, &client_id, &secret, "group:garden write").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope")),
        "{body}"
    );
    // Nobody logs in as the tool.
    let login = server
        .client()
        .post(
            "/api/v1/sessions",
            &json!({"handle": "loomio", "password": "!outside-tool"}),
        )
        .await;
    assert_eq!(login.status, 401, "{}", login.body);

    // Turned off: its token stops working at once.
    assert_eq!(
        ana.delete("/api/v1/groups/garden/tools/loomio")
            .await
            .status,
        204
    );
    loomio
        .get("/api/v1/groups/garden/members")
        .await
        .problem(401);
    let (status, _) = token_reply(&server, &client_id, &secret, "group:garden").await;
    assert_eq!(status, 400);
    // Turned on again later, the old token stays dead; a new one works.
    server.clock.advance_seconds(1);
    assert_eq!(
        ana.put("/api/v1/groups/garden/tools/loomio", &json!({}))
            .await
            .status,
        204
    );
    loomio
        .get("/api/v1/groups/garden/members")
        .await
        .problem(401);
    let (status, body) = token_reply(&server, &client_id, &secret, "group:garden").await;
    assert_eq!(status, 200, "{body}");
    let fresh = server
        .client()
        .with_token(body["access_token"].as_str().unwrap());
    assert_eq!(fresh.get("/api/v1/groups/garden/members").await.status, 200);
    // A token is opaque: Weft keeps only its hash, so an edited one is unknown.
    let token = body["access_token"].as_str().unwrap();
    assert!(token.starts_with("weft_tool_"));
    let mut edited = token.to_string();
    let last = edited.pop().unwrap();
    edited.push(if last == 'A' { 'B' } else { 'A' });
    server
        .client()
        .with_token(&edited)
        .get("/api/v1/groups/garden/members")
        .await
        .problem(401);

    // Only who registered it sees its registration and rotates its secret; the old secret
    // stops working.
    bo.get("/api/v1/tools/loomio/registration")
        .await
        .problem(403);
    bo.post("/api/v1/tools/loomio/secret", &json!({}))
        .await
        .problem(403);
    let mine = dev.get("/api/v1/tools/loomio/registration").await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert!(mine.json.get("client_secret").is_none());
    assert_eq!(
        mine.json["redirect_uris"][0],
        "https://loomio.example/oauth/callback"
    );
    let rotated = dev.post("/api/v1/tools/loomio/secret", &json!({})).await;
    assert_eq!(rotated.status, 201, "{}", rotated.body);
    let new_secret = rotated.json["client_secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    // Rotating the secret ends the tokens made with the old one.
    fresh
        .get("/api/v1/groups/garden/members")
        .await
        .problem(401);
    let (status, body) = token_reply(&server, &client_id, &secret, "group:garden").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, body) = token_reply(&server, &client_id, new_secret, "group:garden").await;
    assert_eq!(status, 200, "{body}");
}

async fn activities_in_are_checked_field_by_field(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    group(&ana, "garden", "public").await;
    let post = |body: Value| {
        let ana = ana.clone();
        async move { ana.post("/api/v1/groups/garden/activities", &body).await }
    };
    let good = json!({"type": "Create", "summary": "a note",
                      "object": {"type": "Note", "id": "https://tool.example/n/1"}});
    assert_eq!(post(good.clone()).await.status, 201);
    let cases = [
        (json!({"type": "Shout"}), "type"),
        (json!({"type": "x:"}), "type"),
        (json!({"summary": "  "}), "summary"),
        (json!({"summary": "x".repeat(501)}), "summary"),
        (
            json!({"object": {"type": "Note", "id": "not a url"}}),
            "object.id",
        ),
        (
            json!({"object": {"type": "No te", "id": "https://tool.example/n/1"}}),
            "object.type",
        ),
        (
            json!({"object": {"type": "Note", "id": "https://tool.example/n/1", "url": "javascript:alert(1)"}}),
            "object.url",
        ),
        (json!({"url": "ftp://tool.example/x"}), "url"),
        (json!({"to": ["nobody_here"]}), "to[0]"),
    ];
    for (change, field) in cases {
        let mut body = good.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let reply = post(body).await;
        assert_eq!(reply.status, 422, "{field}: {}", reply.body);
        assert_eq!(
            reply.error_fields(),
            vec![field.to_string()],
            "{}",
            reply.body
        );
    }
    // A missing object, and a body that is not an object at all.
    let reply = post(json!({"type": "Create", "summary": "x"})).await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(post(json!([1, 2])).await.status, 422);
    // An extension type with a prefix is fine; our own fields cannot be forged.
    let forged = post(json!({"type": "loomio:Closed", "summary": "closed",
                             "object": {"type": "loomio:Poll", "id": "urn:loomio:poll:7"},
                             "tool": "ledger", "actor": "someone else"}))
    .await;
    assert_eq!(forged.status, 201, "{}", forged.body);
    assert_eq!(forged.json["tool"], "api");
    let feed = ana.get("/api/v1/groups/garden/activities").await;
    assert_eq!(feed.json["items"][0]["tool"], "api");
    assert_eq!(feed.json["items"][0]["actor"]["handle"], "ana");
    assert!(
        feed.json["items"][0].get("url").is_none(),
        "a URN is no link"
    );
}

/// A form, and the status and OAuth error it must get.
type Case<'a> = (Vec<(&'a str, &'a str)>, u16, &'a str);

async fn the_token_endpoint_speaks_oauth(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    group(&ana, "garden", "public").await;
    let tool = register(&ana, "Cobudget").await;
    ana.put("/api/v1/groups/garden/tools/cobudget", &json!({}))
        .await;
    let id = tool["client_id"].as_str().unwrap();
    let secret = tool["client_secret"].as_str().unwrap();
    let http = reqwest::Client::new();
    let url = format!("{}/oauth/token", server.url);

    // HTTP Basic, as RFC 6749 prefers; no scopes asked: all the tool registered for.
    let reply = http
        .post(&url)
        .basic_auth(id, Some(secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "group:garden"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.headers()["cache-control"], "no-store");
    let body: Value = reply.json().await.unwrap();
    assert_eq!(
        body["scope"],
        "group:garden groups:read members:read activities:write"
    );

    let cases: [Case; 5] = [
        (
            vec![("grant_type", "password")],
            400,
            "unsupported_grant_type",
        ),
        (vec![("scope", "group:garden")], 400, "invalid_request"),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("scope", "group:garden"),
            ],
            401,
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", "weft_cs_wrong"),
                ("scope", "group:garden"),
            ],
            401,
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", secret),
                ("scope", "members:read"),
            ],
            400,
            "invalid_scope",
        ),
    ];
    for (form, status, error) in cases {
        let reply = http.post(&url).form(&form).send().await.unwrap();
        assert_eq!(reply.status().as_u16(), status, "{form:?}");
        assert!(
            reply.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let body: Value = reply.json().await.unwrap();
        assert_eq!(body["error"], error, "{form:?}: {body}");
        assert!(
            body["error_description"]
                .as_str()
                .is_some_and(|d| !d.is_empty())
        );
    }
    // Not a form at all.
    let reply = http
        .post(&url)
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 400);
}
