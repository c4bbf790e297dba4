//! The ideas tool through the real server: boards of ideas with endorsements, reactions,
//! dots, comments and clusters; anonymous and listed boards; merged duplicates whose marks,
//! comments and answers follow the survivor; the pairwise wiki-survey (pairs, tokens spent
//! once, "I can't decide", new ideas entering at once, the ranking with its bands); promotion
//! to polls in decide that resolve; live changes; bad input.

use serde_json::{Value, json};
use testkit::{Backend, Client, TestServer, both};

both!(
    a_board_collects_ideas_marks_comments_and_clusters,
    anonymous_and_listed_boards_hide_what_they_should,
    a_merged_duplicate_hands_everything_to_the_survivor,
    the_wiki_survey_serves_pairs_and_ranks_by_the_answers,
    promoted_ideas_open_polls_that_resolve_on_the_board,
    a_board_tells_its_pages_when_it_changes,
    custom_roles_and_narrow_tokens_get_only_what_they_hold,
);

/// The garden using ideas (and decide): ana owns it, bo and cy are members.
async fn garden(server: &TestServer) -> (Client, Client, Client) {
    let g = crate::garden::garden(server, "ideas", &["ana", "bo", "cy"], "-10", "100").await;
    let [ana, bo, cy]: [Client; 3] = g.people.try_into().ok().unwrap();
    let on = ana
        .put("/api/v1/groups/garden/tools/decide", &json!({}))
        .await;
    assert_eq!(on.status, 204, "{}", on.body);
    (ana, bo, cy)
}

async fn board(by: &Client, body: Value) -> String {
    let made = by.post("/api/v1/groups/garden/idea-boards", &body).await;
    assert_eq!(made.status, 201, "{}", made.body);
    made.json["id"].as_str().unwrap().to_string()
}

async fn idea(by: &Client, board: &str, body: Value) -> String {
    let made = by
        .post(&format!("/api/v1/idea-boards/{board}/ideas"), &body)
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    made.json["id"].as_str().unwrap().to_string()
}

/// A POST with no body at all.
async fn act(who: &Client, method: reqwest::Method, path: &str) -> testkit::Reply {
    who.send(who.request(method, path)).await
}

async fn account_id(who: &Client) -> String {
    who.get("/api/v1/me").await.json["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn get_idea(by: &Client, id: &str) -> Value {
    let got = by.get(&format!("/api/v1/ideas/{id}")).await;
    assert_eq!(got.status, 200, "{}", got.body);
    got.json
}

async fn a_board_collects_ideas_marks_comments_and_clusters(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, bo, cy) = garden(&server).await;
    let b = board(
        &ana,
        json!({"question": "What should the garden grow next?", "dots": 3}),
    )
    .await;
    let shown = bo.get(&format!("/api/v1/idea-boards/{b}")).await;
    assert_eq!(shown.json["question"], "What should the garden grow next?");
    assert_eq!(shown.json["open"], true);
    assert_eq!(shown.json["pairwise"], false);
    assert_eq!(shown.json["dots_left"], 3);
    let beans = idea(
        &bo,
        &b,
        json!({"title": "Beans", "text": "They fix nitrogen", "tags": ["Food", "#soil"]}),
    )
    .await;
    let kale = idea(&cy, &b, json!({"title": "Kale", "tags": ["food"]})).await;
    let bench = idea(&cy, &b, json!({"title": "A bench"})).await;
    let listed = ana.get(&format!("/api/v1/idea-boards/{b}/ideas")).await;
    let titles: Vec<&str> = listed.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["A bench", "Kale", "Beans"], "newest first");
    let got = get_idea(&ana, &beans).await;
    assert_eq!(got["tags"], json!(["food", "soil"]));
    assert_eq!(got["author"]["handle"], "bo");
    let food = ana
        .get(&format!("/api/v1/idea-boards/{b}/ideas?tag=food"))
        .await;
    assert_eq!(food.json["items"].as_array().unwrap().len(), 2);

    // Endorsements: once per person, taken back.
    for who in [&ana, &cy, &cy] {
        let put = act(
            who,
            reqwest::Method::PUT,
            &format!("/api/v1/ideas/{beans}/endorsement"),
        )
        .await;
        assert_eq!(put.status, 200, "{}", put.body);
    }
    assert_eq!(get_idea(&cy, &beans).await["endorsements"], 2);
    assert_eq!(get_idea(&cy, &beans).await["endorsed"], true);
    act(
        &ana,
        reqwest::Method::DELETE,
        &format!("/api/v1/ideas/{beans}/endorsement"),
    )
    .await;
    let got = get_idea(&ana, &beans).await;
    assert_eq!(
        (got["endorsements"].clone(), got["endorsed"].clone()),
        (json!(1), json!(false))
    );
    let sorted = ana
        .get(&format!("/api/v1/idea-boards/{b}/ideas?sort=endorsed"))
        .await;
    assert_eq!(sorted.json["items"][0]["id"], beans.as_str());

    // Reactions.
    let reacted = act(
        &bo,
        reqwest::Method::PUT,
        &format!("/api/v1/ideas/{kale}/reactions/🌱"),
    )
    .await;
    assert_eq!(reacted.status, 200, "{}", reacted.body);
    assert_eq!(
        reacted.json["reactions"],
        json!([{"emoji": "🌱", "count": 1, "mine": true}])
    );
    act(
        &bo,
        reqwest::Method::PUT,
        &format!("/api/v1/ideas/{kale}/reactions/word"),
    )
    .await
    .problem(422);

    // Dots: three each, spread as one likes, never more.
    let placed = cy
        .put(&format!("/api/v1/ideas/{beans}/dots"), &json!({"dots": 2}))
        .await;
    assert_eq!(placed.status, 200, "{}", placed.body);
    assert_eq!(placed.json["my_dots"], 2);
    cy.put(&format!("/api/v1/ideas/{kale}/dots"), &json!({"dots": 2}))
        .await
        .problem(422);
    let placed = cy
        .put(&format!("/api/v1/ideas/{kale}/dots"), &json!({"dots": 1}))
        .await;
    assert_eq!(placed.status, 200, "{}", placed.body);
    // Moving dots: two on beans become one, which frees one for kale.
    cy.put(&format!("/api/v1/ideas/{beans}/dots"), &json!({"dots": 1}))
        .await;
    let placed = cy
        .put(&format!("/api/v1/ideas/{kale}/dots"), &json!({"dots": 2}))
        .await;
    assert_eq!(placed.json["dots"], 2, "{}", placed.body);
    let mine = cy.get(&format!("/api/v1/idea-boards/{b}")).await;
    assert_eq!(mine.json["dots_left"], 0);
    // The dots per person cannot drop below what someone placed.
    ana.patch(&format!("/api/v1/idea-boards/{b}"), &json!({"dots": 2}))
        .await
        .problem(422);
    let more = ana
        .patch(&format!("/api/v1/idea-boards/{b}"), &json!({"dots": 4}))
        .await;
    assert_eq!(more.json["dots"], 4, "{}", more.body);

    // Comments, through the kernel's service, counted on the idea.
    let said = bo
        .post(
            "/api/v1/comments",
            &json!({"subject_type": "idea", "subject_id": kale, "body": "Kale all winter"}),
        )
        .await;
    assert_eq!(said.status, 201, "{}", said.body);
    assert_eq!(get_idea(&ana, &kale).await["comments"], 1);

    // Clusters by tag, the biggest first, untagged last.
    let clusters = ana.get(&format!("/api/v1/idea-boards/{b}/clusters")).await;
    assert_eq!(clusters.json["items"][0]["tag"], "food");
    assert_eq!(
        clusters.json["items"][0]["ideas"].as_array().unwrap().len(),
        2
    );
    let last = clusters.json["items"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last, json!({"tag": null, "ideas": [bench]}));

    // Closed for new ideas: by its creator, not by a member.
    bo.patch(&format!("/api/v1/idea-boards/{b}"), &json!({"open": false}))
        .await
        .problem(403);
    let closed = ana
        .patch(&format!("/api/v1/idea-boards/{b}"), &json!({"open": false}))
        .await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    bo.post(
        &format!("/api/v1/idea-boards/{b}/ideas"),
        &json!({"title": "Late"}),
    )
    .await
    .problem(409);
    // An idea's author edits it; someone else may not.
    cy.patch(
        &format!("/api/v1/ideas/{beans}"),
        &json!({"title": "Runner beans"}),
    )
    .await
    .problem(403);
    let edited = bo
        .patch(
            &format!("/api/v1/ideas/{beans}"),
            &json!({"title": "Runner beans"}),
        )
        .await;
    assert_eq!(edited.json["title"], "Runner beans");

    // Bad input: clear 4xx, nothing stored.
    for bad in [
        json!({"question": ""}),
        json!({"question": "x".repeat(301)}),
        json!({"question": "Fine", "dots": 101}),
        json!({"question": "Fine", "readers": ["nobody-here"]}),
        json!({"question": "Fine", "colour": "red"}),
    ] {
        let refused = ana.post("/api/v1/groups/garden/idea-boards", &bad).await;
        assert!(
            refused.status == 422 || refused.status == 400,
            "{bad}: {}",
            refused.body
        );
    }
    let reopened = ana
        .patch(&format!("/api/v1/idea-boards/{b}"), &json!({"open": true}))
        .await;
    assert_eq!(reopened.status, 200);
    let many: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
    for bad in [json!({"title": ""}), json!({"title": "ok", "tags": many})] {
        bo.post(&format!("/api/v1/idea-boards/{b}/ideas"), &bad)
            .await
            .problem(422);
    }
    let boards = ana.get("/api/v1/groups/garden/idea-boards").await;
    assert_eq!(boards.json["items"].as_array().unwrap().len(), 1);
    assert_eq!(boards.json["items"][0]["ideas"], 3);
}

async fn anonymous_and_listed_boards_hide_what_they_should(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, bo, cy) = garden(&server).await;
    let anon = board(
        &ana,
        json!({"question": "What bothers you?", "anonymous": true}),
    )
    .await;
    let id = idea(&bo, &anon, json!({"title": "The compost smells"})).await;
    assert_eq!(get_idea(&cy, &id).await["author"], Value::Null);
    assert_eq!(
        get_idea(&ana, &id).await["author"],
        Value::Null,
        "not even the owner"
    );
    assert_eq!(
        get_idea(&bo, &id).await["author"]["handle"],
        "bo",
        "the author sees it"
    );
    assert_eq!(get_idea(&bo, &id).await["mine"], true);
    // The activity names nobody.
    let log = ana.get("/api/v1/groups/garden/activities").await;
    let created = log.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["object"]["id"] == id.as_str())
        .cloned()
        .expect("an activity for the idea");
    assert!(created["actor"].is_null(), "{created}");
    assert!(!created.to_string().contains("\"bo\""), "{created}");

    // Merging and promoting tell the authors, in activities only they see: the group's
    // activities name nobody, not even in whom they notify.
    let other = idea(&cy, &anon, json!({"title": "The compost really smells"})).await;
    let merged = ana
        .post(
            &format!("/api/v1/ideas/{other}/merge"),
            &json!({"into": id}),
        )
        .await;
    assert_eq!(merged.status, 200, "{}", merged.body);
    let promoted = ana
        .post(
            &format!("/api/v1/idea-boards/{anon}/promote"),
            &json!({"ideas": [id], "kind": "proposal"}),
        )
        .await;
    assert_eq!(promoted.status, 201, "{}", promoted.body);
    assert!(crate::garden::heard(&cy, "idea_merged").await);
    assert!(crate::garden::heard(&bo, "idea_promoted").await);
    let (bo_id, cy_id) = (account_id(&bo).await, account_id(&cy).await);
    for watcher in [&ana, &bo, &cy] {
        let log = watcher.get("/api/v1/groups/garden/activities").await;
        for a in log.json["items"].as_array().unwrap() {
            let names_someone = a["to"].as_array().is_some_and(|to| !to.is_empty());
            // What is told privately is seen by whom it tells alone: not by who merged.
            if a["restricted"] == true && !std::ptr::eq(watcher, &ana) {
                continue;
            }
            let about = a["object"]["id"].as_str().unwrap_or("");
            if ![id.as_str(), other.as_str(), anon.as_str()].contains(&about) {
                continue;
            }
            assert!(!names_someone, "a group activity notifies by name: {a}");
            let text = a.to_string();
            assert!(!text.contains(&bo_id) && !text.contains(&cy_id), "{a}");
        }
    }

    // A board for listed people: others in the group do not find it, nor its ideas.
    let listed = board(
        &ana,
        json!({"question": "The surprise party", "readers": ["bo"]}),
    )
    .await;
    let secret = idea(&bo, &listed, json!({"title": "Cake for cy"})).await;
    cy.get(&format!("/api/v1/idea-boards/{listed}"))
        .await
        .problem(404);
    cy.get(&format!("/api/v1/ideas/{secret}"))
        .await
        .problem(404);
    cy.get(&format!("/api/v1/idea-boards/{listed}/ideas"))
        .await
        .problem(404);
    cy.get(&format!(
        "/api/v1/comments?subject_type=idea&subject_id={secret}"
    ))
    .await
    .problem(404);
    let seen = cy.get("/api/v1/groups/garden/idea-boards").await;
    assert_eq!(
        seen.json["items"].as_array().unwrap().len(),
        1,
        "{}",
        seen.body
    );
    let log = cy.get("/api/v1/groups/garden/activities").await;
    assert!(!log.body.contains("surprise"), "{}", log.body);
    assert!(!log.body.contains("Cake"), "{}", log.body);
    let shown = bo.get(&format!("/api/v1/idea-boards/{listed}")).await;
    assert_eq!(shown.json["readers"][0]["handle"], "bo");
    // Its ideas cannot go to the whole group's poll.
    ana.post(
        &format!("/api/v1/idea-boards/{listed}/promote"),
        &json!({"ideas": [secret], "kind": "proposal"}),
    )
    .await
    .problem(409);
    // Someone outside the group: not found, as the group's content.
    let stranger = server.account("dee").await;
    assert_eq!(get_idea(&stranger, &id).await["author"], Value::Null);
    stranger
        .post(
            &format!("/api/v1/idea-boards/{anon}/ideas"),
            &json!({"title": "Hi"}),
        )
        .await
        .problem(403);
    stranger
        .get(&format!("/api/v1/idea-boards/{listed}"))
        .await
        .problem(404);
}

async fn a_merged_duplicate_hands_everything_to_the_survivor(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, bo, cy) = garden(&server).await;
    let b = board(
        &ana,
        json!({"question": "Events?", "pairwise": true, "dots": 5}),
    )
    .await;
    let other = board(&ana, json!({"question": "Elsewhere"})).await;
    let picnic = idea(&bo, &b, json!({"title": "A picnic"})).await;
    let dup = idea(&cy, &b, json!({"title": "Picnic in June"})).await;
    let quiz = idea(&cy, &b, json!({"title": "A quiz night"})).await;
    let far = idea(&cy, &other, json!({"title": "Far away"})).await;
    for who in [&ana, &bo] {
        act(
            who,
            reqwest::Method::PUT,
            &format!("/api/v1/ideas/{dup}/endorsement"),
        )
        .await;
    }
    act(
        &bo,
        reqwest::Method::PUT,
        &format!("/api/v1/ideas/{picnic}/endorsement"),
    )
    .await;
    ana.put(&format!("/api/v1/ideas/{dup}/dots"), &json!({"dots": 2}))
        .await;
    ana.put(&format!("/api/v1/ideas/{picnic}/dots"), &json!({"dots": 1}))
        .await;
    bo.post(
        "/api/v1/comments",
        &json!({"subject_type": "idea", "subject_id": dup, "body": "June is best"}),
    )
    .await;
    // Answers involving the duplicate: each person answers pairs until the duplicate won
    // against the quiz once.
    let mut dup_beat_quiz = 0;
    for _ in 0..60 {
        let pair = cy.get(&format!("/api/v1/idea-boards/{b}/pair")).await;
        let (l, r) = (
            pair.json["left"]["id"].clone(),
            pair.json["right"]["id"].clone(),
        );
        let winner = if l == dup.as_str() && r == quiz.as_str() {
            dup_beat_quiz += 1;
            "left"
        } else if r == dup.as_str() && l == quiz.as_str() {
            dup_beat_quiz += 1;
            "right"
        } else {
            continue;
        };
        let answered = cy
            .post(
                &format!("/api/v1/idea-boards/{b}/comparisons"),
                &json!({"token": pair.json["token"], "winner": winner}),
            )
            .await;
        assert_eq!(answered.status, 201, "{}", answered.body);
        break;
    }
    assert_eq!(
        dup_beat_quiz, 1,
        "the duplicate met the quiz within 60 pairs"
    );

    // Bad merges: into itself, across boards, by a member who does not run the board.
    ana.post(&format!("/api/v1/ideas/{dup}/merge"), &json!({"into": dup}))
        .await
        .problem(422);
    ana.post(&format!("/api/v1/ideas/{dup}/merge"), &json!({"into": far}))
        .await
        .problem(422);
    bo.post(
        &format!("/api/v1/ideas/{dup}/merge"),
        &json!({"into": picnic}),
    )
    .await
    .problem(403);
    let merged = ana
        .post(
            &format!("/api/v1/ideas/{dup}/merge"),
            &json!({"into": picnic}),
        )
        .await;
    assert_eq!(merged.status, 200, "{}", merged.body);
    assert_eq!(merged.json["id"], picnic.as_str());
    assert_eq!(
        merged.json["endorsements"], 2,
        "bo's two endorsements count once"
    );
    assert_eq!(merged.json["dots"], 3, "ana's dots add up");
    assert_eq!(merged.json["comments"], 1);
    assert_eq!(get_idea(&ana, &dup).await["merged_into"], picnic.as_str());
    // Merged once only; a duplicate takes no new marks.
    ana.post(
        &format!("/api/v1/ideas/{dup}/merge"),
        &json!({"into": quiz}),
    )
    .await
    .problem(409);
    act(
        &bo,
        reqwest::Method::PUT,
        &format!("/api/v1/ideas/{dup}/endorsement"),
    )
    .await
    .problem(409);
    // The duplicate's author was told.
    assert!(crate::garden::heard(&cy, "idea_merged").await);
    // The answers follow: the picnic beat the quiz once; the duplicate is no longer ranked.
    let ranking = ana.get(&format!("/api/v1/idea-boards/{b}/ranking")).await;
    assert_eq!(ranking.status, 200, "{}", ranking.body);
    let items = ranking.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{}", ranking.body);
    let picnic_row = items.iter().find(|i| i["idea"] == picnic.as_str()).unwrap();
    assert_eq!(picnic_row["wins"], 1, "{}", ranking.body);
    assert_eq!(items[0]["idea"], picnic.as_str());
    let listed = ana.get(&format!("/api/v1/idea-boards/{b}/ideas")).await;
    assert_eq!(listed.json["items"].as_array().unwrap().len(), 2);
    let all = ana
        .get(&format!("/api/v1/idea-boards/{b}/ideas?merged=true"))
        .await;
    assert_eq!(all.json["items"].as_array().unwrap().len(), 3);
}

/// Answers `who`'s next pair by `prefer` (the idea it names wins when shown), answers
/// `none` when neither is preferred; answers how it answered.
async fn answer(who: &Client, b: &str, prefer: &[&str]) -> (String, String, &'static str) {
    let pair = who.get(&format!("/api/v1/idea-boards/{b}/pair")).await;
    assert_eq!(pair.status, 200, "{}", pair.body);
    let l = pair.json["left"]["id"].as_str().unwrap().to_string();
    let r = pair.json["right"]["id"].as_str().unwrap().to_string();
    assert_ne!(l, r);
    let rank = |id: &str| prefer.iter().position(|p| *p == id).unwrap_or(usize::MAX);
    let winner = match rank(&l).cmp(&rank(&r)) {
        std::cmp::Ordering::Less => "left",
        std::cmp::Ordering::Greater => "right",
        std::cmp::Ordering::Equal => "none",
    };
    let answered = who
        .post(
            &format!("/api/v1/idea-boards/{b}/comparisons"),
            &json!({"token": pair.json["token"], "winner": winner}),
        )
        .await;
    assert_eq!(answered.status, 201, "{}", answered.body);
    (l, r, winner)
}

async fn the_wiki_survey_serves_pairs_and_ranks_by_the_answers(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, bo, cy) = garden(&server).await;
    let plain = board(&ana, json!({"question": "No survey here"})).await;
    bo.get(&format!("/api/v1/idea-boards/{plain}/pair"))
        .await
        .problem(409);
    let b = board(
        &ana,
        json!({"question": "Best use of Saturdays?", "pairwise": true}),
    )
    .await;
    bo.get(&format!("/api/v1/idea-boards/{b}/pair"))
        .await
        .problem(409);
    let names = ["Weeding", "Planting", "Harvest fair", "Seed swap"];
    let mut ids = Vec::new();
    for name in names {
        ids.push(idea(&ana, &b, json!({"title": name})).await);
    }
    let prefer: Vec<&str> = ids.iter().map(String::as_str).collect();

    // Tokens: spent once, by the person they were given to, on their board.
    let pair = bo.get(&format!("/api/v1/idea-boards/{b}/pair")).await;
    let token = pair.json["token"].clone();
    let path = format!("/api/v1/idea-boards/{b}/comparisons");
    cy.post(&path, &json!({"token": token, "winner": "left"}))
        .await
        .problem(422);
    bo.post(
        &format!("/api/v1/idea-boards/{plain}/comparisons"),
        &json!({"token": token, "winner": "left"}),
    )
    .await
    .problem(409);
    let other = board(
        &ana,
        json!({"question": "Another survey", "pairwise": true}),
    )
    .await;
    bo.post(
        &format!("/api/v1/idea-boards/{other}/comparisons"),
        &json!({"token": token, "winner": "left"}),
    )
    .await
    .problem(422);
    // A token made up by hand, in the sealed form but not sealed, is refused.
    use base64::Engine as _;
    let me = bo.get("/api/v1/me").await.json["id"]
        .as_str()
        .unwrap()
        .to_string();
    let made_up = json!({"b": b, "l": ids[0], "r": ids[1], "a": me,
                         "n": "0190a000-0000-7000-8000-000000000001", "t": 0});
    let forged = format!(
        "sealed:{}",
        base64::engine::general_purpose::STANDARD.encode(made_up.to_string())
    );
    for bad in ["", "sealed:AAAA", "not a token", forged.as_str()] {
        bo.post(&path, &json!({"token": bad, "winner": "left"}))
            .await
            .problem(422);
    }
    bo.post(&path, &json!({"token": token, "winner": "up"}))
        .await
        .problem(422);
    let first = bo
        .post(&path, &json!({"token": token, "winner": "none"}))
        .await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.json["answers"], 1);
    bo.post(&path, &json!({"token": token, "winner": "left"}))
        .await
        .problem(409);

    // Everyone answers by the same order (Weeding best); ties are "I can't decide".
    let mut counted = 0;
    for _ in 0..30 {
        for who in [&ana, &bo, &cy] {
            answer(who, &b, &prefer).await;
            counted += 1;
        }
    }
    let ranking = cy.get(&format!("/api/v1/idea-boards/{b}/ranking")).await;
    assert_eq!(ranking.status, 200, "{}", ranking.body);
    assert_eq!(ranking.json["answers"], counted + 1);
    let order: Vec<&str> = ranking.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert_eq!(order, names, "{}", ranking.body);
    let mut fitted = 0;
    for item in ranking.json["items"].as_array().unwrap() {
        let (low, score, high) = (
            item["low"].as_f64().unwrap(),
            item["score"].as_f64().unwrap(),
            item["high"].as_f64().unwrap(),
        );
        assert!((0.0..=100.0).contains(&low) && low <= score && score <= high && high <= 100.0);
        assert!(high - low > 0.0);
        fitted += item["comparisons"].as_u64().unwrap();
    }
    assert_eq!(
        fitted,
        2 * counted as u64,
        "each answer counts for both ideas; 'none' never"
    );

    // A new idea enters at once: it is served among the next few pairs, seen least.
    let fresh = idea(&cy, &b, json!({"title": "Bee hotel"})).await;
    let mut met = false;
    for _ in 0..8 {
        let (l, r, _) = answer(&bo, &b, &prefer).await;
        if l == fresh || r == fresh {
            met = true;
            break;
        }
    }
    assert!(met, "the new idea was not served");
    let ranking = cy.get(&format!("/api/v1/idea-boards/{b}/ranking")).await;
    assert_eq!(ranking.json["items"].as_array().unwrap().len(), 5);

    // Someone outside the group neither gets pairs nor answers; the ranking reads as the
    // public group's content.
    let stranger = server.account("dee").await;
    stranger
        .get(&format!("/api/v1/idea-boards/{b}/pair"))
        .await
        .problem(403);
    let read = stranger
        .get(&format!("/api/v1/idea-boards/{b}/ranking"))
        .await;
    assert_eq!(read.status, 200, "{}", read.body);
}

async fn promoted_ideas_open_polls_that_resolve_on_the_board(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, bo, cy) = garden(&server).await;
    let b = board(&ana, json!({"question": "Where to put the shed?"})).await;
    let other = board(&ana, json!({"question": "Elsewhere"})).await;
    let north = idea(
        &bo,
        &b,
        json!({"title": "North corner", "text": "Near the tap"}),
    )
    .await;
    let south = idea(&cy, &b, json!({"title": "South corner"})).await;
    let east = idea(&cy, &b, json!({"title": "East gate"})).await;
    let far = idea(&cy, &other, json!({"title": "Far"})).await;
    for who in [&ana, &bo] {
        act(
            who,
            reqwest::Method::PUT,
            &format!("/api/v1/ideas/{south}/endorsement"),
        )
        .await;
    }
    act(
        &ana,
        reqwest::Method::PUT,
        &format!("/api/v1/ideas/{north}/endorsement"),
    )
    .await;
    let path = format!("/api/v1/idea-boards/{b}/promote");

    // Bad promotions: clear 4xx, no poll.
    for bad in [
        json!({"ideas": [north, south], "kind": "proposal"}),
        json!({"ideas": [north], "kind": "choice"}),
        json!({"ideas": [north, far], "kind": "choice"}),
        json!({"ideas": [north, north], "kind": "choice"}),
        json!({"ideas": [], "kind": "choice"}),
        json!({"ideas": [north], "kind": "survey"}),
        json!({"top": 0, "kind": "proposal"}),
        json!({"top": 0, "kind": "proposal", "title": "About nothing"}),
        json!({"top": 21, "kind": "choice"}),
        json!({"ideas": [north], "top": 2, "kind": "choice"}),
        json!({"ideas": [north], "kind": "proposal", "closes_at": "2001-01-01T00:00:00Z"}),
    ] {
        let refused = ana.post(&path, &bad).await;
        assert_eq!(refused.status, 422, "{bad}: {}", refused.body);
    }
    bo.post(&path, &json!({"ideas": [north], "kind": "proposal"}))
        .await
        .problem(403);

    // One idea to a proposal.
    let proposal = ana
        .post(&path, &json!({"ideas": [north], "kind": "proposal"}))
        .await;
    assert_eq!(proposal.status, 201, "{}", proposal.body);
    assert_eq!(proposal.json["state"], "open");
    let poll = proposal.json["poll"].as_str().unwrap().to_string();
    let shown = ana.get(&format!("/api/v1/polls/{poll}")).await;
    assert_eq!(shown.json["kind"], "proposal", "{}", shown.body);
    assert_eq!(shown.json["title"], "North corner");
    assert!(crate::garden::heard(&bo, "idea_promoted").await);

    // The best two (by endorsements, without a survey) to a choice poll, closing in an hour.
    let closes = kernel::Clock::now(&server.clock)
        .plus_seconds(3600)
        .to_rfc3339();
    let choice = ana
        .post(
            &path,
            &json!({"top": 2, "kind": "choice", "closes_at": closes}),
        )
        .await;
    assert_eq!(choice.status, 201, "{}", choice.body);
    assert_eq!(choice.json["ideas"], json!([south, north]));
    let choice_poll = choice.json["poll"].as_str().unwrap().to_string();
    let shown = ana.get(&format!("/api/v1/polls/{choice_poll}")).await;
    assert_eq!(shown.json["kind"], "choice", "{}", shown.body);
    let options: Vec<&str> = shown.json["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["text"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(options, ["South corner", "North corner"], "{}", shown.body);
    // A motion's poll takes no options beyond the ideas put to it.
    ana.post(
        &format!("/api/v1/polls/{choice_poll}/options"),
        &json!({"text": "Behind the compost"}),
    )
    .await
    .problem(409);
    for (who, pick) in [
        (&ana, "South corner"),
        (&bo, "South corner"),
        (&cy, "North corner"),
    ] {
        crate::decide::voted(who, &choice_poll, json!({"choices": [pick]})).await;
    }
    // A ranked poll of three.
    let ranked = ana
        .post(
            &path,
            &json!({"ideas": [east, south, north], "kind": "ranked"}),
        )
        .await;
    assert_eq!(ranked.status, 201, "{}", ranked.body);

    // The clock passes the choice poll's close: it resolves, and the board shows it.
    server.clock.advance_seconds(3601);
    let mut resolved = Value::Null;
    for _ in 0..100 {
        let got = ana.get(&format!("/api/v1/idea-boards/{b}")).await;
        let done = got.json["promotions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["poll"] == choice_poll.as_str())
            .cloned()
            .unwrap();
        if done["state"] != "open" {
            resolved = done;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(resolved["state"], "passed", "{resolved}");
    assert_eq!(
        resolved["outcome"]["winners"],
        json!(["South corner"]),
        "{resolved}"
    );
    let got = ana.get(&format!("/api/v1/idea-boards/{b}")).await;
    assert_eq!(got.json["promotions"].as_array().unwrap().len(), 3);

    // Without decide, nothing can be promoted.
    let off = ana
        .send(ana.request(
            reqwest::Method::DELETE,
            "/api/v1/groups/garden/tools/decide",
        ))
        .await;
    assert!(off.status < 300, "{}", off.body);
    ana.post(&path, &json!({"ideas": [east], "kind": "proposal"}))
        .await
        .problem(409);
}

async fn a_board_tells_its_pages_when_it_changes(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, bo, cy) = garden(&server).await;
    let b = board(&ana, json!({"question": "Live?", "pairwise": true})).await;
    let other = board(&ana, json!({"question": "Elsewhere"})).await;
    idea(&ana, &b, json!({"title": "One"})).await;
    idea(&ana, &b, json!({"title": "Two"})).await;
    let mut wall = bo
        .stream(&format!("/groups/garden/ideas/{b}/live"), None)
        .await;
    let mut ranking = bo
        .stream(&format!("/groups/garden/ideas/{b}/ranking/live"), None)
        .await;
    let wait = std::time::Duration::from_secs(5);
    // An answer changes the ranking, not the wall.
    idea(&ana, &other, json!({"title": "Not this board"})).await;
    answer(&cy, &b, &[]).await;
    let event = ranking.next(wait).await.expect("a change");
    assert_eq!(event.event, "changed");
    assert_eq!(event.data, b, "only the board's id");
    assert!(
        wall.next(std::time::Duration::from_millis(800))
            .await
            .is_none()
    );
    // A new idea changes both.
    idea(&cy, &b, json!({"title": "Three"})).await;
    assert_eq!(wall.next(wait).await.expect("a change").data, b);
    assert_eq!(ranking.next(wait).await.expect("a change").data, b);
    // The pages themselves.
    for page in [
        "/groups/garden/ideas".to_string(),
        format!("/groups/garden/ideas/{b}"),
        format!("/groups/garden/ideas/{b}/vote"),
        format!("/groups/garden/ideas/{b}/ranking"),
    ] {
        let got = bo.get(&page).await;
        assert_eq!(got.status, 200, "{page}: {}", got.body);
    }
    let voted = bo.get(&format!("/groups/garden/ideas/{b}/vote")).await;
    assert!(
        voted.body.contains("data-key=\"ArrowLeft\""),
        "{}",
        voted.body
    );
    // A board of this group under another group's address is not found.
    let stranger = server.account("dee").await;
    stranger
        .post(
            "/api/v1/groups",
            &json!({"handle": "den", "name": "Den", "visibility": "public", "join_policy": "open"}),
        )
        .await;
    stranger
        .put("/api/v1/groups/den/tools/ideas", &json!({}))
        .await;
    let elsewhere = stranger.get(&format!("/groups/den/ideas/{b}")).await;
    assert_eq!(elsewhere.status, 404);
}

async fn custom_roles_and_narrow_tokens_get_only_what_they_hold(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, bo, cy) = garden(&server).await;
    let b = board(
        &ana,
        json!({"question": "Roles?", "pairwise": true, "dots": 2}),
    )
    .await;
    let mine = idea(&ana, &b, json!({"title": "Ana's"})).await;
    let dup = idea(&ana, &b, json!({"title": "Ana's again"})).await;
    // A steward runs anyone's board; a watcher reads and takes no part.
    for (name, permissions) in [
        ("steward", json!(["post", "tool:ideas:manage"])),
        ("watcher", json!([])),
    ] {
        let made = ana
            .post(
                "/api/v1/groups/garden/roles",
                &json!({"name": name, "permissions": permissions}),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
    }
    for (who, role) in [("cy", "steward"), ("bo", "watcher")] {
        let changed = ana
            .patch(
                &format!("/api/v1/groups/garden/members/{who}"),
                &json!({"role": role}),
            )
            .await;
        assert_eq!(changed.status, 200, "{}", changed.body);
    }
    assert_eq!(
        bo.get(&format!("/api/v1/idea-boards/{b}/ranking"))
            .await
            .status,
        200
    );
    bo.post(
        &format!("/api/v1/idea-boards/{b}/ideas"),
        &json!({"title": "x"}),
    )
    .await
    .problem(403);
    bo.get(&format!("/api/v1/idea-boards/{b}/pair"))
        .await
        .problem(403);
    act(
        &bo,
        reqwest::Method::PUT,
        &format!("/api/v1/ideas/{mine}/endorsement"),
    )
    .await
    .problem(403);
    bo.put(&format!("/api/v1/ideas/{mine}/dots"), &json!({"dots": 1}))
        .await
        .problem(403);
    let merged = cy
        .post(
            &format!("/api/v1/ideas/{dup}/merge"),
            &json!({"into": mine}),
        )
        .await;
    assert_eq!(merged.status, 200, "{}", merged.body);
    let edited = cy
        .patch(
            &format!("/api/v1/idea-boards/{b}"),
            &json!({"details": "Run by cy"}),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);

    // Tokens: ideas:read reads and takes no part; ideas:write takes part; a token for
    // another group finds nothing of a listed board here.
    let token = |scopes: Value, group: Option<&'static str>| {
        let ana = ana.clone();
        let client = server.client();
        async move {
            let mut body = json!({"name": "t", "scopes": scopes});
            if let Some(group) = group {
                body["group"] = json!(group);
            }
            let made = ana.post("/api/v1/tokens", &body).await;
            assert_eq!(made.status, 201, "{}", made.body);
            client.with_token(made.json["token"].as_str().unwrap())
        }
    };
    let reader = token(json!(["ideas:read"]), None).await;
    assert_eq!(
        reader
            .get(&format!("/api/v1/idea-boards/{b}/ideas"))
            .await
            .status,
        200
    );
    reader
        .get(&format!("/api/v1/idea-boards/{b}/pair"))
        .await
        .problem(403);
    reader
        .post(
            &format!("/api/v1/idea-boards/{b}/ideas"),
            &json!({"title": "x"}),
        )
        .await
        .problem(403);
    act(
        &reader,
        reqwest::Method::PUT,
        &format!("/api/v1/ideas/{mine}/endorsement"),
    )
    .await
    .problem(403);
    let writer = token(json!(["ideas:write"]), None).await;
    let made = writer
        .post(
            &format!("/api/v1/idea-boards/{b}/ideas"),
            &json!({"title": "By token"}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    answer(&writer, &b, &[]).await;
    let other = ana
        .post(
            "/api/v1/groups",
            &json!({"handle": "den", "name": "Den", "visibility": "public", "join_policy": "open"}),
        )
        .await;
    assert_eq!(other.status, 201, "{}", other.body);
    let listed = board(&ana, json!({"question": "Just us", "readers": ["bo"]})).await;
    let elsewhere = token(json!(["read", "write"]), Some("den")).await;
    elsewhere
        .get(&format!("/api/v1/idea-boards/{listed}"))
        .await
        .problem(404);
    elsewhere
        .post(
            &format!("/api/v1/idea-boards/{b}/ideas"),
            &json!({"title": "x"}),
        )
        .await
        .problem(403);
}
