//! The activity log, notifications and the live stream, end to end.

use std::time::Duration;

use serde_json::{Value, json};
use testkit::{Backend, Client, TestServer, both};

both!(
    every_group_change_writes_an_activity,
    activities_follow_the_policy,
    notifications_fan_out_and_are_read,
    settings_mute_and_mentions_only,
    the_stream_delivers_live_and_resumes,
    the_stream_checks_the_origin_of_cookies_and_ends_on_shutdown,
    the_daily_digest_mails_what_is_unread,
    the_inbox_pages_across_groups_like_one_list,
);

async fn group(client: &Client, handle: &str, visibility: &str, join_policy: &str) -> Value {
    let reply = client
        .post(
            "/api/v1/groups",
            &json!({"handle": handle, "name": format!("The {handle}"), "visibility": visibility,
                    "join_policy": join_policy}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json
}

fn types(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("a page")
        .iter()
        .map(|a| a["type"].as_str().unwrap().to_string())
        .collect()
}

async fn every_group_change_writes_an_activity(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    let bo = server.account("bo").await;
    let cy = server.account("cy").await;
    group(&ana, "garden", "public", "open").await;
    assert_eq!(
        bo.post("/api/v1/groups/garden/members", &json!({}))
            .await
            .status,
        201
    );
    ana.patch(
        "/api/v1/groups/garden/members/bo",
        &json!({"role": "admin"}),
    )
    .await;
    let inv = ana
        .post(
            "/api/v1/groups/garden/invitations",
            &json!({"account": "cy"}),
        )
        .await;
    assert_eq!(inv.status, 201, "{}", inv.body);
    let mailed = ana
        .post(
            "/api/v1/groups/garden/invitations",
            &json!({"email": "secret-person@example.org"}),
        )
        .await;
    assert_eq!(mailed.status, 201);
    let id = inv.json["id"].as_str().unwrap();
    assert_eq!(
        cy.post(&format!("/api/v1/invitations/{id}/accept"), &json!({}))
            .await
            .status,
        201
    );
    assert_eq!(
        ana.put("/api/v1/groups/garden/tools/notes", &json!({}))
            .await
            .status,
        204
    );
    // Turning on a tool that is on changes nothing and writes nothing.
    ana.put("/api/v1/groups/garden/tools/notes", &json!({}))
        .await;
    ana.patch("/api/v1/groups/garden", &json!({"name": "The Garden"}))
        .await;
    assert_eq!(
        cy.delete("/api/v1/groups/garden/members/cy").await.status,
        204
    );

    let page = ana.get("/api/v1/groups/garden/activities").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        types(&page.json),
        [
            "Leave",
            "Update",
            "Add",
            "Accept",
            "Invite",
            "Invite",
            "weft:RoleChanged",
            "Join",
            "Create"
        ],
        "{}",
        page.body
    );
    let items = page.json["items"].as_array().unwrap();
    let create = items.last().unwrap();
    assert_eq!(create["@context"], "https://www.w3.org/ns/activitystreams");
    assert_eq!(create["actor"]["handle"], "ana");
    assert_eq!(create["object"]["type"], "Group");
    assert_eq!(create["audience"]["handle"], "garden");
    assert_eq!(create["tool"], "groups");
    assert_eq!(create["summary"], "ana created The garden");
    let role = &items[6];
    assert_eq!(role["object"]["name"], "bo");
    assert_eq!(role["to"], json!([bo_id(&server, "bo").await]));
    assert_eq!(role["extra"]["role"], "admin");
    // An address is private: the activity names the invitation, not the address.
    let by_mail = &items[4];
    assert!(!by_mail.to_string().contains("secret-person"), "{by_mail}");
    assert_eq!(by_mail["object"]["type"], "weft:Invitation");

    // Pages: newest first, with a cursor.
    let first = ana.get("/api/v1/groups/garden/activities?limit=4").await;
    assert_eq!(types(&first.json), ["Leave", "Update", "Add", "Accept"]);
    let cursor = first.json["next_cursor"].as_str().unwrap();
    let rest = ana
        .get(&format!(
            "/api/v1/groups/garden/activities?limit=10&cursor={cursor}"
        ))
        .await;
    assert_eq!(types(&rest.json).len(), 5);
    assert!(rest.json["next_cursor"].is_null());
}

async fn bo_id(server: &TestServer, handle: &str) -> String {
    let profile = server
        .client()
        .get(&format!("/api/v1/accounts/{handle}"))
        .await;
    profile.json["id"].as_str().unwrap().to_string()
}

async fn activities_follow_the_policy(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    let out = server.account("out").await;
    let req = server.account("req").await;
    group(&ana, "open", "public", "open").await;
    group(&ana, "club", "listed", "request").await;
    group(&ana, "cell", "secret", "invite").await;
    // Anyone reads a public group's log; a listed one's only members; a secret one is unknown.
    assert_eq!(
        server
            .client()
            .get("/api/v1/groups/open/activities")
            .await
            .status,
        200
    );
    out.get("/api/v1/groups/club/activities").await.problem(403);
    server
        .client()
        .get("/api/v1/groups/club/activities")
        .await
        .problem(401);
    out.get("/api/v1/groups/cell/activities").await.problem(404);
    // A refusal is only the asker's business: other members do not see it.
    let asked = req.post("/api/v1/groups/club/members", &json!({})).await;
    assert_eq!(asked.status, 202);
    let jr = asked.json["id"].as_str().unwrap();
    ana.post(&format!("/api/v1/join-requests/{jr}/reject"), &json!({}))
        .await;
    let bo = server.account("bo").await;
    let inv = ana
        .post("/api/v1/groups/club/invitations", &json!({"account": "bo"}))
        .await;
    bo.post(
        &format!(
            "/api/v1/invitations/{}/accept",
            inv.json["id"].as_str().unwrap()
        ),
        &json!({}),
    )
    .await;
    let seen_by_bo = types(&bo.get("/api/v1/groups/club/activities").await.json);
    assert!(
        !seen_by_bo.contains(&"Reject".to_string()),
        "{seen_by_bo:?}"
    );
    let seen_by_ana = types(&ana.get("/api/v1/groups/club/activities").await.json);
    assert!(
        seen_by_ana.contains(&"Reject".to_string()),
        "{seen_by_ana:?}"
    );
}

async fn notifications_fan_out_and_are_read(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    let bo = server.account("bo").await;
    let cy = server.account("cy").await;
    group(&ana, "garden", "public", "open").await;
    group(&ana, "club", "listed", "request").await;
    // Nothing yet: your own actions are not news to you.
    let inbox = ana.get("/api/v1/notifications").await;
    assert_eq!(inbox.status, 200, "{}", inbox.body);
    assert_eq!(inbox.json["items"], json!([]));

    bo.post("/api/v1/groups/garden/members", &json!({})).await;
    cy.post("/api/v1/groups/club/members", &json!({"message": "hello"}))
        .await;
    let inbox = ana.get("/api/v1/notifications").await;
    let items = inbox.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{}", inbox.body);
    assert_eq!(items[0]["kind"], "direct");
    assert_eq!(items[0]["reason"], "join_request");
    assert_eq!(items[0]["activity"]["type"], "weft:JoinRequest");
    assert_eq!(items[1]["kind"], "group");
    assert_eq!(items[1]["activity"]["type"], "Join");
    assert_eq!(items[1]["read"], false);
    let counts = ana.get("/api/v1/notifications/counts").await;
    assert_eq!(counts.json["total"], 2, "{}", counts.body);
    let per_group: Vec<(String, i64)> = counts.json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["group"]["handle"].as_str().unwrap().into(),
                g["unread"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(per_group, [("club".into(), 1), ("garden".into(), 1)]);

    // A new member has seen what happened before they came.
    assert_eq!(
        bo.get("/api/v1/notifications?unread=true").await.json["items"],
        json!([])
    );
    // Filters.
    let garden = ana.get("/api/v1/notifications?group=garden").await;
    assert_eq!(garden.json["items"].as_array().unwrap().len(), 1);
    let by_tool = ana.get("/api/v1/notifications?tool=notes").await;
    assert_eq!(by_tool.json["items"], json!([]));
    ana.get("/api/v1/notifications?group=nowhere")
        .await
        .problem(422);

    // Read one item by id.
    let join_id = items[1]["id"].as_str().unwrap();
    let after = ana
        .post("/api/v1/notifications/read", &json!({"ids": [join_id]}))
        .await;
    assert_eq!(after.status, 200, "{}", after.body);
    assert_eq!(after.json["total"], 1);
    let unread = ana.get("/api/v1/notifications?unread=true").await;
    assert_eq!(unread.json["items"].as_array().unwrap().len(), 1);
    assert_eq!(unread.json["items"][0]["reason"], "join_request");
    // Read a group up to an item.
    let jr_item = items[0]["id"].as_str().unwrap();
    let after = ana
        .post(
            "/api/v1/notifications/read",
            &json!({"group": "club", "up_to": jr_item}),
        )
        .await;
    assert_eq!(after.json["total"], 0, "{}", after.body);
    // New activity is unread again; "all" clears it.
    bo.patch("/api/v1/me", &json!({"display_name": "Bo"})).await;
    let dee = server.account("dee").await;
    dee.post("/api/v1/groups/garden/members", &json!({})).await;
    assert_eq!(
        ana.get("/api/v1/notifications/counts").await.json["total"],
        1
    );
    let after = ana
        .post("/api/v1/notifications/read", &json!({"all": true}))
        .await;
    assert_eq!(after.json["total"], 0);
    let listed = ana.get("/api/v1/notifications").await;
    assert!(
        listed.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["read"] == true)
    );
    // Malformed requests.
    ana.post("/api/v1/notifications/read", &json!({}))
        .await
        .problem(400);
    ana.post(
        "/api/v1/notifications/read",
        &json!({"all": true, "ids": []}),
    )
    .await
    .problem(400);
    ana.post("/api/v1/notifications/read", &json!({"ids": ["nope"]}))
        .await
        .problem(422);

    // The person whose role changes is told directly, wherever they are.
    ana.patch(
        "/api/v1/groups/garden/members/bo",
        &json!({"role": "admin"}),
    )
    .await;
    let bo_inbox = bo.get("/api/v1/notifications?unread=true").await;
    assert_eq!(
        bo_inbox.json["items"][0]["reason"], "role_changed",
        "{}",
        bo_inbox.body
    );
    // An invitation reaches a person who is in no group yet.
    let eve = server.account("eve").await;
    ana.post(
        "/api/v1/groups/club/invitations",
        &json!({"account": "eve"}),
    )
    .await;
    let eve_inbox = eve.get("/api/v1/notifications").await;
    assert_eq!(eve_inbox.json["items"][0]["reason"], "invitation");
    assert_eq!(
        eve.get("/api/v1/notifications/counts").await.json["total"],
        1
    );
}

async fn settings_mute_and_mentions_only(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    let bo = server.account("bo").await;
    group(&ana, "garden", "public", "open").await;
    group(&ana, "club", "public", "open").await;
    let settings = ana.get("/api/v1/notifications/settings").await;
    assert_eq!(settings.json["daily_digest"], false);
    assert_eq!(settings.json["groups"][0]["level"], "all");
    let changed = ana
        .patch(
            "/api/v1/notifications/settings",
            &json!({"daily_digest": true, "groups": [{"group": "garden", "level": "mute"},
                                                     {"group": "club", "level": "mentions"}]}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(changed.json["daily_digest"], true);
    assert_eq!(changed.json["groups"][0]["group"]["handle"], "club");
    assert_eq!(changed.json["groups"][0]["level"], "mentions");
    assert_eq!(changed.json["groups"][1]["level"], "mute");
    ana.patch(
        "/api/v1/notifications/settings",
        &json!({"groups": [{"group": "garden", "level": "loud"}]}),
    )
    .await
    .problem(422);
    bo.patch(
        "/api/v1/notifications/settings",
        &json!({"groups": [{"group": "garden", "level": "mute"}]}),
    )
    .await
    .problem(422);
    // A body is an object, not the fields in a row.
    ana.patch("/api/v1/notifications/settings", &json!([null, null]))
        .await
        .problem(422);

    bo.post("/api/v1/groups/garden/members", &json!({})).await;
    bo.post("/api/v1/groups/club/members", &json!({})).await;
    // Muted and mentions-only groups keep their activity out of the inbox.
    assert_eq!(
        ana.get("/api/v1/notifications").await.json["items"],
        json!([])
    );
    assert_eq!(
        ana.get("/api/v1/notifications/counts").await.json["total"],
        0
    );
    // Back to everything.
    ana.patch(
        "/api/v1/notifications/settings",
        &json!({"groups": [{"group": "club", "level": "all"}]}),
    )
    .await;
    let inbox = ana.get("/api/v1/notifications").await;
    assert_eq!(inbox.json["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        inbox.json["items"][0]["activity"]["audience"]["handle"],
        "club"
    );
}

async fn the_stream_delivers_live_and_resumes(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    let bo = server.account("bo").await;
    group(&ana, "garden", "public", "open").await;
    group(&ana, "other", "public", "open").await;
    bo.post("/api/v1/groups/garden/members", &json!({})).await;
    let mut stream = bo.stream("/api/v1/stream", None).await;
    let wait = Duration::from_secs(5);

    ana.patch(
        "/api/v1/groups/garden/members/bo",
        &json!({"role": "admin"}),
    )
    .await;
    let event = stream.next(wait).await.expect("a notification");
    assert_eq!(event.event, "notification");
    let item = event.json();
    assert_eq!(item["kind"], "direct");
    assert_eq!(item["reason"], "role_changed");
    assert_eq!(item["activity"]["type"], "weft:RoleChanged");
    let first_id = event.id.clone().expect("an event id");

    ana.patch("/api/v1/groups/garden", &json!({"description": "Tomatoes"}))
        .await;
    let event = stream.next(wait).await.expect("group activity");
    assert_eq!(event.event, "activity");
    assert_eq!(event.json()["activity"]["type"], "Update");
    // Activity of a group bo is not in does not reach him.
    ana.patch("/api/v1/groups/other", &json!({"description": "Elsewhere"}))
        .await;
    assert!(stream.next(Duration::from_millis(400)).await.is_none());
    // Joining it: his own join reaches him (marked read), then its activity does.
    bo.post("/api/v1/groups/other/members", &json!({})).await;
    let joined = stream.next(wait).await.expect("his join");
    assert_eq!(joined.json()["activity"]["type"], "Join");
    assert_eq!(joined.json()["read"], true);
    ana.patch(
        "/api/v1/groups/other",
        &json!({"description": "Now with bo"}),
    )
    .await;
    assert_eq!(
        stream.next(wait).await.expect("news").json()["activity"]["type"],
        "Update"
    );
    drop(stream);

    // Missed while away: resuming after the first event replays everything since, in order,
    // as seen by who bo is now (a member of "other", so its earlier news too).
    ana.patch("/api/v1/groups/garden", &json!({"description": "Beans"}))
        .await;
    let mut resumed = bo.stream("/api/v1/stream", Some(&first_id)).await;
    let replayed = resumed.drain(Duration::from_millis(600)).await;
    let kinds: Vec<String> = replayed
        .iter()
        .map(|e| e.json()["activity"]["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        kinds,
        ["Update", "Update", "Join", "Update", "Update"],
        "{replayed:?}"
    );
    assert_eq!(
        replayed.last().unwrap().json()["activity"]["object"]["id"],
        json!(ana.get("/api/v1/groups/garden").await.json["id"])
    );
    // A position that is not one is refused.
    let bad = bo
        .send(
            bo.request(reqwest::Method::GET, "/api/v1/stream")
                .header("last-event-id", "x"),
        )
        .await;
    bad.problem(400);
    server.client().get("/api/v1/stream").await.problem(401);
}

async fn the_stream_checks_the_origin_of_cookies_and_ends_on_shutdown(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    let cookie = format!("weft_session={}", ana.token().unwrap());
    let browser = server.client().with_header("cookie", &cookie);
    // Another site's page cannot open a person's stream with their cookie.
    let foreign = browser
        .with_header("origin", "https://evil.example")
        .get("/api/v1/stream")
        .await;
    foreign.problem(403);
    let cross = browser
        .with_header("sec-fetch-site", "cross-site")
        .get("/api/v1/stream")
        .await;
    cross.problem(403);
    // Weft's own pages can.
    let mut own = browser
        .with_header("origin", &server.url)
        .stream("/api/v1/stream", None)
        .await;
    let mut plain = browser
        .with_header("sec-fetch-site", "same-origin")
        .stream("/api/v1/stream", None)
        .await;
    // Shutting down ends open streams instead of hanging.
    server.stop();
    let started = std::time::Instant::now();
    assert!(own.next(Duration::from_secs(5)).await.is_none());
    assert!(plain.next(Duration::from_secs(5)).await.is_none());
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

async fn the_daily_digest_mails_what_is_unread(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    let bo = server.account("bo").await;
    group(&ana, "garden", "public", "open").await;
    ana.patch(
        "/api/v1/notifications/settings",
        &json!({"daily_digest": true}),
    )
    .await;
    bo.post("/api/v1/groups/garden/members", &json!({})).await;
    let before = server.mails().await.len();
    // The digest goes out at 07:00 UTC: two days on, whatever the time now, it has.
    server.clock.advance_seconds(2 * 24 * 3600);
    let mails = server.wait_for_mails(before + 1).await;
    let digest = mails.last().unwrap();
    assert!(digest.contains("To: ana@example.org"), "{digest}");
    assert!(digest.contains("bo joined The garden"), "{digest}");
    // Once sent, the same items are not mailed again.
    server.clock.advance_seconds(24 * 3600);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(server.mails().await.len(), before + 1);
}

/// Every page of `path` (a list endpoint taking `limit` and `cursor`), as item ids.
async fn all_pages(client: &Client, path: &str, limit: u32) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
            None => format!("{path}{sep}limit={limit}"),
        };
        let page = client.get(&url).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let items = page.json["items"].as_array().unwrap();
        assert!(items.len() <= limit as usize);
        ids.extend(items.iter().map(|i| i["id"].as_str().unwrap().to_string()));
        match page.json["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return ids,
        }
    }
}

async fn the_inbox_pages_across_groups_like_one_list(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    for g in ["g1", "g2", "g3"] {
        group(&ana, g, "public", "open").await;
    }
    group(&ana, "club", "public", "request").await;
    // Interleaved group items (joins and departures) in three groups, and direct
    // notifications (join requests) between them.
    for i in 0..9 {
        let p = server.account(&format!("p{i}")).await;
        let g = ["g1", "g2", "g3"][i % 3];
        p.post(&format!("/api/v1/groups/{g}/members"), &json!({}))
            .await;
        if i % 4 == 0 {
            p.post("/api/v1/groups/club/members", &json!({})).await;
        }
        if i % 3 == 1 {
            p.post("/api/v1/groups/g1/members", &json!({})).await;
        }
    }
    let full = ana.get("/api/v1/notifications?limit=100").await;
    let full: Vec<String> = full.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(full.len(), 9 + 3 + 3, "{full:?}");
    let mut sorted = full.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(full, sorted, "newest first");
    // Small pages walk the same list, whatever group each item comes from.
    for limit in [1, 2, 5] {
        assert_eq!(
            all_pages(&ana, "/api/v1/notifications", limit).await,
            full,
            "limit {limit}"
        );
    }
    let unread = ana.get("/api/v1/notifications/counts").await;
    assert_eq!(unread.json["total"], full.len(), "{}", unread.body);

    // Read the newest items of every kind one by one: older unread ones still fill pages.
    let read: Vec<&String> = full.iter().take(6).collect();
    let after = ana
        .post("/api/v1/notifications/read", &json!({"ids": read}))
        .await;
    assert_eq!(after.status, 200, "{}", after.body);
    assert_eq!(after.json["total"], full.len() - 6, "{}", after.body);
    let still: Vec<String> = full[6..].to_vec();
    for limit in [1, 2, 4] {
        assert_eq!(
            all_pages(&ana, "/api/v1/notifications?unread=true", limit).await,
            still,
            "limit {limit}"
        );
    }
    // One group's items only.
    let g1 = all_pages(&ana, "/api/v1/notifications?group=g1", 2).await;
    let g1_count = ana.get("/api/v1/notifications?group=g1&limit=100").await;
    assert_eq!(g1.len(), g1_count.json["items"].as_array().unwrap().len());
    assert!(g1.len() >= 5 && g1.iter().all(|id| full.contains(id)));
}
