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
    checks_counts_questions_meetings_and_stv_count_too,
    a_poll_opens_reopens_takes_options_and_states_its_outcome,
    reasons_follow_the_polls_rule,
    who_has_not_voted_is_reminded_a_day_before_close,
    hidden_results_leak_through_no_surface,
    quorum_threshold_and_consent_decide_the_outcome,
    votes_racing_a_close_are_counted_or_refused,
    an_open_poll_page_hears_each_change_live,
);

/// A public group `garden` using decide, owned by ana, with bo and cy as members.
pub(super) async fn garden(server: &TestServer) -> (Client, Client, Client) {
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

pub(super) async fn poll(by: &Client, body: Value) -> String {
    let made = by.post("/api/v1/groups/garden/polls", &body).await;
    assert_eq!(made.status, 201, "{}", made.body);
    made.json["id"].as_str().unwrap().to_string()
}

pub(super) async fn vote(by: &Client, poll: &str, body: Value) -> testkit::Reply {
    by.post(&format!("/api/v1/polls/{poll}/votes"), &body).await
}

pub(super) async fn voted(by: &Client, poll: &str, body: Value) {
    let reply = vote(by, poll, body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

pub(super) async fn results(by: &Client, poll: &str) -> Value {
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

fn at(server: &TestServer, seconds: i64) -> String {
    kernel::Clock::now(&server.clock)
        .plus_seconds(seconds)
        .to_rfc3339()
}

async fn checks_counts_questions_meetings_and_stv_count_too(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, bo, cy) = garden(&server).await;

    // A sense check: agree / abstain / disagree, no block.
    let check = poll(&ana, json!({"title": "Looks right?", "kind": "check"})).await;
    vote(&bo, &check, json!({"stance": "block"}))
        .await
        .problem(422);
    voted(&ana, &check, json!({"stance": "agree"})).await;
    voted(&bo, &check, json!({"stance": "disagree"})).await;
    voted(&cy, &check, json!({"stance": "agree"})).await;
    let r = results(&bo, &check).await;
    assert_eq!(
        r["tallies"],
        json!({"agree": 2, "abstain": 0, "disagree": 1})
    );
    assert_eq!(r["winners"], json!(["agree"]));

    // A count toward a target: in / out.
    let count = poll(
        &ana,
        json!({"title": "Who digs on Sunday?", "kind": "count", "count_target": 2}),
    )
    .await;
    ana.post(
        "/api/v1/groups/garden/polls",
        &json!({"title": "No target", "kind": "count"}),
    )
    .await
    .problem(422);
    voted(&ana, &count, json!({"stance": "in"})).await;
    let r = results(&ana, &count).await;
    assert_eq!(r["outcome"], "not_reached");
    assert_eq!(r["rounds"]["missing"], 1);
    voted(&bo, &count, json!({"stance": "out"})).await;
    voted(&cy, &count, json!({"stance": "in"})).await;
    let r = results(&ana, &count).await;
    assert_eq!(r["tallies"], json!({"in": 2, "out": 1}));
    assert_eq!(r["outcome"], "reached");

    // A question: the answer is the reason.
    let question = poll(
        &ana,
        json!({"title": "What should we grow?", "kind": "question"}),
    )
    .await;
    vote(&bo, &question, json!({})).await.problem(422);
    voted(&bo, &question, json!({"reason": "Pumpkins"})).await;
    voted(&cy, &question, json!({"reason": "Garlic"})).await;
    assert_eq!(results(&ana, &question).await["tallies"]["answers"], 2);
    let answers = ana.get(&format!("/api/v1/polls/{question}/votes")).await;
    let reasons: Vec<&str> = answers
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["Pumpkins", "Garlic"], "{}", answers.body);
    assert_eq!(answers.json[0]["voter"]["handle"], "bo");

    // A meeting: yes / maybe / no per time; the chosen time as an invitation once closed.
    let early = kernel::Clock::now(&server.clock).plus_seconds(3 * 86_400);
    let late = early.plus_seconds(7200);
    let meeting = poll(
        &ana,
        json!({"title": "Work day", "kind": "meeting", "options": [early, late],
               "duration_minutes": 90, "details": "Bring gloves"}),
    )
    .await;
    ana.post(
        "/api/v1/groups/garden/polls",
        &json!({"title": "Bad", "kind": "meeting", "options": ["soon", "later"]}),
    )
    .await
    .problem(422);
    voted(&ana, &meeting, json!({"slots": {"0": "yes", "1": "maybe"}})).await;
    // A time named in another spelling of the same instant.
    let late_other = late.to_rfc3339();
    voted(
        &bo,
        &meeting,
        json!({"slots": {late_other: "yes", "0": "no"}}),
    )
    .await;
    voted(&cy, &meeting, json!({"slots": {"1": "yes"}})).await;
    ana.get(&format!("/api/v1/polls/{meeting}/invite.ics"))
        .await
        .problem(409);
    let r = results(&ana, &meeting).await;
    let late_text = r["winners"][0].as_str().unwrap().to_string();
    assert_eq!(
        r["tallies"][&late_text],
        json!({"yes": 2, "maybe": 1, "no": 0})
    );
    ana.post(&format!("/api/v1/polls/{meeting}/close"), &json!({}))
        .await;
    let ics = bo.get(&format!("/api/v1/polls/{meeting}/invite.ics")).await;
    assert_eq!(ics.status, 200, "{}", ics.body);
    let start = late.to_datetime().format("%Y%m%dT%H%M%SZ").to_string();
    let end = late
        .plus_seconds(90 * 60)
        .to_datetime()
        .format("%Y%m%dT%H%M%SZ")
        .to_string();
    assert!(
        ics.body.contains(&format!("DTSTART:{start}")),
        "{}",
        ics.body
    );
    assert!(ics.body.contains(&format!("DTEND:{end}")), "{}", ics.body);
    assert!(ics.body.contains("SUMMARY:Work day"), "{}", ics.body);
    assert!(ics.body.contains("Bring gloves"), "{}", ics.body);
    // Only a meeting has one.
    bo.get(&format!("/api/v1/polls/{check}/invite.ics"))
        .await
        .problem(404);

    // STV with two seats: Avi reaches the quota at once; Bea outlasts the rest.
    for rule in ["scottish", "meek"] {
        let stv = poll(
            &ana,
            json!({"title": format!("Stewards ({rule})"), "kind": "ranked", "method": "stv",
                   "seats": 2, "stv_rule": rule,
                   "options": ["Avi", "Bea", "Cas", "Dov"]}),
        )
        .await;
        voted(&ana, &stv, json!({"ranking": ["Avi", "Cas"]})).await;
        voted(&bo, &stv, json!({"ranking": ["Avi", "Cas"]})).await;
        voted(&cy, &stv, json!({"ranking": ["Bea", "Dov"]})).await;
        let r = results(&ana, &stv).await;
        let mut elected: Vec<&str> = r["winners"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap())
            .collect();
        elected.sort();
        assert_eq!(elected, ["Avi", "Bea"], "{rule}: {r}");
        let rounds = r["rounds"].as_array().unwrap();
        assert_eq!(rounds[0]["action"]["type"], "first_preferences", "{r}");
        if rule == "scottish" {
            assert_eq!(rounds[0]["quota"], "2", "{r}");
        }
    }
    ana.post(
        "/api/v1/groups/garden/polls",
        &json!({"title": "Too many seats", "kind": "ranked", "method": "stv", "seats": 2,
                "options": ["x", "y"]}),
    )
    .await
    .problem(422);
    ana.post(
        "/api/v1/groups/garden/polls",
        &json!({"title": "Seats without stv", "kind": "ranked", "seats": 2,
                "options": ["x", "y", "z"]}),
    )
    .await
    .problem(422);
}

async fn a_poll_opens_reopens_takes_options_and_states_its_outcome(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, bo, cy) = garden(&server).await;

    // Scheduled: listed as such, no votes until it opens.
    let later = poll(
        &ana,
        json!({"title": "Next week", "kind": "proposal", "opens_at": at(&server, 3600),
               "closes_at": at(&server, 7200)}),
    )
    .await;
    let shown = bo.get(&format!("/api/v1/polls/{later}")).await;
    assert_eq!(shown.json["status"], "scheduled", "{}", shown.body);
    assert_eq!(shown.json["can_vote"], false);
    vote(&bo, &later, json!({"stance": "agree"}))
        .await
        .problem(409);
    let scheduled = bo.get("/api/v1/groups/garden/polls?status=scheduled").await;
    assert_eq!(
        scheduled.json["items"].as_array().unwrap().len(),
        1,
        "{}",
        scheduled.body
    );
    let open = bo.get("/api/v1/groups/garden/polls?status=open").await;
    assert_eq!(open.json["items"], json!([]), "{}", open.body);
    server.clock.advance_seconds(3601);
    voted(&bo, &later, json!({"stance": "agree"})).await;
    let listed = bo.get("/api/v1/groups/garden/polls?status=open").await;
    assert_eq!(listed.json["items"][0]["voted"], true, "{}", listed.body);
    assert_eq!(listed.json["items"][0]["voters_count"], 1);

    // Closed, an outcome is stated (not before); reopened, it takes votes again and the
    // outcome goes; who may not manage it may do neither.
    ana.post(
        &format!("/api/v1/polls/{later}/outcome"),
        &json!({"statement": "Too soon"}),
    )
    .await
    .problem(409);
    ana.post(&format!("/api/v1/polls/{later}/close"), &json!({}))
        .await;
    bo.post(
        &format!("/api/v1/polls/{later}/outcome"),
        &json!({"statement": "Mine"}),
    )
    .await
    .problem(403);
    ana.post(
        &format!("/api/v1/polls/{later}/outcome"),
        &json!({"statement": "We build it.", "review_at": at(&server, -10)}),
    )
    .await
    .problem(422);
    let stated = ana
        .post(
            &format!("/api/v1/polls/{later}/outcome"),
            &json!({"statement": "We build it.", "review_at": at(&server, 90 * 86_400)}),
        )
        .await;
    assert_eq!(stated.status, 200, "{}", stated.body);
    assert_eq!(stated.json["outcome"]["statement"], "We build it.");
    assert!(stated.json["outcome"]["review_at"].is_string());
    bo.post(
        &format!("/api/v1/polls/{later}/reopen"),
        &json!({"closes_at": at(&server, 3600)}),
    )
    .await
    .problem(403);
    ana.post(
        &format!("/api/v1/polls/{later}/reopen"),
        &json!({"closes_at": at(&server, -1)}),
    )
    .await
    .problem(422);
    let reopened = ana
        .post(
            &format!("/api/v1/polls/{later}/reopen"),
            &json!({"closes_at": at(&server, 3600)}),
        )
        .await;
    assert_eq!(reopened.status, 200, "{}", reopened.body);
    assert_eq!(reopened.json["status"], "open");
    assert!(reopened.json.get("outcome").is_none(), "{}", reopened.body);
    voted(&cy, &later, json!({"stance": "disagree"})).await;
    assert_eq!(results(&cy, &later).await["voters_count"], 2);
    // The old closing job does not close it early; the new one closes it on time.
    server.clock.advance_seconds(3601);
    let mut closed = false;
    for _ in 0..100 {
        let got = bo.get(&format!("/api/v1/polls/{later}")).await;
        if got.json["closed_at"].is_string() {
            closed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(closed, "the reopened poll's own job closed it");

    // Options: the author adds some anywhere; members only where the poll lets them.
    let fixed = poll(
        &ana,
        json!({"title": "Colour?", "kind": "choice", "options": ["Red", "Blue"]}),
    )
    .await;
    bo.post(
        &format!("/api/v1/polls/{fixed}/options"),
        &json!({"text": "Green"}),
    )
    .await
    .problem(403);
    let added = ana
        .post(
            &format!("/api/v1/polls/{fixed}/options"),
            &json!({"text": "Green"}),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.body);
    assert_eq!(added.json["options"][2], json!({"id": 2, "text": "Green"}));
    let open_to_all = poll(
        &ana,
        json!({"title": "Snacks?", "kind": "ranked", "options": ["Figs", "Nuts"],
               "add_options": true}),
    )
    .await;
    voted(&ana, &open_to_all, json!({"ranking": ["Nuts", "Figs"]})).await;
    let added = bo
        .post(
            &format!("/api/v1/polls/{open_to_all}/options"),
            &json!({"text": "Dates"}),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.body);
    bo.post(
        &format!("/api/v1/polls/{open_to_all}/options"),
        &json!({"text": "dates"}),
    )
    .await
    .problem(409);
    bo.post(
        &format!("/api/v1/polls/{open_to_all}/options"),
        &json!({"text": "  "}),
    )
    .await
    .problem(422);
    voted(&bo, &open_to_all, json!({"ranking": ["Dates", "Figs"]})).await;
    voted(&cy, &open_to_all, json!({"ranking": ["Dates"]})).await;
    let r = results(&ana, &open_to_all).await;
    assert_eq!(r["winners"], json!(["Dates"]), "{r}");
    // A proposal's stances are fixed.
    ana.post(
        &format!("/api/v1/polls/{later}/options"),
        &json!({"text": "maybe"}),
    )
    .await
    .problem(422);

    // None of the above, as a last option.
    let nota = poll(
        &ana,
        json!({"title": "Chair?", "kind": "choice", "options": ["Dee", "Eli"],
               "none_of_the_above": true}),
    )
    .await;
    let shown = bo.get(&format!("/api/v1/polls/{nota}")).await;
    assert_eq!(shown.json["options"][2]["text"], "None of the above");
    voted(&bo, &nota, json!({"choices": ["None of the above"]})).await;
}

async fn reasons_follow_the_polls_rule(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, bo, _) = garden(&server).await;
    let off = poll(
        &ana,
        json!({"title": "Quiet", "kind": "proposal", "reasons": "off"}),
    )
    .await;
    vote(&bo, &off, json!({"stance": "agree", "reason": "because"}))
        .await
        .problem(422);
    voted(&bo, &off, json!({"stance": "agree"})).await;
    let required = poll(
        &ana,
        json!({"title": "Say why", "kind": "choice", "options": ["a b", "c d"], "reasons": "required"}),
    )
    .await;
    vote(&bo, &required, json!({"choices": ["a b"]}))
        .await
        .problem(422);
    vote(&bo, &required, json!({"choices": ["a b"], "reason": "   "}))
        .await
        .problem(422);
    voted(
        &bo,
        &required,
        json!({"choices": ["a b"], "reason": "Shade"}),
    )
    .await;
    let against = poll(
        &ana,
        json!({"title": "Object?", "kind": "proposal", "reasons": "required_against"}),
    )
    .await;
    voted(&bo, &against, json!({"stance": "agree"})).await;
    for stance in ["disagree", "block"] {
        vote(&bo, &against, json!({"stance": stance}))
            .await
            .problem(422);
    }
    voted(
        &bo,
        &against,
        json!({"stance": "block", "reason": "Unsafe"}),
    )
    .await;
    let mine = bo.get(&format!("/api/v1/polls/{against}")).await;
    assert_eq!(mine.json["my_vote"]["stance"], "block", "{}", mine.body);
    assert_eq!(mine.json["my_vote"]["reason"], "Unsafe");
    // One vote, however often changed; with changes off, the first stands.
    assert_eq!(results(&ana, &against).await["voters_count"], 1);
    let once = poll(
        &ana,
        json!({"title": "Once", "kind": "proposal", "changes": false}),
    )
    .await;
    voted(&bo, &once, json!({"stance": "agree"})).await;
    vote(&bo, &once, json!({"stance": "disagree"}))
        .await
        .problem(409);
    assert_eq!(results(&ana, &once).await["tallies"]["agree"], 1);
}

async fn who_has_not_voted_is_reminded_a_day_before_close(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, bo, cy) = garden(&server).await;
    let id = poll(
        &ana,
        json!({"title": "Fence colour", "kind": "proposal", "closes_at": at(&server, 3 * 86_400)}),
    )
    .await;
    voted(&bo, &id, json!({"stance": "agree"})).await;
    let who = cy.get(&format!("/api/v1/polls/{id}/voters")).await;
    assert_eq!(who.status, 200, "{}", who.body);
    let names = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|p| p["handle"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&who.json["voted"]), ["bo"]);
    let mut waiting = names(&who.json["not_voted"]);
    waiting.sort();
    assert_eq!(waiting, ["ana", "cy"]);
    // A member whose role does not let them post cannot vote, and is not reminded to.
    let dee = server.account("dee").await;
    dee.post("/api/v1/groups/garden/members", &json!({})).await;
    let role = ana
        .post(
            "/api/v1/groups/garden/roles",
            &json!({"name": "watcher", "permissions": []}),
        )
        .await;
    assert_eq!(role.status, 201, "{}", role.body);
    let watching = ana
        .patch(
            "/api/v1/groups/garden/members/dee",
            &json!({"role": "watcher"}),
        )
        .await;
    assert_eq!(watching.status, 200, "{}", watching.body);
    // Nor is dee waited for, or counted among who may vote (the quorum's base).
    let who = cy.get(&format!("/api/v1/polls/{id}/voters")).await;
    let mut waiting = names(&who.json["not_voted"]);
    waiting.sort();
    assert_eq!(waiting, ["ana", "cy"]);
    assert_eq!(results(&cy, &id).await["eligible_count"], 3);

    server.clock.advance_seconds(2 * 86_400 + 1);
    let reminded = |who: Client| async move {
        for _ in 0..100 {
            let inbox = who.get("/api/v1/notifications").await;
            if inbox.json["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["reason"] == "reminder")
            {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        false
    };
    assert!(
        reminded(cy.clone()).await,
        "cy, who has not voted, is reminded"
    );
    assert!(reminded(ana.clone()).await, "so is ana");
    for (who, why) in [(&dee, "dee may not vote"), (&bo, "bo voted")] {
        let inbox = who.get("/api/v1/notifications").await;
        assert!(
            !inbox.json["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["reason"] == "reminder"),
            "{why}: {}",
            inbox.body
        );
    }
}

/// Results hidden until the poll closes appear in no answer before then: not the results,
/// the votes, the CSV, the poll, the list, or the group's activities.
async fn hidden_results_leak_through_no_surface(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, bo, cy) = garden(&server).await;
    let id = poll(
        &ana,
        json!({"title": "Hush", "kind": "choice", "options": ["Quince", "Medlar"],
               "hide_results": "until_closed"}),
    )
    .await;
    voted(
        &bo,
        &id,
        json!({"choices": ["Medlar"], "reason": "Medlars are rare"}),
    )
    .await;
    voted(&cy, &id, json!({"choices": ["Medlar"]})).await;
    for who in [&ana, &bo, &server.client()] {
        for path in ["results", "votes", "results.csv"] {
            who.get(&format!("/api/v1/polls/{id}/{path}"))
                .await
                .problem(403);
        }
    }
    for path in [
        format!("/api/v1/polls/{id}"),
        "/api/v1/groups/garden/polls".to_string(),
        "/api/v1/groups/garden/activities".to_string(),
        format!("/api/v1/polls/{id}/voters"),
    ] {
        let got = ana.get(&path).await;
        assert_eq!(got.status, 200, "{path}: {}", got.body);
        for secret in ["tallies", "winners", "Medlars are rare", "\"ballot\""] {
            assert!(
                !got.body.contains(secret),
                "{path} shows {secret}: {}",
                got.body
            );
        }
    }
    // bo sees his own vote, and only his.
    let mine = bo.get(&format!("/api/v1/polls/{id}")).await;
    assert_eq!(mine.json["my_vote"]["choices"], json!(["Medlar"]));
    ana.post(&format!("/api/v1/polls/{id}/close"), &json!({}))
        .await;
    let csv = cy.get(&format!("/api/v1/polls/{id}/results.csv")).await;
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert!(
        csv.body.starts_with("option,total,winner\r\n"),
        "{}",
        csv.body
    );
    assert!(csv.body.contains("Medlar,2,yes\r\n"), "{}", csv.body);
    assert!(csv.body.contains("Quince,0,no\r\n"), "{}", csv.body);
    let votes = cy.get(&format!("/api/v1/polls/{id}/votes")).await;
    assert_eq!(
        votes.json[0]["reason"], "Medlars are rare",
        "{}",
        votes.body
    );
}

async fn quorum_threshold_and_consent_decide_the_outcome(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, bo, cy) = garden(&server).await;
    // A quorum of 70% of three is three voters.
    let quorum = poll(
        &ana,
        json!({"title": "Quorate?", "kind": "proposal", "quorum_pct": 70}),
    )
    .await;
    voted(&ana, &quorum, json!({"stance": "agree"})).await;
    voted(&bo, &quorum, json!({"stance": "agree"})).await;
    let r = results(&cy, &quorum).await;
    assert_eq!(r["quorum_met"], false, "{r}");
    assert_eq!(r["outcome"], "no_quorum");
    assert_eq!(r["winners"], json!([]));
    voted(&cy, &quorum, json!({"stance": "abstain"})).await;
    let r = results(&cy, &quorum).await;
    assert_eq!(r["quorum_met"], true, "{r}");
    assert_eq!(r["outcome"], "passed");

    // Two thirds and a bit: two of three agreeing is not enough.
    let threshold = poll(
        &ana,
        json!({"title": "Supermajority?", "kind": "proposal", "threshold_pct": 67}),
    )
    .await;
    voted(&ana, &threshold, json!({"stance": "agree"})).await;
    voted(&bo, &threshold, json!({"stance": "agree"})).await;
    voted(&cy, &threshold, json!({"stance": "disagree"})).await;
    assert_eq!(
        results(&ana, &threshold).await["outcome"],
        "below_threshold"
    );
    voted(&cy, &threshold, json!({"stance": "abstain"})).await;
    assert_eq!(results(&ana, &threshold).await["outcome"], "passed");

    // Consent: one objection holds it back.
    let consent = poll(&ana, json!({"title": "Consent?", "kind": "consent"})).await;
    vote(&bo, &consent, json!({"stance": "agree"}))
        .await
        .problem(422);
    voted(&ana, &consent, json!({"stance": "consent"})).await;
    voted(
        &bo,
        &consent,
        json!({"stance": "object", "reason": "Too soon"}),
    )
    .await;
    let r = results(&cy, &consent).await;
    assert_eq!(r["tallies"], json!({"consent": 1, "object": 1}), "{r}");
    assert_eq!(r["outcome"], "blocked");
    voted(&bo, &consent, json!({"stance": "consent"})).await;
    assert_eq!(results(&cy, &consent).await["outcome"], "passed");
}

/// Votes arriving while the poll closes: each is either in the results kept at close (200) or
/// refused (409) — none answered 200 and then missing from the count.
async fn votes_racing_a_close_are_counted_or_refused(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, _, _) = garden(&server).await;
    let mut members = Vec::new();
    for i in 0..24 {
        let who = server.account(&format!("racer{i}")).await;
        let joined = who.post("/api/v1/groups/garden/members", &json!({})).await;
        assert!(joined.status < 300, "{}", joined.body);
        members.push(who);
    }
    for round in 0..3 {
        let id = poll(
            &ana,
            json!({"title": format!("Race {round}"), "kind": "ranked",
                   "options": ["a", "b", "c"]}),
        )
        .await;
        let votes = members.iter().map(|who| {
            let (who, id) = (who.clone(), id.clone());
            async move { vote(&who, &id, json!({"ranking": ["b", "a"]})).await.status }
        });
        let closing = {
            let (ana, id) = (ana.clone(), id.clone());
            async move {
                tokio::time::sleep(std::time::Duration::from_millis(5 * round)).await;
                ana.post(&format!("/api/v1/polls/{id}/close"), &json!({}))
                    .await
                    .status
            }
        };
        let (statuses, closed) = tokio::join!(futures::future::join_all(votes), closing);
        assert_eq!(closed, 200);
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 409),
            "{statuses:?}"
        );
        let counted = statuses.iter().filter(|s| **s == 200).count() as u64;
        let kept = results(&ana, &id).await;
        assert_eq!(kept["voters_count"], counted, "{kept}");
        if counted > 0 {
            assert_eq!(kept["winners"], json!(["b"]), "{kept}");
        }
    }
}

/// A poll's page stream (`/groups/{group}/decide/{poll}/live`) says `changed` — the poll's id,
/// never a count — soon after a vote, a close, on either database; only to a signed-in reader
/// of the poll, and about that poll alone.
async fn an_open_poll_page_hears_each_change_live(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, bo, cy) = garden(&server).await;
    let watched = poll(
        &ana,
        json!({"title": "Watched", "kind": "choice", "options": ["a", "b"],
               "hide_results": "until_closed"}),
    )
    .await;
    let other = poll(&ana, json!({"title": "Other", "kind": "proposal"})).await;
    let path = format!("/groups/garden/decide/{watched}/live");

    server.client().get(&path).await.problem(401);
    let eve = server.account("eve").await;
    let secret = eve
        .post(
            "/api/v1/groups",
            &json!({"handle": "den", "name": "Den", "visibility": "secret", "join_policy": "invite"}),
        )
        .await;
    assert_eq!(secret.status, 201, "{}", secret.body);
    eve.put("/api/v1/groups/den/tools/decide", &json!({})).await;
    let hidden = eve
        .post(
            "/api/v1/groups/den/polls",
            &json!({"title": "Ours", "kind": "proposal"}),
        )
        .await;
    assert_eq!(hidden.status, 201, "{}", hidden.body);
    let den = hidden.json["id"].as_str().unwrap();
    let den_live = format!("/groups/den/decide/{den}/live");
    bo.get(&den_live).await.problem(404);
    // Eve's own narrow tokens: one for another tool only (403: the scope is missing, and the
    // owner may know den), one limited to another group of hers (a stranger to den: 404).
    let other_home = eve
        .post(
            "/api/v1/groups",
            &json!({"handle": "nook", "name": "Nook", "visibility": "secret", "join_policy": "invite"}),
        )
        .await;
    assert_eq!(other_home.status, 201, "{}", other_home.body);
    for (body, status) in [
        (json!({"name": "tasks only", "scopes": ["tasks:read"]}), 403),
        (
            json!({"name": "nook only", "scopes": ["read"], "group": "nook"}),
            404,
        ),
    ] {
        let minted = eve.post("/api/v1/tokens", &body).await;
        assert_eq!(minted.status, 201, "{}", minted.body);
        let narrow = server
            .client()
            .with_token(minted.json["token"].as_str().unwrap());
        narrow.get(&den_live).await.problem(status);
    }
    // A member whose custom role may not post still reads, so still hears.
    let made = ana
        .post(
            "/api/v1/groups/garden/roles",
            &json!({"name": "watcher", "permissions": []}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let dee = server.account("dee").await;
    dee.post("/api/v1/groups/garden/members", &json!({})).await;
    let changed = ana
        .patch(
            "/api/v1/groups/garden/members/dee",
            &json!({"role": "watcher"}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    // A poll of another group, asked for under this one, is not found.
    bo.get(&format!("/groups/garden/decide/{den}/live"))
        .await
        .problem(404);

    let mut stream = bo.stream(&path, None).await;
    let mut watching = dee.stream(&path, None).await;
    let wait = std::time::Duration::from_secs(5);
    voted(&cy, &other, json!({"stance": "agree"})).await;
    voted(&cy, &watched, json!({"choices": ["a"]})).await;
    let event = stream.next(wait).await.expect("a change");
    assert_eq!(event.event, "changed");
    assert_eq!(event.data, watched, "only the poll's id, never a count");
    assert_eq!(watching.next(wait).await.expect("a change").data, watched);
    // A burst of votes is told together.
    voted(&bo, &watched, json!({"choices": ["b"]})).await;
    voted(&ana, &watched, json!({"choices": ["b"]})).await;
    assert_eq!(stream.next(wait).await.expect("a change").data, watched);
    let closed = ana
        .post(&format!("/api/v1/polls/{watched}/close"), &json!({}))
        .await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    let mut told = false;
    while let Some(event) = stream.next(std::time::Duration::from_secs(2)).await {
        assert_eq!(event.data, watched);
        told = true;
    }
    assert!(told, "the close is told too");
}
