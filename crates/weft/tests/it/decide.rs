//! The decide tool through the real server: polls of each kind, votes by option id or text,
//! changed and refused votes, closing, results counted by tally, and results hidden until
//! their time.

use serde_json::{Value, json};
use testkit::{Backend, Client, TestServer, both};

both!(
    polls_of_every_kind_count_their_votes,
    bad_ballots_and_late_votes_count_nothing,
    hidden_results_stay_hidden_until_their_time,
    polls_live_only_where_the_group_uses_decide,
    motions_are_decided_by_a_poll_and_resolve_when_it_closes,
    custom_roles_and_narrow_tokens_get_only_what_they_hold,
);

/// A public group `garden` using decide, owned by ana, with bo and cy as members.
async fn garden(server: &TestServer) -> (Client, Client, Client) {
    let ana = server.account("ana").await;
    let bo = server.account("bo").await;
    let cy = server.account("cy").await;
    let made = ana
        .post(
            "/api/v1/groups",
            &json!({"handle": "garden", "name": "Garden", "visibility": "public",
                    "join_policy": "open"}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    for who in [&bo, &cy] {
        let joined = who.post("/api/v1/groups/garden/members", &json!({})).await;
        assert!(joined.status < 300, "{}", joined.body);
    }
    let on = ana
        .put("/api/v1/groups/garden/tools/decide", &json!({}))
        .await;
    assert_eq!(on.status, 204, "{}", on.body);
    (ana, bo, cy)
}

async fn poll(by: &Client, body: Value) -> String {
    let made = by.post("/api/v1/groups/garden/polls", &body).await;
    assert_eq!(made.status, 201, "{}", made.body);
    made.json["id"].as_str().unwrap().to_string()
}

async fn vote(by: &Client, poll: &str, body: Value) -> testkit::Reply {
    by.post(&format!("/api/v1/polls/{poll}/votes"), &body).await
}

async fn voted(by: &Client, poll: &str, body: Value) {
    let reply = vote(by, poll, body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

async fn results(by: &Client, poll: &str) -> Value {
    let reply = by.get(&format!("/api/v1/polls/{poll}/results")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json
}

async fn polls_of_every_kind_count_their_votes(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, bo, cy) = garden(&server).await;

    // A proposal: the stances are the options; a block fails it.
    let proposal = poll(&ana, json!({"title": "Buy a shed?", "kind": "proposal"})).await;
    let shown = ana.get(&format!("/api/v1/polls/{proposal}")).await;
    assert_eq!(shown.json["options"][0], json!({"id": 0, "text": "agree"}));
    assert_eq!(shown.json["status"], "open");
    voted(
        &ana,
        &proposal,
        json!({"stance": "agree", "reason": "Tools rust"}),
    )
    .await;
    voted(&bo, &proposal, json!({"stance": "agree"})).await;
    voted(&cy, &proposal, json!({"stance": "disagree"})).await;
    let r = results(&bo, &proposal).await;
    assert_eq!(r["winners"], json!(["agree"]));
    assert_eq!(
        r["tallies"],
        json!({"agree": 2, "abstain": 0, "disagree": 1, "block": 0})
    );
    assert_eq!(r["outcome"], "passed");
    assert_eq!(r["voters_count"], 3);
    assert_eq!(r["eligible_count"], 3);
    // cy changes to a block: the proposal is blocked, and counted once.
    voted(&cy, &proposal, json!({"stance": "block"})).await;
    let r = results(&bo, &proposal).await;
    assert_eq!(r["outcome"], "blocked");
    assert_eq!(r["voters_count"], 3);

    // A single choice, named by text (any case) or id.
    let choice = poll(
        &ana,
        json!({"title": "Which day?", "kind": "choice", "options": ["Monday", "Tuesday", "Friday"]}),
    )
    .await;
    voted(&ana, &choice, json!({"choices": ["friday"]})).await;
    voted(&bo, &choice, json!({"choices": [2]})).await;
    voted(&cy, &choice, json!({"choices": ["Monday"]})).await;
    let r = results(&cy, &choice).await;
    assert_eq!(r["winners"], json!(["Friday"]));
    assert_eq!(
        r["tallies"],
        json!({"Monday": 1, "Tuesday": 0, "Friday": 2})
    );

    // Approval: any number each.
    let approval = poll(
        &ana,
        json!({"title": "Which seeds?", "kind": "approval", "options": ["Beans", "Kale", "Leek"]}),
    )
    .await;
    voted(&ana, &approval, json!({"choices": ["Beans", "Kale"]})).await;
    voted(&bo, &approval, json!({"choices": ["Kale"]})).await;
    voted(&cy, &approval, json!({"choices": []})).await;
    let r = results(&ana, &approval).await;
    assert_eq!(r["winners"], json!(["Kale"]));
    assert_eq!(r["tallies"]["Beans"], 1);
    // A tie names every option tied first; nothing chosen names none.
    voted(&bo, &approval, json!({"choices": ["Beans", "Kale"]})).await;
    let r = results(&ana, &approval).await;
    assert_eq!(r["winners"], json!(["Beans", "Kale"]), "{r}");
    let empty = poll(
        &ana,
        json!({"title": "Anything?", "kind": "approval", "options": ["Yes", "No"]}),
    )
    .await;
    voted(&ana, &empty, json!({"choices": []})).await;
    assert_eq!(results(&ana, &empty).await["winners"], json!([]));

    // Dots: spread up to the allowance.
    let dots = poll(
        &ana,
        json!({"title": "Budget", "kind": "dot_vote", "dots": 5, "options": ["Paths", "Pond"]}),
    )
    .await;
    voted(&ana, &dots, json!({"dots": {"Paths": 1, "Pond": 4}})).await;
    voted(&bo, &dots, json!({"dots": {"0": 5}})).await;
    let r = results(&ana, &dots).await;
    assert_eq!(r["tallies"], json!({"Paths": 6, "Pond": 4}));
    assert_eq!(r["winners"], json!(["Paths"]));

    // Scores.
    let score = poll(
        &ana,
        json!({"title": "Rate the plans", "kind": "score", "score_max": 3, "options": ["A", "B"]}),
    )
    .await;
    voted(&ana, &score, json!({"scores": {"A": 3, "B": 1}})).await;
    voted(&bo, &score, json!({"scores": {"A": 1, "B": 2}})).await;
    let r = results(&ana, &score).await;
    assert_eq!(r["tallies"]["A"]["total"], 4);
    assert_eq!(r["winners"], json!(["A"]));

    // Ranked, three ways, on one profile where they disagree: IRV elects C, Borda and
    // Schulze pick B (the Condorcet winner).
    let ballots = [
        vec!["A", "B", "C"],
        vec!["A", "B", "C"],
        vec!["C", "B", "A"],
        vec!["C", "B", "A"],
        vec!["C", "A", "B"],
        vec!["B", "C", "A"],
        vec!["B", "A", "C"],
    ];
    let mut voters = vec![ana.clone(), bo.clone(), cy.clone()];
    for i in 0..4 {
        let extra = server.account(&format!("voter{i}")).await;
        let joined = extra
            .post("/api/v1/groups/garden/members", &json!({}))
            .await;
        assert!(joined.status < 300, "{}", joined.body);
        voters.push(extra);
    }
    for (method, winner) in [("irv", "C"), ("borda", "B"), ("schulze", "B")] {
        let ranked = poll(
            &ana,
            json!({"title": format!("Chair ({method})"), "kind": "ranked", "method": method,
                   "options": ["A", "B", "C"]}),
        )
        .await;
        for (who, ranking) in voters.iter().zip(&ballots) {
            voted(who, &ranked, json!({"ranking": ranking})).await;
        }
        let r = results(&ana, &ranked).await;
        assert_eq!(r["winners"], json!([winner]), "{method}: {r}");
        if method == "irv" {
            let rounds = r["rounds"].as_array().unwrap();
            assert_eq!(rounds.len(), 2, "{r}");
            assert_eq!(rounds[0]["tallies"], json!({"A": 2, "B": 2, "C": 3}));
            assert_eq!(rounds[1]["tallies"]["C"], 4);
        }
    }

    // The group's polls, newest first; closed ones by filter.
    let closed = ana
        .post(&format!("/api/v1/polls/{choice}/close"), &json!({}))
        .await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    assert_eq!(closed.json["status"], "closed");
    let list = ana.get("/api/v1/groups/garden/polls?status=closed").await;
    assert_eq!(
        list.json["items"].as_array().unwrap().len(),
        1,
        "{}",
        list.body
    );
    assert_eq!(list.json["items"][0]["id"], choice.as_str());
    let open = server
        .client()
        .get("/api/v1/groups/garden/polls?status=open")
        .await;
    assert_eq!(
        open.json["items"].as_array().unwrap().len(),
        8,
        "{}",
        open.body
    );
    let mine = bo.get(&format!("/api/v1/polls/{proposal}")).await;
    assert_eq!(mine.json["my_vote"]["stance"], "agree", "{}", mine.body);
}

async fn bad_ballots_and_late_votes_count_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, bo, _) = garden(&server).await;
    let outsider = server.account("eve").await;

    // Bad polls.
    for (body, field) in [
        (json!({"title": "", "kind": "proposal"}), "title"),
        (
            json!({"title": "x", "kind": "choice", "options": ["a"]}),
            "options",
        ),
        (
            json!({"title": "x", "kind": "choice", "options": ["a", "A"]}),
            "options[1]",
        ),
        (
            json!({"title": "x", "kind": "proposal", "options": ["a", "b"]}),
            "options",
        ),
        (
            json!({"title": "x", "kind": "ranked", "options": ["a", "b"], "dots": 3}),
            "dots",
        ),
        (
            json!({"title": "x", "kind": "proposal", "closes_at": "2020-01-01T00:00:00Z"}),
            "closes_at",
        ),
        (
            json!({"title": "x", "kind": "dot_vote", "options": ["a", "b"], "dots": 0}),
            "dots",
        ),
    ] {
        let reply = ana.post("/api/v1/groups/garden/polls", &body).await;
        assert_eq!(reply.status, 422, "{body}: {}", reply.body);
        assert_eq!(reply.error_fields(), [field], "{body}: {}", reply.body);
    }
    ana.post(
        "/api/v1/groups/garden/polls",
        &json!({"title": "x", "kind": "nonsense"}),
    )
    .await
    .problem(422);

    let choice = poll(
        &ana,
        json!({"title": "Pick one", "kind": "choice", "options": ["a", "b", "c"], "changes": false}),
    )
    .await;
    let dots = poll(
        &ana,
        json!({"title": "Dots", "kind": "dot_vote", "dots": 3, "options": ["a", "b"]}),
    )
    .await;
    let ranked = poll(
        &ana,
        json!({"title": "Rank", "kind": "ranked", "options": ["a", "b", "c"]}),
    )
    .await;
    for (poll, body, field) in [
        (&choice, json!({"choices": ["z"]}), "choices"),
        (&choice, json!({"choices": [7]}), "choices"),
        (&choice, json!({"choices": ["a", "b"]}), "choices"),
        (&choice, json!({"stance": "agree"}), "stance"),
        (&dots, json!({"dots": {"a": 3, "b": 1}}), "dots"),
        (&dots, json!({"dots": {"a": -1}}), "dots"),
        (&ranked, json!({"ranking": ["a", "a"]}), "ranking"),
        (&ranked, json!({"ranking": []}), "ranking"),
    ] {
        let reply = vote(&bo, poll, body.clone()).await;
        assert_eq!(reply.status, 422, "{body}: {}", reply.body);
        assert_eq!(reply.error_fields(), [field], "{body}: {}", reply.body);
    }
    // Nothing was counted.
    assert_eq!(results(&ana, &choice).await["voters_count"], 0);
    assert_eq!(results(&ana, &dots).await["voters_count"], 0);

    // A vote that may not change stays as it was.
    voted(&bo, &choice, json!({"choices": ["a"]})).await;
    vote(&bo, &choice, json!({"choices": ["b"]}))
        .await
        .problem(409);
    assert_eq!(
        results(&ana, &choice).await["tallies"],
        json!({"a": 1, "b": 0, "c": 0})
    );

    // Someone not in the group may read a public poll but not vote; a non-author member may
    // not close it; after closing, nobody votes.
    vote(&outsider, &choice, json!({"choices": ["a"]}))
        .await
        .problem(403);
    bo.post(&format!("/api/v1/polls/{choice}/close"), &json!({}))
        .await
        .problem(403);
    let closed = ana
        .post(&format!("/api/v1/polls/{choice}/close"), &json!({}))
        .await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    vote(&ana, &choice, json!({"choices": ["c"]}))
        .await
        .problem(409);
    ana.post(&format!("/api/v1/polls/{choice}/close"), &json!({}))
        .await
        .problem(409);
    assert_eq!(results(&ana, &choice).await["voters_count"], 1);

    // A poll closes by itself when its time comes (the kernel's clock).
    let soon = poll(
        &ana,
        json!({"title": "Soon", "kind": "proposal",
               "closes_at": kernel::Clock::now(&server.clock).plus_seconds(60).to_rfc3339()}),
    )
    .await;
    server.clock.advance_seconds(61);
    vote(&bo, &soon, json!({"stance": "agree"}))
        .await
        .problem(409);
    let shown = bo.get(&format!("/api/v1/polls/{soon}")).await;
    assert_eq!(shown.json["status"], "closed");
    bo.get(&format!("/api/v1/polls/{}", uuid::Uuid::now_v7()))
        .await
        .problem(404);
    bo.get("/api/v1/polls/not-an-id").await.problem(404);
}

async fn hidden_results_stay_hidden_until_their_time(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, bo, cy) = garden(&server).await;
    let until_closed = poll(
        &ana,
        json!({"title": "Secret", "kind": "choice", "options": ["x", "y"],
               "hide_results": "until_closed"}),
    )
    .await;
    voted(&bo, &until_closed, json!({"choices": ["y"]})).await;
    // Nobody sees a count before it closes: not the voter, not the author, not a stranger.
    for who in [&ana, &bo, &server.client()] {
        who.get(&format!("/api/v1/polls/{until_closed}/results"))
            .await
            .problem(403);
    }
    let shown = ana.get(&format!("/api/v1/polls/{until_closed}")).await;
    assert!(!shown.body.contains("tallies"), "{}", shown.body);
    ana.post(&format!("/api/v1/polls/{until_closed}/close"), &json!({}))
        .await;
    assert_eq!(results(&cy, &until_closed).await["winners"], json!(["y"]));

    let until_vote = poll(
        &ana,
        json!({"title": "Peek", "kind": "proposal", "hide_results": "until_vote"}),
    )
    .await;
    voted(&bo, &until_vote, json!({"stance": "agree"})).await;
    cy.get(&format!("/api/v1/polls/{until_vote}/results"))
        .await
        .problem(403);
    assert_eq!(results(&bo, &until_vote).await["tallies"]["agree"], 1);
    voted(&cy, &until_vote, json!({"stance": "abstain"})).await;
    assert_eq!(results(&cy, &until_vote).await["voters_count"], 2);
}

async fn polls_live_only_where_the_group_uses_decide(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, bo, _) = garden(&server).await;
    let id = poll(&ana, json!({"title": "Keep?", "kind": "proposal"})).await;
    let off = ana.delete("/api/v1/groups/garden/tools/decide").await;
    assert!(off.status < 300, "{}", off.body);
    ana.get("/api/v1/groups/garden/polls").await.problem(404);
    ana.post(
        "/api/v1/groups/garden/polls",
        &json!({"title": "New", "kind": "proposal"}),
    )
    .await
    .problem(404);
    bo.get(&format!("/api/v1/polls/{id}")).await.problem(404);
    vote(&bo, &id, json!({"stance": "agree"}))
        .await
        .problem(404);

    // A token that may only read polls reads them but does not vote.
    let on = ana
        .put("/api/v1/groups/garden/tools/decide", &json!({}))
        .await;
    assert_eq!(on.status, 204, "{}", on.body);
    let token = bo
        .post(
            "/api/v1/tokens",
            &json!({"name": "reader", "scopes": ["decide:read"]}),
        )
        .await;
    assert_eq!(token.status, 201, "{}", token.body);
    let reader = server
        .client()
        .with_token(token.json["token"].as_str().unwrap());
    assert_eq!(reader.get(&format!("/api/v1/polls/{id}")).await.status, 200);
    vote(&reader, &id, json!({"stance": "agree"}))
        .await
        .problem(403);
    let writer = bo
        .post(
            "/api/v1/tokens",
            &json!({"name": "voter", "scopes": ["decide:write"]}),
        )
        .await;
    let writer = server
        .client()
        .with_token(writer.json["token"].as_str().unwrap());
    voted(&writer, &id, json!({"stance": "agree"})).await;
}

/// A decision that acts: a motion opens its poll in decide; the poll closing — by hand or
/// by the clock — resolves the motion by its pass rule, and `weft:MotionResolved` tells the
/// asking tool. A withdrawn motion's poll ends without a decision.
async fn motions_are_decided_by_a_poll_and_resolve_when_it_closes(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, bo, cy) = garden(&server).await;
    let asked = bo
        .post(
            "/api/v1/groups/garden/motions",
            &json!({"title": "Spend 200 on seeds", "pass_rule": "consent",
                    "subject": "spend-1",
                    "closes_at": kernel::Clock::now(&server.clock).plus_seconds(3600).to_rfc3339()}),
        )
        .await;
    assert_eq!(asked.status, 201, "{}", asked.body);
    assert_eq!(asked.json["status"], "open");
    assert_eq!(asked.json["tool"], "api");
    let motion = asked.json["id"].as_str().unwrap().to_string();
    let poll_id = asked.json["poll"].as_str().unwrap().to_string();
    let shown = ana.get(&format!("/api/v1/polls/{poll_id}")).await;
    assert_eq!(shown.json["kind"], "proposal", "{}", shown.body);
    assert_eq!(shown.json["pass_rule"], "consent");
    voted(&ana, &poll_id, json!({"stance": "agree"})).await;
    voted(&bo, &poll_id, json!({"stance": "agree"})).await;
    voted(&cy, &poll_id, json!({"stance": "abstain"})).await;

    // The clock passes its close: the job closes the poll and resolves the motion.
    server.clock.advance_seconds(3601);
    let mut resolved = Value::Null;
    for _ in 0..100 {
        let got = ana.get(&format!("/api/v1/motions/{motion}")).await;
        if got.json["status"] != "open" {
            resolved = got.json;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(resolved["status"], "passed", "{resolved}");
    assert_eq!(resolved["outcome"]["tallies"]["agree"], 2);
    let stream = ana.get("/api/v1/groups/garden/activities").await;
    assert!(
        stream.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["type"] == "weft:MotionResolved" && a["extra"]["state"] == "passed"),
        "{}",
        stream.body
    );
    let closed = ana.get(&format!("/api/v1/polls/{poll_id}")).await;
    assert_eq!(closed.json["status"], "closed");

    // A block fails a consent motion, closed by hand.
    let asked = ana
        .post(
            "/api/v1/groups/garden/motions",
            &json!({"title": "Pave the lawn", "pass_rule": "consent"}),
        )
        .await;
    let motion = asked.json["id"].as_str().unwrap().to_string();
    let poll_id = asked.json["poll"].as_str().unwrap().to_string();
    voted(&ana, &poll_id, json!({"stance": "agree"})).await;
    voted(&cy, &poll_id, json!({"stance": "block"})).await;
    let closed = ana
        .post(&format!("/api/v1/polls/{poll_id}/close"), &json!({}))
        .await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    let got = ana.get(&format!("/api/v1/motions/{motion}")).await;
    assert_eq!(got.json["status"], "failed", "{}", got.body);

    // Withdrawn: the poll ends, nothing is decided; a second withdrawal is a conflict.
    let asked = bo
        .post(
            "/api/v1/groups/garden/motions",
            &json!({"title": "Buy a goat"}),
        )
        .await;
    let motion = asked.json["id"].as_str().unwrap().to_string();
    let poll_id = asked.json["poll"].as_str().unwrap().to_string();
    cy.post(&format!("/api/v1/motions/{motion}/withdraw"), &json!({}))
        .await
        .problem(403);
    let gone = bo
        .post(&format!("/api/v1/motions/{motion}/withdraw"), &json!({}))
        .await;
    assert_eq!(gone.status, 200, "{}", gone.body);
    assert_eq!(gone.json["status"], "withdrawn");
    bo.post(&format!("/api/v1/motions/{motion}/withdraw"), &json!({}))
        .await
        .problem(409);
    vote(&ana, &poll_id, json!({"stance": "agree"}))
        .await
        .problem(409);

    // Bad asks, and a group without decide: 409 naming it.
    bo.post(
        "/api/v1/groups/garden/motions",
        &json!({"title": "x", "kind": "ranked"}),
    )
    .await
    .problem(422);
    let off = ana.delete("/api/v1/groups/garden/tools/decide").await;
    assert!(off.status < 300, "{}", off.body);
    let refused = bo
        .post(
            "/api/v1/groups/garden/motions",
            &json!({"title": "Too late"}),
        )
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains("decide"), "{}", refused.body);
}

/// A custom role without `post` reads polls but neither opens one nor votes; a role given
/// `tool:decide:close` closes a poll it did not write; a token limited to another group is a
/// stranger here, and a `decide:read` token may not close.
async fn custom_roles_and_narrow_tokens_get_only_what_they_hold(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, bo, cy) = garden(&server).await;
    for (name, permissions) in [
        ("watcher", json!([])),
        ("chair", json!(["tool:decide:close"])),
    ] {
        let made = ana
            .post(
                "/api/v1/groups/garden/roles",
                &json!({"name": name, "permissions": permissions}),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
    }
    for (who, role) in [("bo", "watcher"), ("cy", "chair")] {
        let changed = ana
            .patch(
                &format!("/api/v1/groups/garden/members/{who}"),
                &json!({"role": role}),
            )
            .await;
        assert_eq!(changed.status, 200, "{}", changed.body);
    }
    let id = poll(&ana, json!({"title": "Rota?", "kind": "proposal"})).await;
    assert_eq!(bo.get(&format!("/api/v1/polls/{id}")).await.status, 200);
    vote(&bo, &id, json!({"stance": "agree"}))
        .await
        .problem(403);
    bo.post(
        "/api/v1/groups/garden/polls",
        &json!({"title": "Mine", "kind": "proposal"}),
    )
    .await
    .problem(403);
    bo.post(&format!("/api/v1/polls/{id}/close"), &json!({}))
        .await
        .problem(403);
    assert_eq!(results(&ana, &id).await["voters_count"], 0);

    // A token of cy's limited to another group of hers acts as a stranger here.
    let home = cy
        .post(
            "/api/v1/groups",
            &json!({"handle": "home", "name": "Home", "visibility": "secret", "join_policy": "invite"}),
        )
        .await;
    assert_eq!(home.status, 201, "{}", home.body);
    let elsewhere = cy
        .post(
            "/api/v1/tokens",
            &json!({"name": "home", "scopes": ["read", "write"], "group": "home"}),
        )
        .await;
    let elsewhere = server
        .client()
        .with_token(elsewhere.json["token"].as_str().unwrap());
    elsewhere
        .post(&format!("/api/v1/polls/{id}/close"), &json!({}))
        .await
        .problem(403);
    let reader = cy
        .post(
            "/api/v1/tokens",
            &json!({"name": "reader", "scopes": ["decide:read"]}),
        )
        .await;
    let reader = server
        .client()
        .with_token(reader.json["token"].as_str().unwrap());
    reader
        .post(&format!("/api/v1/polls/{id}/close"), &json!({}))
        .await
        .problem(403);
    let closed = cy
        .post(&format!("/api/v1/polls/{id}/close"), &json!({}))
        .await;
    assert_eq!(closed.status, 200, "{}", closed.body);
}
