//! Groups, membership, roles, invitations, join requests and tools, end to end.

use serde_json::{Value, json};
use testkit::{Backend, Client, TestServer, both};

both!(
    groups_are_created_edited_searched_and_deleted,
    visibility_decides_who_sees_what,
    joining_follows_the_join_policy,
    invitations_by_handle_mail_and_link,
    roles_removal_leaving_and_ownership,
    subgroups_and_parent_admins,
    tools_are_enabled_per_group,
    group_limited_tokens_stay_in_their_group,
    a_group_always_keeps_exactly_one_owner,
);

async fn group(client: &Client, handle: &str, visibility: &str, join_policy: &str) -> Value {
    let reply = client
        .post(
            "/api/v1/groups",
            &json!({"handle": handle, "name": format!("The {handle}"), "visibility": visibility,
                    "join_policy": join_policy, "description": "A group for tests"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json
}

async fn groups_are_created_edited_searched_and_deleted(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ada = server.account("ada").await;
    let g = group(&ada, "gardeners", "public", "open").await;
    assert_eq!(g["your_role"], "owner");
    assert_eq!(g["member_count"], 1);
    group(&ada, "bakers", "listed", "request").await;
    group(&ada, "hidden", "secret", "invite").await;
    ada.post(
        "/api/v1/groups",
        &json!({"handle": "gardeners", "name": "x", "visibility": "public", "join_policy": "open"}),
    )
    .await
    .problem(409);
    let bad = ada
        .post(
            "/api/v1/groups",
            &json!({"handle": "Bad!", "name": "", "visibility": "public", "join_policy": "open"}),
        )
        .await;
    let mut fields = bad.error_fields();
    fields.sort();
    assert_eq!(fields, ["handle", "name"]);
    ada.post(
        "/api/v1/groups",
        &json!({"handle": "x1", "name": "x", "visibility": "open", "join_policy": "open"}),
    )
    .await
    .problem(422);

    let edited = ada
        .patch(
            "/api/v1/groups/gardeners",
            &json!({"name": "Community Gardeners", "join_policy": "request"}),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(edited.json["name"], "Community Gardeners");
    assert_eq!(edited.json["join_policy"], "request");

    let found = server.client().get("/api/v1/groups?q=garden").await;
    let handles: Vec<&str> = found.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["handle"].as_str().unwrap())
        .collect();
    assert_eq!(handles, ["gardeners"]);
    let all = server.client().get("/api/v1/groups").await;
    let handles: Vec<&str> = all.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["handle"].as_str().unwrap())
        .collect();
    assert_eq!(
        handles,
        ["bakers", "gardeners"],
        "secret groups stay out of the directory"
    );
    let mine = ada.get("/api/v1/groups?limit=2").await;
    assert_eq!(mine.json["items"].as_array().unwrap().len(), 2);
    let cursor = mine.json["next_cursor"].as_str().unwrap();
    let rest = ada
        .get(&format!("/api/v1/groups?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(
        rest.json["items"][0]["handle"], "hidden",
        "the owner sees their secret group"
    );

    ada.delete("/api/v1/groups/bakers").await.problem(422);
    ada.delete("/api/v1/groups/bakers?confirm=wrong")
        .await
        .problem(422);
    assert_eq!(
        ada.delete("/api/v1/groups/bakers?confirm=bakers")
            .await
            .status,
        204
    );
    ada.get("/api/v1/groups/bakers").await.problem(404);
}

async fn visibility_decides_who_sees_what(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ada = server.account("ada").await;
    let bo = server.account("bo").await;
    group(&ada, "open_book", "public", "open").await;
    group(&ada, "club", "listed", "request").await;
    group(&ada, "cabal", "secret", "invite").await;
    let anon = server.client();
    for who in [&anon, &bo] {
        assert_eq!(
            who.get("/api/v1/groups/open_book/members").await.status,
            200
        );
        let listed = who.get("/api/v1/groups/club").await;
        assert_eq!(listed.status, 200, "a listed group shows that it exists");
        assert!(listed.json["member_count"].is_null(), "but not its members");
        who.get("/api/v1/groups/cabal").await.problem(404);
        who.get("/api/v1/groups/cabal/members").await.problem(404);
    }
    anon.get("/api/v1/groups/club/members").await.problem(401);
    bo.get("/api/v1/groups/club/members").await.problem(403);
    assert_eq!(ada.get("/api/v1/groups/cabal/members").await.status, 200);
}

async fn joining_follows_the_join_policy(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ada = server.account("ada").await;
    let bo = server.account("bo").await;
    let cy = server.account("cy").await;
    group(&ada, "open_door", "public", "open").await;
    group(&ada, "knock", "listed", "request").await;
    group(&ada, "guests", "public", "invite").await;

    let joined = bo
        .post("/api/v1/groups/open_door/members", &json!({}))
        .await;
    assert_eq!(joined.status, 201, "{}", joined.body);
    assert_eq!(joined.json["role"], "member");
    bo.post("/api/v1/groups/open_door/members", &json!({}))
        .await
        .problem(409);
    server
        .client()
        .post("/api/v1/groups/open_door/members", &json!({}))
        .await
        .problem(401);

    let asked = bo
        .post(
            "/api/v1/groups/knock/members",
            &json!({"message": "I bake bread"}),
        )
        .await;
    assert_eq!(asked.status, 202, "{}", asked.body);
    assert_eq!(asked.json["status"], "pending");
    bo.post("/api/v1/groups/knock/members", &json!({}))
        .await
        .problem(409);
    let cy_asked = cy.post("/api/v1/groups/knock/members", &json!({})).await;
    let pending = ada.get("/api/v1/groups/knock/join-requests").await;
    assert_eq!(pending.json["items"].as_array().unwrap().len(), 2);
    assert_eq!(pending.json["items"][0]["message"], "I bake bread");
    bo.get("/api/v1/groups/knock/join-requests")
        .await
        .problem(403);

    let id = asked.json["id"].as_str().unwrap();
    bo.post(&format!("/api/v1/join-requests/{id}/approve"), &json!({}))
        .await
        .problem(404);
    let approved = ada
        .post(&format!("/api/v1/join-requests/{id}/approve"), &json!({}))
        .await;
    assert_eq!(approved.json["status"], "approved");
    ada.post(&format!("/api/v1/join-requests/{id}/approve"), &json!({}))
        .await
        .problem(410);
    assert_eq!(
        bo.get("/api/v1/groups/knock/members").await.status,
        200,
        "approved means member"
    );
    let cy_id = cy_asked.json["id"].as_str().unwrap();
    let rejected = ada
        .post(&format!("/api/v1/join-requests/{cy_id}/reject"), &json!({}))
        .await;
    assert_eq!(rejected.json["status"], "rejected");
    cy.get("/api/v1/groups/knock/members").await.problem(403);

    bo.post("/api/v1/groups/guests/members", &json!({}))
        .await
        .problem(403);
}

async fn invitations_by_handle_mail_and_link(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ada = server.account("ada").await;
    let bo = server.account("bo").await;
    let cy = server.account("cy").await;
    group(&ada, "cabal", "secret", "invite").await;

    let for_bo = ada
        .post(
            "/api/v1/groups/cabal/invitations",
            &json!({"account": "bo"}),
        )
        .await;
    assert_eq!(for_bo.status, 201, "{}", for_bo.body);
    let id = for_bo.json["id"].as_str().unwrap();
    assert!(
        for_bo.json["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/invitations/{id}"))
    );
    assert_eq!(
        bo.get(&format!("/api/v1/invitations/{id}")).await.json["group"]["handle"],
        "cabal"
    );
    cy.post(&format!("/api/v1/invitations/{id}/accept"), &json!({}))
        .await
        .problem(404);
    let accepted = bo
        .post(&format!("/api/v1/invitations/{id}/accept"), &json!({}))
        .await;
    assert_eq!(accepted.status, 201, "{}", accepted.body);
    bo.post(&format!("/api/v1/invitations/{id}/accept"), &json!({}))
        .await
        .problem(410);
    assert_eq!(
        bo.get("/api/v1/groups/cabal").await.json["your_role"],
        "member"
    );
    ada.post(
        "/api/v1/groups/cabal/invitations",
        &json!({"account": "bo"}),
    )
    .await
    .problem(409);

    let by_mail = ada
        .post(
            "/api/v1/groups/cabal/invitations",
            &json!({"email": "Friend@Example.org"}),
        )
        .await;
    assert_eq!(by_mail.status, 201);
    let mails = server.wait_for_mails(1).await;
    assert!(mails[0].contains("To: friend@example.org"));
    assert!(
        mails[0].contains(by_mail.json["url"].as_str().unwrap()),
        "{}",
        mails[0]
    );

    let link = ada
        .post(
            "/api/v1/groups/cabal/invitations",
            &json!({"max_uses": 1, "expires_in": 3600}),
        )
        .await;
    let link_id = link.json["id"].as_str().unwrap().to_string();
    let token = link.json["token"].as_str().unwrap().to_string();
    assert!(
        link.json["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/join/{token}"))
    );
    let dan = server.account("dan").await;
    // The id is not a way in: a link is answered with its token.
    dan.post(&format!("/api/v1/invitations/{link_id}/accept"), &json!({}))
        .await
        .problem(404);
    let declined = cy
        .post("/api/v1/invitations/decline", &json!({"token": token}))
        .await;
    assert_eq!(
        declined.status, 204,
        "declining a shared link leaves it open for others"
    );
    // A bodiless POST is a body of `{}`: the token is then named as missing.
    assert_eq!(
        dan.send(dan.request(reqwest::Method::POST, "/api/v1/invitations/accept"))
            .await
            .error_fields(),
        ["token"]
    );
    assert_eq!(
        dan.post("/api/v1/invitations/accept", &json!({"token": token}))
            .await
            .status,
        201
    );
    cy.post("/api/v1/invitations/accept", &json!({"token": token}))
        .await
        .problem(410);
    cy.post(
        "/api/v1/invitations/accept",
        &json!({"token": "weft_inv_forged"}),
    )
    .await
    .problem(404);

    let expiring = ada
        .post(
            "/api/v1/groups/cabal/invitations",
            &json!({"expires_in": 60}),
        )
        .await;
    let expiring_token = expiring.json["token"].as_str().unwrap();
    server.clock.advance_seconds(61);
    cy.post(
        "/api/v1/invitations/accept",
        &json!({"token": expiring_token}),
    )
    .await
    .problem(410);

    let revoked = ada
        .post("/api/v1/groups/cabal/invitations", &json!({}))
        .await;
    let revoked_id = revoked.json["id"].as_str().unwrap();
    let revoked_token = revoked.json["token"].as_str().unwrap();
    bo.delete(&format!("/api/v1/invitations/{revoked_id}"))
        .await
        .problem(403);
    assert_eq!(
        ada.delete(&format!("/api/v1/invitations/{revoked_id}"))
            .await
            .status,
        204
    );
    cy.post(
        "/api/v1/invitations/accept",
        &json!({"token": revoked_token}),
    )
    .await
    .problem(410);

    let listed = ada.get("/api/v1/groups/cabal/invitations").await;
    assert_eq!(listed.json["items"].as_array().unwrap().len(), 5);
    bo.post("/api/v1/groups/cabal/invitations", &json!({}))
        .await
        .problem(403);
    ada.post(
        "/api/v1/groups/cabal/invitations",
        &json!({"role": "owner"}),
    )
    .await
    .problem(422);
    ada.post(
        "/api/v1/groups/cabal/invitations",
        &json!({"account": "nobody"}),
    )
    .await
    .problem(422);
    cy.get("/api/v1/groups/cabal").await.problem(404);
}

async fn roles_removal_leaving_and_ownership(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ada = server.account("ada").await;
    let bo = server.account("bo").await;
    let cy = server.account("cy").await;
    group(&ada, "coop", "secret", "open").await;
    for who in ["bo", "cy"] {
        let inv = ada
            .post("/api/v1/groups/coop/invitations", &json!({"account": who}))
            .await;
        let id = inv.json["id"].as_str().unwrap();
        let client = if who == "bo" { &bo } else { &cy };
        assert_eq!(
            client
                .post(&format!("/api/v1/invitations/{id}/accept"), &json!({}))
                .await
                .status,
            201
        );
    }
    let role = ada
        .post(
            "/api/v1/groups/coop/roles",
            &json!({"name": "greeter", "permissions": ["invite", "post"]}),
        )
        .await;
    assert_eq!(role.status, 201, "{}", role.body);
    ada.post(
        "/api/v1/groups/coop/roles",
        &json!({"name": "greeter", "permissions": []}),
    )
    .await
    .problem(409);
    ada.post(
        "/api/v1/groups/coop/roles",
        &json!({"name": "admin", "permissions": []}),
    )
    .await
    .problem(422);
    ada.post(
        "/api/v1/groups/coop/roles",
        &json!({"name": "x2", "permissions": ["fly"]}),
    )
    .await
    .problem(422);
    let roles = bo.get("/api/v1/groups/coop/roles").await;
    assert_eq!(roles.json.as_array().unwrap().len(), 4);

    bo.post("/api/v1/groups/coop/invitations", &json!({}))
        .await
        .problem(403);
    let promoted = ada
        .patch(
            "/api/v1/groups/coop/members/bo",
            &json!({"role": "greeter"}),
        )
        .await;
    assert_eq!(promoted.json["role"], "greeter");
    assert_eq!(
        bo.post("/api/v1/groups/coop/invitations", &json!({}))
            .await
            .status,
        201,
        "greeters invite"
    );
    ada.patch(
        "/api/v1/groups/coop/members/bo",
        &json!({"role": "nonsense"}),
    )
    .await
    .problem(422);
    ada.patch("/api/v1/groups/coop/members/bo", &json!({"role": "owner"}))
        .await
        .problem(422);
    ada.patch(
        "/api/v1/groups/coop/members/ada",
        &json!({"role": "member"}),
    )
    .await
    .problem(409);
    bo.patch(
        "/api/v1/groups/coop/members/cy",
        &json!({"role": "greeter"}),
    )
    .await
    .problem(403);

    let renamed = ada
        .patch(
            "/api/v1/groups/coop/roles/greeter",
            &json!({"name": "host"}),
        )
        .await;
    assert_eq!(renamed.json["name"], "host");
    let members = ada.get("/api/v1/groups/coop/members").await;
    assert!(
        members.body.contains("\"role\":\"host\""),
        "holders follow a renamed role"
    );
    assert_eq!(
        ada.delete("/api/v1/groups/coop/roles/host").await.status,
        204
    );
    bo.post("/api/v1/groups/coop/invitations", &json!({}))
        .await
        .problem(403);

    // Ownership: the owner cannot leave before handing over.
    ada.delete("/api/v1/groups/coop/members/ada")
        .await
        .problem(409);
    bo.post("/api/v1/groups/coop/owner", &json!({"account": "bo"}))
        .await
        .problem(403);
    ada.post("/api/v1/groups/coop/owner", &json!({"account": "nobody"}))
        .await
        .problem(422);
    let handed = ada
        .post("/api/v1/groups/coop/owner", &json!({"account": "bo"}))
        .await;
    assert_eq!(handed.json["role"], "owner");
    assert_eq!(
        ada.get("/api/v1/groups/coop").await.json["your_role"],
        "admin"
    );
    assert_eq!(
        ada.delete("/api/v1/groups/coop/members/ada").await.status,
        204,
        "now ada may leave"
    );
    ada.get("/api/v1/groups/coop").await.problem(404);

    // Removal ends access at once.
    assert_eq!(cy.get("/api/v1/groups/coop/members").await.status, 200);
    assert_eq!(
        bo.delete("/api/v1/groups/coop/members/cy").await.status,
        204
    );
    cy.get("/api/v1/groups/coop/members").await.problem(404);
}

async fn subgroups_and_parent_admins(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ada = server.account("ada").await;
    let bo = server.account("bo").await;
    group(&ada, "network", "public", "open").await;
    bo.post("/api/v1/groups/network/members", &json!({})).await;
    let sub = json!({"handle": "north", "name": "North", "visibility": "public", "join_policy": "open",
                     "parent": "network", "parent_admins_manage": true});
    bo.post("/api/v1/groups", &sub).await.problem(403);
    let mut orphan = sub.clone();
    orphan["parent"] = json!("nowhere");
    ada.post("/api/v1/groups", &orphan).await.problem(422);
    let north = bo
        .patch(
            "/api/v1/groups/network/members/bo",
            &json!({"role": "admin"}),
        )
        .await;
    north.problem(403);
    ada.patch(
        "/api/v1/groups/network/members/bo",
        &json!({"role": "admin"}),
    )
    .await;
    let created = bo.post("/api/v1/groups", &sub).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(
        created.json["parent"],
        ada.get("/api/v1/groups/network").await.json["id"]
    );
    let subs = server
        .client()
        .get("/api/v1/groups/network/subgroups")
        .await;
    assert_eq!(subs.json["items"][0]["handle"], "north");
    // Ada is not in North, but as the parent's owner she manages it.
    let edited = ada
        .patch(
            "/api/v1/groups/north",
            &json!({"description": "Northern chapter"}),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    ada.delete("/api/v1/groups/network?confirm=network")
        .await
        .problem(409);
}

async fn tools_are_enabled_per_group(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ada = server.account("ada").await;
    let bo = server.account("bo").await;
    group(&ada, "public_g", "public", "open").await;
    group(&ada, "listed_g", "listed", "open").await;
    group(&ada, "secret_g", "secret", "open").await;
    for g in ["public_g", "listed_g", "secret_g"] {
        let r = ada
            .put(&format!("/api/v1/groups/{g}/tools/notes"), &json!({}))
            .await;
        assert_eq!(r.status, 204, "{}", r.body);
    }
    ada.put("/api/v1/groups/public_g/tools/nope", &json!({}))
        .await
        .problem(404);
    bo.post("/api/v1/groups/public_g/members", &json!({})).await;
    bo.put("/api/v1/groups/public_g/tools/polls", &json!({}))
        .await
        .problem(403);
    let tools = server.client().get("/api/v1/groups/public_g/tools").await;
    assert_eq!(tools.json[0]["name"], "notes");

    let directory = |reply: &testkit::Reply| -> Vec<String> {
        let notes = reply
            .json
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "notes")
            .unwrap()
            .clone();
        notes["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["handle"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        directory(&server.client().get("/api/v1/tools").await),
        ["public_g"]
    );
    assert_eq!(
        directory(&ada.get("/api/v1/tools").await),
        ["listed_g", "public_g", "secret_g"]
    );
    assert_eq!(
        ada.delete("/api/v1/groups/public_g/tools/notes")
            .await
            .status,
        204
    );
    assert_eq!(
        directory(&bo.get("/api/v1/tools").await),
        Vec::<String>::new()
    );
}

async fn group_limited_tokens_stay_in_their_group(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ada = server.account("ada").await;
    group(&ada, "one", "secret", "open").await;
    group(&ada, "two", "secret", "open").await;
    let made = ada
        .post(
            "/api/v1/tokens",
            &json!({"name": "one only", "scopes": ["read", "write"], "group": "one"}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let token = server
        .client()
        .with_token(made.json["token"].as_str().unwrap());
    assert_eq!(token.get("/api/v1/groups/one/members").await.status, 200);
    token.get("/api/v1/groups/two/members").await.problem(404);
    token
        .patch("/api/v1/groups/two", &json!({"name": "Hijacked"}))
        .await
        .problem(404);
    token
        .post(
            "/api/v1/groups",
            &json!({"handle": "three", "name": "x", "visibility": "public", "join_policy": "open"}),
        )
        .await
        .problem(403);
    ada.post(
        "/api/v1/tokens",
        &json!({"name": "x", "scopes": ["read"], "group": "nowhere"}),
    )
    .await
    .problem(422);
    let reader = ada
        .post(
            "/api/v1/tokens",
            &json!({"name": "r", "scopes": ["groups:read"]}),
        )
        .await;
    let reader = server
        .client()
        .with_token(reader.json["token"].as_str().unwrap());
    assert_eq!(reader.get("/api/v1/groups/one").await.status, 200);
    reader.get("/api/v1/groups/one/members").await.problem(403);
    reader
        .patch("/api/v1/groups/one", &json!({"name": "x"}))
        .await
        .problem(403);
}

/// A deterministic shuffle of joins, role changes, removals and ownership moves; after each
/// step the group has exactly one owner, and the members list agrees with a model.
async fn a_group_always_keeps_exactly_one_owner(backend: Backend) {
    let server = TestServer::start(backend).await;
    let names = ["p0", "p1", "p2", "p3", "p4"];
    let mut people = Vec::new();
    for n in names {
        people.push(server.account(n).await);
    }
    group(&people[0], "circle", "secret", "open").await;
    let mut roles: std::collections::BTreeMap<usize, &str> = [(0, "owner")].into();
    let mut seed: u64 = 0x5eed;
    for _ in 0..60 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let (op, a, b) = (
            (seed >> 33) % 5,
            ((seed >> 40) % 5) as usize,
            ((seed >> 48) % 5) as usize,
        );
        let owner = *roles.iter().find(|(_, r)| **r == "owner").unwrap().0;
        match op {
            0 => {
                // The owner invites a non-member, who accepts.
                if roles.contains_key(&a) {
                    continue;
                }
                let inv = people[owner]
                    .post(
                        "/api/v1/groups/circle/invitations",
                        &json!({"account": names[a]}),
                    )
                    .await;
                let id = inv.json["id"].as_str().unwrap();
                let r = people[a]
                    .post(&format!("/api/v1/invitations/{id}/accept"), &json!({}))
                    .await;
                assert_eq!(r.status, 201);
                roles.insert(a, "member");
            }
            1 => {
                let role = if b % 2 == 0 { "admin" } else { "member" };
                let r = people[owner]
                    .patch(
                        &format!("/api/v1/groups/circle/members/{}", names[a]),
                        &json!({"role": role}),
                    )
                    .await;
                match roles.get(&a) {
                    None => {
                        r.problem(404);
                    }
                    Some(&"owner") => {
                        r.problem(409);
                    }
                    Some(_) => {
                        assert_eq!(r.status, 200);
                        roles.insert(a, role);
                    }
                };
            }
            2 => {
                let r = people[owner]
                    .delete(&format!("/api/v1/groups/circle/members/{}", names[a]))
                    .await;
                match roles.get(&a) {
                    None => {
                        r.problem(404);
                    }
                    Some(&"owner") => {
                        r.problem(409);
                    }
                    Some(_) => {
                        assert_eq!(r.status, 204);
                        roles.remove(&a);
                    }
                };
            }
            3 => {
                let r = people[owner]
                    .post("/api/v1/groups/circle/owner", &json!({"account": names[a]}))
                    .await;
                if roles.contains_key(&a) {
                    assert_eq!(r.status, 200, "{}", r.body);
                    if a != owner {
                        roles.insert(owner, "admin");
                        roles.insert(a, "owner");
                    }
                } else {
                    r.problem(422);
                }
            }
            _ => {
                // Someone who is not the owner tries to take ownership.
                if a == owner || !roles.contains_key(&a) {
                    continue;
                }
                people[a]
                    .post("/api/v1/groups/circle/owner", &json!({"account": names[a]}))
                    .await
                    .problem(403);
            }
        }
        let owner = *roles.iter().find(|(_, r)| **r == "owner").unwrap().0;
        let members = people[owner].get("/api/v1/groups/circle/members").await;
        let listed: std::collections::BTreeMap<String, String> = members.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["account"]["handle"].as_str().unwrap().to_string(),
                    m["role"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let expected: std::collections::BTreeMap<String, String> = roles
            .iter()
            .map(|(i, r)| (names[*i].to_string(), r.to_string()))
            .collect();
        assert_eq!(listed, expected);
        assert_eq!(listed.values().filter(|r| *r == "owner").count(), 1);
    }
}
