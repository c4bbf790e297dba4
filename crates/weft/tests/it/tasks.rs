//! The tasks tool through the real server: boards and their columns and fields, cards moved
//! by `{column, position}`, dependencies that hold a card back from done and refuse loops,
//! bounties escrowed on the ledger, paid at done and refunded on delete (also after a
//! crash between two steps), notices of assignment and due dates, my tasks, and who may do
//! what with which token.

use sea_query::ExprTrait;
use serde_json::{Value, json};
use testkit::{Backend, Client, TestServer, both};

use crate::garden::{balance, heard_now};

both!(
    boards_hold_columns_fields_and_cards_in_order,
    waiting_cards_do_not_reach_done_and_loops_are_refused,
    a_bounty_is_escrowed_paid_at_done_and_refunded_on_delete,
    bad_input_is_refused_and_moves_nothing,
    assignees_hear_of_their_cards_and_their_due_dates,
    strangers_narrow_tokens_and_roles_get_only_what_they_hold,
    a_bounty_left_between_two_steps_is_finished_at_start,
    cards_take_comments_with_mentions_and_files,
    a_board_read_again_is_unchanged_until_something_changes_it,
);

/// The garden using tasks: ana owns it, bo and cy are members; `HOURS` (floor -10,
/// ceiling 100) with an account for each.
struct Garden {
    ana: Client,
    bo: Client,
    cy: Client,
    currency: String,
}

async fn garden(server: &TestServer) -> Garden {
    let g = crate::garden::garden(server, "tasks", &["ana", "bo", "cy"], "-10", "100").await;
    let [ana, bo, cy]: [Client; 3] = g.people.try_into().ok().unwrap();
    Garden {
        ana,
        bo,
        cy,
        currency: g.currency,
    }
}

async fn board(by: &Client, body: Value) -> Value {
    let made = by.post("/api/v1/groups/garden/boards", &body).await;
    assert_eq!(made.status, 201, "{}", made.body);
    made.json
}

async fn card(by: &Client, board: &str, body: Value) -> Value {
    let made = by
        .post(&format!("/api/v1/boards/{board}/cards"), &body)
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    made.json
}

async fn cards(by: &Client, board: &str) -> Vec<Value> {
    let list = by.get(&format!("/api/v1/boards/{board}/cards")).await;
    assert_eq!(list.status, 200, "{}", list.body);
    list.json.as_array().unwrap().clone()
}

/// The titles of a column's cards, in order.
async fn column(by: &Client, board: &str, name: &str) -> Vec<String> {
    cards(by, board)
        .await
        .iter()
        .filter(|c| c["column"]["name"] == name)
        .map(|c| c["title"].as_str().unwrap().to_string())
        .collect()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

async fn boards_hold_columns_fields_and_cards_in_order(backend: Backend) {
    let server = TestServer::start(backend).await;
    let g = garden(&server).await;
    let plain = board(&g.ana, json!({"name": "Chores"})).await;
    let names: Vec<&str> = plain["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["To do", "Doing", "Review", "Done"]);
    assert_eq!(plain["columns"][3]["done"], true);
    assert_eq!(plain["columns"][0]["done"], false);

    let b = board(
        &g.ana,
        json!({"name": "Build the shed", "columns": ["Backlog", {"name": "Shipped", "done": true}, "Archive"],
               "fields": [{"name": "Story points", "type": "number"},
                          {"name": "Size", "type": "choice", "choices": ["S", "M", "L"]},
                          {"key": "start", "name": "Start", "type": "date"},
                          {"name": "Notes", "type": "text"}]}),
    )
    .await;
    let bid = id(&b);
    assert_eq!(b["fields"][0]["key"], "story_points");
    assert_eq!(b["columns"][1]["done"], true);
    assert_eq!(b["columns"][2]["done"], false);

    let first = card(
        &g.ana,
        &bid,
        json!({"title": "Dig footings", "description": "Four holes", "assignees": ["bo", "@cy"],
               "due": "2027-01-31", "labels": ["ground", "ground", "heavy"],
               "fields": {"story_points": 5, "size": "L", "start": "2027-01-02"},
               "checklists": [{"name": "Tools", "items": [{"text": "Spade"}, {"text": "Level", "done": true}]}]}),
    )
    .await;
    assert_eq!(first["column"]["name"], "Backlog");
    assert_eq!(first["position"], 0);
    assert_eq!(first["due"], "2027-01-31");
    assert_eq!(first["labels"], json!(["ground", "heavy"]));
    assert_eq!(first["fields"]["story_points"], 5);
    assert_eq!(first["checklists"][0]["items"][1]["done"], true);
    let handles: Vec<&str> = first["assignees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["handle"].as_str().unwrap())
        .collect();
    assert_eq!(handles, ["bo", "cy"]);
    for title in ["Pour concrete", "Frame walls", "Roof"] {
        card(&g.bo, &bid, json!({"title": title})).await;
    }
    assert_eq!(
        column(&g.ana, &bid, "Backlog").await,
        ["Dig footings", "Pour concrete", "Frame walls", "Roof"]
    );

    // Moving: the column by name or id, the place 0-based after the move.
    let all = cards(&g.ana, &bid).await;
    let roof = id(&all[3]);
    let moved =
        g.bo.patch(&format!("/api/v1/cards/{roof}"), &json!({"position": 1}))
            .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(
        column(&g.ana, &bid, "Backlog").await,
        ["Dig footings", "Roof", "Pour concrete", "Frame walls"]
    );
    let dig = id(&all[0]);
    let shipped = b["columns"][1]["id"].as_str().unwrap();
    let done =
        g.cy.patch(
            &format!("/api/v1/cards/{dig}"),
            &json!({"column": shipped, "position": 0}),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.json["column"]["done"], true);
    assert!(done.json["done_at"].is_number() || done.json["done_at"].is_string());
    let pour = id(&all[1]);
    g.cy.patch(
        &format!("/api/v1/cards/{pour}"),
        &json!({"column": "shipped", "position": 0}),
    )
    .await;
    assert_eq!(
        column(&g.ana, &bid, "Shipped").await,
        ["Pour concrete", "Dig footings"]
    );
    assert_eq!(
        column(&g.ana, &bid, "Backlog").await,
        ["Roof", "Frame walls"]
    );
    // Past the end means the end.
    g.cy.patch(
        &format!("/api/v1/cards/{roof}"),
        &json!({"column": "Shipped", "position": 99}),
    )
    .await;
    assert_eq!(
        column(&g.ana, &bid, "Shipped").await,
        ["Pour concrete", "Dig footings", "Roof"]
    );
    let positions: Vec<i64> = cards(&g.ana, &bid)
        .await
        .iter()
        .filter(|c| c["column"]["name"] == "Shipped")
        .map(|c| c["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, [0, 1, 2], "places stay dense");

    // Filters.
    let bos = g
        .ana
        .get(&format!("/api/v1/boards/{bid}/cards?assignee=bo"))
        .await;
    assert_eq!(bos.json.as_array().unwrap().len(), 1);
    let heavy = g
        .ana
        .get(&format!("/api/v1/boards/{bid}/cards?label=heavy"))
        .await;
    assert_eq!(heavy.json[0]["title"], "Dig footings");

    // Columns change: renamed and added keep their cards; one holding cards does not go.
    let columns = g.ana.get(&format!("/api/v1/boards/{bid}")).await.json["columns"].clone();
    assert_eq!(columns[1]["cards"], 3);
    let backlog = columns[0]["id"].clone();
    let archive = columns[2]["id"].clone();
    g.ana
        .patch(
            &format!("/api/v1/boards/{bid}"),
            &json!({"columns": [{"id": backlog, "name": "Ideas"}]}),
        )
        .await
        .problem(422);
    let changed = g
        .ana
        .patch(
            &format!("/api/v1/boards/{bid}"),
            &json!({"name": "The shed", "columns": [{"id": backlog, "name": "Ideas"}, "Doing",
                    {"id": shipped, "name": "Shipped", "done": true}],
                    "fields": [{"key": "story_points", "name": "Points", "type": "number"}]}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let names: Vec<&str> = changed.json["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ideas", "Doing", "Shipped"]);
    assert_ne!(changed.json["columns"][1]["id"], archive);
    assert_eq!(column(&g.ana, &bid, "Ideas").await, ["Frame walls"]);
    let dig_now = g.ana.get(&format!("/api/v1/cards/{dig}")).await;
    assert_eq!(
        dig_now.json["fields"],
        json!({"story_points": 5}),
        "dropped fields leave the cards"
    );
    // Only its author or a manager changes a board.
    g.bo.patch(&format!("/api/v1/boards/{bid}"), &json!({"name": "Mine"}))
        .await
        .problem(403);
    let listed = g.cy.get("/api/v1/groups/garden/boards").await;
    assert_eq!(listed.json.as_array().unwrap().len(), 2);
    let shed = listed
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "The shed")
        .cloned()
        .unwrap();
    let counts: Vec<i64> = shed["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cards"].as_i64().unwrap())
        .collect();
    assert_eq!(counts, [1, 0, 3], "the list counts each column's cards");
}

async fn waiting_cards_do_not_reach_done_and_loops_are_refused(backend: Backend) {
    let server = TestServer::start(backend).await;
    let g = garden(&server).await;
    let bid = id(&board(&g.ana, json!({"name": "Shed"})).await);
    let a = id(&card(&g.ana, &bid, json!({"title": "Footings"})).await);
    let b = card(&g.ana, &bid, json!({"title": "Walls", "blocked_by": [a]})).await;
    assert_eq!(b["blocked"], true);
    let b = id(&b);
    let c = id(&card(&g.ana, &bid, json!({"title": "Roof", "blocked_by": [b]})).await);

    let refused =
        g.bo.patch(&format!("/api/v1/cards/{b}"), &json!({"column": "Done"}))
            .await;
    let refused = refused.problem(409);
    assert!(
        refused["detail"].as_str().unwrap().contains("Footings"),
        "{refused}"
    );
    assert_eq!(column(&g.ana, &bid, "Done").await, Vec::<String>::new());
    // Other moves are fine while it waits.
    let doing =
        g.bo.patch(&format!("/api/v1/cards/{b}"), &json!({"column": "Doing"}))
            .await;
    assert_eq!(doing.status, 200, "{}", doing.body);

    // Loops: directly, through several steps, and on itself.
    g.ana
        .patch(&format!("/api/v1/cards/{a}"), &json!({"blocked_by": [c]}))
        .await
        .problem(409);
    g.ana
        .patch(&format!("/api/v1/cards/{a}"), &json!({"blocked_by": [b]}))
        .await
        .problem(409);
    g.ana
        .patch(&format!("/api/v1/cards/{a}"), &json!({"blocked_by": [a]}))
        .await
        .problem(422);
    let a_now = g.ana.get(&format!("/api/v1/cards/{a}")).await;
    assert_eq!(
        a_now.json["blocked_by"],
        json!([]),
        "a refused loop changed nothing"
    );
    // A card of another board is not a dependency.
    let other = id(&board(&g.ana, json!({"name": "Other"})).await);
    let elsewhere = id(&card(&g.ana, &other, json!({"title": "Elsewhere"})).await);
    g.ana
        .patch(
            &format!("/api/v1/cards/{a}"),
            &json!({"blocked_by": [elsewhere]}),
        )
        .await
        .problem(422);

    // Once what it waits for is done, it moves.
    let done =
        g.bo.patch(&format!("/api/v1/cards/{a}"), &json!({"column": "Done"}))
            .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let walls = g.ana.get(&format!("/api/v1/cards/{b}")).await;
    assert_eq!(walls.json["blocked"], false);
    let done =
        g.bo.patch(&format!("/api/v1/cards/{b}"), &json!({"column": "Done"}))
            .await;
    assert_eq!(done.status, 200, "{}", done.body);
    // A card moved to done is in the log for other tools to follow.
    let log = g.ana.get("/api/v1/groups/garden/activities").await;
    assert!(
        log.body.contains("Complete") && log.body.contains("Walls"),
        "{}",
        log.body
    );
}

async fn a_bounty_is_escrowed_paid_at_done_and_refunded_on_delete(backend: Backend) {
    let server = TestServer::start(backend).await;
    let g = garden(&server).await;
    let bid = id(&board(&g.ana, json!({"name": "Paid work"})).await);
    let c = card(
        &g.ana,
        &bid,
        json!({"title": "Fix the pump", "assignees": ["bo", "cy"],
               "bounty": {"currency": "HOURS", "amount": "5.01"}}),
    )
    .await;
    assert_eq!(c["bounty"]["state"], "held", "{c}");
    assert_eq!(c["bounty"]["amount"], "5.01");
    assert_eq!(balance(&g.ana, &g.currency).await, "-5.01");
    let cid = id(&c);

    // Not its assignees, and not a member without the review permission.
    g.bo.patch(&format!("/api/v1/cards/{cid}"), &json!({"column": "Done"}))
        .await
        .problem(403);
    let mover = server.account("dee").await;
    mover
        .post("/api/v1/groups/garden/members", &json!({}))
        .await;
    mover
        .patch(&format!("/api/v1/cards/{cid}"), &json!({"column": "Done"}))
        .await
        .problem(403);
    // The owner reviews; being an assignee would stop even her.
    let self_review = card(
        &g.ana,
        &bid,
        json!({"title": "Mine", "assignees": ["ana"], "bounty": {"currency": g.currency, "amount": 1}}),
    )
    .await;
    g.ana
        .patch(
            &format!("/api/v1/cards/{}", id(&self_review)),
            &json!({"column": "Done"}),
        )
        .await
        .problem(409);
    assert_eq!(balance(&g.ana, &g.currency).await, "-6.01");

    let paid = g
        .ana
        .patch(&format!("/api/v1/cards/{cid}"), &json!({"column": "Done"}))
        .await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    assert_eq!(paid.json["bounty"]["state"], "paid");
    // Equal shares; the odd unit goes to the first.
    let (bo, cy) = (
        balance(&g.bo, &g.currency).await,
        balance(&g.cy, &g.currency).await,
    );
    let mut got = [bo, cy];
    got.sort();
    assert_eq!(got, ["2.50", "2.51"]);
    // Moving it out and back pays nothing more.
    g.ana
        .patch(&format!("/api/v1/cards/{cid}"), &json!({"column": "Doing"}))
        .await;
    g.ana
        .patch(&format!("/api/v1/cards/{cid}"), &json!({"column": "Done"}))
        .await;
    let mut again = [
        balance(&g.bo, &g.currency).await,
        balance(&g.cy, &g.currency).await,
    ];
    again.sort();
    assert_eq!(again, ["2.50", "2.51"]);
    // A paid card deleted keeps its payment.
    let gone = g.ana.delete(&format!("/api/v1/cards/{cid}")).await;
    assert_eq!(gone.status, 204, "{}", gone.body);
    assert_eq!(balance(&g.ana, &g.currency).await, "-6.01");

    // A held bounty goes back when its card is deleted.
    let gone = g
        .ana
        .delete(&format!("/api/v1/cards/{}", id(&self_review)))
        .await;
    assert_eq!(gone.status, 204, "{}", gone.body);
    assert_eq!(balance(&g.ana, &g.currency).await, "-5.01");
    g.ana
        .get(&format!("/api/v1/cards/{}", id(&self_review)))
        .await
        .problem(404);

    // An assignee with no account in the currency gets one to be paid into.
    let eve = server.account("eve").await;
    eve.post("/api/v1/groups/garden/members", &json!({})).await;
    assert_eq!(balance(&eve, &g.currency).await, "none");
    let for_eve = card(
        &g.bo,
        &bid,
        json!({"title": "Weed", "assignees": ["eve"], "bounty": {"currency": "HOURS", "amount": "1"}}),
    )
    .await;
    let paid = g
        .ana
        .patch(
            &format!("/api/v1/cards/{}", id(&for_eve)),
            &json!({"column": "Done"}),
        )
        .await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    assert_eq!(balance(&eve, &g.currency).await, "1.00");
    // A card with a bounty but nobody assigned is not paid to nobody.
    let nobody = card(
        &g.bo,
        &bid,
        json!({"title": "Mow", "bounty": {"currency": "HOURS", "amount": "1"}}),
    )
    .await;
    g.ana
        .patch(
            &format!("/api/v1/cards/{}", id(&nobody)),
            &json!({"column": "Done"}),
        )
        .await
        .problem(409);
    // The escrow is the tool's: nobody spends it through the ledger's API.
    let escrow = g
        .ana
        .get(&format!("/api/v1/currencies/{}/accounts", g.currency))
        .await;
    let held = escrow.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["owner_kind"] == "escrow")
        .cloned()
        .expect("the escrow account");
    assert_eq!(held["balance"], "1.00");
    let took = g
        .ana
        .post(
            "/api/v1/transfers",
            &json!({"from": held["id"], "to": held["id"], "amount": "1"}),
        )
        .await;
    assert!(took.status == 409 || took.status == 422, "{}", took.body);
}

async fn bad_input_is_refused_and_moves_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let g = garden(&server).await;
    let bid = id(
        &board(
            &g.ana,
            json!({"name": "Strict", "fields": [{"name": "Points", "type": "number"},
                                                {"name": "Size", "type": "choice", "choices": ["S", "M"]}]}),
        )
        .await,
    );
    // Beyond the floor (-10): refused by the ledger, no card, no money.
    let refused = g
        .ana
        .post(
            &format!("/api/v1/boards/{bid}/cards"),
            &json!({"title": "Too dear", "bounty": {"currency": "HOURS", "amount": "10.01"}}),
        )
        .await;
    assert!((400..500).contains(&refused.status), "{}", refused.body);
    assert_eq!(refused.headers["content-type"], "application/problem+json");
    assert_eq!(balance(&g.ana, &g.currency).await, "0.00");
    assert!(cards(&g.ana, &bid).await.is_empty());
    for (body, field) in [
        (
            json!({"title": "x", "fields": {"points": "many"}}),
            "fields.points",
        ),
        (
            json!({"title": "x", "fields": {"size": "XL"}}),
            "fields.size",
        ),
        (
            json!({"title": "x", "fields": {"colour": "red"}}),
            "fields.colour",
        ),
        (json!({"title": "x", "due": "next tuesday"}), "due"),
        (json!({"title": "x", "due": "2027-02-30"}), "due"),
        (json!({"title": "x", "column": "Nowhere"}), "column"),
        (json!({"title": "x", "assignees": ["nobody"]}), "assignees"),
        (json!({"title": ""}), "title"),
        (
            json!({"title": "x", "bounty": {"currency": "EUR", "amount": 1}}),
            "bounty.currency",
        ),
        (
            json!({"title": "x", "bounty": {"currency": "HOURS", "amount": "-1"}}),
            "bounty.amount",
        ),
        (
            json!({"title": "x", "bounty": {"currency": "HOURS", "amount": "0.001"}}),
            "bounty.amount",
        ),
    ] {
        let reply = g
            .ana
            .post(&format!("/api/v1/boards/{bid}/cards"), &body)
            .await;
        let problem = reply.problem(422);
        assert!(
            problem.to_string().contains(field),
            "{body} names {field}: {problem}"
        );
    }
    let wrong_shape = g
        .ana
        .post(&format!("/api/v1/boards/{bid}/cards"), &json!({"title": 5}))
        .await;
    assert!(
        (400..500).contains(&wrong_shape.status),
        "{}",
        wrong_shape.body
    );
    assert!(cards(&g.ana, &bid).await.is_empty(), "nothing was made");
    assert_eq!(balance(&g.ana, &g.currency).await, "0.00");

    // A change with one bad part changes nothing.
    let c = id(&card(
        &g.ana,
        &bid,
        json!({"title": "Good", "fields": {"points": 3}}),
    )
    .await);
    g.ana
        .patch(
            &format!("/api/v1/cards/{c}"),
            &json!({"title": "Changed", "column": "Done", "fields": {"points": "x"}}),
        )
        .await
        .problem(422);
    g.ana
        .patch(&format!("/api/v1/cards/{c}"), &json!({"position": -1}))
        .await
        .problem(422);
    // A bounty added later that the ledger refuses undoes the whole change.
    let dear = g
        .ana
        .patch(
            &format!("/api/v1/cards/{c}"),
            &json!({"title": "Changed", "labels": ["x"], "bounty": {"currency": "HOURS", "amount": "50"}}),
        )
        .await;
    assert!((400..500).contains(&dear.status), "{}", dear.body);
    assert_eq!(balance(&g.ana, &g.currency).await, "0.00");
    let same = g.ana.get(&format!("/api/v1/cards/{c}")).await;
    assert_eq!(same.json["title"], "Good");
    assert_eq!(same.json["labels"], json!([]));
    assert_eq!(same.json["bounty"], Value::Null);
    assert_eq!(same.json["column"]["name"], "To do");
    for bad in [
        json!({"name": "x", "columns": []}),
        json!({"name": "x", "columns": ["A", "a"]}),
        json!({"name": "x", "columns": [{"name": "A", "done": true}, {"name": "B", "done": true}]}),
        json!({"name": "x", "fields": [{"name": "Size", "type": "choice"}]}),
        json!({"name": "x", "fields": [{"name": "Size", "type": "colour"}]}),
    ] {
        let reply = g.ana.post("/api/v1/groups/garden/boards", &bad).await;
        assert!((400..500).contains(&reply.status), "{bad}: {}", reply.body);
    }
    g.ana.get("/api/v1/boards/not-an-id").await.problem(404);
    g.ana
        .patch("/api/v1/cards/not-an-id", &json!({}))
        .await
        .problem(404);
}

async fn assignees_hear_of_their_cards_and_their_due_dates(backend: Backend) {
    let server = TestServer::start(backend).await;
    let g = garden(&server).await;
    let bid = id(&board(&g.ana, json!({"name": "Rota"})).await);
    let due = kernel::Clock::now(&server.clock)
        .plus_seconds(3 * 86_400)
        .to_rfc3339();
    let c = id(&card(
        &g.ana,
        &bid,
        json!({"title": "Water the beds", "assignees": ["bo"], "due": due}),
    )
    .await);
    let heard = |who: Client, reason: &'static str| async move {
        for _ in 0..100 {
            let inbox = who.get("/api/v1/notifications").await;
            if inbox.json["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["reason"] == reason)
            {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        false
    };
    assert!(
        heard(g.bo.clone(), "assigned").await,
        "bo hears he was assigned"
    );
    // cy is added; bo is not told again.
    g.ana
        .patch(
            &format!("/api/v1/cards/{c}"),
            &json!({"assignees": ["bo", "cy"]}),
        )
        .await;
    assert!(heard(g.cy.clone(), "assigned").await);
    let bo_assigned = g.bo.get("/api/v1/notifications").await.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["reason"] == "assigned")
        .count();
    assert_eq!(bo_assigned, 1);

    // My tasks: across groups, soonest due first, done ones only when asked.
    let other = id(&board(&g.bo, json!({"name": "Bo's"})).await);
    card(
        &g.bo,
        &other,
        json!({"title": "Someday", "assignees": ["bo"]}),
    )
    .await;
    let mine = g.bo.get("/api/v1/me/tasks").await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    let titles: Vec<&str> = mine
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Water the beds", "Someday"]);
    assert_eq!(mine.json[0]["board_name"], "Rota");
    assert_eq!(mine.json[0]["group_handle"], "garden");

    server.clock.advance_seconds(2 * 86_400 + 60);
    assert!(
        heard(g.bo.clone(), "task_due_soon").await,
        "due soon, a day before"
    );
    assert!(!heard_now(&g.bo, "task_overdue").await);
    server.clock.advance_seconds(86_400);
    assert!(heard(g.cy.clone(), "task_overdue").await, "then overdue");
    let late = g.ana.get(&format!("/api/v1/cards/{c}")).await;
    assert_eq!(late.json["overdue"], true);
    // Done: not overdue, and gone from my tasks.
    g.bo.patch(&format!("/api/v1/cards/{c}"), &json!({"column": "Done"}))
        .await;
    let late = g.ana.get(&format!("/api/v1/cards/{c}")).await;
    assert_eq!(late.json["overdue"], false);
    let mine = g.bo.get("/api/v1/me/tasks").await;
    assert_eq!(mine.json.as_array().unwrap().len(), 1);
    let all = g.bo.get("/api/v1/me/tasks?done=true").await;
    assert_eq!(all.json.as_array().unwrap().len(), 2);
    // A stranger's tasks are their own: none here.
    let stranger = server.account("zed").await;
    assert_eq!(stranger.get("/api/v1/me/tasks").await.json, json!([]));
}

async fn strangers_narrow_tokens_and_roles_get_only_what_they_hold(backend: Backend) {
    let server = TestServer::start(backend).await;
    let g = garden(&server).await;
    let bid = id(&board(&g.ana, json!({"name": "Shed"})).await);
    let cid = id(&card(&g.ana, &bid, json!({"title": "Paint"})).await);

    // A secret group's board is not there for a stranger.
    let secret = g
        .ana
        .post(
            "/api/v1/groups",
            &json!({"handle": "den", "name": "Den", "visibility": "secret", "join_policy": "invite"}),
        )
        .await;
    assert_eq!(secret.status, 201);
    g.ana
        .put("/api/v1/groups/den/tools/tasks", &json!({}))
        .await;
    let hidden = g
        .ana
        .post("/api/v1/groups/den/boards", &json!({"name": "Plans"}))
        .await;
    let hidden_card = card(&g.ana, &id(&hidden.json), json!({"title": "Plot"})).await;
    let zed = server.account("zed").await;
    for path in [
        format!("/api/v1/boards/{}", id(&hidden.json)),
        format!("/api/v1/boards/{}/cards", id(&hidden.json)),
        format!("/api/v1/cards/{}", id(&hidden_card)),
        "/api/v1/groups/den/boards".to_string(),
    ] {
        zed.get(&path).await.problem(404);
        server.client().get(&path).await.problem(404);
    }
    zed.patch(
        &format!("/api/v1/cards/{}", id(&hidden_card)),
        &json!({"title": "Mine"}),
    )
    .await
    .problem(404);
    zed.delete(&format!("/api/v1/cards/{}", id(&hidden_card)))
        .await
        .problem(404);
    // A public group's board is read by anyone, changed by members only.
    assert_eq!(
        zed.get(&format!("/api/v1/boards/{bid}/cards")).await.status,
        200
    );
    zed.post(
        &format!("/api/v1/boards/{bid}/cards"),
        &json!({"title": "Spam"}),
    )
    .await
    .problem(403);
    zed.patch(&format!("/api/v1/cards/{cid}"), &json!({"column": "Done"}))
        .await
        .problem(403);
    // A member deletes only their own cards; a role with tool:tasks:manage any.
    g.bo.delete(&format!("/api/v1/cards/{cid}"))
        .await
        .problem(403);
    let made = g
        .ana
        .post(
            "/api/v1/groups/garden/roles",
            &json!({"name": "steward", "permissions": ["post", "tool:tasks:manage", "tool:tasks:review"]}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let watcher = g
        .ana
        .post(
            "/api/v1/groups/garden/roles",
            &json!({"name": "watcher", "permissions": []}),
        )
        .await;
    assert_eq!(watcher.status, 201, "{}", watcher.body);
    g.ana
        .patch(
            "/api/v1/groups/garden/members/cy",
            &json!({"role": "steward"}),
        )
        .await;
    g.ana
        .patch(
            "/api/v1/groups/garden/members/bo",
            &json!({"role": "watcher"}),
        )
        .await;
    // Watchers read but do not take part.
    assert_eq!(g.bo.get(&format!("/api/v1/cards/{cid}")).await.status, 200);
    g.bo.post(
        &format!("/api/v1/boards/{bid}/cards"),
        &json!({"title": "x"}),
    )
    .await
    .problem(403);
    g.bo.post("/api/v1/groups/garden/boards", &json!({"name": "x"}))
        .await
        .problem(403);
    let renamed =
        g.cy.patch(
            &format!("/api/v1/boards/{bid}"),
            &json!({"name": "Cy's now"}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    // Stewards review bounties too.
    let paid = card(
        &g.ana,
        &bid,
        json!({"title": "Paid", "assignees": ["ana"], "bounty": {"currency": "HOURS", "amount": 2}}),
    )
    .await;
    let reviewed =
        g.cy.patch(
            &format!("/api/v1/cards/{}", id(&paid)),
            &json!({"column": "Done"}),
        )
        .await;
    assert_eq!(reviewed.status, 200, "{}", reviewed.body);
    assert_eq!(reviewed.json["bounty"]["state"], "paid");
    let gone = g.cy.delete(&format!("/api/v1/cards/{cid}")).await;
    assert_eq!(gone.status, 204, "{}", gone.body);

    // Tokens: tasks:read reads and does nothing else; tasks:write acts but spends no money;
    // a token for another group is a stranger here.
    let token = |scopes: Value, group: Option<&'static str>| {
        let ana = g.ana.clone();
        let server_client = server.client();
        async move {
            let mut body = json!({"name": "t", "scopes": scopes});
            if let Some(group) = group {
                body["group"] = json!(group);
            }
            let made = ana.post("/api/v1/tokens", &body).await;
            assert_eq!(made.status, 201, "{}", made.body);
            server_client.with_token(made.json["token"].as_str().unwrap())
        }
    };
    let reader = token(json!(["tasks:read"]), None).await;
    assert_eq!(
        reader
            .get(&format!("/api/v1/boards/{bid}/cards"))
            .await
            .status,
        200
    );
    assert_eq!(reader.get("/api/v1/me/tasks").await.status, 200);
    reader
        .post(
            &format!("/api/v1/boards/{bid}/cards"),
            &json!({"title": "x"}),
        )
        .await
        .problem(403);
    let writer = token(json!(["tasks:write"]), None).await;
    let made = writer
        .post(
            &format!("/api/v1/boards/{bid}/cards"),
            &json!({"title": "By token"}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let before = balance(&g.ana, &g.currency).await;
    let spend = writer
        .post(
            &format!("/api/v1/boards/{bid}/cards"),
            &json!({"title": "Bounty by token", "bounty": {"currency": "HOURS", "amount": 1}}),
        )
        .await;
    spend.problem(403);
    assert_eq!(balance(&g.ana, &g.currency).await, before);
    assert!(
        !cards(&g.ana, &bid)
            .await
            .iter()
            .any(|c| c["title"] == "Bounty by token")
    );
    // Tokens that may not read the board hear that it is not there, or that they may not.
    let other_tool = token(json!(["decide:write"]), None).await;
    let refused = other_tool
        .post(
            &format!("/api/v1/boards/{bid}/cards"),
            &json!({"title": "x"}),
        )
        .await;
    assert!([403, 404].contains(&refused.status), "{}", refused.body);
    other_tool.get("/api/v1/me/tasks").await.problem(403);
    let den_only = token(json!(["read", "write"]), Some("den")).await;
    let refused = den_only
        .post(
            &format!("/api/v1/boards/{bid}/cards"),
            &json!({"title": "x"}),
        )
        .await;
    assert!([403, 404].contains(&refused.status), "{}", refused.body);
    assert_eq!(
        cards(&g.ana, &bid)
            .await
            .iter()
            .filter(|c| c["title"] == "x")
            .count(),
        0
    );

    // A group that turns tasks off has no boards.
    let off = g.ana.delete("/api/v1/groups/garden/tools/tasks").await;
    assert_eq!(off.status, 204, "{}", off.body);
    g.ana
        .get(&format!("/api/v1/boards/{bid}"))
        .await
        .problem(404);
    g.ana.get("/api/v1/groups/garden/boards").await.problem(404);
}

async fn a_bounty_left_between_two_steps_is_finished_at_start(backend: Backend) {
    let server = TestServer::start(backend).await;
    let g = garden(&server).await;
    let bid = id(&board(&g.ana, json!({"name": "Crash"})).await);
    let held = card(
        &g.ana,
        &bid,
        json!({"title": "Held", "assignees": ["bo"], "bounty": {"currency": "HOURS", "amount": 3}}),
    )
    .await;
    let paying = card(
        &g.ana,
        &bid,
        json!({"title": "Paying", "assignees": ["cy"], "bounty": {"currency": "HOURS", "amount": 2}}),
    )
    .await;
    assert_eq!(balance(&g.ana, &g.currency).await, "-5.00");
    // As if the process stopped after writing the step and before the ledger answered:
    // one card being deleted, one being paid, one made but not yet escrowed.
    let set = |card: String, state: &'static str| {
        let kernel = server.kernel.clone();
        async move {
            let mut tx = kernel.db.begin().await.unwrap();
            tx.execute(
                sea_query::Query::update()
                    .table(sea_query::Alias::new("task_cards"))
                    .value(sea_query::Alias::new("bounty_state"), state)
                    .and_where(
                        sea_query::Expr::col(sea_query::Alias::new("id"))
                            .eq(card.parse::<uuid::Uuid>().unwrap()),
                    ),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
    };
    set(id(&held), "refunding").await;
    set(id(&paying), "paying").await;
    let never = card(&g.ana, &bid, json!({"title": "Never escrowed"})).await;
    // A bounty recorded on the card without the ledger ever being asked.
    {
        let mut tx = server.kernel.db.begin().await.unwrap();
        tx.execute(
            sea_query::Query::update()
                .table(sea_query::Alias::new("task_cards"))
                .value(sea_query::Alias::new("bounty_state"), "escrowing")
                .value(
                    sea_query::Alias::new("bounty_currency"),
                    g.currency.parse::<uuid::Uuid>().unwrap(),
                )
                .value(sea_query::Alias::new("bounty_amount"), 100)
                .and_where(
                    sea_query::Expr::col(sea_query::Alias::new("id"))
                        .eq(id(&never).parse::<uuid::Uuid>().unwrap()),
                ),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let ledger = ::ledger::Ledger::start(server.kernel.clone());
    tasks::finish_bounties(&ledger).await.unwrap();
    // Twice is the same as once.
    tasks::finish_bounties(&ledger).await.unwrap();
    assert_eq!(
        balance(&g.ana, &g.currency).await,
        "-2.00",
        "the deleted card's 3 came back"
    );
    assert_eq!(
        balance(&g.cy, &g.currency).await,
        "2.00",
        "the paying card paid, once"
    );
    g.ana
        .get(&format!("/api/v1/cards/{}", id(&held)))
        .await
        .problem(404);
    g.ana
        .get(&format!("/api/v1/cards/{}", id(&never)))
        .await
        .problem(404);
    let paid = g.ana.get(&format!("/api/v1/cards/{}", id(&paying))).await;
    assert_eq!(paid.json["bounty"]["state"], "paid");
}

async fn cards_take_comments_with_mentions_and_files(backend: Backend) {
    let server = TestServer::start(backend).await;
    let g = garden(&server).await;
    let bid = id(&board(&g.ana, json!({"name": "Talk"})).await);
    let cid = id(&card(&g.ana, &bid, json!({"title": "Paint the door"})).await);
    let said =
        g.bo.post(
            "/api/v1/comments",
            &json!({"subject_type": "card", "subject_id": cid, "body": "Blue? @cy"}),
        )
        .await;
    assert_eq!(said.status, 201, "{}", said.body);
    assert!(
        heard_now(&g.cy, "mention").await || {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            heard_now(&g.cy, "mention").await
        }
    );
    let listed = server
        .client()
        .get(&format!(
            "/api/v1/comments?subject_type=card&subject_id={cid}"
        ))
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.json["items"][0]["body"], "Blue? @cy");
    let png: Vec<u8> = [
        &[0x89u8, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a][..],
        &[0u8; 32][..],
    ]
    .concat();
    let up =
        g.bo.post_raw(
            &format!("/api/v1/files?subject_type=card&subject_id={cid}&name=door.png"),
            "image/png",
            png,
        )
        .await;
    assert_eq!(up.status, 201, "{}", up.body);
    let files = g
        .ana
        .get(&format!("/api/v1/files?subject_type=card&subject_id={cid}"))
        .await;
    assert_eq!(files.status, 200, "{}", files.body);
    assert!(files.body.contains("door.png"));
    // A stranger cannot comment on a card in a group they are not in.
    let zed = server.account("zed").await;
    zed.post(
        "/api/v1/comments",
        &json!({"subject_type": "card", "subject_id": cid, "body": "spam"}),
    )
    .await
    .problem(403);
}

async fn a_board_read_again_is_unchanged_until_something_changes_it(backend: Backend) {
    let server = TestServer::start(backend).await;
    let g = garden(&server).await;
    let bid = id(&board(&g.ana, json!({"name": "Kept"})).await);
    let due = kernel::Clock::now(&server.clock)
        .plus_seconds(3600)
        .to_rfc3339();
    let c = id(&card(
        &g.ana,
        &bid,
        json!({"title": "Soon", "due": due, "assignees": ["bo"]}),
    )
    .await);
    let path = format!("/api/v1/boards/{bid}/cards");
    let first = g.bo.get(&path).await;
    assert_eq!(first.status, 200);
    let tag = first.headers["etag"].to_str().unwrap().to_string();
    let again =
        g.bo.send(
            g.bo.request(reqwest::Method::GET, &path)
                .header("if-none-match", &tag),
        )
        .await;
    assert_eq!(again.status, 304, "{}", again.body);
    // Anyone's change is seen at once: a move, a rename of the column, a new assignee.
    g.cy.patch(&format!("/api/v1/cards/{c}"), &json!({"column": "Doing"}))
        .await;
    let moved =
        g.bo.send(
            g.bo.request(reqwest::Method::GET, &path)
                .header("if-none-match", &tag),
        )
        .await;
    assert_eq!(moved.status, 200);
    assert_eq!(moved.json[0]["column"]["name"], "Doing");
    let columns = g.ana.get(&format!("/api/v1/boards/{bid}")).await.json["columns"].clone();
    let renamed: Vec<Value> = columns
        .as_array()
        .unwrap()
        .iter()
        .map(|c| json!({"id": c["id"], "name": if c["name"] == "Doing" { json!("Busy") } else { c["name"].clone() }}))
        .collect();
    let changed = g
        .ana
        .patch(
            &format!("/api/v1/boards/{bid}"),
            &json!({"columns": renamed}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(cards(&g.bo, &bid).await[0]["column"]["name"], "Busy");
    assert_eq!(cards(&g.bo, &bid).await[0]["overdue"], false);
    // Time alone changes it too: past its due time the card is overdue.
    server.clock.advance_seconds(3601);
    let late = cards(&g.bo, &bid).await;
    assert_eq!(late[0]["overdue"], true);
    // The page shows the same.
    let page = g.bo.get(&format!("/groups/garden/tasks/{bid}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Busy") && page.body.contains("overdue"),
        "{}",
        page.body
    );
}
