//! The permission matrix: every endpoint, as anonymous, outsider, member, admin and owner, on
//! a public, a listed and a secret group — and, for each signed-in caller, with every kind of
//! credential: the log-in session, a full personal token (`read write`), a `read` token, a
//! token limited to the group, one limited to another group, an `account`-scoped token, an
//! outside tool's group token and an OpenID Connect access token. Each row states its class
//! (what it reads or changes), and the class says which credentials may pass the policy; a
//! credential that passes where its class says it may not is a leak. It fails when the API
//! gains an endpoint that has no row here, so every later endpoint joins it.

use std::collections::BTreeSet;

use kernel::Clock as _;
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

/// A thing in a group read by id: anyone on a public group; on a listed one an outsider is
/// told it is not there; on a secret one everyone but members.
const POLL_READ: ByGroup = [
    [200, 200, 200, 200, 200],
    [401, 404, 200, 200, 200],
    [404, 404, 200, 200, 200],
];

/// Reading content: anyone on a public group; members on listed and secret ones.
const READ: ByGroup = [
    [200, 200, 200, 200, 200],
    [401, 403, 200, 200, 200],
    [404, 404, 200, 200, 200],
];

/// Taking part on a board (the ideas tool): members and up get `ok`; an outsider is refused
/// on a public group and does not find the board of a listed or secret one.
fn idea_use(ok: u16) -> ByGroup {
    [
        [401, 403, ok, ok, ok],
        [401, 404, ok, ok, ok],
        [401, 404, ok, ok, ok],
    ]
}

/// Running the owner's board or changing the owner's idea: the owner, and admins (who manage
/// the tool).
const IDEA_RUN: ByGroup = [
    [401, 403, 403, 200, 200],
    [401, 404, 403, 200, 200],
    [401, 404, 403, 200, 200],
];

enum Expect {
    Group(ByGroup),
    /// [anonymous, signed in], for endpoints about the caller, not a group.
    Person([u16; 2]),
}

pub(crate) struct Row {
    pub(crate) method: &'static str,
    /// The path as the OpenAPI document writes it.
    pub(crate) spec: &'static str,
    /// The path requested: `{g}` is the group, `{inv}` a revoked invitation, `{jr}` a decided
    /// join request, `{uuid}` an id nobody has.
    url: &'static str,
    body: Option<Value>,
    expect: Expect,
}

pub(crate) fn rows() -> Vec<Row> {
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
        // The credit tool. A pool is as transparent as its group's content; spending it under
        // the admins rule is for who manages the money; claims and contributions for members.
        row(
            "POST",
            "/api/v1/groups/{group}/pools",
            "/api/v1/groups/{g}/pools",
            Some(json!({"name": "P", "currency": "{cur}", "rule": "admins"})),
            Group(managed(403, 201, 201)),
        ),
        row(
            "GET",
            "/api/v1/groups/{group}/pools",
            "/api/v1/groups/{g}/pools",
            None,
            Group(READ),
        ),
        row(
            "GET",
            "/api/v1/pools/{id}",
            "/api/v1/pools/{cpool}",
            None,
            Group(POLL_READ),
        ),
        row(
            "GET",
            "/api/v1/pools/{id}/report",
            "/api/v1/pools/{cpool}/report",
            None,
            Group(POLL_READ),
        ),
        row(
            "GET",
            "/api/v1/pools/{id}/spends",
            "/api/v1/pools/{cpool}/spends",
            None,
            Group(POLL_READ),
        ),
        row(
            "POST",
            "/api/v1/pools/{id}/spend",
            "/api/v1/pools/{cpool}/spend",
            Some(json!({"to": "{acct}", "amount": "1", "memo": "x"})),
            Group([[401, 404, 403, 201, 201]; 3]),
        ),
        row(
            "POST",
            "/api/v1/pools/{id}/spends/{transfer}/approve",
            "/api/v1/pools/{cpool}/spends/{uuid}/approve",
            None,
            Group([[401, 404, 404, 404, 404]; 3]),
        ),
        row(
            "POST",
            "/api/v1/pools/{id}/spends/{transfer}/reject",
            "/api/v1/pools/{cpool}/spends/{uuid}/reject",
            None,
            Group([[401, 404, 404, 404, 404]; 3]),
        ),
        row(
            "POST",
            "/api/v1/pools/{id}/deposits",
            "/api/v1/pools/{cpool}/deposits",
            Some(json!({"amount": "1", "memo": "x"})),
            Group([[401, 404, 403, 201, 201]; 3]),
        ),
        row(
            "POST",
            "/api/v1/pools/{id}/contributions",
            "/api/v1/pools/{cpool}/contributions",
            Some(json!({"amount": "1", "memo": "x"})),
            Group([[401, 404, 201, 201, 201]; 3]),
        ),
        row(
            "POST",
            "/api/v1/pools/{id}/expenses",
            "/api/v1/pools/{cpool}/expenses",
            Some(json!({"amount": "1", "description": "x", "draft": true})),
            Group([[401, 404, 201, 201, 201]; 3]),
        ),
        row(
            "GET",
            "/api/v1/pools/{id}/expenses",
            "/api/v1/pools/{cpool}/expenses",
            None,
            Group([[401, 404, 200, 200, 200]; 3]),
        ),
        row(
            "GET",
            "/api/v1/expenses/{id}",
            "/api/v1/expenses/{exp}",
            None,
            Group([[401, 404, 200, 200, 200]; 3]),
        ),
        // The claim is submitted already; only its claimant may submit it.
        row(
            "POST",
            "/api/v1/expenses/{id}/submit",
            "/api/v1/expenses/{exp}/submit",
            None,
            Group([[401, 404, 409, 403, 403]; 3]),
        ),
        // Only the claimant adds receipts (JSON is not a receipt).
        row(
            "POST",
            "/api/v1/expenses/{id}/receipts",
            "/api/v1/expenses/{exp}/receipts",
            Some(json!({})),
            Group([[401, 404, 422, 403, 403]; 3]),
        ),
        // The claimant never approves; the admin does; then it is approved already.
        row(
            "POST",
            "/api/v1/expenses/{id}/approve",
            "/api/v1/expenses/{exp}/approve",
            None,
            Group([[401, 404, 403, 200, 409]; 3]),
        ),
        row(
            "POST",
            "/api/v1/expenses/{id}/pay",
            "/api/v1/expenses/{exp}/pay",
            None,
            Group([[401, 404, 403, 200, 409]; 3]),
        ),
        row(
            "POST",
            "/api/v1/expenses/{id}/reject",
            "/api/v1/expenses/{exp}/reject",
            None,
            Group([[401, 404, 409, 409, 409]; 3]),
        ),
        row(
            "POST",
            "/api/v1/groups/{group}/dues",
            "/api/v1/groups/{g}/dues",
            Some(
                json!({"name": "D", "currency": "{cur}", "amount": "1", "interval": "monthly",
                        "starts_at": "{future}"}),
            ),
            Group(managed(403, 201, 201)),
        ),
        row(
            "GET",
            "/api/v1/groups/{group}/dues",
            "/api/v1/groups/{g}/dues",
            None,
            Group([
                [401, 403, 200, 200, 200],
                [401, 403, 200, 200, 200],
                [401, 404, 200, 200, 200],
            ]),
        ),
        row(
            "GET",
            "/api/v1/groups/{group}/arrears",
            "/api/v1/groups/{g}/arrears",
            None,
            Group([
                [401, 403, 200, 200, 200],
                [401, 403, 200, 200, 200],
                [401, 404, 200, 200, 200],
            ]),
        ),
        row(
            "GET",
            "/api/v1/dues/{id}/obligations",
            "/api/v1/dues/{dues}/obligations",
            None,
            Group([[401, 404, 200, 200, 200]; 3]),
        ),
        row(
            "GET",
            "/api/v1/me/obligations",
            "/api/v1/me/obligations",
            None,
            Person([401, 200]),
        ),
        row(
            "POST",
            "/api/v1/obligations/{id}/pay",
            "/api/v1/obligations/{uuid}/pay",
            None,
            Person([401, 404]),
        ),
        row(
            "POST",
            "/api/v1/obligations/{id}/mark-paid",
            "/api/v1/obligations/{uuid}/mark-paid",
            Some(json!({"note": "cash"})),
            Person([401, 404]),
        ),
        // Paying goes through the ledger's policy, as a transfer does.
        row(
            "POST",
            "/api/v1/payments",
            "/api/v1/payments",
            Some(json!({"from": "{acct}", "to": "{pool}", "amount": "1"})),
            Group([[401, 422, 201, 403, 403]; 3]),
        ),
        // A posted transfer waits for nobody's answer.
        row(
            "POST",
            "/api/v1/payments/{transfer}/accept",
            "/api/v1/payments/{tr}/accept",
            None,
            Group([[401, 404, 404, 404, 404]; 3]),
        ),
        row(
            "POST",
            "/api/v1/payments/{transfer}/decline",
            "/api/v1/payments/{tr}/decline",
            None,
            Group([[401, 404, 404, 404, 404]; 3]),
        ),
        // One asks to be paid into one's own account only.
        row(
            "POST",
            "/api/v1/payment-requests",
            "/api/v1/payment-requests",
            Some(json!({"from": "{acct}", "to": "{acct}", "amount": "1", "memo": "x"})),
            Group([[401, 422, 422, 422, 422]; 3]),
        ),
        row(
            "GET",
            "/api/v1/payment-requests",
            "/api/v1/payment-requests",
            None,
            Person([401, 200]),
        ),
        row(
            "GET",
            "/api/v1/payment-requests/{id}",
            "/api/v1/payment-requests/{uuid}",
            None,
            Person([401, 404]),
        ),
        row(
            "POST",
            "/api/v1/payment-requests/{id}/pay",
            "/api/v1/payment-requests/{uuid}/pay",
            None,
            Person([401, 404]),
        ),
        row(
            "POST",
            "/api/v1/payment-requests/{id}/decline",
            "/api/v1/payment-requests/{uuid}/decline",
            None,
            Person([401, 404]),
        ),
        row(
            "GET",
            "/api/v1/me/credit-preferences",
            "/api/v1/me/credit-preferences",
            None,
            Person([401, 200]),
        ),
        row(
            "PUT",
            "/api/v1/me/credit-preferences",
            "/api/v1/me/credit-preferences",
            Some(json!({"confirm_incoming": false})),
            Person([401, 200]),
        ),
        row(
            "GET",
            "/api/v1/currencies/{id}/health",
            "/api/v1/currencies/{cur}/health",
            None,
            Group([[401, 404, 200, 200, 200]; 3]),
        ),
        row(
            "GET",
            "/api/v1/ledger-accounts/{id}/limit-changes",
            "/api/v1/ledger-accounts/{acct}/limit-changes",
            None,
            Group([[401, 404, 200, 200, 200]; 3]),
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
        // Groups' requests to use a tool: for who registered it.
        row(
            "GET",
            "/api/v1/tools/{tool}/requests",
            "/api/v1/tools/fixture_tool/requests",
            None,
            Person([401, 403]),
        ),
        row(
            "POST",
            "/api/v1/tool-requests/{id}/approve",
            "/api/v1/tool-requests/{uuid}/approve",
            None,
            Person([401, 404]),
        ),
        row(
            "POST",
            "/api/v1/tool-requests/{id}/reject",
            "/api/v1/tool-requests/{uuid}/reject",
            None,
            Person([401, 404]),
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
        // Shared services on a group's own page: comments and files read as its content is
        // read and written as one posts to it; by id, an id nobody has is 404 to everyone.
        row(
            "GET",
            "/api/v1/comments",
            "/api/v1/comments?subject_type=group&subject_id={g}",
            None,
            Group(READ),
        ),
        row(
            "POST",
            "/api/v1/comments",
            "/api/v1/comments",
            Some(json!({"subject_type": "group", "subject_id": "{g}", "body": "Hello"})),
            Group(managed(201, 201, 201)),
        ),
        row(
            "PATCH",
            "/api/v1/comments/{id}",
            "/api/v1/comments/{uuid}",
            Some(json!({"body": "Hello again"})),
            Person([401, 404]),
        ),
        row(
            "DELETE",
            "/api/v1/comments/{id}",
            "/api/v1/comments/{uuid}",
            None,
            Person([401, 404]),
        ),
        row(
            "PUT",
            "/api/v1/comments/{id}/reactions/{emoji}",
            "/api/v1/comments/{uuid}/reactions/tada",
            None,
            Person([401, 404]),
        ),
        row(
            "DELETE",
            "/api/v1/comments/{id}/reactions/{emoji}",
            "/api/v1/comments/{uuid}/reactions/tada",
            None,
            Person([401, 404]),
        ),
        row(
            "GET",
            "/api/v1/files",
            "/api/v1/files?subject_type=group&subject_id={g}",
            None,
            Group(READ),
        ),
        // A JSON body is no file: who may post gets past the policy to a 422.
        row(
            "POST",
            "/api/v1/files",
            "/api/v1/files?subject_type=group&subject_id={g}&name=a.png",
            Some(json!({"not": "a file"})),
            Group(managed(422, 422, 422)),
        ),
        row(
            "GET",
            "/api/v1/files/{id}",
            "/api/v1/files/{uuid}",
            None,
            Person([404, 404]),
        ),
        row(
            "DELETE",
            "/api/v1/files/{id}",
            "/api/v1/files/{uuid}",
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
            Some(json!({"name": "", "scopes": ["read"]})),
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
            Some(
                json!({"handle": "Not A Handle", "name": "x", "visibility": "public",
                        "join_policy": "open"}),
            ),
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
        // The decide tool, turned on in every fixture group. A poll answers as its group's
        // content (404 to who may not know it); voting is for who may post there.
        row(
            "GET",
            "/api/v1/groups/{group}/polls",
            "/api/v1/groups/{g}/polls",
            None,
            Group(READ),
        ),
        row(
            "POST",
            "/api/v1/groups/{group}/polls",
            "/api/v1/groups/{g}/polls",
            Some(json!({"title": "A matrix poll", "kind": "proposal"})),
            Group(managed(201, 201, 201)),
        ),
        row(
            "GET",
            "/api/v1/polls/{id}",
            "/api/v1/polls/{poll}",
            None,
            Group(POLL_READ),
        ),
        row(
            "GET",
            "/api/v1/polls/{id}/results",
            "/api/v1/polls/{poll}/results",
            None,
            Group(POLL_READ),
        ),
        row(
            "POST",
            "/api/v1/polls/{id}/votes",
            "/api/v1/polls/{poll}/votes",
            Some(json!({"stance": "agree"})),
            Group([
                [401, 403, 200, 200, 200],
                [401, 404, 200, 200, 200],
                [401, 404, 200, 200, 200],
            ]),
        ),
        // The owner wrote the poll; the admin's role holds `tool:decide:close` and closes it
        // first, so the owner finds it closed.
        row(
            "POST",
            "/api/v1/polls/{id}/close",
            "/api/v1/polls/{closing}/close",
            None,
            Group([
                [401, 403, 403, 200, 409],
                [401, 404, 403, 200, 409],
                [401, 404, 403, 200, 409],
            ]),
        ),
        row(
            "GET",
            "/api/v1/polls/{id}/results.csv",
            "/api/v1/polls/{poll}/results.csv",
            None,
            Group(POLL_READ),
        ),
        row(
            "GET",
            "/api/v1/polls/{id}/votes",
            "/api/v1/polls/{poll}/votes",
            None,
            Group(POLL_READ),
        ),
        row(
            "GET",
            "/api/v1/polls/{id}/voters",
            "/api/v1/polls/{poll}/voters",
            None,
            Group(POLL_READ),
        ),
        row(
            "GET",
            "/api/v1/polls/{id}/invite.ics",
            "/api/v1/polls/{meeting}/invite.ics",
            None,
            Group(POLL_READ),
        ),
        // The owner closed these two: the admin reopens one first (the owner finds it open),
        // and both state the other's outcome.
        row(
            "POST",
            "/api/v1/polls/{id}/reopen",
            "/api/v1/polls/{reopening}/reopen",
            Some(json!({"closes_at": "{future}"})),
            Group([
                [401, 403, 403, 200, 409],
                [401, 404, 403, 200, 409],
                [401, 404, 403, 200, 409],
            ]),
        ),
        row(
            "POST",
            "/api/v1/polls/{id}/outcome",
            "/api/v1/polls/{decided}/outcome",
            Some(json!({"statement": "We go ahead."})),
            Group([
                [401, 403, 403, 200, 200],
                [401, 404, 403, 200, 200],
                [401, 404, 403, 200, 200],
            ]),
        ),
        // A choice poll where members add options: the member adds it, and it is there.
        row(
            "POST",
            "/api/v1/polls/{id}/options",
            "/api/v1/polls/{choice}/options",
            Some(json!({"text": "Plums"})),
            Group([
                [401, 403, 201, 409, 409],
                [401, 404, 201, 409, 409],
                [401, 404, 201, 409, 409],
            ]),
        ),
        // Proxies and delegations go to the owner, who cannot name themselves.
        row(
            "PUT",
            "/api/v1/polls/{id}/proxy",
            "/api/v1/polls/{poll}/proxy",
            Some(json!({"to": "own"})),
            Group([
                [401, 403, 200, 200, 422],
                [401, 404, 200, 200, 422],
                [401, 404, 200, 200, 422],
            ]),
        ),
        row(
            "DELETE",
            "/api/v1/polls/{id}/proxy",
            "/api/v1/polls/{poll}/proxy",
            None,
            Group([
                [401, 403, 204, 204, 204],
                [401, 404, 204, 204, 204],
                [401, 404, 204, 204, 204],
            ]),
        ),
        row(
            "GET",
            "/api/v1/groups/{group}/delegation",
            "/api/v1/groups/{g}/delegation",
            None,
            Group([
                [401, 200, 200, 200, 200],
                [401, 403, 200, 200, 200],
                [401, 404, 200, 200, 200],
            ]),
        ),
        row(
            "PUT",
            "/api/v1/groups/{group}/delegation",
            "/api/v1/groups/{g}/delegation",
            Some(json!({"to": "own"})),
            Group([
                [401, 403, 200, 200, 422],
                [401, 403, 200, 200, 422],
                [401, 404, 200, 200, 422],
            ]),
        ),
        row(
            "DELETE",
            "/api/v1/groups/{group}/delegation",
            "/api/v1/groups/{g}/delegation",
            None,
            Group([
                [401, 403, 204, 204, 204],
                [401, 403, 204, 204, 204],
                [401, 404, 204, 204, 204],
            ]),
        ),
        // The tasks tool, turned on in every fixture group. Boards and cards answer as their
        // group's content; the owner's board is changed by its author or a manager (admins);
        // the owner's stuck card (its bounty between two steps) answers 409 to whoever may
        // delete it, so every credential meets the policy on the same card.
        row(
            "GET",
            "/api/v1/groups/{group}/boards",
            "/api/v1/groups/{g}/boards",
            None,
            Group(READ),
        ),
        row(
            "POST",
            "/api/v1/groups/{group}/boards",
            "/api/v1/groups/{g}/boards",
            Some(json!({"name": "A matrix board"})),
            Group(managed(201, 201, 201)),
        ),
        row(
            "GET",
            "/api/v1/boards/{id}",
            "/api/v1/boards/{board}",
            None,
            Group(POLL_READ),
        ),
        row(
            "PATCH",
            "/api/v1/boards/{id}",
            "/api/v1/boards/{board}",
            Some(json!({"name": "Renamed board"})),
            Group([
                [401, 403, 403, 200, 200],
                [401, 404, 403, 200, 200],
                [401, 404, 403, 200, 200],
            ]),
        ),
        row(
            "GET",
            "/api/v1/boards/{id}/cards",
            "/api/v1/boards/{board}/cards",
            None,
            Group(POLL_READ),
        ),
        row(
            "POST",
            "/api/v1/boards/{id}/cards",
            "/api/v1/boards/{board}/cards",
            Some(json!({"title": "A matrix card"})),
            Group([
                [401, 403, 201, 201, 201],
                [401, 404, 201, 201, 201],
                [401, 404, 201, 201, 201],
            ]),
        ),
        row(
            "GET",
            "/api/v1/cards/{id}",
            "/api/v1/cards/{card}",
            None,
            Group(POLL_READ),
        ),
        row(
            "PATCH",
            "/api/v1/cards/{id}",
            "/api/v1/cards/{card}",
            Some(json!({"title": "Renamed card"})),
            Group([
                [401, 403, 200, 200, 200],
                [401, 404, 200, 200, 200],
                [401, 404, 200, 200, 200],
            ]),
        ),
        row(
            "DELETE",
            "/api/v1/cards/{id}",
            "/api/v1/cards/{stuck}",
            None,
            Group([
                [401, 403, 403, 409, 409],
                [401, 404, 403, 409, 409],
                [401, 404, 403, 409, 409],
            ]),
        ),
        row(
            "GET",
            "/api/v1/me/tasks",
            "/api/v1/me/tasks",
            None,
            Person([401, 200]),
        ),
        // The intents tool, turned on in every fixture group. Intents answer as their group's
        // content; only the author decides on responses, marks an intent of theirs fulfilled
        // (the fixture's has no accepted response: 409) and renews or withdraws it (or who
        // manages the tool: admins).
        row(
            "GET",
            "/api/v1/groups/{group}/intents",
            "/api/v1/groups/{g}/intents",
            None,
            Group(READ),
        ),
        row(
            "POST",
            "/api/v1/groups/{group}/intents",
            "/api/v1/groups/{g}/intents",
            Some(json!({"kind": "offer", "title": "A matrix offer"})),
            Group(managed(201, 201, 201)),
        ),
        row(
            "GET",
            "/api/v1/groups/{group}/intents/murmurations",
            "/api/v1/groups/{g}/intents/murmurations",
            None,
            Group(READ),
        ),
        row(
            "GET",
            "/api/v1/intents",
            "/api/v1/intents",
            None,
            Person([200, 200]),
        ),
        row(
            "GET",
            "/api/v1/intents/{id}",
            "/api/v1/intents/{offer}",
            None,
            Group(POLL_READ),
        ),
        row(
            "GET",
            "/api/v1/intents/{id}/matches",
            "/api/v1/intents/{offer}/matches",
            None,
            Group(POLL_READ),
        ),
        row(
            "GET",
            "/api/v1/intents/{id}/murmurations",
            "/api/v1/intents/{offer}/murmurations",
            None,
            Group(POLL_READ),
        ),
        row(
            "GET",
            "/api/v1/intents/{id}/responses",
            "/api/v1/intents/{ireq}/responses",
            None,
            Group([
                [401, 200, 200, 200, 200],
                [401, 404, 200, 200, 200],
                [401, 404, 200, 200, 200],
            ]),
        ),
        row(
            "POST",
            "/api/v1/intents/{id}/responses",
            "/api/v1/intents/{offer}/responses",
            None,
            Group([
                [401, 403, 201, 201, 409],
                [401, 404, 201, 201, 409],
                [401, 404, 201, 201, 409],
            ]),
        ),
        row(
            "POST",
            "/api/v1/responses/{id}/accept",
            "/api/v1/responses/{accept_resp}/accept",
            None,
            Group([
                [401, 403, 403, 403, 200],
                [401, 404, 403, 403, 200],
                [401, 404, 403, 403, 200],
            ]),
        ),
        row(
            "POST",
            "/api/v1/responses/{id}/decline",
            "/api/v1/responses/{decline_resp}/decline",
            None,
            Group([
                [401, 403, 403, 403, 200],
                [401, 404, 403, 403, 200],
                [401, 404, 403, 403, 200],
            ]),
        ),
        row(
            "POST",
            "/api/v1/intents/{id}/fulfil",
            "/api/v1/intents/{offer}/fulfil",
            None,
            Group([
                [401, 403, 403, 403, 409],
                [401, 404, 403, 403, 409],
                [401, 404, 403, 403, 409],
            ]),
        ),
        row(
            "POST",
            "/api/v1/intents/{id}/renew",
            "/api/v1/intents/{offer}/renew",
            None,
            Group([
                [401, 403, 403, 200, 200],
                [401, 404, 403, 200, 200],
                [401, 404, 403, 200, 200],
            ]),
        ),
        row(
            "POST",
            "/api/v1/intents/{id}/withdraw",
            "/api/v1/intents/{wreq}/withdraw",
            None,
            Group([
                [401, 403, 403, 200, 409],
                [401, 404, 403, 200, 409],
                [401, 404, 403, 200, 409],
            ]),
        ),
        row(
            "POST",
            "/api/v1/intents/{id}/bounty",
            "/api/v1/intents/{ireq}/bounty",
            Some(json!({"amount": "1", "currency": "{cur}"})),
            Group([
                [401, 403, 201, 201, 201],
                [401, 404, 201, 201, 201],
                [401, 404, 201, 201, 201],
            ]),
        ),
        row(
            "GET",
            "/api/v1/me/intent-tags",
            "/api/v1/me/intent-tags",
            None,
            Person([401, 200]),
        ),
        row(
            "PUT",
            "/api/v1/me/intent-tags/{tag}",
            "/api/v1/me/intent-tags/seeds",
            None,
            Person([401, 200]),
        ),
        row(
            "DELETE",
            "/api/v1/me/intent-tags/{tag}",
            "/api/v1/me/intent-tags/seeds",
            None,
            Person([401, 200]),
        ),
        // The ideas tool, turned on in every fixture group, on the owner's board (a
        // wiki-survey with dots). Boards and ideas read as their group's content; taking part
        // (ideas, marks, pairs, answers) is for who may use the tool; running the board
        // (changing it, merging, promoting) for its creator or who manages the tool (admins).
        // A pair is for who may answer it: it hands out the token that answers.
        row(
            "GET",
            "/api/v1/groups/{group}/idea-boards",
            "/api/v1/groups/{g}/idea-boards",
            None,
            Group(READ),
        ),
        row(
            "POST",
            "/api/v1/groups/{group}/idea-boards",
            "/api/v1/groups/{g}/idea-boards",
            Some(json!({"question": "A matrix board"})),
            Group(managed(201, 201, 201)),
        ),
        row(
            "GET",
            "/api/v1/idea-boards/{id}",
            "/api/v1/idea-boards/{iboard}",
            None,
            Group(POLL_READ),
        ),
        row(
            "PATCH",
            "/api/v1/idea-boards/{id}",
            "/api/v1/idea-boards/{iboard}",
            Some(json!({"details": "Asked by the matrix"})),
            Group(IDEA_RUN),
        ),
        row(
            "GET",
            "/api/v1/idea-boards/{id}/ideas",
            "/api/v1/idea-boards/{iboard}/ideas",
            None,
            Group(POLL_READ),
        ),
        row(
            "POST",
            "/api/v1/idea-boards/{id}/ideas",
            "/api/v1/idea-boards/{iboard}/ideas",
            Some(json!({"title": "A matrix idea"})),
            Group(idea_use(201)),
        ),
        row(
            "GET",
            "/api/v1/idea-boards/{id}/clusters",
            "/api/v1/idea-boards/{iboard}/clusters",
            None,
            Group(POLL_READ),
        ),
        row(
            "GET",
            "/api/v1/idea-boards/{id}/pair",
            "/api/v1/idea-boards/{iboard}/pair",
            None,
            Group(idea_use(200)),
        ),
        row(
            "POST",
            "/api/v1/idea-boards/{id}/comparisons",
            "/api/v1/idea-boards/{iboard}/comparisons",
            Some(json!({"token": "not a pair of ours", "winner": "left"})),
            Group(idea_use(422)),
        ),
        row(
            "GET",
            "/api/v1/idea-boards/{id}/ranking",
            "/api/v1/idea-boards/{iboard}/ranking",
            None,
            Group(POLL_READ),
        ),
        row(
            "POST",
            "/api/v1/idea-boards/{id}/promote",
            "/api/v1/idea-boards/{iboard}/promote",
            Some(json!({"ideas": ["{idea1}"], "kind": "proposal"})),
            Group([
                [401, 403, 403, 201, 201],
                [401, 404, 403, 201, 201],
                [401, 404, 403, 201, 201],
            ]),
        ),
        row(
            "GET",
            "/api/v1/ideas/{id}",
            "/api/v1/ideas/{idea1}",
            None,
            Group(POLL_READ),
        ),
        row(
            "PATCH",
            "/api/v1/ideas/{id}",
            "/api/v1/ideas/{idea1}",
            Some(json!({"text": "Edited by the matrix"})),
            Group(IDEA_RUN),
        ),
        row(
            "POST",
            "/api/v1/ideas/{id}/merge",
            "/api/v1/ideas/{idea_dup}/merge",
            Some(json!({"into": "{idea1}"})),
            Group([
                [401, 403, 403, 200, 409],
                [401, 404, 403, 200, 409],
                [401, 404, 403, 200, 409],
            ]),
        ),
        row(
            "PUT",
            "/api/v1/ideas/{id}/endorsement",
            "/api/v1/ideas/{idea1}/endorsement",
            None,
            Group(idea_use(200)),
        ),
        row(
            "DELETE",
            "/api/v1/ideas/{id}/endorsement",
            "/api/v1/ideas/{idea1}/endorsement",
            None,
            Group(idea_use(200)),
        ),
        row(
            "PUT",
            "/api/v1/ideas/{id}/reactions/{emoji}",
            "/api/v1/ideas/{idea1}/reactions/%F0%9F%8C%B1",
            None,
            Group(idea_use(200)),
        ),
        row(
            "DELETE",
            "/api/v1/ideas/{id}/reactions/{emoji}",
            "/api/v1/ideas/{idea1}/reactions/%F0%9F%8C%B1",
            None,
            Group(idea_use(200)),
        ),
        row(
            "PUT",
            "/api/v1/ideas/{id}/dots",
            "/api/v1/ideas/{idea1}/dots",
            Some(json!({"dots": 1})),
            Group(idea_use(200)),
        ),
        // Motions: asked by who may post (an outside tool too); the owner asked both of the
        // fixture's, and the admin (who may moderate) withdraws one first.
        row(
            "POST",
            "/api/v1/groups/{group}/motions",
            "/api/v1/groups/{g}/motions",
            Some(json!({"title": "A matrix motion"})),
            Group(managed(201, 201, 201)),
        ),
        row(
            "GET",
            "/api/v1/motions/{id}",
            "/api/v1/motions/{motion}",
            None,
            Group(POLL_READ),
        ),
        row(
            "POST",
            "/api/v1/motions/{id}/withdraw",
            "/api/v1/motions/{withdrawing}/withdraw",
            None,
            Group([
                [401, 403, 403, 200, 409],
                [401, 404, 403, 200, 409],
                [401, 404, 403, 200, 409],
            ]),
        ),
        // An invitation by id: who may invite, and the account invited; no one else.
        row(
            "GET",
            "/api/v1/invitations/{id}",
            "/api/v1/invitations/{inv}",
            None,
            Group([[401, 404, 404, 200, 200]; 3]),
        ),
        row(
            "DELETE",
            "/api/v1/invitations/{id}",
            "/api/v1/invitations/{inv}",
            None,
            Group(managed(403, 204, 204)),
        ),
        // A link's id is no way in: it is answered with its token.
        row(
            "POST",
            "/api/v1/invitations/{id}/accept",
            "/api/v1/invitations/{inv}/accept",
            None,
            Group([[401, 404, 404, 404, 404]; 3]),
        ),
        row(
            "POST",
            "/api/v1/invitations/{id}/decline",
            "/api/v1/invitations/{inv}/decline",
            None,
            Group([[401, 404, 404, 404, 404]; 3]),
        ),
        row(
            "POST",
            "/api/v1/invitations/accept",
            "/api/v1/invitations/accept",
            Some(json!({"token": "weft_inv_nobody_has_this"})),
            Person([401, 404]),
        ),
        row(
            "POST",
            "/api/v1/invitations/decline",
            "/api/v1/invitations/decline",
            Some(json!({"token": "weft_inv_nobody_has_this"})),
            Person([401, 404]),
        ),
        row(
            "POST",
            "/api/v1/email-confirmations",
            "/api/v1/email-confirmations",
            Some(json!({"token": "weft_eml_nobody_has_this"})),
            Person([410, 410]),
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
        // The budget tool, turned on in every fixture group: the owner's cobudget round on
        // the credit pool, the owner's buckets in it (one to read and give to, one to cancel,
        // one funded for payouts and completion), a vote round with the owner's bucket, and a
        // round to close. Rounds read as their group's content; proposing, giving and voting
        // are for who may use the tool; running rounds (open, change, close, review,
        // allocations) is for who manages it (admins); a bucket is run by its creators too.
        row(
            "GET",
            "/api/v1/groups/{group}/rounds",
            "/api/v1/groups/{g}/rounds",
            None,
            Group(READ),
        ),
        row(
            "POST",
            "/api/v1/groups/{group}/rounds",
            "/api/v1/groups/{g}/rounds",
            Some(
                json!({"title": "A matrix round", "currency": "{cur}", "mechanism": "cobudget", "allocation": "5"}),
            ),
            Group(managed(403, 201, 201)),
        ),
        row(
            "GET",
            "/api/v1/rounds/{id}",
            "/api/v1/rounds/{round}",
            None,
            Group(POLL_READ),
        ),
        row(
            "PATCH",
            "/api/v1/rounds/{id}",
            "/api/v1/rounds/{round}",
            Some(json!({"description": "Run by the matrix"})),
            Group(IDEA_RUN),
        ),
        row(
            "GET",
            "/api/v1/rounds/{id}/results",
            "/api/v1/rounds/{round}/results",
            None,
            Group(POLL_READ),
        ),
        row(
            "GET",
            "/api/v1/rounds/{id}/buckets",
            "/api/v1/rounds/{round}/buckets",
            None,
            Group(POLL_READ),
        ),
        row(
            "POST",
            "/api/v1/rounds/{id}/buckets",
            "/api/v1/rounds/{round}/buckets",
            Some(json!({"title": "A matrix bucket", "items": [{"name": "Seeds", "min": "1"}]})),
            Group(idea_use(201)),
        ),
        row(
            "POST",
            "/api/v1/rounds/{id}/ballots",
            "/api/v1/rounds/{vround}/ballots",
            Some(json!({"buckets": ["{vbucket}"]})),
            Group(idea_use(201)),
        ),
        row(
            "PUT",
            "/api/v1/rounds/{id}/allocations/{account}",
            "/api/v1/rounds/{round}/allocations/mem",
            Some(json!({"amount": "60"})),
            Group(IDEA_RUN),
        ),
        row(
            "GET",
            "/api/v1/buckets/{id}",
            "/api/v1/buckets/{bucket}",
            None,
            Group(POLL_READ),
        ),
        row(
            "PATCH",
            "/api/v1/buckets/{id}",
            "/api/v1/buckets/{bucket}",
            Some(json!({"description": "Changed by the matrix"})),
            Group(IDEA_RUN),
        ),
        row(
            "POST",
            "/api/v1/buckets/{id}/review",
            "/api/v1/buckets/{bucket}/review",
            Some(json!({"state": "approved"})),
            Group(IDEA_RUN),
        ),
        row(
            "POST",
            "/api/v1/buckets/{id}/contributions",
            "/api/v1/buckets/{bucket}/contributions",
            Some(json!({"amount": "0.01"})),
            Group(idea_use(201)),
        ),
        row(
            "GET",
            "/api/v1/buckets/{id}/payouts",
            "/api/v1/buckets/{fbucket}/payouts",
            None,
            Group(POLL_READ),
        ),
        // A payout goes to one of the bucket's creators: the admin asking for themself is
        // refused on the field.
        row(
            "POST",
            "/api/v1/buckets/{id}/payouts",
            "/api/v1/buckets/{fbucket}/payouts",
            Some(json!({"amount": "0.01", "item": "Seeds"})),
            Group([
                [401, 403, 403, 422, 201],
                [401, 404, 403, 422, 201],
                [401, 404, 403, 422, 201],
            ]),
        ),
        row(
            "POST",
            "/api/v1/buckets/{id}/complete",
            "/api/v1/buckets/{fbucket}/complete",
            None,
            Group([
                [401, 403, 403, 200, 409],
                [401, 404, 403, 200, 409],
                [401, 404, 403, 200, 409],
            ]),
        ),
        row(
            "POST",
            "/api/v1/buckets/{id}/cancel",
            "/api/v1/buckets/{cbucket}/cancel",
            None,
            Group([
                [401, 403, 403, 200, 409],
                [401, 404, 403, 200, 409],
                [401, 404, 403, 200, 409],
            ]),
        ),
        row(
            "POST",
            "/api/v1/rounds/{id}/close",
            "/api/v1/rounds/{closing_round}/close",
            None,
            Group([
                [401, 403, 403, 200, 409],
                [401, 404, 403, 200, 409],
                [401, 404, 403, 200, 409],
            ]),
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
    /// Two open polls of the owner's: one to read and vote in, one to close.
    poll: String,
    closing: String,
    /// Two closed ones: one to reopen, one to state the outcome of.
    reopening: String,
    decided: String,
    /// An open choice poll where members add options.
    choice: String,
    /// A closed meeting poll the owner answered.
    meeting: String,
    /// Two open motions of the owner's: one to read, one to withdraw.
    motion: String,
    withdrawing: String,
    /// The owner's task board, a card on it, and a card of the owner's whose bounty is
    /// between two steps (it cannot be deleted now).
    board: String,
    card: String,
    stuck: String,
    /// The credit tool: a pool under the admins rule holding 100, a claim of 1 on it by the
    /// member (submitted), and dues feeding it.
    cpool: String,
    expense: String,
    dues: String,
    /// The intents tool: an offer of the owner's (no responses), a request of the owner's to
    /// withdraw, and a request of the owner's with two open responses (the member's, to
    /// accept; the admin's, to decline).
    offer: String,
    wreq: String,
    ireq: String,
    accept_resp: String,
    decline_resp: String,
    /// The ideas tool: the owner's board (a wiki-survey with dots), an idea of the owner's
    /// on it, and another of the owner's to merge into it.
    iboard: String,
    idea1: String,
    idea_dup: String,
    /// The budget tool: the owner's cobudget round on the credit pool, the owner's buckets in
    /// it (to give to, to cancel, funded), a vote round with the owner's bucket, and a round to
    /// close.
    round: String,
    bucket: String,
    cbucket: String,
    fbucket: String,
    vround: String,
    vbucket: String,
    closing_round: String,
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
    let on = own
        .put(&format!("/api/v1/groups/{handle}/tools/decide"), &json!({}))
        .await;
    assert_eq!(on.status, 204, "{}", on.body);
    let mut polls = Vec::new();
    for title in ["Shall we?", "Close me"] {
        let made = own
            .post(
                &format!("/api/v1/groups/{handle}/polls"),
                &json!({"title": title, "kind": "proposal"}),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
        polls.push(made.json["id"].as_str().unwrap().to_string());
    }
    for title in ["Reopen me", "Decided"] {
        let made = own
            .post(
                &format!("/api/v1/groups/{handle}/polls"),
                &json!({"title": title, "kind": "proposal"}),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
        let id = made.json["id"].as_str().unwrap().to_string();
        let closed = own
            .post(&format!("/api/v1/polls/{id}/close"), &json!({}))
            .await;
        assert_eq!(closed.status, 200, "{}", closed.body);
        polls.push(id);
    }
    let choice = own
        .post(
            &format!("/api/v1/groups/{handle}/polls"),
            &json!({"title": "Fruit?", "kind": "choice", "options": ["Apples", "Pears"], "add_options": true}),
        )
        .await;
    assert_eq!(choice.status, 201, "{}", choice.body);
    let soon = kernel::Timestamp(server.clock.now().0).plus_seconds(3 * 86_400);
    let meeting = own
        .post(
            &format!("/api/v1/groups/{handle}/polls"),
            &json!({"title": "Meet?", "kind": "meeting",
                    "options": [soon, soon.plus_seconds(3600)]}),
        )
        .await;
    assert_eq!(meeting.status, 201, "{}", meeting.body);
    let meeting = meeting.json["id"].as_str().unwrap().to_string();
    let answered = own
        .post(
            &format!("/api/v1/polls/{meeting}/votes"),
            &json!({"slots": {"0": "yes", "1": "maybe"}}),
        )
        .await;
    assert_eq!(answered.status, 200, "{}", answered.body);
    let closed = own
        .post(&format!("/api/v1/polls/{meeting}/close"), &json!({}))
        .await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    let mut motions = Vec::new();
    for title in ["Spend on seeds?", "Withdraw me"] {
        let made = own
            .post(
                &format!("/api/v1/groups/{handle}/motions"),
                &json!({"title": title}),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
        motions.push(made.json["id"].as_str().unwrap().to_string());
    }
    let on = own
        .put(&format!("/api/v1/groups/{handle}/tools/tasks"), &json!({}))
        .await;
    assert_eq!(on.status, 204, "{}", on.body);
    let board = own
        .post(
            &format!("/api/v1/groups/{handle}/boards"),
            &json!({"name": "Chores"}),
        )
        .await;
    assert_eq!(board.status, 201, "{}", board.body);
    let board = board.json["id"].as_str().unwrap().to_string();
    let mut cards = Vec::new();
    for title in ["Sweep", "Stuck"] {
        let made = own
            .post(
                &format!("/api/v1/boards/{board}/cards"),
                &json!({"title": title}),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
        cards.push(made.json["id"].as_str().unwrap().to_string());
    }
    {
        use sea_query::ExprTrait;
        let mut tx = server.kernel.db.begin().await.unwrap();
        tx.execute(
            sea_query::Query::update()
                .table(sea_query::Alias::new("task_cards"))
                .value(sea_query::Alias::new("bounty_state"), "escrowing")
                .and_where(
                    sea_query::Expr::col(sea_query::Alias::new("id"))
                        .eq(cards[1].parse::<uuid::Uuid>().unwrap()),
                ),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let cpool = own
        .post(
            &format!("/api/v1/groups/{handle}/pools"),
            &json!({"name": "Commons", "currency": currency, "rule": "admins"}),
        )
        .await;
    assert_eq!(cpool.status, 201, "{}", cpool.body);
    let cpool = cpool.json["id"].as_str().unwrap().to_string();
    let funded = own
        .post(
            &format!("/api/v1/pools/{cpool}/deposits"),
            &json!({"amount": "100", "memo": "Start"}),
        )
        .await;
    assert_eq!(funded.status, 201, "{}", funded.body);
    let expense = mem
        .post(
            &format!("/api/v1/pools/{cpool}/expenses"),
            &json!({"amount": "1", "description": "Seeds"}),
        )
        .await;
    assert_eq!(expense.status, 201, "{}", expense.body);
    let dues = own
        .post(
            &format!("/api/v1/groups/{handle}/dues"),
            &json!({"name": "Dues", "currency": currency, "amount": "1", "interval": "monthly",
                    "starts_at": kernel::Timestamp(server.clock.now().0).plus_seconds(30 * 86_400).to_rfc3339(),
                    "pool": cpool}),
        )
        .await;
    assert_eq!(dues.status, 201, "{}", dues.body);
    let on = own
        .put(
            &format!("/api/v1/groups/{handle}/tools/intents"),
            &json!({}),
        )
        .await;
    assert_eq!(on.status, 204, "{}", on.body);
    let mut intents = Vec::new();
    for (kind, title) in [
        ("offer", "Spare seeds"),
        ("request", "Withdraw me"),
        ("request", "A hand"),
    ] {
        let made = own
            .post(
                &format!("/api/v1/groups/{handle}/intents"),
                &json!({"kind": kind, "title": title, "tags": ["seeds"]}),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
        intents.push(made.json["id"].as_str().unwrap().to_string());
    }
    let mut answers = Vec::new();
    for who in [mem, adm] {
        let made = who
            .post(
                &format!("/api/v1/intents/{}/responses", intents[2]),
                &json!({}),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
        answers.push(made.json["id"].as_str().unwrap().to_string());
    }
    let on = own
        .put(&format!("/api/v1/groups/{handle}/tools/ideas"), &json!({}))
        .await;
    assert_eq!(on.status, 204, "{}", on.body);
    let iboard = own
        .post(
            &format!("/api/v1/groups/{handle}/idea-boards"),
            &json!({"question": "Matrix ideas?", "pairwise": true, "dots": 5}),
        )
        .await;
    assert_eq!(iboard.status, 201, "{}", iboard.body);
    let iboard = iboard.json["id"].as_str().unwrap().to_string();
    let mut ideas = Vec::new();
    for title in ["Plant beans", "Plant more beans"] {
        let made = own
            .post(
                &format!("/api/v1/idea-boards/{iboard}/ideas"),
                &json!({"title": title}),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
        ideas.push(made.json["id"].as_str().unwrap().to_string());
    }
    let on = own
        .put(&format!("/api/v1/groups/{handle}/tools/budget"), &json!({}))
        .await;
    assert_eq!(on.status, 204, "{}", on.body);
    let mut rounds = Vec::new();
    for body in [
        json!({"title": "Matrix round", "currency": currency, "mechanism": "cobudget",
               "allocation": "50", "pool": cpool, "budget": "20"}),
        json!({"title": "Matrix vote", "currency": currency, "mechanism": "vote", "budget": "10"}),
        json!({"title": "Close me", "currency": currency, "mechanism": "quadratic", "budget": "10"}),
    ] {
        let made = own
            .post(&format!("/api/v1/groups/{handle}/rounds"), &body)
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
        rounds.push(made.json["id"].as_str().unwrap().to_string());
    }
    let mut buckets = Vec::new();
    for (round, min) in [
        (&rounds[0], "1000"),
        (&rounds[0], "5"),
        (&rounds[0], "1"),
        (&rounds[1], "2"),
    ] {
        let made = own
            .post(
                &format!("/api/v1/rounds/{round}/buckets"),
                &json!({"title": "Matrix bucket", "items": [{"name": "Seeds", "min": min}]}),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
        buckets.push(made.json["id"].as_str().unwrap().to_string());
    }
    let funded = own
        .post(
            &format!("/api/v1/buckets/{}/contributions", buckets[2]),
            &json!({"amount": "1"}),
        )
        .await;
    assert_eq!(funded.status, 201, "{}", funded.body);
    assert_eq!(funded.json["state"], "funded", "{}", funded.body);
    Fixture {
        round: rounds[0].clone(),
        vround: rounds[1].clone(),
        closing_round: rounds[2].clone(),
        bucket: buckets[0].clone(),
        cbucket: buckets[1].clone(),
        fbucket: buckets[2].clone(),
        vbucket: buckets[3].clone(),
        iboard,
        idea1: ideas[0].clone(),
        idea_dup: ideas[1].clone(),
        offer: intents[0].clone(),
        wreq: intents[1].clone(),
        ireq: intents[2].clone(),
        accept_resp: answers[0].clone(),
        decline_resp: answers[1].clone(),
        cpool,
        expense: expense.json["id"].as_str().unwrap().to_string(),
        dues: dues.json["id"].as_str().unwrap().to_string(),
        board,
        card: cards[0].clone(),
        stuck: cards[1].clone(),
        motion: motions[0].clone(),
        withdrawing: motions[1].clone(),
        poll: polls[0].clone(),
        closing: polls[1].clone(),
        reopening: polls[2].clone(),
        decided: polls[3].clone(),
        choice: choice.json["id"].as_str().unwrap().to_string(),
        meeting,
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

/// What a row reads or changes, which decides the credentials that may pass the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Needs no one signed in (sign up, log in, mailed links, public profiles, directories).
    Open,
    /// Reads one group's content.
    GroupRead,
    /// Reads what only who manages the group sees (invitations, requests to join, webhooks):
    /// a managing act, so a token that may only read is refused.
    ManageRead,
    /// Changes something in one group.
    GroupWrite,
    /// Acts on the account itself: email, password, sessions, tokens, tool registrations,
    /// joining, answering invitations. A session or an `account` token only.
    Account,
    /// Reads across the person's groups (inbox, counts, stream, "my" lists): a group-limited
    /// token is confined to its group (what it sees is tested in the hardening stories).
    Across,
    /// Changes across groups, narrowed to its group for a limited token (marking read).
    AcrossWrite,
    /// Spans every group and cannot be narrowed (notification settings, making a group):
    /// refused to a group-limited token.
    Spanning,
    /// Only a log-in session has it (logging out).
    SessionOnly,
    /// The server's own keys: administrators with a session or a write token.
    ServerAdmin,
}

fn class_of(method: &str, spec: &str) -> Class {
    use Class::*;
    match (method, spec) {
        ("POST", "/api/v1/accounts")
        | ("GET", "/api/v1/accounts/{account}")
        | ("POST", "/api/v1/sessions")
        | ("POST", "/api/v1/password-resets")
        | ("POST", "/api/v1/password-resets/{token}")
        | ("POST", "/api/v1/email-confirmations")
        | ("GET", "/api/v1/groups")
        | ("GET", "/api/v1/tools") => Open,
        ("PATCH", "/api/v1/me")
        | ("GET", "/api/v1/sessions")
        | ("DELETE", "/api/v1/sessions/{id}")
        | ("GET", "/api/v1/tokens")
        | ("POST", "/api/v1/tokens")
        | ("DELETE", "/api/v1/tokens/{id}")
        | ("POST", "/api/v1/tools")
        | ("GET", "/api/v1/tools/{tool}/registration")
        | ("PATCH", "/api/v1/tools/{tool}/registration")
        | ("POST", "/api/v1/tools/{tool}/secret")
        | ("GET", "/api/v1/tools/{tool}/requests")
        | ("POST", "/api/v1/tool-requests/{id}/approve")
        | ("POST", "/api/v1/tool-requests/{id}/reject")
        | ("POST", "/api/v1/groups/{group}/members")
        | ("POST", "/api/v1/invitations/{id}/accept")
        | ("POST", "/api/v1/invitations/{id}/decline")
        | ("POST", "/api/v1/invitations/accept")
        | ("POST", "/api/v1/invitations/decline") => Account,
        ("GET", "/api/v1/me")
        | ("GET", "/api/v1/me/ledger-accounts")
        | ("GET", "/api/v1/me/tasks")
        | ("GET", "/api/v1/intents")
        | ("GET", "/api/v1/me/intent-tags")
        | ("GET", "/api/v1/me/obligations")
        | ("GET", "/api/v1/me/credit-preferences")
        | ("GET", "/api/v1/payment-requests")
        | ("GET", "/api/v1/notifications")
        | ("GET", "/api/v1/notifications/counts")
        | ("GET", "/api/v1/stream") => Across,
        ("POST", "/api/v1/notifications/read") => AcrossWrite,
        ("GET", "/api/v1/notifications/settings")
        | ("PATCH", "/api/v1/notifications/settings")
        | ("POST", "/api/v1/groups")
        | ("PUT", "/api/v1/me/credit-preferences")
        | ("PUT", "/api/v1/me/intent-tags/{tag}")
        | ("DELETE", "/api/v1/me/intent-tags/{tag}") => Spanning,
        ("DELETE", "/api/v1/sessions/current") => SessionOnly,
        (_, "/api/v1/oidc/keys") | (_, "/api/v1/oidc/keys/rotate") => ServerAdmin,
        ("GET", "/api/v1/groups/{group}/invitations")
        | ("GET", "/api/v1/groups/{group}/join-requests")
        | ("GET", "/api/v1/groups/{group}/webhooks")
        | ("GET", "/api/v1/webhooks/{id}/deliveries")
        | ("GET", "/api/v1/invitations/{id}") => ManageRead,
        // Serving a pair hands out the token that answers it: taking part, not reading.
        ("GET", "/api/v1/idea-boards/{id}/pair") => GroupWrite,
        ("GET", _) => GroupRead,
        _ => GroupWrite,
    }
}

/// The kinds of credential a signed-in person may hold, besides their session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `read write`: everything the person may do in groups, not the account.
    Full,
    Read,
    /// `read write` limited to the row's group.
    Limited,
    /// `read write` limited to another group of theirs.
    Elsewhere,
    /// `read write account`.
    AccountScope,
    /// An OpenID Connect access token (for userinfo only).
    Oidc,
}

const KINDS: [Kind; 6] = [
    Kind::Full,
    Kind::Read,
    Kind::Limited,
    Kind::Elsewhere,
    Kind::AccountScope,
    Kind::Oidc,
];

/// Whether an answer got past the policy: an allowed request may still fail on its input or
/// the state of things (400, 409, 410, 415, 422), which tells nothing it should not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Passed,
    Refused,
    Broken,
}

fn outcome(status: u16) -> Outcome {
    match status {
        401 | 403 | 404 => Outcome::Refused,
        500..=599 => Outcome::Broken,
        _ => Outcome::Passed,
    }
}

/// What a credential of `kind` must get on a row of `class`, given the session's outcome for
/// the same person (`session`) and the outsider's (`outsider`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// As the session does.
    Same,
    Refused,
    /// As an outsider's session does, or refused.
    Outsider,
    /// Anything but a failure inside (open rows, where a credential changes nothing).
    Any,
    /// Not done: refused, or told it is the wrong kind of credential (400).
    NotDone,
}

fn want(class: Class, kind: Kind, method: &str) -> Want {
    use Class::*;
    use Kind::*;
    let read = method == "GET";
    match (class, kind) {
        (Open, Oidc) => Want::Any,
        (_, Oidc) => Want::Refused,
        (Open, _) => Want::Any,
        (ServerAdmin, _) => Want::Refused,
        (SessionOnly, _) => Want::NotDone,
        (Account, AccountScope) => Want::Same,
        (Account, _) => Want::Refused,
        (GroupRead | ManageRead | GroupWrite, Elsewhere) => Want::Outsider,
        (ManageRead, Read) => Want::Refused,
        (GroupWrite, Read) | (AcrossWrite, Read) => Want::Refused,
        (Spanning, Limited | Elsewhere) => Want::Refused,
        (Spanning, Read) if !read => Want::Refused,
        _ => Want::Same,
    }
}

fn meets(want: Want, got: u16, session: u16, outsider: u16) -> bool {
    let got_status = got;
    let got = outcome(got);
    got != Outcome::Broken
        && match want {
            Want::Same => got == outcome(session),
            Want::Refused => got == Outcome::Refused,
            Want::Outsider => got == Outcome::Refused || got == outcome(outsider),
            Want::Any => true,
            Want::NotDone => got == Outcome::Refused || got_status == 400,
        }
}

/// Rows an outside tool's group token may pass: reading its group and posting to it, and what
/// needs no one (or is confined to its group). Every other row refuses it.
fn tool_may_pass(method: &str, spec: &str) -> bool {
    matches!(
        class_of(method, spec),
        Class::Open | Class::Across | Class::AcrossWrite
    ) || matches!(
        (method, spec),
        ("GET", "/api/v1/groups/{group}")
            | ("GET", "/api/v1/groups/{group}/activities")
            | ("POST", "/api/v1/groups/{group}/activities")
            | ("GET", "/api/v1/groups/{group}/members")
            | ("GET", "/api/v1/groups/{group}/roles")
            | ("GET", "/api/v1/groups/{group}/subgroups")
            | ("GET", "/api/v1/groups/{group}/tools")
            | ("POST", "/api/v1/groups/{group}/motions")
            | ("GET", "/api/v1/motions/{id}")
            | ("GET", "/api/v1/comments")
            | ("POST", "/api/v1/comments")
            | ("GET", "/api/v1/files")
            | ("POST", "/api/v1/files")
            // A pool is as transparent as its group's content.
            | ("GET", "/api/v1/groups/{group}/pools")
            | ("GET", "/api/v1/pools/{id}")
            | ("GET", "/api/v1/pools/{id}/report")
            | ("GET", "/api/v1/pools/{id}/spends")
    )
}

/// A person's credentials of every kind, for the rows of one group (`limited` to it).
struct Credentials {
    full: Client,
    read: Client,
    limited: Option<Client>,
    elsewhere: Client,
    account: Client,
    oidc: Client,
}

impl Credentials {
    fn of(&self, kind: Kind) -> Option<&Client> {
        match kind {
            Kind::Full => Some(&self.full),
            Kind::Read => Some(&self.read),
            Kind::Limited => self.limited.as_ref(),
            Kind::Elsewhere => Some(&self.elsewhere),
            Kind::AccountScope => Some(&self.account),
            Kind::Oidc => Some(&self.oidc),
        }
    }
}

async fn personal_token(
    server: &TestServer,
    who: &Client,
    scopes: &[&str],
    group: Option<&str>,
) -> Client {
    let mut body = json!({"name": "matrix", "scopes": scopes});
    if let Some(g) = group {
        body["group"] = json!(g);
    }
    let made = who.post("/api/v1/tokens", &body).await;
    assert_eq!(made.status, 201, "{}", made.body);
    server
        .client()
        .with_token(made.json["token"].as_str().unwrap())
}

/// Every kind of credential of `who`; `home` is another group of theirs, `group` the row's
/// group if they belong to it.
async fn credentials(
    server: &TestServer,
    who: &Client,
    home: &str,
    group: Option<&str>,
    oidc: &Client,
) -> Credentials {
    Credentials {
        full: personal_token(server, who, &["read", "write"], None).await,
        read: personal_token(server, who, &["read"], None).await,
        limited: match group {
            Some(g) => Some(personal_token(server, who, &["read", "write"], Some(g)).await),
            None => None,
        },
        elsewhere: personal_token(server, who, &["read", "write"], Some(home)).await,
        account: personal_token(server, who, &["read", "write", "account"], None).await,
        oidc: oidc.clone(),
    }
}

/// An outside tool's group token for `group` (the tool is turned on there by its owner).
async fn tool_token(server: &TestServer, owner: &Client, tool: &Value, group: &str) -> Client {
    let on = owner
        .put(
            &format!("/api/v1/groups/{group}/tools/fixture_tool"),
            &json!({}),
        )
        .await;
    assert_eq!(on.status, 204, "{}", on.body);
    let reply = reqwest::Client::new()
        .post(format!("{}/oauth/token", server.url))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", tool["client_id"].as_str().unwrap()),
            ("client_secret", tool["client_secret"].as_str().unwrap()),
            ("scope", &format!("group:{group}")),
        ])
        .send()
        .await
        .unwrap();
    let body: Value = reply.json().await.unwrap();
    server
        .client()
        .with_token(body["access_token"].as_str().expect("a tool token"))
}

/// One request of a row, as `client`.
async fn send(client: &Client, method: &str, url: &str, body: Option<&Value>) -> testkit::Reply {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = client.request(method, url);
    if url.ends_with("?probe") {
        request = request.header("last-event-id", "not-a-position");
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    client.send(request).await
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
    let tool = tool.json;
    let mut fixtures = Vec::new();
    for visibility in ["public", "listed", "secret"] {
        fixtures.push(fixture(&server, &people, visibility).await);
    }
    // Each signed-in caller has a group of their own (for tokens limited elsewhere) and an
    // OpenID Connect access token; each group an outside tool's token.
    let registrar = server.account("registrar").await;
    let mut oidc = vec![server.client()];
    for (i, who) in people.iter().enumerate().take(5).skip(1) {
        let home = format!("home_{i}");
        let made = who
            .post(
                "/api/v1/groups",
                &json!({"handle": home, "name": home, "visibility": "secret", "join_policy": "invite"}),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
        let handle = ["", "out", "mem", "adm", "own"][i];
        let token = crate::oidc::access_token_for(&server, &registrar, handle).await;
        oidc.push(server.client().with_token(&token));
    }
    let mut credentials_by = Vec::new(); // [group][who]
    let mut tools = Vec::new();
    for f in &fixtures {
        let mut row = vec![None];
        for (i, who) in people.iter().enumerate().take(5).skip(1) {
            let member = i > 1;
            let limited = member.then_some(f.handle.as_str());
            row.push(Some(
                credentials(&server, who, &format!("home_{i}"), limited, &oidc[i]).await,
            ));
        }
        credentials_by.push(row);
        tools.push(tool_token(&server, &people[4], &tool, &f.handle).await);
    }

    let nobody = uuid::Uuid::now_v7().to_string();
    let mut failures = Vec::new();
    let mut fresh = 0;
    let mut checked = 0;
    let future = kernel::Timestamp(server.clock.now().0)
        .plus_seconds(30 * 86_400)
        .to_rfc3339();
    for row in rows() {
        let class = class_of(row.method, row.spec);
        let cases: Vec<(usize, usize, u16)> = match &row.expect {
            Expect::Group(by_group) => (0..3)
                .flat_map(|g| (0..5).map(move |who| (g, who, by_group[g][who])))
                .collect(),
            // The signed-in caller of a person's endpoint is a fresh account, so answers
            // that change the caller (logging out) touch nobody else.
            Expect::Person([anonymous, signed_in]) => vec![(0, 0, *anonymous), (0, 5, *signed_in)],
        };
        let outsider_answer = |g: usize| match &row.expect {
            Expect::Group(by_group) => by_group[g][1],
            Expect::Person([_, signed_in]) => *signed_in,
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
                .replace("{hook}", &f.webhook)
                .replace("{poll}", &f.poll)
                .replace("{closing}", &f.closing)
                .replace("{reopening}", &f.reopening)
                .replace("{decided}", &f.decided)
                .replace("{choice}", &f.choice)
                .replace("{meeting}", &f.meeting)
                .replace("{withdrawing}", &f.withdrawing)
                .replace("{motion}", &f.motion)
                .replace("{board}", &f.board)
                .replace("{stuck}", &f.stuck)
                .replace("{card}", &f.card)
                .replace("{cpool}", &f.cpool)
                .replace("{exp}", &f.expense)
                .replace("{dues}", &f.dues)
                .replace("{offer}", &f.offer)
                .replace("{iboard}", &f.iboard)
                .replace("{idea1}", &f.idea1)
                .replace("{idea_dup}", &f.idea_dup)
                .replace("{vround}", &f.vround)
                .replace("{vbucket}", &f.vbucket)
                .replace("{closing_round}", &f.closing_round)
                .replace("{round}", &f.round)
                .replace("{cbucket}", &f.cbucket)
                .replace("{fbucket}", &f.fbucket)
                .replace("{bucket}", &f.bucket)
                .replace("{wreq}", &f.wreq)
                .replace("{ireq}", &f.ireq)
                .replace("{accept_resp}", &f.accept_resp)
                .replace("{decline_resp}", &f.decline_resp);
            let body = row.body.as_ref().map(|b| {
                let text = b
                    .to_string()
                    .replace("{g}", &f.handle)
                    .replace("{acct}", &f.account)
                    .replace("{pool}", &f.pool)
                    .replace("{cur}", &f.currency)
                    .replace("{idea1}", &f.idea1)
                    .replace("{vbucket}", &f.vbucket)
                    .replace("{future}", &future);
                serde_json::from_str::<Value>(&text).unwrap()
            });

            let who_name = [
                "anonymous",
                "outsider",
                "member",
                "admin",
                "owner",
                "signed in",
            ][who];
            let (client, kinds) = if who == 5 {
                fresh += 1;
                let person = server.account(&format!("fresh{fresh}")).await;
                let home = format!("fresh_home{fresh}");
                let made = person
                    .post(
                        "/api/v1/groups",
                        &json!({"handle": home, "name": home, "visibility": "secret", "join_policy": "invite"}),
                    )
                    .await;
                assert_eq!(made.status, 201, "{}", made.body);
                let kinds = credentials(&server, &person, &home, Some(&home), &oidc[1]).await;
                (person, Some(kinds))
            } else {
                (people[who].clone(), None)
            };
            let kinds = match (&kinds, who) {
                (Some(k), _) => Some(k),
                (None, 1..=4) => credentials_by[g][who].as_ref(),
                _ => None,
            };
            // The session first, so what it makes (a currency, a tool) it makes; but a row that
            // ends the caller's session (logging out) goes last.
            let session_first = class != Class::SessionOnly;
            let mut reply = None;
            if session_first {
                reply = Some(send(&client, row.method, &url, body.as_ref()).await);
            }
            if let Some(kinds) = kinds {
                for kind in KINDS {
                    let Some(credential) = kinds.of(kind) else {
                        continue;
                    };
                    let w = want(class, kind, row.method);
                    let got = send(credential, row.method, &url, body.as_ref()).await;
                    checked += 1;
                    if !meets(w, got.status, expected, outsider_answer(g)) {
                        failures.push(format!(
                            "{} {url} as {who_name} with a {kind:?} token: the session gets \
                             {expected}, so {w:?} is wanted; got {} {}",
                            row.method, got.status, got.body
                        ));
                    }
                }
            }
            let reply = match reply {
                Some(reply) => reply,
                None => send(&client, row.method, &url, body.as_ref()).await,
            };
            checked += 1;
            if reply.status != expected {
                failures.push(format!(
                    "{} {url} as {who_name}: expected {expected}, got {} {}",
                    row.method, reply.status, reply.body
                ));
            }
            // The outside tool of this group, once per group.
            if who == 0 {
                let got = send(&tools[g], row.method, &url, body.as_ref()).await;
                checked += 1;
                let w = if tool_may_pass(row.method, row.spec) {
                    Want::Any
                } else if class == Class::SessionOnly {
                    Want::NotDone
                } else {
                    Want::Refused
                };
                if !meets(w, got.status, expected, expected) {
                    failures.push(format!(
                        "{} {url} with the group's outside tool token: got {} {}",
                        row.method, got.status, got.body
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} answers differ:\n{}",
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
