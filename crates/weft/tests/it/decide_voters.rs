//! Who votes in a decide poll, and with what weight, through the real server: voters by list
//! or role, weights, liquid delegation per group and per tag, proxies for one poll, and
//! anonymous ballots that name no voter anywhere, the database included.

use serde_json::{Value, json};
use testkit::{Backend, TestServer, both};

use super::decide::{garden, poll, results, vote, voted};

both!(
    voters_and_weights_are_fixed_when_a_poll_opens,
    delegated_votes_flow_to_who_votes_and_a_direct_vote_wins,
    a_proxy_votes_for_one_person_in_one_poll,
    anonymous_ballots_name_no_voter,
);

async fn voters_and_weights_are_fixed_when_a_poll_opens(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, bo, cy) = garden(&server).await;
    let listed = poll(
        &ana,
        json!({"title": "Board only", "kind": "proposal", "voters": {"accounts": ["ana", "@bo"]},
               "weights": {"bo": 3}}),
    )
    .await;
    vote(&cy, &listed, json!({"stance": "agree"}))
        .await
        .problem(403);
    let shown = cy.get(&format!("/api/v1/polls/{listed}")).await;
    assert_eq!(shown.json["can_vote"], false, "{}", shown.body);
    let shown = bo.get(&format!("/api/v1/polls/{listed}")).await;
    assert_eq!(shown.json["can_vote"], true, "{}", shown.body);
    assert_eq!(shown.json["my_weight"], 3);
    voted(&ana, &listed, json!({"stance": "disagree"})).await;
    voted(&bo, &listed, json!({"stance": "agree"})).await;
    let r = results(&cy, &listed).await;
    assert_eq!(r["eligible_count"], 2, "{r}");
    assert_eq!(r["tallies"]["agree"], 3);
    assert_eq!(r["tallies"]["disagree"], 1);
    assert_eq!(r["weight_counted"], 4);
    assert_eq!(r["outcome"], "passed");
    let who = cy.get(&format!("/api/v1/polls/{listed}/voters")).await;
    assert_eq!(who.json["not_voted"], json!([]), "{}", who.body);

    // By role: the owner's; weights by role, an account's own winning over it.
    let owners = poll(
        &ana,
        json!({"title": "Owners", "kind": "choice", "options": ["p q", "r s"],
               "voters": {"role": "owner"}}),
    )
    .await;
    vote(&bo, &owners, json!({"choices": ["p q"]}))
        .await
        .problem(403);
    voted(&ana, &owners, json!({"choices": ["p q"]})).await;
    assert_eq!(results(&bo, &owners).await["eligible_count"], 1);
    let weighted = poll(
        &ana,
        json!({"title": "Weighted", "kind": "choice", "options": ["p q", "r s"],
               "weights": {"member": 2, "cy": 5}}),
    )
    .await;
    voted(&ana, &weighted, json!({"choices": ["p q"]})).await;
    voted(&bo, &weighted, json!({"choices": ["r s"]})).await;
    voted(&cy, &weighted, json!({"choices": ["p q"]})).await;
    let r = results(&ana, &weighted).await;
    assert_eq!(r["tallies"], json!({"p q": 6, "r s": 2}), "{r}");
    assert_eq!(r["eligible_count"], 3);
    for bad in [
        json!({"voters": {"role": "gardener"}}),
        json!({"voters": {"accounts": ["nobody-here"]}}),
        json!({"voters": {"accounts": []}}),
        json!({"weights": {"nobody-here": 2}}),
        json!({"weights": {"bo": 5000}}),
    ] {
        let mut body = json!({"title": "Bad", "kind": "proposal"});
        body.as_object_mut()
            .unwrap()
            .extend(bad.as_object().unwrap().clone());
        ana.post("/api/v1/groups/garden/polls", &body)
            .await
            .problem(422);
    }
}

async fn delegated_votes_flow_to_who_votes_and_a_direct_vote_wins(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, bo, cy) = garden(&server).await;
    let dee = server.account("dee").await;
    dee.post("/api/v1/groups/garden/members", &json!({})).await;

    // cy and dee give their votes to bo; dee's goes on through bo's to ana if bo is silent.
    for (who, to) in [(&cy, "bo"), (&dee, "cy")] {
        let given = who
            .put("/api/v1/groups/garden/delegation", &json!({"to": to}))
            .await;
        assert_eq!(given.status, 200, "{}", given.body);
    }
    cy.put("/api/v1/groups/garden/delegation", &json!({"to": "cy"}))
        .await
        .problem(422);
    cy.put(
        "/api/v1/groups/garden/delegation",
        &json!({"to": "nobody-here"}),
    )
    .await
    .problem(422);
    let mine = bo.get("/api/v1/groups/garden/delegation").await;
    assert_eq!(
        mine.json["received"][0]["from"]["handle"], "cy",
        "{}",
        mine.body
    );
    assert_eq!(mine.json["given"], json!([]));

    let plain = poll(
        &ana,
        json!({"title": "Paint the shed?", "kind": "proposal"}),
    )
    .await;
    let shown = bo.get(&format!("/api/v1/polls/{plain}")).await;
    assert_eq!(
        shown.json["my_weight"], 3,
        "bo carries cy and dee: {}",
        shown.body
    );
    voted(&ana, &plain, json!({"stance": "disagree"})).await;
    voted(&bo, &plain, json!({"stance": "agree"})).await;
    let r = results(&ana, &plain).await;
    assert_eq!(r["tallies"]["agree"], 3, "{r}");
    assert_eq!(r["voters_count"], 2);
    assert_eq!(r["weight_counted"], 4);
    // cy votes herself: her vote and dee's (which reaches cy first) leave bo.
    voted(&cy, &plain, json!({"stance": "disagree"})).await;
    let r = results(&ana, &plain).await;
    assert_eq!(r["tallies"]["agree"], 1, "{r}");
    assert_eq!(r["tallies"]["disagree"], 3);

    // Closed, its results are what they were when it closed, whatever delegations do later.
    ana.post(&format!("/api/v1/polls/{plain}/close"), &json!({}))
        .await;
    let kept = results(&ana, &plain).await;
    dee.put("/api/v1/groups/garden/delegation", &json!({"to": "bo"}))
        .await;
    assert_eq!(results(&ana, &plain).await["tallies"], kept["tallies"]);
    dee.put("/api/v1/groups/garden/delegation", &json!({"to": "cy"}))
        .await;

    // A tag's delegation wins over the group's in a tagged poll.
    let given = cy
        .put(
            "/api/v1/groups/garden/delegation",
            &json!({"to": "ana", "tag": "money"}),
        )
        .await;
    assert_eq!(given.status, 200, "{}", given.body);
    let money = poll(
        &ana,
        json!({"title": "Spend on tools?", "kind": "proposal", "tag": "money"}),
    )
    .await;
    voted(&ana, &money, json!({"stance": "agree"})).await;
    voted(&bo, &money, json!({"stance": "disagree"})).await;
    let r = results(&bo, &money).await;
    assert_eq!(r["tallies"]["agree"], 3, "ana carries cy and dee: {r}");
    assert_eq!(r["tallies"]["disagree"], 1);
    // Ended, cy's tag delegation gives way to her group one again.
    let ended = cy
        .delete("/api/v1/groups/garden/delegation?tag=money")
        .await;
    assert_eq!(ended.status, 204, "{}", ended.body);
    let r = results(&bo, &money).await;
    assert_eq!(r["tallies"]["disagree"], 3, "{r}");

    // A cycle carries nothing: bo and cy give to each other, and neither votes.
    bo.put("/api/v1/groups/garden/delegation", &json!({"to": "cy"}))
        .await;
    let cycle = poll(&ana, json!({"title": "Cycle", "kind": "proposal"})).await;
    voted(&ana, &cycle, json!({"stance": "agree"})).await;
    let r = results(&ana, &cycle).await;
    assert_eq!(r["weight_counted"], 1, "{r}");

    // Someone who may not vote in a listed poll passes nothing on.
    let listed = poll(
        &ana,
        json!({"title": "Listed", "kind": "proposal", "voters": {"accounts": ["bo", "ana"]}}),
    )
    .await;
    vote(&cy, &listed, json!({"stance": "agree"}))
        .await
        .problem(403);
    voted(&bo, &listed, json!({"stance": "agree"})).await;
    assert_eq!(results(&ana, &listed).await["weight_counted"], 1);
}

async fn a_proxy_votes_for_one_person_in_one_poll(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, bo, cy) = garden(&server).await;
    let id = poll(&ana, json!({"title": "Compost bins?", "kind": "proposal"})).await;
    let other = poll(&ana, json!({"title": "Rain barrels?", "kind": "proposal"})).await;
    vote(&bo, &id, json!({"stance": "agree", "on_behalf_of": "cy"}))
        .await
        .problem(403);
    let granted = cy
        .put(&format!("/api/v1/polls/{id}/proxy"), &json!({"to": "bo"}))
        .await;
    assert_eq!(granted.status, 200, "{}", granted.body);
    let shown = bo.get(&format!("/api/v1/polls/{id}")).await;
    assert_eq!(shown.json["proxy_for"][0]["handle"], "cy", "{}", shown.body);
    voted(
        &bo,
        &id,
        json!({"stance": "disagree", "on_behalf_of": "cy"}),
    )
    .await;
    voted(&bo, &id, json!({"stance": "agree"})).await;
    // Only in that poll.
    vote(
        &bo,
        &other,
        json!({"stance": "agree", "on_behalf_of": "cy"}),
    )
    .await
    .problem(403);
    let r = results(&ana, &id).await;
    assert_eq!(r["tallies"]["disagree"], 1, "{r}");
    assert_eq!(r["tallies"]["agree"], 1);
    let mine = cy.get(&format!("/api/v1/polls/{id}")).await;
    assert_eq!(mine.json["my_vote"]["stance"], "disagree", "{}", mine.body);
    let votes = ana.get(&format!("/api/v1/polls/{id}/votes")).await;
    let cast: Vec<(&str, &str)> = votes
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["voter"]["handle"].as_str().unwrap(),
                v["ballot"]["stance"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(cast.contains(&("cy", "disagree")), "{}", votes.body);
    // Revoked, the proxy votes no more; cy's own vote replaces what was cast for her.
    let revoked = cy.delete(&format!("/api/v1/polls/{id}/proxy")).await;
    assert_eq!(revoked.status, 204, "{}", revoked.body);
    vote(&bo, &id, json!({"stance": "agree", "on_behalf_of": "cy"}))
        .await
        .problem(403);
    voted(&cy, &id, json!({"stance": "agree"})).await;
    let r = results(&ana, &id).await;
    assert_eq!(r["tallies"]["agree"], 2, "{r}");
    assert_eq!(r["voters_count"], 2);
    cy.put(&format!("/api/v1/polls/{id}/proxy"), &json!({"to": "cy"}))
        .await
        .problem(422);
}

async fn anonymous_ballots_name_no_voter(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, bo, cy) = garden(&server).await;
    let id = poll(
        &ana,
        json!({"title": "Rate the chair", "kind": "score", "options": ["Chair", "Table"],
               "anonymous": true, "score_max": 5}),
    )
    .await;
    voted(
        &bo,
        &id,
        json!({"scores": {"Chair": 2}, "reason": "Late often"}),
    )
    .await;
    voted(&bo, &id, json!({"scores": {"Chair": 4}})).await;
    voted(&cy, &id, json!({"scores": {"Chair": 5}})).await;
    let r = results(&ana, &id).await;
    assert_eq!(r["voters_count"], 2, "a changed vote counts once: {r}");
    assert_eq!(r["tallies"]["Chair"]["total"], 9);
    // bo sees his own; the votes list and the voters list name nobody's choice.
    let mine = bo.get(&format!("/api/v1/polls/{id}")).await;
    assert_eq!(mine.json["my_vote"]["scores"]["Chair"], 4, "{}", mine.body);
    let votes = ana.get(&format!("/api/v1/polls/{id}/votes")).await;
    assert_eq!(votes.status, 200, "{}", votes.body);
    for v in votes.json.as_array().unwrap() {
        assert!(v.get("voter").is_none(), "{}", votes.body);
    }
    assert!(!votes.body.contains("\"bo\""), "{}", votes.body);
    let who = ana.get(&format!("/api/v1/polls/{id}/voters")).await;
    assert_eq!(who.json["not_voted"][0]["handle"], "ana", "{}", who.body);
    // In the database, no ballot carries a voter's account id.
    let rows: Vec<(uuid::Uuid,)> = server
        .kernel
        .db
        .fetch_all(
            &sea_query::Query::select()
                .column(sea_query::Alias::new("voter_id"))
                .from(sea_query::Alias::new("poll_votes"))
                .to_owned(),
        )
        .await
        .unwrap();
    let me = bo.get("/api/v1/me").await;
    let bo_id: uuid::Uuid = me.json["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|(v,)| *v != bo_id), "a ballot names bo");
    let plain: Value = results(&ana, &id).await;
    assert_eq!(plain["tallies"]["Chair"]["raters"], 2);
}
