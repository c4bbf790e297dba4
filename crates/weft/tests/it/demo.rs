//! `weft demo` fills an empty database with a community a newcomer can log into.

use serde_json::json;
use testkit::{Backend, TestServer, both};

both!(the_demo_community_can_be_logged_into);

async fn the_demo_community_can_be_logged_into(backend: Backend) {
    let server = TestServer::start(backend).await;
    let handles = weft::demo::fill(&server.kernel).await.unwrap();
    assert_eq!(handles.len(), 12);
    assert!(
        weft::demo::fill(&server.kernel).await.is_err(),
        "only an empty database is filled"
    );

    let login = server
        .client()
        .post(
            "/api/v1/sessions",
            &json!({"handle": "bruno", "password": weft::demo::PASSWORD}),
        )
        .await;
    assert_eq!(login.status, 201, "{}", login.body);
    let bruno = server
        .client()
        .with_token(login.json["token"].as_str().unwrap());
    let network = bruno.get("/api/v1/groups/riverside").await;
    assert_eq!(network.json["your_role"], "admin");
    assert_eq!(
        network.json["member_count"], 9,
        "amara and eight approved neighbours"
    );
    let subgroups = bruno.get("/api/v1/groups/riverside/subgroups").await;
    let names: Vec<&str> = subgroups.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["handle"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["foodcoop", "garden", "stewards"],
        "bruno is a steward, so he sees it"
    );
    assert_eq!(
        server.client().get("/api/v1/groups/stewards").await.status,
        404
    );
    let pending = bruno.get("/api/v1/groups/riverside/join-requests").await;
    assert_eq!(pending.json["items"][0]["account"]["handle"], "jonas");
}
