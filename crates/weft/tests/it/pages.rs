//! The pages, as a browser reaches them over HTTP: who gets which page (visitors, outsiders,
//! members), forms that refuse forgery and keep what was typed, logging in and out by form,
//! error pages, assets. The browser itself is driven by `web/tests` (headless Chromium).

use serde_json::json;
use testkit::{Backend, Client, Reply, TestServer, both};

both!(
    pages_answer_each_kind_of_caller,
    forms_refuse_forgery_and_keep_what_was_typed,
    assets_are_versioned_and_open_to_outside_tools,
    webhook_pages_are_for_those_who_manage_tools,
    membership_pages_follow_the_policy,
    group_admin_pages_follow_the_policy,
    a_failure_inside_is_a_page_that_tells_nothing_of_it,
);

/// The value of a cookie the answer sets.
fn set_cookie(reply: &Reply, name: &str) -> Option<String> {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .map(|rest| rest.split(';').next().unwrap_or_default().to_string())
}

/// A browser on Weft's own pages: cookies instead of a bearer token, asking for HTML.
fn browser(client: &Client, cookies: &str) -> Client {
    let mut b = client
        .without_token()
        .with_header("accept", "text/html")
        .with_header("origin", client.url("").trim_end_matches('/'));
    if !cookies.is_empty() {
        b = b.with_header("cookie", cookies);
    }
    b
}

async fn form(client: &Client, path: &str, fields: &[(&str, &str)]) -> Reply {
    let body = fields
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    client
        .post_raw(path, "application/x-www-form-urlencoded", body.into_bytes())
        .await
}

async fn pages_answer_each_kind_of_caller(backend: Backend) {
    let server = TestServer::start(backend).await;
    let owner = server.account("owner").await;
    let member = server.account("member").await;
    let outsider = server.account("outsider").await;
    for (handle, visibility, policy) in [
        ("commons", "public", "open"),
        ("cellar", "secret", "invite"),
    ] {
        let reply = owner
            .post(
                "/api/v1/groups",
                &json!({"handle": handle, "name": format!("The {handle}"),
                        "visibility": visibility, "join_policy": policy}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    let invitation = owner
        .post(
            "/api/v1/groups/cellar/invitations",
            &json!({"account": "member"}),
        )
        .await;
    let id = invitation.json["id"].as_str().unwrap().to_string();
    assert_eq!(
        member
            .post(&format!("/api/v1/invitations/{id}/accept"), &json!({}))
            .await
            .status,
        201
    );

    let plain = server.client();
    let visitor = browser(&plain, "");
    let as_outsider = browser(
        &plain,
        &format!("weft_session={}", outsider.token().unwrap()),
    );
    let as_member = browser(&plain, &format!("weft_session={}", member.token().unwrap()));

    // (path, visitor, outsider, member)
    let table: &[(&str, u16, u16, u16)] = &[
        ("/", 200, 200, 200),
        ("/login", 200, 303, 303),
        ("/signup", 200, 303, 303),
        ("/forgot-password", 200, 200, 200),
        ("/reset-password/weft_rst_unknown", 200, 200, 200),
        ("/ui", 200, 200, 200),
        ("/groups", 200, 200, 200),
        ("/groups?q=comm", 200, 200, 200),
        ("/groups/commons", 200, 200, 200),
        ("/groups/cellar", 404, 404, 200),
        ("/settings", 303, 200, 200),
        ("/settings/notifications", 303, 200, 200),
        ("/settings/tokens", 303, 200, 200),
        ("/settings/sessions", 303, 200, 200),
        ("/groups/new", 303, 200, 200),
        ("/@owner", 200, 200, 200),
        ("/@nobody", 404, 404, 404),
        ("/no/such/page", 404, 404, 404),
    ];
    for (path, for_visitor, for_outsider, for_member) in table {
        for (who, client, expected) in [
            ("visitor", &visitor, for_visitor),
            ("outsider", &as_outsider, for_outsider),
            ("member", &as_member, for_member),
        ] {
            let reply = client.get(path).await;
            assert_eq!(reply.status, *expected, "{who} GET {path}: {}", reply.body);
            if reply.status == 303 {
                continue;
            }
            assert_eq!(
                reply.header("content-type"),
                Some("text/html; charset=utf-8"),
                "{who} GET {path} is a page"
            );
            assert!(reply.body.contains(" · Weft</title>"), "{who} GET {path}");
            assert!(
                reply
                    .header("content-security-policy")
                    .is_some_and(|csp| csp.contains("script-src 'self'")),
                "{who} GET {path}"
            );
            if path.contains("cellar") && reply.status == 404 {
                assert!(
                    !reply.body.contains("The cellar"),
                    "a secret group stays secret"
                );
            }
        }
    }
    // Logged in, the page shows the person and their groups; a visitor's does not.
    let home = as_member.get("/").await;
    assert!(home.body.contains("Hello, member"), "{}", home.body);
    assert!(home.body.contains("/groups/cellar"));
    assert!(!visitor.get("/").await.body.contains("/groups/cellar"));
    // A group's page lists its subgroups.
    let sub = owner
        .post(
            "/api/v1/groups",
            &json!({"handle": "commons_kids", "name": "Kids of the commons", "visibility": "public",
                    "join_policy": "open", "parent": "commons"}),
        )
        .await;
    assert_eq!(sub.status, 201, "{}", sub.body);
    let parent = visitor.get("/groups/commons").await.body;
    assert!(parent.contains("Subgroups") && parent.contains("/groups/commons_kids"));
    // A profile shows the groups the viewer shares with its person, and only those.
    let shared = as_member.get("/@owner").await.body;
    assert!(
        shared.contains("Groups you share") && shared.contains("/groups/cellar"),
        "{shared}"
    );
    let none = as_outsider.get("/@owner").await.body;
    assert!(none.contains("You are in no group together yet.") && !none.contains("/groups/cellar"));
    // A visitor is sent to log in, and back.
    let settings = visitor.get("/settings?tab=x").await;
    assert_eq!(
        settings.header("location"),
        Some("/login?next=%2Fsettings%3Ftab%3Dx")
    );
    // A script asking for JSON still gets problem+json.
    plain.get("/groups/cellar").await.problem(404);
    // An old handle leads to the new one.
    assert_eq!(
        outsider
            .patch("/api/v1/me", &json!({"handle": "stranger"}))
            .await
            .status,
        200
    );
    let moved = visitor.get("/@outsider").await;
    assert_eq!(moved.status, 303);
    assert_eq!(moved.header("location"), Some("/@stranger"));
}

async fn forms_refuse_forgery_and_keep_what_was_typed(backend: Backend) {
    let server = TestServer::start(backend).await;
    let plain = server.client();
    let visitor = browser(&plain, "");
    let page = visitor.get("/signup").await;
    let csrf = set_cookie(&page, "weft_csrf").expect("a form token cookie");
    assert!(page.body.contains(&format!("value=\"{csrf}\"")));
    let with_token = browser(&plain, &format!("weft_csrf={csrf}"));

    // No token, a wrong token, or a token without its cookie: refused, nothing created.
    let fields = [
        ("handle", "mallory"),
        ("password", "tangerine-orbit-cello-47"),
    ];
    let missing = form(&with_token, "/signup", &fields).await;
    assert_eq!(missing.status, 403, "{}", missing.body);
    assert!(missing.body.contains("Not allowed"));
    let wrong = form(
        &with_token,
        "/signup",
        &[("csrf", "x".repeat(43).as_str()), fields[0], fields[1]],
    )
    .await;
    assert_eq!(wrong.status, 403);
    let cookieless = form(
        &visitor,
        "/signup",
        &[("csrf", csrf.as_str()), fields[0], fields[1]],
    )
    .await;
    assert_eq!(cookieless.status, 403);
    plain.get("/api/v1/accounts/mallory").await.problem(404);

    // Invalid input comes back with what was typed and the reason beside the field.
    let invalid = form(
        &with_token,
        "/signup",
        &[
            ("csrf", &csrf),
            ("handle", "Not A Handle"),
            ("display_name", "Ada <Lovelace>"),
            ("password", "short"),
        ],
    )
    .await;
    assert_eq!(invalid.status, 422);
    assert!(
        invalid.body.contains("id=\"handle-error\""),
        "{}",
        invalid.body
    );
    assert!(invalid.body.contains("id=\"password-error\""));
    assert!(invalid.body.contains("value=\"Not A Handle\""));
    assert!(
        invalid.body.contains("value=\"Ada &#60;Lovelace&#62;\"")
            || invalid.body.contains("value=\"Ada &lt;Lovelace&gt;\""),
        "typed text is escaped: {}",
        invalid.body
    );
    assert!(
        !invalid.body.contains("value=\"short\""),
        "a password is never sent back"
    );

    // Signing up by form logs in: a session cookie, then the home page.
    let made = form(
        &with_token,
        "/signup",
        &[
            ("csrf", &csrf),
            ("handle", "ada"),
            ("display_name", "Ada"),
            ("password", "tangerine-orbit-cello-47"),
            ("next", "//evil.example/"),
        ],
    )
    .await;
    assert_eq!(made.status, 303, "{}", made.body);
    assert_eq!(
        made.header("location"),
        Some("/"),
        "only local paths are followed"
    );
    let session = set_cookie(&made, "weft_session").expect("a session cookie");
    let ada = browser(
        &plain,
        &format!("weft_csrf={csrf}; weft_session={session}; weft_flash=welcome"),
    );
    let home = ada.get("/").await;
    assert!(
        home.body.contains("Welcome to Weft!"),
        "the flash shows once"
    );
    assert!(home.body.contains("Hello, Ada"));
    assert_eq!(
        set_cookie(&home, "weft_flash").as_deref(),
        Some(""),
        "then it is forgotten"
    );

    // Logging out needs the token too, and from another site it is refused even with it.
    let elsewhere = plain
        .without_token()
        .with_header("origin", "https://evil.example")
        .with_header(
            "cookie",
            &format!("weft_csrf={csrf}; weft_session={session}"),
        );
    let forged = form(&elsewhere, "/logout", &[("csrf", &csrf)]).await;
    assert_eq!(forged.status, 403);
    assert!(
        ada.get("/").await.body.contains("Hello, Ada"),
        "still logged in"
    );
    let out = form(&ada, "/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    assert_eq!(set_cookie(&out, "weft_session").as_deref(), Some(""));
    assert!(
        !ada.get("/").await.body.contains("Hello, Ada"),
        "the session ended"
    );

    // A wrong password is said beside the password field, and the handle is kept.
    let wrong = form(
        &with_token,
        "/login",
        &[
            ("csrf", &csrf),
            ("handle", "ada"),
            ("password", "not-the-password"),
        ],
    )
    .await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("id=\"password-error\""));
    assert!(wrong.body.contains("value=\"ada\""));
    let right = form(
        &with_token,
        "/login",
        &[
            ("csrf", &csrf),
            ("handle", "ada"),
            ("password", "tangerine-orbit-cello-47"),
            ("next", "/settings"),
        ],
    )
    .await;
    assert_eq!(right.status, 303);
    assert_eq!(right.header("location"), Some("/settings"));

    // Password reset by form: the mailed link sets a new password once.
    let asked = form(
        &with_token,
        "/forgot-password",
        &[("csrf", &csrf), ("who", "ada")],
    )
    .await;
    assert_eq!(asked.status, 200);
    // Ada has no address: the answer is the same as for anyone, and no mail goes out.
    assert!(asked.body.contains("Check your mail"));
    let bad_link = form(
        &with_token,
        "/reset-password/weft_rst_unknown",
        &[("csrf", &csrf), ("password", "a-brand-new-secret-2026")],
    )
    .await;
    assert_eq!(bad_link.status, 410, "{}", bad_link.body);
    assert!(bad_link.body.contains("Ask for a new link"));
}

async fn assets_are_versioned_and_open_to_outside_tools(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = server.client();
    let page = client.with_header("accept", "text/html").get("/ui").await;
    for name in [
        "weft.css",
        "htmx.min.js",
        "sse.min.js",
        "weft.js",
        "icons.svg",
    ] {
        let start = page
            .body
            .find(&format!("/assets/{name}?v="))
            .unwrap_or_else(|| panic!("/ui links {name}"));
        let link: String = page.body[start..]
            .chars()
            .take_while(|c| !matches!(c, '"' | '#'))
            .collect();
        let asset = client.get(&link).await;
        assert_eq!(asset.status, 200, "{link}");
        assert_eq!(
            asset.header("cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{link}"
        );
        assert_eq!(asset.header("access-control-allow-origin"), Some("*"));
        let etag = asset.header("etag").unwrap().to_string();
        let again = client
            .with_header("if-none-match", &etag)
            .get(&format!("/assets/{name}"))
            .await;
        assert_eq!(again.status, 304);
    }
    // An old or missing version is not cached forever.
    let stale = client.get("/assets/weft.css?v=0000").await;
    assert_eq!(stale.header("cache-control"), Some("public, no-cache"));
    client.get("/assets/nothing.js").await.problem(404);
    // Compressed for browsers that ask.
    let gzip = client.with_header("accept-encoding", "gzip");
    let reply = gzip
        .send(gzip.request(reqwest::Method::GET, "/assets/htmx.min.js"))
        .await;
    assert_eq!(reply.header("content-encoding"), Some("gzip"));
}

async fn webhook_pages_are_for_those_who_manage_tools(backend: Backend) {
    let server = TestServer::start(backend).await;
    let owner = server.account("owner").await;
    let member = server.account("member").await;
    let outsider = server.account("outsider").await;
    for (handle, visibility) in [("open_g", "public"), ("secret_g", "secret")] {
        let made = owner
            .post(
                "/api/v1/groups",
                &json!({"handle": handle, "name": handle, "visibility": visibility, "join_policy": "open"}),
            )
            .await;
        assert_eq!(made.status, 201);
    }
    assert_eq!(
        member
            .post("/api/v1/groups/open_g/members", &json!({}))
            .await
            .status,
        201
    );
    let plain = server.client();
    let cookie = |c: &Client| format!("weft_session={}", c.token().unwrap());
    let (as_owner, as_member, as_outsider, visitor) = (
        browser(&plain, &cookie(&owner)),
        browser(&plain, &cookie(&member)),
        browser(&plain, &cookie(&outsider)),
        browser(&plain, ""),
    );
    // The tab shows for the owner only.
    assert!(
        as_owner
            .get("/groups/open_g")
            .await
            .body
            .contains("/groups/open_g/webhooks")
    );
    assert!(
        !as_member
            .get("/groups/open_g")
            .await
            .body
            .contains("/groups/open_g/webhooks")
    );
    for (who, client, open_g, secret_g) in [
        ("owner", &as_owner, 200, 200),
        ("member", &as_member, 403, 404),
        ("outsider", &as_outsider, 403, 404),
        ("visitor", &visitor, 303, 303),
    ] {
        assert_eq!(
            client.get("/groups/open_g/webhooks").await.status,
            open_g,
            "{who}"
        );
        assert_eq!(
            client.get("/groups/secret_g/webhooks").await.status,
            secret_g,
            "{who}"
        );
    }

    // Adding one by form shows its secret once; it is the API's webhook.
    let page = as_owner.get("/groups/open_g/webhooks").await;
    let csrf = set_cookie(&page, "weft_csrf").unwrap();
    let owner_form = browser(&plain, &format!("{}; weft_csrf={csrf}", cookie(&owner)));
    let bad = form(
        &owner_form,
        "/groups/open_g/webhooks",
        &[("csrf", &csrf), ("url", "ftp://x"), ("events", "*")],
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"url-error\""));
    let made = form(
        &owner_form,
        "/groups/open_g/webhooks",
        &[
            ("csrf", &csrf),
            ("url", "http://127.0.0.1:9/hook"),
            ("events", "Join, Leave"),
        ],
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.body);
    assert!(made.body.contains("whsec_"));
    let hooks = owner.get("/api/v1/groups/open_g/webhooks").await.json;
    assert_eq!(hooks[0]["events"], json!(["Join", "Leave"]));
    let id = hooks[0]["id"].as_str().unwrap().to_string();
    assert!(
        !as_owner
            .get("/groups/open_g/webhooks")
            .await
            .body
            .contains("whsec_"),
        "shown once"
    );

    // Its deliveries, on this group's path only; a member may not send one again.
    let deliveries = as_owner.get(&format!("/groups/open_g/webhooks/{id}")).await;
    assert_eq!(deliveries.status, 200);
    assert_eq!(
        as_owner
            .get(&format!("/groups/secret_g/webhooks/{id}"))
            .await
            .status,
        404
    );
    assert_eq!(
        as_owner
            .get("/groups/open_g/webhooks/not-an-id")
            .await
            .status,
        404
    );
    let member_form = browser(&plain, &format!("{}; weft_csrf={csrf}", cookie(&member)));
    let forged = form(
        &member_form,
        &format!("/groups/open_g/webhooks/{id}/delete"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(forged.status, 403);
    let removed = form(
        &owner_form,
        &format!("/groups/open_g/webhooks/{id}/delete"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(removed.status, 303);
    assert_eq!(
        owner.get("/api/v1/groups/open_g/webhooks").await.json,
        json!([])
    );
}

async fn membership_pages_follow_the_policy(backend: Backend) {
    let server = TestServer::start(backend).await;
    let owner = server.account("owner").await;
    let member = server.account("member").await;
    let outsider = server.account("outsider").await;
    let plain = server.client();
    let page = browser(&plain, "").get("/login").await;
    let csrf = set_cookie(&page, "weft_csrf").unwrap();
    let with = |c: &Client| {
        browser(
            &plain,
            &format!("weft_session={}; weft_csrf={csrf}", c.token().unwrap()),
        )
    };
    let (as_owner, as_member, as_outsider, visitor) = (
        with(&owner),
        with(&member),
        with(&outsider),
        browser(&plain, &format!("weft_csrf={csrf}")),
    );

    // A group started by form; a bad handle is said beside the field.
    let bad = form(
        &as_owner,
        "/groups/new",
        &[
            ("csrf", &csrf),
            ("name", "Cellar"),
            ("handle", "No!"),
            ("visibility", "secret"),
            ("join_policy", "request"),
        ],
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"handle-error\""));
    let made = form(
        &as_owner,
        "/groups/new",
        &[
            ("csrf", &csrf),
            ("name", "Cellar"),
            ("handle", "cellar"),
            ("visibility", "secret"),
            ("join_policy", "request"),
        ],
    )
    .await;
    assert_eq!(
        (made.status, made.header("location")),
        (303, Some("/groups/cellar"))
    );
    assert_eq!(
        form(
            &visitor,
            "/groups/new",
            &[("csrf", &csrf), ("name", "X"), ("handle", "xx")]
        )
        .await
        .status,
        401
    );

    // Who may open what.
    for (path, v, o, m, own) in [
        ("/groups/new", 303, 200, 200, 200),
        ("/groups/cellar/invite", 303, 404, 404, 200),
        ("/groups/cellar/requests", 303, 404, 404, 200),
    ] {
        for (who, client, expected) in [
            ("visitor", &visitor, v),
            ("outsider", &as_outsider, o),
            ("member", &as_member, m),
            ("owner", &as_owner, own),
        ] {
            assert_eq!(client.get(path).await.status, expected, "{who} GET {path}");
        }
    }

    // An invitation by handle; its page; accepting it makes a member, whose invite page is 403.
    let invited = form(
        &as_owner,
        "/groups/cellar/invite",
        &[("csrf", &csrf), ("kind", "person"), ("who", "@member")],
    )
    .await;
    assert_eq!(invited.status, 303, "{}", invited.body);
    let unknown = form(
        &as_owner,
        "/groups/cellar/invite",
        &[("csrf", &csrf), ("kind", "person"), ("who", "nobody_here")],
    )
    .await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.body.contains("id=\"who-error\""));
    // A secret group stays secret even to whom it invites: the invitation's page is the way in.
    assert_eq!(as_member.get("/groups/cellar").await.status, 404);
    let id = owner.get("/api/v1/groups/cellar/invitations").await.json["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        as_member.get(&format!("/invitations/{id}")).await.status,
        200
    );
    assert_eq!(
        as_outsider.get(&format!("/invitations/{id}")).await.status,
        404,
        "someone else's invitation"
    );
    assert_eq!(
        form(
            &as_outsider,
            &format!("/invitations/{id}/accept"),
            &[("csrf", &csrf)]
        )
        .await
        .status,
        404
    );
    let accepted = form(
        &as_member,
        &format!("/invitations/{id}/accept"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(
        (accepted.status, accepted.header("location")),
        (303, Some("/groups/cellar"))
    );
    assert_eq!(as_member.get("/groups/cellar/invite").await.status, 403);
    assert_eq!(as_member.get("/groups/cellar").await.status, 200);

    // Asking to join a group that takes requests; only its admins decide.
    let asked = form(
        &as_outsider,
        "/groups/cellar/join",
        &[("csrf", &csrf), ("message", "Let me in")],
    )
    .await;
    assert_eq!(
        asked.status, 404,
        "a secret group takes no request from outside"
    );
    assert_eq!(
        owner
            .patch("/api/v1/groups/cellar", &json!({"visibility": "public"}))
            .await
            .status,
        200
    );
    let asked = form(
        &as_outsider,
        "/groups/cellar/join",
        &[("csrf", &csrf), ("message", "Let me in")],
    )
    .await;
    assert_eq!(asked.status, 303);
    let requests = as_owner.get("/groups/cellar/requests").await;
    assert!(requests.body.contains("Let me in"));
    let request = owner.get("/api/v1/groups/cellar/join-requests").await.json["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        form(
            &as_member,
            &format!("/join-requests/{request}/approve"),
            &[("csrf", &csrf)]
        )
        .await
        .status,
        403
    );
    let approved = form(
        &as_owner,
        &format!("/join-requests/{request}/approve"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(
        (approved.status, approved.header("location")),
        (303, Some("/groups/cellar/requests"))
    );
    assert_eq!(
        owner.get("/api/v1/groups/cellar").await.json["member_count"],
        3
    );

    // Leaving; the owner cannot leave without handing over.
    assert_eq!(
        form(&as_member, "/groups/cellar/leave", &[("csrf", &csrf)])
            .await
            .status,
        303
    );
    assert_eq!(
        owner.get("/api/v1/groups/cellar").await.json["member_count"],
        2
    );
    assert_eq!(
        form(&as_owner, "/groups/cellar/leave", &[("csrf", &csrf)])
            .await
            .status,
        409
    );

    // The group's page tells what happened lately; the dashboard filters by tool.
    let lately = as_owner.get("/groups/cellar").await.body;
    assert!(
        lately.contains("Lately") && lately.contains("joined"),
        "{lately}"
    );
    let by_tool = as_owner.get("/?tool=groups").await.body;
    assert!(by_tool.contains("From groups") && by_tool.contains("id=\"item-"));
    let no_tool = as_owner.get("/?tool=nothing_here").await.body;
    assert!(!no_tool.contains("id=\"item-"));
    // A group one may see shows one's own invitation to accept.
    let guest = server.account("guest").await;
    let invite = owner
        .post(
            "/api/v1/groups/cellar/invitations",
            &json!({"account": "guest"}),
        )
        .await;
    assert_eq!(invite.status, 201);
    let invited_page = with(&guest).get("/groups/cellar").await.body;
    assert!(
        invited_page.contains("Accept the invitation"),
        "{invited_page}"
    );
    // Declined, it is gone; a request rejected makes no member.
    let guest_invitation = invite.json["id"].as_str().unwrap().to_string();
    let declined = form(
        &with(&guest),
        &format!("/invitations/{guest_invitation}/decline"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(
        (declined.status, declined.header("location")),
        (303, Some("/"))
    );
    assert!(
        !with(&guest)
            .get("/groups/cellar")
            .await
            .body
            .contains("Accept the invitation")
    );
    assert_eq!(
        form(&with(&guest), "/groups/cellar/join", &[("csrf", &csrf)])
            .await
            .status,
        303
    );
    let pending = owner.get("/api/v1/groups/cellar/join-requests").await.json;
    let guest_request = pending["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["account"]["handle"] == "guest" && r["status"] == "pending")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let rejected = form(
        &as_owner,
        &format!("/join-requests/{guest_request}/reject"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(rejected.status, 303);
    assert!(
        !owner
            .get("/api/v1/groups/cellar/members")
            .await
            .body
            .contains("\"guest\"")
    );
    assert!(
        !as_outsider
            .get("/groups/cellar")
            .await
            .body
            .contains("Accept the invitation")
    );
    // The grouped view: a section per group, each with its tools.
    let grouped = as_owner.get("/?view=grouped").await.body;
    assert!(
        grouped.contains("id=\"section-cellar\"")
            && grouped.contains("/?group=cellar&amp;tool=groups"),
        "{grouped}"
    );
    // Someone whose request was rejected has no section for it.
    assert!(
        !with(&guest)
            .get("/?view=grouped")
            .await
            .body
            .contains("section-cellar")
    );
    // Mark all read empties the bell.
    assert_eq!(
        form(&as_owner, "/notifications/read", &[("csrf", &csrf)])
            .await
            .status,
        303
    );
    assert_eq!(
        owner.get("/api/v1/notifications/counts").await.json["total"],
        0
    );
}

async fn group_admin_pages_follow_the_policy(backend: Backend) {
    let server = TestServer::start(backend).await;
    let owner = server.account("owner").await;
    let member = server.account("member").await;
    let outsider = server.account("outsider").await;
    let made = owner
        .post(
            "/api/v1/groups",
            &json!({"handle": "plot", "name": "Plot", "visibility": "public", "join_policy": "open"}),
        )
        .await;
    assert_eq!(made.status, 201);
    assert_eq!(
        member
            .post("/api/v1/groups/plot/members", &json!({}))
            .await
            .status,
        201
    );
    let plain = server.client();
    let page = browser(&plain, "").get("/login").await;
    let csrf = set_cookie(&page, "weft_csrf").unwrap();
    let with = |c: &Client| {
        browser(
            &plain,
            &format!("weft_session={}; weft_csrf={csrf}", c.token().unwrap()),
        )
    };
    let (as_owner, as_member, as_outsider) = (with(&owner), with(&member), with(&outsider));
    for (path, o, m, own) in [
        ("/groups/plot/settings", 403, 403, 200),
        ("/groups/plot/members", 200, 200, 200),
    ] {
        for (who, client, expected) in [
            ("outsider", &as_outsider, o),
            ("member", &as_member, m),
            ("owner", &as_owner, own),
        ] {
            assert_eq!(client.get(path).await.status, expected, "{who} GET {path}");
        }
    }
    // Only admins see the buttons that change members.
    assert!(
        as_owner
            .get("/groups/plot/members")
            .await
            .body
            .contains("/members/member/remove")
    );
    assert!(
        !as_member
            .get("/groups/plot/members")
            .await
            .body
            .contains("/remove")
    );

    // Edit, with a bad name kept and explained.
    let bad = form(
        &as_owner,
        "/groups/plot/settings",
        &[
            ("csrf", &csrf),
            ("name", ""),
            ("description", "Soil"),
            ("visibility", "public"),
            ("join_policy", "open"),
        ],
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"name-error\""));
    let edited = form(
        &as_owner,
        "/groups/plot/settings",
        &[
            ("csrf", &csrf),
            ("name", "The Plot"),
            ("description", "Soil"),
            ("visibility", "listed"),
            ("join_policy", "request"),
        ],
    )
    .await;
    assert_eq!(edited.status, 303);
    let group = owner.get("/api/v1/groups/plot").await.json;
    assert_eq!(
        (group["name"].as_str(), group["visibility"].as_str()),
        (Some("The Plot"), Some("listed"))
    );
    assert_eq!(
        form(
            &as_member,
            "/groups/plot/settings",
            &[("csrf", &csrf), ("name", "Mine")]
        )
        .await
        .status,
        403
    );

    // Tools on and off.
    assert_eq!(
        form(&as_owner, "/groups/plot/tools/polls/on", &[("csrf", &csrf)])
            .await
            .status,
        303
    );
    assert!(
        owner
            .get("/api/v1/groups/plot/tools")
            .await
            .body
            .contains("\"polls\"")
    );
    assert_eq!(
        form(
            &as_member,
            "/groups/plot/tools/polls/off",
            &[("csrf", &csrf)]
        )
        .await
        .status,
        403
    );
    assert_eq!(
        form(
            &as_owner,
            "/groups/plot/tools/polls/off",
            &[("csrf", &csrf)]
        )
        .await
        .status,
        303
    );
    assert!(
        !owner
            .get("/api/v1/groups/plot/tools")
            .await
            .body
            .contains("\"polls\"")
    );

    // A custom role, given; a member may not; ownership handed over.
    let role = form(
        &as_owner,
        "/groups/plot/roles",
        &[
            ("csrf", &csrf),
            ("name", "greeter"),
            ("permissions", "invite"),
            ("permissions", "post"),
        ],
    )
    .await;
    assert_eq!(role.status, 303, "{}", role.body);
    let roles = owner.get("/api/v1/groups/plot/roles").await.json;
    let greeter = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "greeter")
        .unwrap()
        .clone();
    assert_eq!(greeter["permissions"], json!(["invite", "post"]));
    // Its permissions changed in place; only who manages roles may.
    assert_eq!(
        form(
            &as_member,
            "/groups/plot/roles/greeter",
            &[("csrf", &csrf), ("permissions", "moderate")]
        )
        .await
        .status,
        403
    );
    assert_eq!(
        form(
            &as_owner,
            "/groups/plot/roles/greeter",
            &[
                ("csrf", &csrf),
                ("permissions", "post"),
                ("permissions", "moderate")
            ]
        )
        .await
        .status,
        303
    );
    let roles = owner.get("/api/v1/groups/plot/roles").await.json;
    let greeter = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "greeter")
        .unwrap()
        .clone();
    assert_eq!(greeter["permissions"], json!(["post", "moderate"]));
    assert_eq!(
        form(
            &as_member,
            "/groups/plot/members/member/role",
            &[("csrf", &csrf), ("role", "admin")]
        )
        .await
        .status,
        403
    );
    assert_eq!(
        form(
            &as_owner,
            "/groups/plot/members/member/role",
            &[("csrf", &csrf), ("role", "greeter")]
        )
        .await
        .status,
        303
    );
    assert_eq!(
        form(
            &as_owner,
            "/groups/plot/owner",
            &[("csrf", &csrf), ("account", "member")]
        )
        .await
        .status,
        303
    );
    let members = owner.get("/api/v1/groups/plot/members").await.json;
    let role_of = |h: &str| {
        members["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["account"]["handle"] == h)
            .unwrap()["role"]
            .clone()
    };
    assert_eq!(
        (role_of("member"), role_of("owner")),
        (json!("owner"), json!("admin"))
    );
    assert_eq!(
        form(
            &as_owner,
            "/groups/plot/roles/greeter/delete",
            &[("csrf", &csrf)]
        )
        .await
        .status,
        303,
        "nobody holds it now: it goes"
    );
    assert!(
        !owner
            .get("/api/v1/groups/plot/roles")
            .await
            .body
            .contains("greeter")
    );
    // The new owner removes the former one.
    assert_eq!(
        form(
            &as_member,
            "/groups/plot/members/owner/remove",
            &[("csrf", &csrf)]
        )
        .await
        .status,
        303
    );
    assert_eq!(
        member.get("/api/v1/groups/plot").await.json["member_count"],
        1
    );
}

async fn a_failure_inside_is_a_page_that_tells_nothing_of_it(backend: Backend) {
    use sea_query::{Alias, Expr, ExprTrait, Query};
    let server = TestServer::start(backend).await;
    let ada = server.account("ada").await;
    let made = ada
        .post(
            "/api/v1/tokens",
            &json!({"name": "script", "scopes": ["read"]}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let token = made.json["token"].as_str().unwrap().to_string();
    // A row damaged behind Weft's back: its scopes no longer parse, so using it fails inside.
    server
        .kernel
        .db
        .execute(
            Query::update()
                .table(Alias::new("access_tokens"))
                .value(Alias::new("scopes"), "not-a-scope secret-detail-42")
                .and_where(Expr::col(Alias::new("name")).eq("script")),
        )
        .await
        .unwrap();
    let broken = server.client().with_token(&token);
    let page = broken.with_header("accept", "text/html").get("/").await;
    assert_eq!(page.status, 500);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        page.body.contains("Something went wrong on our side"),
        "{}",
        page.body
    );
    assert!(page.body.contains(" · Weft</title>") && page.body.contains("class=\"error-page\""));
    assert!(
        !page.body.contains("secret-detail-42"),
        "what failed inside is logged, not shown"
    );
    // A script still gets problem+json.
    broken.get("/api/v1/me").await.problem(500);
}
