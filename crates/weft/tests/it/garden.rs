//! What the stories of the money tools share: a public group `garden` using a tool, with a
//! mutual credit currency `HOURS` and an account for each of its people; a person's balance;
//! and whether someone has been told something.

use serde_json::json;
use testkit::{Client, TestServer};

/// The garden: its people (the first owns it, the others joined), the currency's id and each
/// person's account in it, in the same order.
pub struct Garden {
    pub people: Vec<Client>,
    pub currency: String,
    pub accounts: Vec<String>,
}

/// A public group `garden` owned by the first of `handles`, the others members, with `tool`
/// turned on and a currency `HOURS` (scale 2) of these default limits.
pub async fn garden(
    server: &TestServer,
    tool: &str,
    handles: &[&str],
    floor: &str,
    ceiling: &str,
) -> Garden {
    let mut people = Vec::new();
    for handle in handles {
        people.push(server.account(handle).await);
    }
    let owner = &people[0];
    let made = owner
        .post(
            "/api/v1/groups",
            &json!({"handle": "garden", "name": "Garden", "visibility": "public",
                    "join_policy": "open"}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    for who in &people[1..] {
        let joined = who.post("/api/v1/groups/garden/members", &json!({})).await;
        assert!(joined.status < 300, "{}", joined.body);
    }
    let on = owner
        .put(&format!("/api/v1/groups/garden/tools/{tool}"), &json!({}))
        .await;
    assert_eq!(on.status, 204, "{}", on.body);
    let currency = owner
        .post(
            "/api/v1/groups/garden/currencies",
            &json!({"code": "HOURS", "name": "Hours", "kind": "mutual_credit", "scale": 2,
                    "default_floor": floor, "default_ceiling": ceiling}),
        )
        .await;
    assert_eq!(currency.status, 201, "{}", currency.body);
    let currency = currency.json["id"].as_str().unwrap().to_string();
    let mut accounts = Vec::new();
    for who in &people {
        let opened = who
            .post(
                &format!("/api/v1/currencies/{currency}/accounts"),
                &json!({}),
            )
            .await;
        assert_eq!(opened.status, 201, "{}", opened.body);
        accounts.push(opened.json["id"].as_str().unwrap().to_string());
    }
    Garden {
        people,
        currency,
        accounts,
    }
}

/// The balance of `who`'s own account in the currency (`none` without one).
pub async fn balance(who: &Client, currency: &str) -> String {
    let mine = who.get("/api/v1/me/ledger-accounts").await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    mine.json
        .as_array()
        .or_else(|| mine.json["items"].as_array())
        .unwrap()
        .iter()
        .find(|a| a["currency_id"] == currency)
        .map(|a| a["balance"].as_str().unwrap().to_string())
        .unwrap_or_else(|| "none".into())
}

/// Whether `who` has a notification for `reason` now.
pub async fn heard_now(who: &Client, reason: &str) -> bool {
    who.get("/api/v1/notifications").await.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["reason"] == reason)
}

/// Whether `who` has (within five seconds) a notification for `reason`.
pub async fn heard(who: &Client, reason: &str) -> bool {
    for _ in 0..100 {
        if heard_now(who, reason).await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}
