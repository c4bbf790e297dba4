//! Accounts, log-in, sessions, profile changes, password resets and personal access tokens.

use serde_json::json;
use testkit::{Backend, TestServer, both};

both!(
    sign_up_gives_an_account_with_a_did,
    sign_up_answers_alike_for_a_taken_address,
    sign_up_rejects_bad_input_field_by_field,
    wrong_password_and_unknown_handle_answer_alike,
    log_in_attempts_are_rate_limited,
    sessions_are_listed_and_revoked,
    cookie_sessions_need_the_same_origin_to_change_state,
    handle_changes_are_kept_in_history,
    password_change_needs_the_current_one_and_ends_other_sessions,
    password_reset_by_mail,
    password_reset_links_expire_and_are_single_use,
    tokens_carry_scopes_and_expire,
    tokens_cannot_outgrow_their_creator,
    lists_page_with_cursors,
);

const PASSWORD: &str = "tangerine-orbit-cello-47";

async fn sign_up_gives_an_account_with_a_did(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = server.client();
    let reply = client
        .post(
            "/api/v1/accounts",
            &json!({"handle": "ada", "password": PASSWORD, "display_name": "Ada Lovelace",
                    "email": "Ada@Example.org"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let me = &reply.json;
    assert_eq!(me["handle"], "ada");
    assert_eq!(me["display_name"], "Ada Lovelace");
    assert!(me["email"].is_null(), "an address counts once confirmed");
    assert_eq!(
        me["pending_email"], "ada@example.org",
        "addresses are kept lower-case"
    );
    let did = me["did"].as_str().unwrap();
    assert!(did.starts_with("did:key:z6Mk"), "an Ed25519 did:key: {did}");
    assert!(me.get("password_hash").is_none());

    let profile = client.get("/api/v1/accounts/ada").await;
    assert_eq!(profile.status, 200);
    assert_eq!(profile.json["did"], did);
    assert!(
        profile.json.get("email").is_none(),
        "profiles do not show addresses"
    );
    let by_id = client
        .get(&format!("/api/v1/accounts/{}", me["id"].as_str().unwrap()))
        .await;
    assert_eq!(by_id.json["handle"], "ada");
    client.get("/api/v1/accounts/nobody").await.problem(404);

    let again = client
        .post(
            "/api/v1/accounts",
            &json!({"handle": "ada", "password": PASSWORD}),
        )
        .await;
    again.problem(409);
    assert_eq!(again.error_fields(), ["handle"]);
    let same_mail = client
        .post(
            "/api/v1/accounts",
            &json!({"handle": "ada2", "password": PASSWORD, "email": "ADA@example.org"}),
        )
        .await;
    assert_eq!(same_mail.status, 201, "{}", same_mail.body);
    assert!(same_mail.json["email"].is_null());
    assert_eq!(same_mail.json["pending_email"], "ada@example.org");
}

/// Sign-up never tells whether an address is registered: a taken one answers exactly as a
/// free one, its mailbox is warned instead of sent a link, and the address stays where it is.
async fn sign_up_answers_alike_for_a_taken_address(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = server.client();
    let sign_up = |handle: &'static str, email: &'static str| {
        let client = client.clone();
        async move {
            let reply = client
                .post(
                    "/api/v1/accounts",
                    &json!({"handle": handle, "password": PASSWORD, "email": email}),
                )
                .await;
            assert_eq!(reply.status, 201, "{}", reply.body);
            let login = client
                .post(
                    "/api/v1/sessions",
                    &json!({"handle": handle, "password": PASSWORD}),
                )
                .await;
            (
                reply.json,
                client.with_token(login.json["token"].as_str().unwrap()),
            )
        }
    };
    let (ada_me, ada) = sign_up("ada", "ada@example.org").await;
    let mails = server.wait_for_mails(1).await;
    assert!(mails[0].contains("To: ada@example.org"), "{}", mails[0]);
    let token = crate::hardening::secret_in(&mails[0], "weft_eml_");
    ada.get("/api/v1/me").await.json["email"]
        .is_null()
        .then_some(())
        .expect("not the account's address before the link is opened");
    let confirmed = client
        .post("/api/v1/email-confirmations", &json!({"token": token}))
        .await;
    assert!(confirmed.status < 300, "{}", confirmed.body);
    assert_eq!(ada.get("/api/v1/me").await.json["email"], "ada@example.org");

    // Someone else gives ada's address: the answer has the same shape and fields.
    let (eve_me, eve) = sign_up("eve", "ada@example.org").await;
    let (fay_me, _) = sign_up("fay", "fay@example.org").await;
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&eve_me), keys(&fay_me));
    assert_eq!(keys(&eve_me), keys(&ada_me));
    assert_eq!(eve_me["pending_email"], "ada@example.org");
    assert_eq!(
        eve.get("/api/v1/me").await.json["pending_email"],
        "ada@example.org",
        "and the account looks the same afterwards"
    );
    // ada's mailbox is warned, with no link; fay's gets a link.
    let mails = server.wait_for_mails(3).await;
    assert_eq!(mails.len(), 3, "ada's link, ada's warning, fay's link");
    let warned = mails
        .iter()
        .find(|m| m.contains("Someone signed up to Weft with your address"))
        .expect("the owner of the address is told");
    assert!(warned.contains("To: ada@example.org") && !warned.contains("weft_eml_"));
    assert!(
        mails
            .iter()
            .any(|m| m.contains("To: fay@example.org") && m.contains("weft_eml_"))
    );
    assert!(
        !mails
            .iter()
            .any(|m| m.contains("@eve") && m.contains("weft_eml_"))
    );
    // The address stays with ada: log-in and password reset by address reach her account.
    let by_address = client
        .post(
            "/api/v1/sessions",
            &json!({"handle": "ada@example.org", "password": PASSWORD}),
        )
        .await;
    assert_eq!(by_address.status, 201, "{}", by_address.body);
    assert_eq!(by_address.json["account"]["handle"], "ada");
}

async fn sign_up_rejects_bad_input_field_by_field(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = server.client();
    let reply = client
        .post(
            "/api/v1/accounts",
            &json!({"handle": "Not A Handle", "password": "password1", "email": "nope",
                    "display_name": "x".repeat(101)}),
        )
        .await;
    reply.problem(422);
    let mut fields = reply.error_fields();
    fields.sort();
    assert_eq!(fields, ["display_name", "email", "handle", "password"]);

    let personal = client
        .post(
            "/api/v1/accounts",
            &json!({"handle": "grace_hopper", "password": "gracehopper1"}),
        )
        .await;
    personal.problem(422);
    assert_eq!(personal.error_fields(), ["password"]);

    let wrong_type = client
        .post(
            "/api/v1/accounts",
            &json!({"handle": 7, "password": PASSWORD}),
        )
        .await;
    wrong_type.problem(422);
    assert_eq!(wrong_type.error_fields(), ["handle"]);
    let missing = client
        .post("/api/v1/accounts", &json!({"handle": "bo"}))
        .await;
    assert!(
        missing.problem(422)["detail"]
            .as_str()
            .unwrap()
            .contains("password")
    );
    let extra = client
        .post(
            "/api/v1/accounts",
            &json!({"handle": "bo", "password": PASSWORD, "admin": true}),
        )
        .await;
    assert!(
        extra.problem(422)["detail"]
            .as_str()
            .unwrap()
            .contains("admin")
    );
    let empty = client
        .post("/api/v1/accounts", &json!({"handle": "", "password": ""}))
        .await;
    empty.problem(422);
}

async fn wrong_password_and_unknown_handle_answer_alike(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.account("ada").await;
    let client = server.client();
    let wrong = client
        .post(
            "/api/v1/sessions",
            &json!({"handle": "ada", "password": "nope-nope-nope"}),
        )
        .await;
    let unknown = client
        .post(
            "/api/v1/sessions",
            &json!({"handle": "zed", "password": "nope-nope-nope"}),
        )
        .await;
    wrong.problem(401);
    unknown.problem(401);
    assert_eq!(
        wrong.body, unknown.body,
        "the answer must not tell whether a handle exists"
    );

    let by_email = client
        .post(
            "/api/v1/sessions",
            &json!({"handle": "ada@example.org", "password": "ada-tangerine-orbit-47"}),
        )
        .await;
    assert_eq!(
        by_email.status, 201,
        "an email works in place of the handle: {}",
        by_email.body
    );
    let cookie = by_email.header("set-cookie").unwrap();
    assert!(cookie.starts_with("weft_session=weft_ses_"), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}

async fn log_in_attempts_are_rate_limited(backend: Backend) {
    let server = TestServer::start_with(backend, |c| c.login_attempts_per_minute = 3).await;
    server
        .client()
        .post(
            "/api/v1/accounts",
            &json!({"handle": "ada", "password": PASSWORD}),
        )
        .await;
    let client = server.client();
    for _ in 0..3 {
        let r = client
            .post(
                "/api/v1/sessions",
                &json!({"handle": "ada", "password": "wrong-wrong-wrong"}),
            )
            .await;
        r.problem(401);
    }
    let limited = client
        .post(
            "/api/v1/sessions",
            &json!({"handle": "ada", "password": PASSWORD}),
        )
        .await;
    limited.problem(429);
    let wait: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait));
    // Unknown handles are limited just the same, so the limit tells nothing either.
    for _ in 0..3 {
        client
            .post(
                "/api/v1/sessions",
                &json!({"handle": "ghost", "password": "x"}),
            )
            .await;
    }
    client
        .post(
            "/api/v1/sessions",
            &json!({"handle": "ghost", "password": "x"}),
        )
        .await
        .problem(429);

    server.clock.advance_seconds(61);
    let after = client
        .post(
            "/api/v1/sessions",
            &json!({"handle": "ada", "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        after.status, 201,
        "the limit lifts after a minute: {}",
        after.body
    );
}

async fn sessions_are_listed_and_revoked(backend: Backend) {
    let server = TestServer::start(backend).await;
    let laptop = server.account("ada").await;
    let phone = server
        .client()
        .with_header("user-agent", "PhoneBrowser/1.0")
        .post(
            "/api/v1/sessions",
            &json!({"handle": "ada", "password": "ada-tangerine-orbit-47"}),
        )
        .await;
    let phone_id = phone.json["id"].as_str().unwrap().to_string();
    let phone = server
        .client()
        .with_token(phone.json["token"].as_str().unwrap());

    let list = laptop.get("/api/v1/sessions").await;
    assert_eq!(list.status, 200);
    let items = list.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items.iter().filter(|s| s["current"] == true).count(), 1);
    assert!(items.iter().any(|s| s["user_agent"] == "PhoneBrowser/1.0"));

    laptop.delete(&format!("/api/v1/sessions/{phone_id}")).await;
    phone.get("/api/v1/me").await.problem(401);
    laptop
        .delete(&format!("/api/v1/sessions/{phone_id}"))
        .await
        .problem(404);
    laptop
        .delete("/api/v1/sessions/not-an-id")
        .await
        .problem(404);

    // Another person's session is not yours to end.
    let bo = server.account("bo").await;
    let bo_sessions = bo.get("/api/v1/sessions").await;
    let bo_id = bo_sessions.json["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    laptop
        .delete(&format!("/api/v1/sessions/{bo_id}"))
        .await
        .problem(404);
    assert_eq!(bo.get("/api/v1/me").await.status, 200);

    let out = laptop.delete("/api/v1/sessions/current").await;
    assert_eq!(out.status, 204);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    laptop.get("/api/v1/me").await.problem(401);
    laptop
        .without_token()
        .get("/api/v1/sessions")
        .await
        .problem(401);

    // Expired sessions stop working.
    server.clock.advance_seconds(31 * 24 * 3600);
    bo.get("/api/v1/me").await.problem(401);
}

async fn cookie_sessions_need_the_same_origin_to_change_state(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ada = server.account("ada").await;
    let cookie = format!("weft_session={}", ada.token().unwrap());
    let browser = server.client().with_header("cookie", &cookie);
    assert_eq!(
        browser.get("/api/v1/me").await.status,
        200,
        "reads need no origin"
    );
    let forged = browser.with_header("origin", "https://evil.example");
    forged
        .patch("/api/v1/me", &json!({"display_name": "Pwned"}))
        .await
        .problem(403);
    browser
        .patch("/api/v1/me", &json!({"display_name": "Pwned"}))
        .await
        .problem(403);
    let own = browser.with_header("origin", &server.url);
    let ok = own
        .patch("/api/v1/me", &json!({"display_name": "Ada L."}))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.json["display_name"], "Ada L.");
    // A bearer token is not sent by browsers on their own, so it needs no origin.
    assert_eq!(
        ada.patch("/api/v1/me", &json!({"display_name": "Ada"}))
            .await
            .status,
        200
    );
}

async fn handle_changes_are_kept_in_history(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ada = server.account("ada").await;
    server.account("bo").await;
    ada.patch("/api/v1/me", &json!({"handle": "bo"}))
        .await
        .problem(409);
    ada.patch("/api/v1/me", &json!({"handle": "Bad Handle"}))
        .await
        .problem(422);
    server.clock.advance_seconds(10);
    let renamed = ada
        .patch("/api/v1/me", &json!({"handle": "countess"}))
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(renamed.json["handle"], "countess");

    let profile = server.client().get("/api/v1/accounts/countess").await;
    let history = profile.json["handle_history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["handle"], "countess");
    assert!(history[0]["until"].is_null());
    assert_eq!(history[1]["handle"], "ada");
    assert!(history[1]["until"].is_string());
    // Links made with the old handle still find the account.
    let old = server.client().get("/api/v1/accounts/ada").await;
    assert_eq!(old.json["handle"], "countess");
    // The new handle logs in; the old one no longer does.
    let login = |handle: &str| json!({"handle": handle, "password": "ada-tangerine-orbit-47"});
    assert_eq!(
        server
            .client()
            .post("/api/v1/sessions", &login("countess"))
            .await
            .status,
        201
    );
    server
        .client()
        .post("/api/v1/sessions", &login("ada"))
        .await
        .problem(401);

    let cleared = ada.patch("/api/v1/me", &json!({"email": null})).await;
    assert!(cleared.json["email"].is_null(), "{}", cleared.body);
    ada.patch("/api/v1/me", &json!({"email": "not-an-address"}))
        .await
        .problem(422);
}

async fn password_change_needs_the_current_one_and_ends_other_sessions(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ada = server.account("ada").await;
    let other = server
        .client()
        .post(
            "/api/v1/sessions",
            &json!({"handle": "ada", "password": "ada-tangerine-orbit-47"}),
        )
        .await;
    let other = server
        .client()
        .with_token(other.json["token"].as_str().unwrap());

    let wrong = ada
        .patch(
            "/api/v1/me",
            &json!({"password": {"current": "guess-guess-guess", "new": "a-far-better-secret-99"}}),
        )
        .await;
    wrong.problem(422);
    assert_eq!(wrong.error_fields(), ["password.current"]);
    let weak = ada
        .patch(
            "/api/v1/me",
            &json!({"password": {"current": "ada-tangerine-orbit-47", "new": "12345678910"}}),
        )
        .await;
    assert_eq!(weak.error_fields(), ["password.new"]);

    let changed = ada
        .patch("/api/v1/me", &json!({"password": {"current": "ada-tangerine-orbit-47", "new": "a-far-better-secret-99"}}))
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(
        ada.get("/api/v1/me").await.status,
        200,
        "the session that changed it stays"
    );
    other.get("/api/v1/me").await.problem(401);
    let login = server
        .client()
        .post(
            "/api/v1/sessions",
            &json!({"handle": "ada", "password": "a-far-better-secret-99"}),
        )
        .await;
    assert_eq!(login.status, 201);
    let mails = server.wait_for_mails(1).await;
    assert!(
        mails[0].contains("password of your Weft account @ada was just changed"),
        "{}",
        mails[0]
    );
}

fn reset_token(mail: &str) -> String {
    let start = mail.find("weft_rst_").expect("a reset token in the mail");
    mail[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

async fn password_reset_by_mail(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ada = server.account("ada").await;
    let client = server.client();
    assert_eq!(
        client
            .post("/api/v1/password-resets", &json!({"handle": "nobody"}))
            .await
            .status,
        202
    );
    let asked = client
        .post("/api/v1/password-resets", &json!({"handle": "ada"}))
        .await;
    assert_eq!(asked.status, 202);
    let mails = server.wait_for_mails(1).await;
    assert_eq!(mails.len(), 1, "no mail for an unknown handle");
    assert!(mails[0].contains("To: ada@example.org"));
    assert!(
        mails[0].contains(&format!("{}/reset-password/weft_rst_", server.url)),
        "{}",
        mails[0]
    );
    let token = reset_token(&mails[0]);

    let weak = client
        .post(
            &format!("/api/v1/password-resets/{token}"),
            &json!({"password": "ada12345678"}),
        )
        .await;
    weak.problem(422);
    let done = client
        .post(
            &format!("/api/v1/password-resets/{token}"),
            &json!({"password": "brand-new-secret-2026"}),
        )
        .await;
    assert_eq!(done.status, 204, "{}", done.body);
    ada.get("/api/v1/me").await.problem(401);
    let login = client
        .post(
            "/api/v1/sessions",
            &json!({"handle": "ada", "password": "brand-new-secret-2026"}),
        )
        .await;
    assert_eq!(login.status, 201);
    client
        .post(
            &format!("/api/v1/password-resets/{token}"),
            &json!({"password": "another-new-secret-2026"}),
        )
        .await
        .problem(410);
    client
        .post(
            "/api/v1/password-resets/weft_rst_made_up",
            &json!({"password": "another-new-secret-2026"}),
        )
        .await
        .problem(404);
    client
        .post("/api/v1/password-resets", &json!({}))
        .await
        .problem(422);
    let by_email = client
        .post(
            "/api/v1/password-resets",
            &json!({"email": "ADA@example.org"}),
        )
        .await;
    assert_eq!(by_email.status, 202);
    server.wait_for_mails(2).await;
}

async fn password_reset_links_expire_and_are_single_use(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.account("ada").await;
    let client = server.client();
    client
        .post("/api/v1/password-resets", &json!({"handle": "ada"}))
        .await;
    let first = reset_token(&server.wait_for_mails(1).await[0]);
    server.clock.advance_seconds(3601);
    client
        .post(
            &format!("/api/v1/password-resets/{first}"),
            &json!({"password": "brand-new-secret-2026"}),
        )
        .await
        .problem(410);
    client
        .post("/api/v1/password-resets", &json!({"handle": "ada"}))
        .await;
    client
        .post("/api/v1/password-resets", &json!({"handle": "ada"}))
        .await;
    let mails = server.wait_for_mails(3).await;
    let (second, third) = (reset_token(&mails[1]), reset_token(&mails[2]));
    let done = client
        .post(
            &format!("/api/v1/password-resets/{third}"),
            &json!({"password": "brand-new-secret-2026"}),
        )
        .await;
    assert_eq!(done.status, 204);
    // Using one link uses up every open link of the account.
    client
        .post(
            &format!("/api/v1/password-resets/{second}"),
            &json!({"password": "other-new-secret-2026"}),
        )
        .await
        .problem(410);
}

async fn tokens_carry_scopes_and_expire(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ada = server.account("ada").await;
    let made = ada
        .post(
            "/api/v1/tokens",
            &json!({"name": "reader", "scopes": ["read"], "expires_in": 3600}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let secret = made.json["token"].as_str().unwrap();
    assert!(secret.starts_with("weft_pat_"));
    assert_eq!(made.json["scopes"], json!(["read"]));
    let reader = server.client().with_token(secret);
    assert_eq!(reader.get("/api/v1/me").await.status, 200);
    let denied = reader
        .patch("/api/v1/me", &json!({"display_name": "Nope"}))
        .await;
    assert!(
        denied.problem(403)["detail"]
            .as_str()
            .unwrap()
            .contains("account scope")
    );
    reader.delete("/api/v1/sessions/current").await.problem(400);

    let listed = ada.get("/api/v1/tokens").await;
    let items = listed.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert!(
        items[0].get("token").is_none(),
        "a token's secret is shown once"
    );
    assert!(items[0]["last_used_at"].is_string());

    server.clock.advance_seconds(3601);
    reader.get("/api/v1/me").await.problem(401);

    let forever = ada
        .post(
            "/api/v1/tokens",
            &json!({"name": "writer", "scopes": ["write"]}),
        )
        .await;
    let writer = server
        .client()
        .with_token(forever.json["token"].as_str().unwrap());
    // `write` is everything the person may do in groups; the account itself needs `account`.
    writer
        .patch("/api/v1/me", &json!({"display_name": "Ada"}))
        .await
        .problem(403);
    let owner = ada
        .post(
            "/api/v1/tokens",
            &json!({"name": "owner", "scopes": ["write", "account"]}),
        )
        .await;
    let owner = server
        .client()
        .with_token(owner.json["token"].as_str().unwrap());
    assert_eq!(
        owner
            .patch("/api/v1/me", &json!({"display_name": "Ada"}))
            .await
            .status,
        200
    );
    let id = forever.json["id"].as_str().unwrap();
    assert_eq!(
        ada.delete(&format!("/api/v1/tokens/{id}")).await.status,
        204
    );
    writer.get("/api/v1/me").await.problem(401);
    ada.delete(&format!("/api/v1/tokens/{id}"))
        .await
        .problem(404);

    let bad = ada
        .post(
            "/api/v1/tokens",
            &json!({"name": "", "scopes": ["root"], "expires_in": 5}),
        )
        .await;
    bad.problem(422);
    let mut fields = bad.error_fields();
    fields.sort();
    assert_eq!(fields, ["expires_in", "name", "scopes"]);
    ada.post("/api/v1/tokens", &json!({"name": "none", "scopes": []}))
        .await
        .problem(422);
    server.client().get("/api/v1/tokens").await.problem(401);
    server
        .client()
        .with_token("weft_pat_forged")
        .get("/api/v1/me")
        .await
        .problem(401);
    server
        .client()
        .with_header("authorization", "Basic YTpi")
        .get("/api/v1/me")
        .await
        .problem(401);
}

async fn tokens_cannot_outgrow_their_creator(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ada = server.account("ada").await;
    let narrow = ada
        .post(
            "/api/v1/tokens",
            &json!({"name": "w", "scopes": ["ledger:write"]}),
        )
        .await;
    let narrow = server
        .client()
        .with_token(narrow.json["token"].as_str().unwrap());
    // Minting is an account-level act: `ledger:write` alone is not enough, nor `write`.
    narrow
        .post("/api/v1/tokens", &json!({"name": "x", "scopes": ["read"]}))
        .await
        .problem(403);
    let writer = ada
        .post("/api/v1/tokens", &json!({"name": "w", "scopes": ["write"]}))
        .await;
    server
        .client()
        .with_token(writer.json["token"].as_str().unwrap())
        .post("/api/v1/tokens", &json!({"name": "x", "scopes": ["read"]}))
        .await
        .problem(403);
    let broad = ada
        .post(
            "/api/v1/tokens",
            &json!({"name": "w", "scopes": ["write", "account"]}),
        )
        .await;
    let broad = server
        .client()
        .with_token(broad.json["token"].as_str().unwrap());
    let oidc = broad
        .post(
            "/api/v1/tokens",
            &json!({"name": "x", "scopes": ["openid"]}),
        )
        .await;
    assert_eq!(oidc.error_fields(), ["scopes"]);
    assert_eq!(
        broad
            .post(
                "/api/v1/tokens",
                &json!({"name": "x", "scopes": ["notes:read"]})
            )
            .await
            .status,
        201
    );
}

async fn lists_page_with_cursors(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ada = server.account("ada").await;
    for i in 0..5 {
        let r = ada
            .post(
                "/api/v1/tokens",
                &json!({"name": format!("t{i}"), "scopes": ["read"]}),
            )
            .await;
        assert_eq!(r.status, 201);
    }
    let first = ada.get("/api/v1/tokens?limit=2").await;
    let names: Vec<_> = first.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].clone())
        .collect();
    assert_eq!(names, [json!("t4"), json!("t3")], "newest first");
    let cursor = first.json["next_cursor"].as_str().unwrap();
    let second = ada
        .get(&format!("/api/v1/tokens?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(second.json["items"][0]["name"], "t2");
    let cursor = second.json["next_cursor"].as_str().unwrap();
    let last = ada
        .get(&format!("/api/v1/tokens?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(last.json["items"].as_array().unwrap().len(), 1);
    assert!(last.json["next_cursor"].is_null());
    ada.get("/api/v1/tokens?limit=0").await.problem(400);
    ada.get("/api/v1/tokens?limit=abc").await.problem(400);
    ada.get("/api/v1/tokens?cursor=!!!").await.problem(400);
}
