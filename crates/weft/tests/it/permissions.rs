//! The permission matrix: every endpoint, as anonymous, outsider, member, admin and owner, on
//! a public, a listed and a secret group. It fails when the API gains an endpoint that has no
//! row here.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use testkit::{Backend, Client, TestServer, both};

both!(every_endpoint_answers_each_kind_of_caller_as_the_policy_says);

/// Answers for [anonymous, outsider, member, admin, owner] on [public, listed, secret].
type ByGroup = [[u16; 5]; 3];

/// The usual answers of a management action that the allowed roles pass (their answer given),
/// and that others are refused: 401 anonymous, 403 outsiders (404 for a secret group).
fn managed(member: u16, admin: u16, owner: u16) -> ByGroup {
    [
        [401, 403, member, admin, owner],
        [401, 403, member, admin, owner],
        [401, 404, member, admin, owner],
    ]
}

/// Reading content: anyone on a public group; members on listed and secret ones.
const READ: ByGroup = [
    [200, 200, 200, 200, 200],
    [401, 403, 200, 200, 200],
    [404, 404, 200, 200, 200],
];

enum Expect {
    Group(ByGroup),
    /// [anonymous, signed in], for endpoints about the caller, not a group.
    Person([u16; 2]),
}

struct Row {
    method: &'static str,
    /// The path as the OpenAPI document writes it.
    spec: &'static str,
    /// The path requested: `{g}` is the group, `{inv}` a revoked invitation, `{jr}` a decided
    /// join request, `{uuid}` an id nobody has.
    url: &'static str,
    body: Option<Value>,
    expect: Expect,
}

fn rows() -> Vec<Row> {
    use Expect::*;
    let row = |method, spec, url, body: Option<Value>, expect| Row {
        method,
        spec,
        url,
        body,
        expect,
    };
    vec![
        row(
            "GET",
            "/api/v1/groups/{group}/activities",
            "/api/v1/groups/{g}/activities",
            None,
            Group(READ),
        ),
        row(
            "GET",
            "/api/v1/notifications",
            "/api/v1/notifications",
            None,
            Person([401, 200]),
        ),
        // Filtering by a group is for its members.
        row(
            "GET",
            "/api/v1/notifications",
            "/api/v1/notifications?group={g}",
            None,
            Group([
                [401, 422, 200, 200, 200],
                [401, 422, 200, 200, 200],
                [401, 422, 200, 200, 200],
            ]),
        ),
        row(
            "GET",
            "/api/v1/notifications/counts",
            "/api/v1/notifications/counts",
            None,
            Person([401, 200]),
        ),
        row(
            "POST",
            "/api/v1/notifications/read",
            "/api/v1/notifications/read",
            Some(json!({"all": true})),
            Person([401, 200]),
        ),
        row(
            "GET",
            "/api/v1/notifications/settings",
            "/api/v1/notifications/settings",
            None,
            Person([401, 200]),
        ),
        row(
            "PATCH",
            "/api/v1/notifications/settings",
            "/api/v1/notifications/settings",
            Some(json!({"daily_digest": true})),
            Person([401, 200]),
        ),
        // The ledger. Outsiders do not learn a currency or account exists (404); a payment
        // from an account one cannot see names its `from` (422).
        row(
            "GET",
            "/api/v1/groups/{group}/currencies",
            "/api/v1/groups/{g}/currencies",
            None,
            Group(managed(200, 200, 200)),
        ),
        row(
            "POST",
            "/api/v1/groups/{group}/currencies",
            "/api/v1/groups/{g}/currencies",
            Some(json!({"code": "NEW", "name": "New", "kind": "tracked", "scale": 0})),
            Group(managed(403, 201, 409)),
        ),
        row(
            "GET",
            "/api/v1/currencies/{id}",
            "/api/v1/currencies/{cur}",
            None,
            Group([[401, 404, 200, 200, 200]; 3]),
        ),
        // The member has an account already; admin and owner open their own.
        row(
            "POST",
            "/api/v1/currencies/{id}/accounts",
            "/api/v1/currencies/{cur}/accounts",
            Some(json!({})),
            Group([[401, 404, 409, 201, 201]; 3]),
        ),
        row(
            "GET",
            "/api/v1/currencies/{id}/accounts",
            "/api/v1/currencies/{cur}/accounts",
            None,
            Group([[401, 404, 200, 200, 200]; 3]),
        ),
        row(
            "GET",
            "/api/v1/currencies/{id}/transfers",
            "/api/v1/currencies/{cur}/transfers",
            None,
            Group([[401, 404, 403, 200, 200]; 3]),
        ),
        row(
            "GET",
            "/api/v1/currencies/{id}/verify",
            "/api/v1/currencies/{cur}/verify",
            None,
            Group([[401, 404, 200, 200, 200]; 3]),
        ),
        row(
            "GET",
            "/api/v1/ledger-accounts/{id}",
            "/api/v1/ledger-accounts/{acct}",
            None,
            Group([[401, 404, 200, 200, 200]; 3]),
        ),
        row(
            "PATCH",
            "/api/v1/ledger-accounts/{id}",
            "/api/v1/ledger-accounts/{acct}",
            Some(json!({"floor": "-5"})),
            Group([[401, 404, 403, 200, 200]; 3]),
        ),
        row(
            "GET",
            "/api/v1/ledger-accounts/{id}/statement",
            "/api/v1/ledger-accounts/{acct}/statement",
            None,
            Group([[401, 404, 200, 200, 200]; 3]),
        ),
        row(
            "GET",
            "/api/v1/me/ledger-accounts",
            "/api/v1/me/ledger-accounts",
            None,
            Person([401, 200]),
        ),
        // Only the owner pays from a person's account, even if admins may read it.
        row(
            "POST",
            "/api/v1/transfers",
            "/api/v1/transfers",
            Some(json!({"from": "{acct}", "to": "{pool}", "amount": "1"})),
            Group([[401, 422, 201, 403, 403]; 3]),
        ),
        // The group's own accounts are spent by who manages its money.
        row(
            "POST",
            "/api/v1/transfer-batches",
            "/api/v1/transfer-batches",
            Some(json!({"legs": [{"from": "{pool}", "to": "{acct}", "amount": "1"}]})),
            Group([[401, 422, 403, 201, 201]; 3]),
        ),
        row(
            "GET",
            "/api/v1/transfers/{id}",
            "/api/v1/transfers/{tr}",
            None,
            Group([[401, 404, 200, 200, 200]; 3]),
        ),
        // The transfer was posted at once: who may end it hears 409, who may not 403.
        row(
            "POST",
            "/api/v1/transfers/{id}/post",
            "/api/v1/transfers/{tr}/post",
            Some(json!({})),
            Group([[401, 404, 403, 409, 409]; 3]),
        ),
        // The receiver may void (refuse) a pending transfer.
        row(
            "POST",
            "/api/v1/transfers/{id}/void",
            "/api/v1/transfers/{tr}/void",
            None,
            Group([[401, 404, 409, 409, 409]; 3]),
        ),
        // Outside tools: anyone signed in registers one; only who did manages it.
        row(
            "POST",
            "/api/v1/tools",
            "/api/v1/tools",
            Some(json!({"name": "A tool", "home_url": "https://tool.example"})),
            Person([401, 201]),
        ),
        row(
            "GET",
            "/api/v1/tools/{tool}/registration",
            "/api/v1/tools/fixture_tool/registration",
            None,
            Person([401, 403]),
        ),
        row(
            "PATCH",
            "/api/v1/tools/{tool}/registration",
            "/api/v1/tools/fixture_tool/registration",
            Some(json!({"id_token_signed_response_alg": "EdDSA"})),
            Person([401, 403]),
        ),
        // The server's signing keys: its administrators only.
        row(
            "GET",
            "/api/v1/oidc/keys",
            "/api/v1/oidc/keys",
            None,
            Person([401, 403]),
        ),
        row(
            "POST",
            "/api/v1/oidc/keys/rotate",
            "/api/v1/oidc/keys/rotate",
            None,
            Person([401, 403]),
        ),
        row(
            "POST",
            "/api/v1/tools/{tool}/secret",
            "/api/v1/tools/fixture_tool/secret",
            None,
            Person([401, 403]),
        ),
        // Activities in: who may post in the group.
        row(
            "POST",
            "/api/v1/groups/{group}/activities",
            "/api/v1/groups/{g}/activities",
            Some(json!({"type": "Create", "summary": "something happened",
                        "object": {"type": "Note", "id": "https://tool.example/n/1"}})),
            Group(managed(201, 201, 201)),
        ),
        // Webhooks: who manages the group's tools.
        row(
            "GET",
            "/api/v1/groups/{group}/webhooks",
            "/api/v1/groups/{g}/webhooks",
            None,
            Group(managed(403, 200, 200)),
        ),
        row(
            "POST",
            "/api/v1/groups/{group}/webhooks",
            "/api/v1/groups/{g}/webhooks",
            Some(json!({"url": "http://127.0.0.1:9/hook", "events": ["Update"]})),
            Group(managed(403, 201, 201)),
        ),
        row(
            "GET",
            "/api/v1/webhooks/{id}/deliveries",
            "/api/v1/webhooks/{hook}/deliveries",
            None,
            Group([[401, 404, 404, 200, 200]; 3]),
        ),
        // A delivery nobody has: who may manage the endpoint hears 404 like everyone else.
        row(
            "POST",
            "/api/v1/webhooks/{id}/deliveries/{delivery}/replay",
            "/api/v1/webhooks/{hook}/deliveries/{uuid}/replay",
            None,
            Group([[401, 404, 404, 404, 404]; 3]),
        ),
        row(
            "DELETE",
            "/api/v1/webhooks/{id}",
            "/api/v1/webhooks/{uuid}",
            None,
            Person([401, 404]),
        ),
        // A stream never ends, so the signed-in case sends a position that is not one: the
        // answer (400) shows the caller got past authentication.
        row(
            "GET",
            "/api/v1/stream",
            "/api/v1/stream?probe",
            None,
            Person([401, 400]),
        ),
        row(
            "POST",
            "/api/v1/accounts",
            "/api/v1/accounts",
            Some(json!({"handle": "x"})),
            Person([422, 422]),
        ),
        row(
            "GET",
            "/api/v1/accounts/{account}",
            "/api/v1/accounts/own",
            None,
            Person([200, 200]),
        ),
        row(
            "POST",
            "/api/v1/sessions",
            "/api/v1/sessions",
            Some(json!({})),
            Person([422, 422]),
        ),
        row(
            "GET",
            "/api/v1/sessions",
            "/api/v1/sessions",
            None,
            Person([401, 200]),
        ),
        row(
            "DELETE",
            "/api/v1/sessions/current",
            "/api/v1/sessions/current",
            None,
            Person([401, 204]),
        ),
        row(
            "DELETE",
            "/api/v1/sessions/{id}",
            "/api/v1/sessions/{uuid}",
            None,
            Person([401, 404]),
        ),
        row("GET", "/api/v1/me", "/api/v1/me", None, Person([401, 200])),
        row(
            "PATCH",
            "/api/v1/me",
            "/api/v1/me",
            Some(json!({})),
            Person([401, 200]),
        ),
        row(
            "POST",
            "/api/v1/password-resets",
            "/api/v1/password-resets",
            Some(json!({})),
            Person([422, 422]),
        ),
        row(
            "POST",
            "/api/v1/password-resets/{token}",
            "/api/v1/password-resets/weft_rst_x",
            Some(json!({})),
            Person([422, 422]),
        ),
        row(
            "GET",
            "/api/v1/tokens",
            "/api/v1/tokens",
            None,
            Person([401, 200]),
        ),
        row(
            "POST",
            "/api/v1/tokens",
            "/api/v1/tokens",
            Some(json!({})),
            Person([401, 422]),
        ),
        row(
            "DELETE",
            "/api/v1/tokens/{id}",
            "/api/v1/tokens/{uuid}",
            None,
            Person([401, 404]),
        ),
        row(
            "GET",
            "/api/v1/groups",
            "/api/v1/groups",
            None,
            Person([200, 200]),
        ),
        row(
            "POST",
            "/api/v1/groups",
            "/api/v1/groups",
            Some(json!({})),
            Person([401, 422]),
        ),
        row(
            "GET",
            "/api/v1/tools",
            "/api/v1/tools",
            None,
            Person([200, 200]),
        ),
        row(
            "GET",
            "/api/v1/groups/{group}",
            "/api/v1/groups/{g}",
            None,
            Group([[200; 5], [200; 5], [404, 404, 200, 200, 200]]),
        ),
        row(
            "PATCH",
            "/api/v1/groups/{group}",
            "/api/v1/groups/{g}",
            Some(json!({"name": ""})),
            Group(managed(403, 422, 422)),
        ),
        row(
            "DELETE",
            "/api/v1/groups/{group}",
            "/api/v1/groups/{g}",
            None,
            Group(managed(403, 403, 422)),
        ),
        row(
            "GET",
            "/api/v1/groups/{group}/subgroups",
            "/api/v1/groups/{g}/subgroups",
            None,
            Group(READ),
        ),
        row(
            "GET",
            "/api/v1/groups/{group}/members",
            "/api/v1/groups/{g}/members",
            None,
            Group(READ),
        ),
        row(
            "POST",
            "/api/v1/groups/{group}/members",
            "/api/v1/groups/{g}/members",
            Some(json!({})),
            Group(managed(409, 409, 409)),
        ),
        row(
            "PATCH",
            "/api/v1/groups/{group}/members/{account}",
            "/api/v1/groups/{g}/members/mem",
            Some(json!({"role": "no_such_role"})),
            Group(managed(403, 422, 422)),
        ),
        row(
            "DELETE",
            "/api/v1/groups/{group}/members/{account}",
            "/api/v1/groups/{g}/members/req",
            None,
            Group(managed(403, 404, 404)),
        ),
        row(
            "POST",
            "/api/v1/groups/{group}/owner",
            "/api/v1/groups/{g}/owner",
            Some(json!({"account": "out"})),
            Group(managed(403, 403, 422)),
        ),
        row(
            "GET",
            "/api/v1/groups/{group}/roles",
            "/api/v1/groups/{g}/roles",
            None,
            Group(READ),
        ),
        row(
            "POST",
            "/api/v1/groups/{group}/roles",
            "/api/v1/groups/{g}/roles",
            Some(json!({"name": "admin", "permissions": []})),
            Group(managed(403, 422, 422)),
        ),
        row(
            "PATCH",
            "/api/v1/groups/{group}/roles/{role}",
            "/api/v1/groups/{g}/roles/helper",
            Some(json!({"name": "Bad Name"})),
            Group(managed(403, 422, 422)),
        ),
        row(
            "DELETE",
            "/api/v1/groups/{group}/roles/{role}",
            "/api/v1/groups/{g}/roles/ghost",
            None,
            Group(managed(403, 404, 404)),
        ),
        row(
            "POST",
            "/api/v1/groups/{group}/invitations",
            "/api/v1/groups/{g}/invitations",
            Some(json!({"role": "owner"})),
            Group(managed(403, 422, 422)),
        ),
        row(
            "GET",
            "/api/v1/groups/{group}/invitations",
            "/api/v1/groups/{g}/invitations",
            None,
            Group(managed(403, 200, 200)),
        ),
        row(
            "GET",
            "/api/v1/groups/{group}/join-requests",
            "/api/v1/groups/{g}/join-requests",
            None,
            Group(managed(403, 200, 200)),
        ),
        row(
            "GET",
            "/api/v1/groups/{group}/tools",
            "/api/v1/groups/{g}/tools",
            None,
            Group(READ),
        ),
        row(
            "PUT",
            "/api/v1/groups/{group}/tools/{tool}",
            "/api/v1/groups/{g}/tools/notes",
            Some(json!({})),
            Group(managed(403, 204, 204)),
        ),
        row(
            "DELETE",
            "/api/v1/groups/{group}/tools/{tool}",
            "/api/v1/groups/{g}/tools/polls",
            None,
            Group(managed(403, 204, 204)),
        ),
        row(
            "GET",
            "/api/v1/invitations/{id}",
            "/api/v1/invitations/{inv}",
            None,
            Group([[200; 5], [200; 5], [200; 5]]),
        ),
        row(
            "DELETE",
            "/api/v1/invitations/{id}",
            "/api/v1/invitations/{inv}",
            None,
            Group(managed(403, 204, 204)),
        ),
        row(
            "POST",
            "/api/v1/invitations/{id}/accept",
            "/api/v1/invitations/{inv}/accept",
            Some(json!({})),
            Group([[401, 410, 410, 410, 410]; 3]),
        ),
        row(
            "POST",
            "/api/v1/invitations/{id}/decline",
            "/api/v1/invitations/{inv}/decline",
            Some(json!({})),
            Group([[401, 410, 410, 410, 410]; 3]),
        ),
        row(
            "POST",
            "/api/v1/join-requests/{id}/approve",
            "/api/v1/join-requests/{jr}/approve",
            Some(json!({})),
            Group([[401, 404, 403, 410, 410]; 3]),
        ),
        row(
            "POST",
            "/api/v1/join-requests/{id}/reject",
            "/api/v1/join-requests/{jr}/reject",
            Some(json!({})),
            Group([[401, 404, 403, 410, 410]; 3]),
        ),
    ]
}

struct Fixture {
    webhook: String,
    handle: String,
    invitation: String,
    join_request: String,
    /// The group's currency, the member's account in it, a pool of the group, and a
    /// transfer (posted) from the pool to the member.
    currency: String,
    account: String,
    pool: String,
    transfer: String,
}

async fn fixture(server: &TestServer, people: &[Client], visibility: &str) -> Fixture {
    let [_, _, mem, adm, own, req] = people else {
        unreachable!()
    };
    let handle = format!("g_{visibility}");
    let created = own
        .post("/api/v1/groups", &json!({"handle": handle, "name": handle, "visibility": visibility, "join_policy": "request"}))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    for (who, role) in [(mem, "member"), (adm, "admin")] {
        let me = who.get("/api/v1/me").await;
        let inv = own
            .post(
                &format!("/api/v1/groups/{handle}/invitations"),
                &json!({"account": me.json["handle"], "role": role}),
            )
            .await;
        let id = inv.json["id"].as_str().unwrap();
        assert_eq!(
            who.post(&format!("/api/v1/invitations/{id}/accept"), &json!({}))
                .await
                .status,
            201
        );
    }
    own.post(
        &format!("/api/v1/groups/{handle}/roles"),
        &json!({"name": "helper", "permissions": ["post"]}),
    )
    .await;
    let inv = own
        .post(&format!("/api/v1/groups/{handle}/invitations"), &json!({}))
        .await;
    let invitation = inv.json["id"].as_str().unwrap().to_string();
    assert_eq!(
        own.delete(&format!("/api/v1/invitations/{invitation}"))
            .await
            .status,
        204
    );
    // A request to join, already decided (a secret group takes it by a link holder's ask:
    // the request is made while the group is listed, then it goes secret).
    if visibility == "secret" {
        own.patch(
            &format!("/api/v1/groups/{handle}"),
            &json!({"visibility": "listed"}),
        )
        .await;
    }
    let asked = req
        .post(&format!("/api/v1/groups/{handle}/members"), &json!({}))
        .await;
    assert_eq!(asked.status, 202, "{}", asked.body);
    let join_request = asked.json["id"].as_str().unwrap().to_string();
    own.post(
        &format!("/api/v1/join-requests/{join_request}/reject"),
        &json!({}),
    )
    .await;
    own.patch(
        &format!("/api/v1/groups/{handle}"),
        &json!({"visibility": visibility, "join_policy": "invite"}),
    )
    .await;
    let _ = server;
    let currency = own
        .post(
            &format!("/api/v1/groups/{handle}/currencies"),
            &json!({"code": "HRS", "name": "Hours", "kind": "mutual_credit", "scale": 2,
                    "default_floor": "-100"}),
        )
        .await;
    assert_eq!(currency.status, 201, "{}", currency.body);
    let currency = currency.json["id"].as_str().unwrap().to_string();
    let accounts = format!("/api/v1/currencies/{currency}/accounts");
    let account = mem.post(&accounts, &json!({})).await;
    assert_eq!(account.status, 201, "{}", account.body);
    let account = account.json["id"].as_str().unwrap().to_string();
    let pool = own
        .post(
            &accounts,
            &json!({"owner_kind": "pool", "name": "Pool", "floor": null}),
        )
        .await;
    assert_eq!(pool.status, 201, "{}", pool.body);
    let pool = pool.json["id"].as_str().unwrap().to_string();
    let paid = own
        .post(
            "/api/v1/transfers",
            &json!({"from": pool, "to": account, "amount": "1"}),
        )
        .await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    let hook = own
        .post(
            &format!("/api/v1/groups/{handle}/webhooks"),
            &json!({"url": "http://127.0.0.1:9/hook", "events": ["Update"]}),
        )
        .await;
    assert_eq!(hook.status, 201, "{}", hook.body);
    Fixture {
        webhook: hook.json["id"].as_str().unwrap().to_string(),
        handle,
        invitation,
        join_request,
        currency,
        account,
        pool,
        transfer: paid.json["id"].as_str().unwrap().to_string(),
    }
}

async fn every_endpoint_answers_each_kind_of_caller_as_the_policy_says(backend: Backend) {
    let server = TestServer::start(backend).await;
    let mut people = vec![server.client()];
    for handle in ["out", "mem", "adm", "own", "req"] {
        people.push(server.account(handle).await);
    }
    let tool = people[4]
        .post(
            "/api/v1/tools",
            &json!({"name": "Fixture tool", "home_url": "https://tool.example"}),
        )
        .await;
    assert_eq!(tool.status, 201, "{}", tool.body);
    let mut fixtures = Vec::new();
    for visibility in ["public", "listed", "secret"] {
        fixtures.push(fixture(&server, &people, visibility).await);
    }
    let nobody = uuid::Uuid::now_v7().to_string();
    let mut failures = Vec::new();
    let mut fresh = 0;
    for row in rows() {
        let cases: Vec<(usize, usize, u16)> = match &row.expect {
            Expect::Group(by_group) => (0..3)
                .flat_map(|g| (0..5).map(move |who| (g, who, by_group[g][who])))
                .collect(),
            // The signed-in caller of a person's endpoint is a fresh account, so answers
            // that change the caller (logging out) touch nobody else.
            Expect::Person([anonymous, signed_in]) => vec![(0, 0, *anonymous), (0, 5, *signed_in)],
        };
        for (g, who, expected) in cases {
            let f = &fixtures[g];
            let url = row
                .url
                .replace("{g}", &f.handle)
                .replace("{inv}", &f.invitation)
                .replace("{jr}", &f.join_request)
                .replace("{uuid}", &nobody)
                .replace("{cur}", &f.currency)
                .replace("{acct}", &f.account)
                .replace("{pool}", &f.pool)
                .replace("{tr}", &f.transfer)
                .replace("{hook}", &f.webhook);
            let body = row.body.as_ref().map(|b| {
                let text = b
                    .to_string()
                    .replace("{acct}", &f.account)
                    .replace("{pool}", &f.pool);
                serde_json::from_str::<Value>(&text).unwrap()
            });
            let client = if who == 5 {
                fresh += 1;
                server.account(&format!("fresh{fresh}")).await
            } else {
                people[who].clone()
            };
            let method = reqwest::Method::from_bytes(row.method.as_bytes()).unwrap();
            let mut request = client.request(method, &url);
            if url.ends_with("?probe") {
                request = request.header("last-event-id", "not-a-position");
            }
            if let Some(body) = &body {
                request = request.json(body);
            }
            let reply = client.send(request).await;
            if reply.status != expected {
                let who = [
                    "anonymous",
                    "outsider",
                    "member",
                    "admin",
                    "owner",
                    "signed in",
                ][who];
                failures.push(format!(
                    "{} {url} as {who}: expected {expected}, got {} {}",
                    row.method, reply.status, reply.body
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} answers differ:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // Every operation of the API has a row.
    let spec = server.client().get("/api/openapi.json").await;
    let documented: BTreeSet<(String, String)> = spec.json["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let covered: BTreeSet<(String, String)> = rows()
        .iter()
        .map(|r| (r.method.to_string(), r.spec.to_string()))
        .collect();
    let missing: Vec<_> = documented.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "endpoints without a row in the permission matrix: {missing:?}"
    );
}
