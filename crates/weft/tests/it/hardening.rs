//! Hardening 1: who may do what. Each story is a hole an attacker once walked through —
//! invitations read from the log, a narrow token that became the whole account, custom roles
//! that raised themselves, single-use links spent twice — kept shut on both databases.

use std::time::Duration;

use serde_json::{Value, json};
use testkit::{Backend, Client, TestServer, both};

both!(
    an_invitation_is_accepted_only_by_whom_it_is_for,
    a_group_limited_token_acts_only_inside_its_group,
    the_account_itself_needs_a_session_or_the_account_scope,
    a_new_address_is_confirmed_before_resets_use_it,
    custom_roles_hand_out_only_what_they_hold,
    single_use_secrets_are_spent_once_under_concurrency,
    actions_whose_body_is_optional_need_none,
    tools_are_named_by_id_or_by_name,
);

async fn group(owner: &Client, handle: &str, visibility: &str, join_policy: &str) {
    let reply = owner
        .post(
            "/api/v1/groups",
            &json!({"handle": handle, "name": handle, "visibility": visibility,
                    "join_policy": join_policy}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
}

/// The secret after `prefix` in a mail (up to the first character a secret never holds).
pub(crate) fn secret_in(mail: &str, prefix: &str) -> String {
    let start = mail.find(prefix).expect("a secret in the mail");
    mail[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

/// A token of `client`'s account with these scopes (limited to `group` if given).
async fn token(
    server: &TestServer,
    client: &Client,
    scopes: &[&str],
    group: Option<&str>,
) -> Client {
    let mut body = json!({"name": "t", "scopes": scopes});
    if let Some(g) = group {
        body["group"] = json!(g);
    }
    let made = client.post("/api/v1/tokens", &body).await;
    assert_eq!(made.status, 201, "{}", made.body);
    server
        .client()
        .with_token(made.json["token"].as_str().unwrap())
}

async fn an_invitation_is_accepted_only_by_whom_it_is_for(backend: Backend) {
    let server = TestServer::start(backend).await;
    let owner = server.account("owner").await;
    let friend = server.account("friend").await;
    let stranger = server.account("stranger").await;
    group(&owner, "commons", "public", "invite").await;

    // An admin invitation by mail to a public group, and one to an account.
    let by_mail = owner
        .post(
            "/api/v1/groups/commons/invitations",
            &json!({"email": "guest@example.org", "role": "admin"}),
        )
        .await;
    assert_eq!(by_mail.status, 201, "{}", by_mail.body);
    let mail_id = by_mail.json["id"].as_str().unwrap().to_string();
    let mail_token = by_mail.json["token"].as_str().unwrap().to_string();
    let for_friend = owner
        .post(
            "/api/v1/groups/commons/invitations",
            &json!({"account": "friend", "role": "admin"}),
        )
        .await;
    let friend_id = for_friend.json["id"].as_str().unwrap().to_string();

    // Anyone may read a public group's activity: it carries no secret and no address.
    let feed = server
        .client()
        .get("/api/v1/groups/commons/activities")
        .await;
    assert_eq!(feed.status, 200);
    assert!(
        !feed.body.contains(&mail_token),
        "a link's secret in the log"
    );
    assert!(
        !feed.body.contains("guest@example.org"),
        "an address in the log"
    );
    let invites: Vec<&Value> = feed.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["type"] == "Invite")
        .collect();
    assert_eq!(invites.len(), 2);

    // The ids are no way in, whoever reads them.
    for id in [&mail_id, &friend_id] {
        stranger
            .post(&format!("/api/v1/invitations/{id}/accept"), &json!({}))
            .await
            .problem(404);
        stranger
            .get(&format!("/api/v1/invitations/{id}"))
            .await
            .problem(404);
        server
            .client()
            .get(&format!("/api/v1/invitations/{id}"))
            .await
            .problem(401);
    }
    // Who invites sees whom for; the invitee sees their own.
    let seen = owner.get(&format!("/api/v1/invitations/{mail_id}")).await;
    assert_eq!(seen.json["email"], "guest@example.org");
    assert!(seen.json["url"].is_null(), "a link's secret is shown once");
    assert!(seen.json.get("token").is_none());
    assert_eq!(
        friend
            .get(&format!("/api/v1/invitations/{friend_id}"))
            .await
            .status,
        200
    );
    let listed = owner.get("/api/v1/groups/commons/invitations").await;
    assert!(!listed.body.contains(&mail_token), "a secret in a list");

    // The mail carries the link; its token lets whoever holds it in (the stranger does not).
    let mails = server.wait_for_mails(1).await;
    assert_eq!(secret_in(&mails[0], "weft_inv_"), mail_token);
    assert_eq!(
        stranger
            .post(
                &format!("/api/v1/invitations/{friend_id}/accept"),
                &json!({})
            )
            .await
            .status,
        404
    );
    let guest = server.account("guest").await;
    let joined = guest
        .post("/api/v1/invitations/accept", &json!({"token": mail_token}))
        .await;
    assert_eq!(joined.status, 201, "{}", joined.body);
    assert_eq!(joined.json["role"], "admin");
    stranger
        .post("/api/v1/invitations/accept", &json!({"token": mail_token}))
        .await
        .problem(410);
    // The account's invitation, by its account, with no body at all.
    let accepted = friend
        .send(friend.request(
            reqwest::Method::POST,
            &format!("/api/v1/invitations/{friend_id}/accept"),
        ))
        .await;
    assert_eq!(accepted.status, 201, "{}", accepted.body);
    assert_eq!(
        stranger.get("/api/v1/groups/commons").await.json["your_role"],
        Value::Null
    );
}

async fn a_group_limited_token_acts_only_inside_its_group(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    let bo = server.account("bo").await;
    group(&ana, "garden", "public", "open").await;
    group(&ana, "cabal", "secret", "invite").await;
    // A direct notification for ana in each group.
    for g in ["garden", "cabal"] {
        let inv = ana
            .post(
                &format!("/api/v1/groups/{g}/invitations"),
                &json!({"account": "bo"}),
            )
            .await;
        let id = inv.json["id"].as_str().unwrap();
        bo.post(&format!("/api/v1/invitations/{id}/accept"), &json!({}))
            .await;
    }
    let garden_id = ana.get("/api/v1/groups/garden").await.json["id"].clone();
    let limited = token(&server, &ana, &["read", "write"], Some("garden")).await;

    // The directory: a secret group is known to the session, not to the garden's token.
    let session_sees = ana.get("/api/v1/groups").await;
    assert!(session_sees.body.contains("\"cabal\""));
    let token_sees = limited.get("/api/v1/groups").await;
    assert_eq!(token_sees.status, 200);
    assert!(
        !token_sees.body.contains("\"cabal\""),
        "{}",
        token_sees.body
    );
    limited.get("/api/v1/groups/cabal").await.problem(404);

    // The inbox and its counts: the garden only.
    let inbox = limited.get("/api/v1/notifications").await;
    assert_eq!(inbox.status, 200);
    let items = inbox.json["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(
        items
            .iter()
            .all(|n| n["activity"]["audience"]["id"] == garden_id),
        "{}",
        inbox.body
    );
    assert!(
        ana.get("/api/v1/notifications")
            .await
            .body
            .contains("cabal")
    );
    limited
        .get("/api/v1/notifications?group=cabal")
        .await
        .problem(422);
    let counts = limited.get("/api/v1/notifications/counts").await;
    let groups = counts.json["groups"].as_array().unwrap();
    assert!(
        groups.iter().all(|g| g["group"]["handle"] == "garden"),
        "{}",
        counts.body
    );
    assert_eq!(counts.json["personal"], 0);
    // "All read" for the token is all of the garden; the cabal stays unread.
    limited
        .post("/api/v1/notifications/read", &json!({"all": true}))
        .await;
    let after = ana.get("/api/v1/notifications/counts").await;
    let cabal_unread = after.json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"]["handle"] == "cabal")
        .map(|g| g["unread"].as_i64().unwrap());
    assert!(cabal_unread.unwrap_or(0) > 0, "{}", after.body);
    limited
        .get("/api/v1/notifications/settings")
        .await
        .problem(403);
    limited
        .patch(
            "/api/v1/notifications/settings",
            &json!({"daily_digest": true}),
        )
        .await
        .problem(403);

    // The live stream hears the garden only.
    let mut stream = limited.stream("/api/v1/stream", None).await;
    ana.patch("/api/v1/groups/cabal", &json!({"description": "Hush"}))
        .await;
    ana.patch("/api/v1/groups/garden", &json!({"description": "Tomatoes"}))
        .await;
    let heard = stream.drain(Duration::from_millis(800)).await;
    assert!(!heard.is_empty());
    assert!(
        heard
            .iter()
            .all(|e| e.data.contains(garden_id.as_str().unwrap()) && !e.data.contains("Hush")),
        "{heard:?}"
    );

    // Nothing that belongs to the account.
    let me = limited.get("/api/v1/me").await;
    assert_eq!(me.status, 200);
    assert!(me.json["email"].is_null(), "{}", me.body);
    assert_eq!(ana.get("/api/v1/me").await.json["email"], "ana@example.org");
    limited
        .patch(
            "/api/v1/me",
            &json!({"email": "thief@example.org", "current_password": "x"}),
        )
        .await
        .problem(403);
    limited.get("/api/v1/sessions").await.problem(403);
    limited.get("/api/v1/tokens").await.problem(403);
    limited
        .post(
            "/api/v1/tokens",
            &json!({"name": "more", "scopes": ["read"]}),
        )
        .await
        .problem(403);
    limited
        .post(
            "/api/v1/tools",
            &json!({"name": "Mine", "home_url": "https://tool.example"}),
        )
        .await
        .problem(403);
    limited
        .delete("/api/v1/groups/cabal/members/ana")
        .await
        .problem(404);
    group(&bo, "orchard", "public", "open").await;
    limited
        .post("/api/v1/groups/orchard/members", &json!({}))
        .await
        .problem(403);
    let inv = bo
        .post(
            "/api/v1/groups/orchard/invitations",
            &json!({"account": "ana"}),
        )
        .await;
    let id = inv.json["id"].as_str().unwrap();
    limited
        .post(&format!("/api/v1/invitations/{id}/accept"), &json!({}))
        .await
        .problem(403);
    // Inside its group it still works.
    assert_eq!(
        limited
            .patch("/api/v1/groups/garden", &json!({"description": "Beans"}))
            .await
            .status,
        200
    );
    // An account-scoped token cannot be limited to a group.
    let mixed = ana
        .post(
            "/api/v1/tokens",
            &json!({"name": "x", "scopes": ["account"], "group": "garden"}),
        )
        .await;
    assert_eq!(mixed.error_fields(), ["scopes"]);
}

async fn the_account_itself_needs_a_session_or_the_account_scope(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    let reader = token(&server, &ana, &["read"], None).await;
    let writer = token(&server, &ana, &["write"], None).await;
    let owner = token(&server, &ana, &["read", "write", "account"], None).await;
    for narrow in [&reader, &writer] {
        narrow.get("/api/v1/sessions").await.problem(403);
        narrow.get("/api/v1/tokens").await.problem(403);
        assert!(narrow.get("/api/v1/me").await.json["email"].is_null());
    }
    writer
        .patch("/api/v1/me", &json!({"display_name": "Not me"}))
        .await
        .problem(403);
    assert_eq!(owner.get("/api/v1/sessions").await.status, 200);
    assert_eq!(
        owner.get("/api/v1/me").await.json["email"],
        "ana@example.org"
    );
    // A session is the account's own: its log-in answers carry the account scope.
    assert_eq!(ana.get("/api/v1/tokens").await.status, 200);
}

async fn a_new_address_is_confirmed_before_resets_use_it(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    let password = "ana-tangerine-orbit-47";
    let without = ana
        .patch("/api/v1/me", &json!({"email": "new@example.org"}))
        .await;
    assert_eq!(without.error_fields(), ["current_password"]);
    let wrong = ana
        .patch(
            "/api/v1/me",
            &json!({"email": "new@example.org", "current_password": "not-it-at-all"}),
        )
        .await;
    assert_eq!(wrong.error_fields(), ["current_password"]);
    let asked = ana
        .patch(
            "/api/v1/me",
            &json!({"email": "New@Example.org", "current_password": password}),
        )
        .await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert_eq!(
        asked.json["email"], "ana@example.org",
        "not before it is confirmed"
    );
    assert_eq!(asked.json["pending_email"], "new@example.org");

    let mails = server.wait_for_mails(2).await;
    let to_new = mails
        .iter()
        .find(|m| m.contains("To: new@example.org"))
        .expect("a confirmation to the new address");
    let to_old = mails
        .iter()
        .find(|m| m.contains("To: ana@example.org"))
        .expect("a notice to the old address");
    assert!(to_old.contains("ne…@example.org"), "{to_old}");
    assert!(
        !to_old.contains("weft_eml_"),
        "the old address gets no link"
    );
    let confirmation = secret_in(to_new, "weft_eml_");

    // Until confirmed, a reset still goes to the old address.
    server
        .client()
        .post("/api/v1/password-resets", &json!({"handle": "ana"}))
        .await;
    let mails = server.wait_for_mails(3).await;
    assert!(
        mails
            .iter()
            .filter(|m| m.contains("weft_rst_"))
            .all(|m| m.contains("To: ana@example.org"))
    );

    let confirmed = server
        .client()
        .post(
            "/api/v1/email-confirmations",
            &json!({"token": confirmation}),
        )
        .await;
    assert_eq!(confirmed.status, 204, "{}", confirmed.body);
    server
        .client()
        .post(
            "/api/v1/email-confirmations",
            &json!({"token": confirmation}),
        )
        .await
        .problem(410);
    server
        .client()
        .post(
            "/api/v1/email-confirmations",
            &json!({"token": "weft_eml_made_up"}),
        )
        .await
        .problem(410);
    let me = ana.get("/api/v1/me").await;
    assert_eq!(me.json["email"], "new@example.org");
    assert!(me.json.get("pending_email").is_none());
}

async fn custom_roles_hand_out_only_what_they_hold(backend: Backend) {
    let server = TestServer::start(backend).await;
    let owner = server.account("owner").await;
    let rolekeeper = server.account("rolekeeper").await;
    let inviter = server.account("inviter").await;
    let manager = server.account("manager").await;
    let plain = server.account("plain").await;
    group(&owner, "coop", "public", "open").await;
    for (name, permissions) in [
        ("rolekeeper", json!(["manage_roles"])),
        ("inviter", json!(["invite"])),
        ("manager", json!(["manage_members"])),
        ("treasurer", json!(["manage_money"])),
    ] {
        let made = owner
            .post(
                "/api/v1/groups/coop/roles",
                &json!({"name": name, "permissions": permissions}),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
    }
    for (client, role) in [
        (&rolekeeper, "rolekeeper"),
        (&inviter, "inviter"),
        (&manager, "manager"),
        (&plain, "member"),
    ] {
        client.post("/api/v1/groups/coop/members", &json!({})).await;
        let me = client.get("/api/v1/me").await;
        let handle = me.json["handle"].as_str().unwrap();
        let changed = owner
            .patch(
                &format!("/api/v1/groups/coop/members/{handle}"),
                &json!({"role": role}),
            )
            .await;
        assert_eq!(changed.status, 200, "{}", changed.body);
    }

    // manage_roles alone: no raising her own role, no new role with more, no editing above.
    rolekeeper
        .patch(
            "/api/v1/groups/coop/roles/rolekeeper",
            &json!({"permissions": ["manage_roles", "manage_money"]}),
        )
        .await
        .problem(403);
    rolekeeper
        .post(
            "/api/v1/groups/coop/roles",
            &json!({"name": "banker", "permissions": ["manage_money"]}),
        )
        .await
        .problem(403);
    rolekeeper
        .patch(
            "/api/v1/groups/coop/roles/treasurer",
            &json!({"permissions": []}),
        )
        .await
        .problem(403);
    rolekeeper
        .delete("/api/v1/groups/coop/roles/treasurer")
        .await
        .problem(403);
    assert_eq!(
        rolekeeper
            .post(
                "/api/v1/groups/coop/roles",
                &json!({"name": "helper", "permissions": ["manage_roles"]}),
            )
            .await
            .status,
        201
    );
    rolekeeper
        .post(
            "/api/v1/groups/coop/currencies",
            &json!({"code": "X", "name": "X", "kind": "tracked", "scale": 0}),
        )
        .await
        .problem(403);

    // invite alone: members yes, a stronger role no.
    inviter
        .post(
            "/api/v1/groups/coop/invitations",
            &json!({"role": "treasurer"}),
        )
        .await
        .problem(403);
    assert_eq!(
        inviter
            .post(
                "/api/v1/groups/coop/invitations",
                &json!({"role": "member"})
            )
            .await
            .status,
        201
    );

    // manage_members alone: no handing out, or taking away, a role above it.
    manager
        .patch(
            "/api/v1/groups/coop/members/plain",
            &json!({"role": "treasurer"}),
        )
        .await
        .problem(403);
    manager
        .patch(
            "/api/v1/groups/coop/members/rolekeeper",
            &json!({"role": "member"}),
        )
        .await
        .problem(403);
    manager
        .delete("/api/v1/groups/coop/members/rolekeeper")
        .await
        .problem(403);
    assert_eq!(
        manager
            .patch(
                "/api/v1/groups/coop/members/plain",
                &json!({"role": "manager"})
            )
            .await
            .status,
        200
    );
    // The owner hands out anything.
    assert_eq!(
        owner
            .patch(
                "/api/v1/groups/coop/members/plain",
                &json!({"role": "treasurer"})
            )
            .await
            .status,
        200
    );
    let roles = owner.get("/api/v1/groups/coop/roles").await;
    let rolekeeper_role = roles
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "rolekeeper")
        .unwrap()
        .clone();
    assert_eq!(rolekeeper_role["permissions"], json!(["manage_roles"]));
}

async fn single_use_secrets_are_spent_once_under_concurrency(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    group(&ana, "garden", "public", "invite").await;

    // A reset link, completed by eight requests at once: one wins.
    server
        .client()
        .post("/api/v1/password-resets", &json!({"handle": "ana"}))
        .await;
    let mails = server.wait_for_mails(1).await;
    let reset = secret_in(&mails[0], "weft_rst_");
    let attempts = (0..8).map(|_| {
        let client = server.client();
        let path = format!("/api/v1/password-resets/{reset}");
        async move {
            client
                .post(&path, &json!({"password": "fresh-lantern-pebble-7"}))
                .await
                .status
        }
    });
    let mut statuses = futures::future::join_all(attempts).await;
    statuses.sort();
    assert_eq!(
        statuses.iter().filter(|s| **s == 204).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| matches!(s, 204 | 410)),
        "{statuses:?}"
    );

    // A link for three, taken by eight people at once: three join.
    let mut people = Vec::new();
    for i in 0..8 {
        people.push(server.account(&format!("p{i}")).await);
    }
    // The reset ended every session: log in again with the new password.
    let session = server
        .client()
        .post(
            "/api/v1/sessions",
            &json!({"handle": "ana", "password": "fresh-lantern-pebble-7"}),
        )
        .await;
    assert_eq!(session.status, 201, "{}", session.body);
    let owner = server
        .client()
        .with_token(session.json["token"].as_str().unwrap());
    let link = owner
        .post("/api/v1/groups/garden/invitations", &json!({"max_uses": 3}))
        .await;
    assert_eq!(link.status, 201, "{}", link.body);
    let token = link.json["token"].as_str().unwrap().to_string();
    let id = link.json["id"].as_str().unwrap().to_string();
    let takes = people.iter().map(|p| {
        let token = token.clone();
        async move {
            p.post("/api/v1/invitations/accept", &json!({"token": token}))
                .await
                .status
        }
    });
    let statuses = futures::future::join_all(takes).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        3,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| matches!(s, 201 | 410)),
        "{statuses:?}"
    );
    let seen = owner.get(&format!("/api/v1/invitations/{id}")).await;
    assert_eq!(seen.json["uses"], 3);
    let members = owner.get("/api/v1/groups/garden/members").await;
    assert_eq!(members.json["items"].as_array().unwrap().len(), 4);
}

async fn actions_whose_body_is_optional_need_none(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    let bo = server.account("bo").await;
    let cy = server.account("cy").await;
    group(&ana, "garden", "public", "open").await;
    group(&ana, "knock", "public", "request").await;
    let bare = |client: &Client, path: &str| client.request(reqwest::Method::POST, path);

    let joined = bo.send(bare(&bo, "/api/v1/groups/garden/members")).await;
    assert_eq!(joined.status, 201, "{}", joined.body);
    let asked = cy.send(bare(&cy, "/api/v1/groups/knock/members")).await;
    assert_eq!(asked.status, 202, "{}", asked.body);
    let request = asked.json["id"].as_str().unwrap();
    let approved = ana
        .send(bare(
            &ana,
            &format!("/api/v1/join-requests/{request}/approve"),
        ))
        .await;
    assert_eq!(approved.status, 200, "{}", approved.body);

    let currency = ana
        .post(
            "/api/v1/groups/garden/currencies",
            &json!({"code": "HRS", "name": "Hours", "kind": "mutual_credit", "scale": 2}),
        )
        .await;
    let currency = currency.json["id"].as_str().unwrap();
    let opened = bo
        .send(bare(
            &bo,
            &format!("/api/v1/currencies/{currency}/accounts"),
        ))
        .await;
    assert_eq!(opened.status, 201, "{}", opened.body);

    // A body that is sent must be JSON.
    bo.post_raw(
        &format!("/api/v1/currencies/{currency}/accounts"),
        "text/plain",
        b"{}".to_vec(),
    )
    .await
    .problem(415);
    // A body with required fields names them when it is left out.
    let missing = ana.send(bare(&ana, "/api/v1/groups")).await;
    missing.problem(422);
}

async fn tools_are_named_by_id_or_by_name(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    group(&ana, "garden", "public", "open").await;
    let registered = ana
        .post(
            "/api/v1/tools",
            &json!({"name": "Board", "home_url": "https://board.example"}),
        )
        .await;
    assert_eq!(registered.status, 201, "{}", registered.body);
    let id = registered.json["id"].as_str().unwrap().to_string();
    let directory = server.client().get("/api/v1/tools").await;
    let listed = directory
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "board")
        .expect("the tool is listed")
        .clone();
    assert_eq!(listed["id"], json!(id));
    assert_eq!(
        ana.put(&format!("/api/v1/groups/garden/tools/{id}"), &json!({}))
            .await
            .status,
        204
    );
    let used = ana.get("/api/v1/groups/garden/tools").await;
    assert!(
        used.json
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "board")
    );
    assert_eq!(
        ana.get(&format!("/api/v1/tools/{id}/registration"))
            .await
            .status,
        200
    );
    assert_eq!(
        ana.get("/api/v1/tools/board/registration").await.status,
        200
    );
    assert_eq!(
        ana.delete(&format!("/api/v1/groups/garden/tools/{id}"))
            .await
            .status,
        204
    );
}
