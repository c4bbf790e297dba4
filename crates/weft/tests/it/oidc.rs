//! Signing in to outside tools with Weft (OpenID Connect), through the real server: a real
//! relying-party library (`openidconnect`) discovers Weft, sends a person through log-in and
//! consent, exchanges the code with PKCE, verifies the ID token against the JWKS, reads the
//! `groups` claim and userinfo, and rotates refresh tokens — and every misuse is refused.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm, CoreProviderMetadata,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IdToken, IssuerUrl,
    Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use testkit::{Backend, Client, TestServer, both};

both!(
    a_tool_signs_a_person_in_and_learns_their_groups,
    every_misuse_of_the_code_flow_is_refused,
    consent_is_remembered_and_can_be_taken_back,
    signing_keys_rotate_and_tools_may_choose_eddsa,
    a_tool_logs_the_person_out_of_weft,
);

const WIKI_CALLBACK: &str = "https://wiki.example/callback";

// ----- A relying party and a browser -----

/// openidconnect's HTTP, through our reqwest, following no redirects.
async fn http(
    request: openidconnect::HttpRequest,
) -> Result<openidconnect::HttpResponse, reqwest::Error> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let response = client.execute(reqwest::Request::try_from(request)?).await?;
    let mut answer = openidconnect::http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        answer = answer.header(name, value);
    }
    let body = response.bytes().await?.to_vec();
    Ok(answer.body(body).expect("a response"))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct WeftClaims {
    #[serde(default)]
    groups: Vec<GroupClaim>,
    #[serde(default)]
    group_handles: Vec<String>,
    #[serde(default)]
    group_roles: Vec<String>,
    role: Option<String>,
}
impl AdditionalClaims for WeftClaims {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct GroupClaim {
    handle: String,
    name: String,
    role: String,
}

type WeftIdToken = IdToken<
    WeftClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

/// A browser: it keeps cookies, sends the Origin of a page's forms, follows nothing itself.
struct Browser {
    http: reqwest::Client,
    base: String,
}

struct Answer {
    status: u16,
    location: Option<String>,
    csp: String,
    body: String,
}

impl Browser {
    fn new(server: &TestServer) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: server.url.clone(),
        }
    }

    fn absolute(&self, url: &str) -> String {
        if url.starts_with('/') {
            format!("{}{url}", self.base)
        } else {
            url.to_string()
        }
    }

    async fn answer(response: reqwest::Response) -> Answer {
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        Answer {
            status: response.status().as_u16(),
            location: header("location"),
            csp: header("content-security-policy").unwrap_or_default(),
            body: response.text().await.unwrap(),
        }
    }

    async fn get(&self, url: &str) -> Answer {
        let response = self
            .http
            .get(self.absolute(url))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        Self::answer(response).await
    }

    async fn post(&self, path: &str, fields: &[(String, String)]) -> Answer {
        let response = self
            .http
            .post(self.absolute(path))
            .header("accept", "text/html")
            .header("origin", &self.base)
            .form(fields)
            .send()
            .await
            .unwrap();
        Self::answer(response).await
    }

    /// Logs in on the log-in page, coming back to `next`; answers where it was sent.
    async fn log_in(&self, handle: &str, next: &str) -> String {
        let page = self
            .get(&format!(
                "/login?next={}",
                url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            ))
            .await;
        assert_eq!(page.status, 200);
        let mut fields = hidden_fields(&page.body);
        fields.push(("handle".into(), handle.into()));
        fields.push(("password".into(), format!("{handle}-tangerine-orbit-47")));
        let done = self.post("/login", &fields).await;
        assert_eq!(done.status, 303, "{}", done.body);
        done.location.expect("logging in sends the browser on")
    }
}

/// An attribute's value as the browser reads it: named and numeric character references.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let Some(end) = tail.find(';') else {
            out.push_str(tail);
            return out;
        };
        let entity = &tail[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "quot" => Some('"'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Where Weft sends the browser back to the tool: a redirect for a tool a server
/// administrator reviewed, else the "Continue to ⟨host⟩" link of Weft's own page (it sends
/// nobody to an unreviewed tool on its own).
fn sent_back(answer: &Answer) -> String {
    if let Some(to) = &answer.location {
        return to.clone();
    }
    assert_eq!(answer.status, 200, "{}", answer.body);
    let at = answer
        .body
        .find("id=\"continue\" href=\"")
        .unwrap_or_else(|| panic!("a continue link in {}", answer.body));
    let rest = &answer.body[at + "id=\"continue\" href=\"".len()..];
    unescape(&rest[..rest.find('"').unwrap()])
}

/// The hidden fields of a page's forms (the CSRF token, the request being consented to).
fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for input in html.split("<input type=\"hidden\" ").skip(1) {
        let attr = |name: &str| {
            input
                .split(&format!("{name}=\""))
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .map(unescape)
        };
        if let (Some(name), Some(value)) = (attr("name"), attr("value"))
            && !fields.iter().any(|(n, _)| n == &name)
        {
            fields.push((name, value));
        }
    }
    fields
}

/// A query parameter of a URL.
fn param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The consent page's answer: allowed (or not); answers where the browser is sent.
async fn consent(browser: &Browser, page: &Answer, decision: &str) -> String {
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Sign in to"), "{}", page.body);
    let mut fields = hidden_fields(&page.body);
    fields.push(("decision".into(), decision.into()));
    let answer = browser.post("/oauth/authorize", &fields).await;
    sent_back(&answer)
}

// ----- The fabric: people, groups, a tool -----

async fn group(owner: &Client, handle: &str) {
    let reply = owner
        .post(
            "/api/v1/groups",
            &json!({"handle": handle, "name": format!("The {handle}"), "visibility": "public",
                    "join_policy": "open"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
}

async fn register(dev: &Client, body: Value) -> Value {
    let reply = dev.post("/api/v1/tools", &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json
}

/// Ana owns the garden and is a member of the kitchen; the wiki is on in the garden only.
async fn garden_and_kitchen(server: &TestServer) -> (Client, Client, Value) {
    let ana = server.account("ana").await;
    let bo = server.account("bo").await;
    group(&ana, "garden").await;
    group(&bo, "kitchen").await;
    assert_eq!(
        ana.post("/api/v1/groups/kitchen/members", &json!({}))
            .await
            .status,
        201
    );
    let wiki = register(
        &bo,
        json!({"name": "Wiki", "home_url": "https://wiki.example",
               "redirect_uris": [WIKI_CALLBACK],
               "claims": [{"claim": "role", "values": {"owner": "Admin", "admin": "Editor", "member": "Viewer"}}]}),
    )
    .await;
    // The wiki asks for approval (the default): bo, who registered it, turns it on in his
    // kitchen at once; ana's garden asks, and bo approves.
    assert_eq!(
        bo.put("/api/v1/groups/kitchen/tools/wiki", &json!({}))
            .await
            .status,
        204
    );
    let asked = ana
        .put("/api/v1/groups/garden/tools/wiki", &json!({}))
        .await;
    assert_eq!(asked.status, 202, "{}", asked.body);
    assert_eq!(asked.json["status"], "pending");
    let approved = bo
        .post(
            &format!(
                "/api/v1/tool-requests/{}/approve",
                asked.json["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    assert_eq!(
        bo.delete("/api/v1/groups/kitchen/tools/wiki").await.status,
        204
    );
    (ana, bo, wiki)
}

async fn discover(server: &TestServer) -> CoreProviderMetadata {
    CoreProviderMetadata::discover_async(IssuerUrl::new(server.url.clone()).unwrap(), &http)
        .await
        .expect("discovery")
}

/// The `kid` in a JWT's header.
fn kid_of(token: &impl std::fmt::Display) -> String {
    use base64::Engine;
    let text = token.to_string();
    let header = text.split('.').next().unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .unwrap();
    serde_json::from_slice::<Value>(&bytes).unwrap()["kid"]
        .as_str()
        .unwrap()
        .to_string()
}

// ----- Stories -----

async fn a_tool_signs_a_person_in_and_learns_their_groups(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_ana, bo, wiki) = garden_and_kitchen(&server).await;
    let metadata = discover(&server).await;
    assert_eq!(metadata.issuer().as_str(), server.url);
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(wiki["client_id"].as_str().unwrap().into()),
        Some(ClientSecret::new(
            wiki["client_secret"].as_str().unwrap().into(),
        )),
    )
    .set_redirect_uri(RedirectUrl::new(WIKI_CALLBACK.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("groups".into()))
        .set_pkce_challenge(challenge)
        .url();

    // Not logged in: to the log-in page, and back.
    let browser = Browser::new(&server);
    let first = browser.get(url.as_str()).await;
    assert_eq!(first.status, 303);
    let to_login = first.location.unwrap();
    assert!(
        to_login.starts_with("/login?next=%2Foauth%2Fauthorize"),
        "{to_login}"
    );
    let login_page = browser.get(&to_login).await;
    assert!(
        login_page
            .csp
            .contains("form-action 'self' https://wiki.example"),
        "the log-in form may lead on to the tool: {}",
        login_page.csp
    );
    let next = param(&format!("{}{to_login}", server.url), "next").unwrap();
    let back = browser.log_in("ana", &next).await;
    assert!(back.starts_with("/oauth/authorize?"), "{back}");

    // The consent page says what the wiki will see, and which groups.
    let page = browser.get(&back).await;
    assert!(
        page.body.contains("Sign in to Wiki with Weft"),
        "{back} → {} {:?} {}",
        page.status,
        page.location,
        page.body.split("<title>").nth(1).unwrap_or_default()
    );
    assert!(page.body.contains("The garden (owner)"), "{}", page.body);
    assert!(
        !page.body.contains("The kitchen (member)"),
        "a group without the wiki is not told"
    );
    assert!(page.csp.contains("form-action 'self' https://wiki.example"));
    let callback = consent(&browser, &page, "allow").await;
    assert!(callback.starts_with(WIKI_CALLBACK), "{callback}");
    assert_eq!(
        param(&callback, "state").as_deref(),
        Some(state.secret().as_str())
    );
    assert_eq!(
        param(&callback, "iss").as_deref(),
        Some(server.url.as_str())
    );
    let code = param(&callback, "code").unwrap();

    // The code for tokens; the ID token verifies against the JWKS.
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("the code exchange");
    let id_token = tokens.id_token().expect("an ID token");
    let verifier = client.id_token_verifier();
    let claims = id_token
        .claims(&verifier, &nonce)
        .expect("a valid ID token");
    assert_eq!(claims.preferred_username().map(|u| u.as_str()), Some("ana"));
    assert_eq!(
        id_token.signing_alg().unwrap(),
        &CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256
    );
    let ours: WeftIdToken = id_token.to_string().parse().unwrap();
    let ours = ours.claims(&verifier, &nonce).unwrap();
    assert_eq!(
        ours.additional_claims().groups,
        vec![GroupClaim {
            handle: "garden".into(),
            name: "The garden".into(),
            role: "owner".into()
        }]
    );
    assert_eq!(ours.additional_claims().role.as_deref(), Some("Admin"));

    // Userinfo says the same, for the same subject.
    let info: UserInfoClaims<WeftClaims, CoreGenderClaim> = client
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .unwrap()
        .request_async(&http)
        .await
        .expect("userinfo");
    assert_eq!(info.additional_claims().groups.len(), 1);
    assert_eq!(info.preferred_username().map(|u| u.as_str()), Some("ana"));

    // A group that turns the wiki on shows up at once; one that turns it off goes.
    assert_eq!(
        bo.put("/api/v1/groups/kitchen/tools/wiki", &json!({}))
            .await
            .status,
        204
    );
    let info: UserInfoClaims<WeftClaims, CoreGenderClaim> = client
        .user_info(tokens.access_token().clone(), None)
        .unwrap()
        .request_async(&http)
        .await
        .unwrap();
    let handles: Vec<&str> = info
        .additional_claims()
        .groups
        .iter()
        .map(|g| g.handle.as_str())
        .collect();
    assert_eq!(handles, ["garden", "kitchen"]);
    // The same, as the plain strings most tools read.
    assert_eq!(
        info.additional_claims().group_handles,
        ["garden", "kitchen"]
    );
    assert_eq!(
        info.additional_claims().group_roles,
        ["garden:owner", "kitchen:member"]
    );

    // Refresh rotates: the new refresh token works, the old one is refused and takes the
    // whole sign-in with it.
    let old_refresh = tokens.refresh_token().unwrap().clone();
    let renewed = client
        .exchange_refresh_token(&old_refresh)
        .unwrap()
        .request_async(&http)
        .await
        .expect("a refresh");
    assert_ne!(
        renewed.refresh_token().unwrap().secret(),
        old_refresh.secret()
    );
    let again = client
        .exchange_refresh_token(&old_refresh)
        .unwrap()
        .request_async(&http)
        .await;
    assert!(again.is_err(), "a rotated refresh token is refused");
    let after = client
        .exchange_refresh_token(renewed.refresh_token().unwrap())
        .unwrap()
        .request_async(&http)
        .await;
    assert!(after.is_err(), "reuse revoked the family");
    let dead = client
        .user_info(renewed.access_token().clone(), None)
        .unwrap()
        .request_async::<WeftClaims, _, CoreGenderClaim>(&http)
        .await;
    assert!(dead.is_err(), "the family's access token is revoked too");
}

/// `POST /oauth/token` (or another endpoint) with a form; the client's credentials as given.
async fn token_call(
    server: &TestServer,
    path: &str,
    fields: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", server.url))
        .form(fields);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let reply = request.send().await.unwrap();
    let status = reply.status().as_u16();
    let body = reply.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// What the tool's introspection says of `token`.
async fn introspected(server: &TestServer, token: &str, client: (&str, &str)) -> Value {
    let (status, seen) = token_call(
        server,
        "/oauth/introspect",
        &[("token", token)],
        Some(client),
    )
    .await;
    assert_eq!(status, 200, "{seen}");
    seen
}

/// A code for ana's sign-in to the tool, from a browser already logged in and consenting.
async fn code_for(browser: &Browser, client_id: &str, redirect: &str, extra: &str) -> String {
    let url = format!(
        "/oauth/authorize?response_type=code&client_id={client_id}&redirect_uri={}&scope=openid%20groups&state=s1{extra}",
        url::form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>()
    );
    let first = browser.get(&url).await;
    let callback = if first.status == 200 {
        consent(browser, &first, "allow").await
    } else {
        assert_eq!(first.status, 303, "{}", first.body);
        first.location.unwrap()
    };
    param(&callback, "code").unwrap_or_else(|| panic!("no code in {callback}"))
}

fn challenge_of(verifier: &str) -> String {
    PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(verifier.into()))
        .as_str()
        .to_string()
}

async fn every_misuse_of_the_code_flow_is_refused(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ana, bo, wiki) = garden_and_kitchen(&server).await;
    let id = wiki["client_id"].as_str().unwrap();
    let secret = wiki["client_secret"].as_str().unwrap();
    let spa = register(
        &bo,
        json!({"name": "Board", "home_url": "http://localhost:5173",
               "redirect_uris": ["http://localhost:5173/callback"], "public_client": true}),
    )
    .await;
    let spa_id = spa["client_id"].as_str().unwrap();
    assert!(spa["client_secret"].is_null());
    let browser = Browser::new(&server);
    let next = browser.log_in("ana", "/").await;
    assert_eq!(next, "/");

    // An unregistered or altered redirect is never followed: the error is Weft's own page.
    for redirect in [
        "https://evil.example/callback",
        "https://wiki.example/callback/extra",
        "https://wiki.example/Callback",
    ] {
        let url = format!(
            "/oauth/authorize?response_type=code&client_id={id}&scope=openid&redirect_uri={}",
            url::form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>()
        );
        let page = browser.get(&url).await;
        assert_eq!(page.status, 400, "{redirect}");
        assert!(page.location.is_none());
        assert!(page.body.contains("did not register"), "{}", page.body);
    }
    let unknown = browser
        .get("/oauth/authorize?response_type=code&client_id=weft_client_nobody&scope=openid")
        .await;
    assert_eq!(unknown.status, 400);
    assert!(unknown.location.is_none());

    // A public client without PKCE is sent back with an error; so is plain PKCE.
    let spa_url = |extra: &str| {
        format!(
            "/oauth/authorize?response_type=code&client_id={spa_id}&scope=openid&state=xyz&redirect_uri=http%3A%2F%2Flocalhost%3A5173%2Fcallback{extra}"
        )
    };
    for extra in [
        "",
        "&code_challenge=abcdefghijabcdefghijabcdefghijabcdefghijabc&code_challenge_method=plain",
    ] {
        // The board is not reviewed: Weft's page links back rather than redirecting.
        let back = browser.get(&spa_url(extra)).await;
        assert!(back.location.is_none(), "no redirect to an unreviewed tool");
        assert!(back.body.contains("localhost:5173"), "{}", back.body);
        let to = sent_back(&back);
        assert!(to.starts_with("http://localhost:5173/callback?"), "{to}");
        assert_eq!(
            param(&to, "error").as_deref(),
            Some("invalid_request"),
            "{to}"
        );
        assert_eq!(param(&to, "state").as_deref(), Some("xyz"));
    }
    // A scope that is not a sign-in scope.
    let wrong_scope = browser
        .get(&format!(
            "/oauth/authorize?response_type=code&client_id={id}&scope=openid%20ledger:write"
        ))
        .await;
    assert_eq!(
        param(&sent_back(&wrong_scope), "error").as_deref(),
        Some("invalid_scope")
    );

    // The public client with PKCE: a wrong verifier is refused and spends the code.
    let verifier = "a-verifier-of-forty-three-characters-or-more-0123";
    let code = code_for(
        &browser,
        spa_id,
        "http://localhost:5173/callback",
        &format!(
            "&code_challenge={}&code_challenge_method=S256",
            challenge_of(verifier)
        ),
    )
    .await;
    let exchange = |code: String, verifier: &'static str| {
        let server = &server;
        async move {
            token_call(
                server,
                "/oauth/token",
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", "http://localhost:5173/callback"),
                    ("client_id", spa_id),
                    ("code_verifier", verifier),
                ],
                None,
            )
            .await
        }
    };
    let (status, body) = exchange(
        code.clone(),
        "the-wrong-verifier-of-forty-three-characters-xx",
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    let (status, _) = exchange(code, "a-verifier-of-forty-three-characters-or-more-0123").await;
    assert_eq!(status, 400, "a code is spent by a failed try");
    // With the right verifier, a fresh code works — once. Used again, it revokes its tokens.
    let code = code_for(
        &browser,
        spa_id,
        "http://localhost:5173/callback",
        &format!(
            "&code_challenge={}&code_challenge_method=S256",
            challenge_of(verifier)
        ),
    )
    .await;
    let (status, tokens) = exchange(
        code.clone(),
        "a-verifier-of-forty-three-characters-or-more-0123",
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let userinfo = |token: String| {
        let server = &server;
        async move {
            reqwest::Client::new()
                .get(format!("{}/oauth/userinfo", server.url))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(userinfo(access.clone()).await, 200);
    let (status, body) = exchange(code, "a-verifier-of-forty-three-characters-or-more-0123").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(
        userinfo(access).await,
        401,
        "a reused code revokes what it gave"
    );

    // A confidential client: a wrong secret, either way, is refused; so is a verifier the
    // request never had, and an expired code.
    let code = code_for(&browser, id, WIKI_CALLBACK, "").await;
    let fields = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", WIKI_CALLBACK),
    ];
    let (status, body) = token_call(
        &server,
        "/oauth/token",
        &fields,
        Some((id, "weft_cs_wrong")),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let mut post = fields.to_vec();
    post.extend([("client_id", id), ("client_secret", "weft_cs_wrong")]);
    let (status, _) = token_call(&server, "/oauth/token", &post, None).await;
    assert_eq!(status, 401);
    let (status, _) = token_call(
        &server,
        "/oauth/token",
        &[
            ("client_id", id),
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", WIKI_CALLBACK),
        ],
        None,
    )
    .await;
    assert_eq!(status, 401, "a confidential client must send its secret");
    let mut downgrade = fields.to_vec();
    downgrade.push((
        "code_verifier",
        "a-verifier-of-forty-three-characters-or-more-0123",
    ));
    let (status, body) = token_call(&server, "/oauth/token", &downgrade, Some((id, secret))).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    let code = code_for(&browser, id, WIKI_CALLBACK, "").await;
    server.clock.advance_seconds(61);
    let (status, body) = token_call(
        &server,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", WIKI_CALLBACK),
        ],
        Some((id, secret)),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("expired")
    );

    // The same code twice at once (one commit may take both): one answer at most has
    // tokens, and those are revoked by the other.
    let code = code_for(&browser, id, WIKI_CALLBACK, "").await;
    let twice = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", WIKI_CALLBACK),
    ];
    let (first, second) = tokio::join!(
        token_call(&server, "/oauth/token", &twice, Some((id, secret))),
        token_call(&server, "/oauth/token", &twice, Some((id, secret))),
    );
    let granted: Vec<&Value> = [&first, &second]
        .into_iter()
        .filter(|(status, _)| *status == 200)
        .map(|(_, body)| body)
        .collect();
    assert!(granted.len() <= 1, "{first:?} {second:?}");
    for tokens in granted {
        assert_eq!(
            introspected(
                &server,
                tokens["access_token"].as_str().unwrap(),
                (id, secret)
            )
            .await["active"],
            false,
            "the second presentation revoked it"
        );
    }

    // A good exchange by client_secret_post; a wrong redirect_uri at the token endpoint.
    let code = code_for(&browser, id, WIKI_CALLBACK, "").await;
    let (status, _) = token_call(
        &server,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", "https://wiki.example/other"),
            ("client_id", id),
            ("client_secret", secret),
        ],
        None,
    )
    .await;
    assert_eq!(status, 400);
    let code = code_for(&browser, id, WIKI_CALLBACK, "").await;
    let (status, tokens) = token_call(
        &server,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", WIKI_CALLBACK),
            ("client_id", id),
            ("client_secret", secret),
        ],
        None,
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();

    // Introspection: the tool sees its own live tokens, nobody else's.
    let (status, seen) = token_call(
        &server,
        "/oauth/introspect",
        &[("token", access)],
        Some((id, secret)),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(seen["active"], true);
    assert_eq!(seen["username"], "ana");
    assert_eq!(seen["client_id"], id);
    let other = register(&bo, json!({"name": "Other", "home_url": "https://other.example", "redirect_uris": ["https://other.example/cb"]})).await;
    let other_auth = (
        other["client_id"].as_str().unwrap(),
        other["client_secret"].as_str().unwrap(),
    );
    let (_, seen) = token_call(
        &server,
        "/oauth/introspect",
        &[("token", access)],
        Some(other_auth),
    )
    .await;
    assert_eq!(
        seen,
        json!({"active": false}),
        "another tool learns nothing"
    );
    let (status, _) = token_call(&server, "/oauth/introspect", &[("token", access)], None).await;
    assert_eq!(status, 401, "introspection needs the client's credentials");
    // Another tool cannot refresh or revoke this one's tokens.
    let (status, body) = token_call(
        &server,
        "/oauth/token",
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
        Some(other_auth),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, _) = token_call(
        &server,
        "/oauth/revoke",
        &[("token", refresh)],
        Some(other_auth),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        introspected(&server, access, (id, secret)).await["active"],
        true,
        "another tool's revocation changed nothing"
    );
    // A refresh may narrow the scope, never widen it.
    let (status, body) = token_call(
        &server,
        "/oauth/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("scope", "openid email"),
        ],
        Some((id, secret)),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    // Revoking the refresh token ends the whole sign-in (RFC 7009).
    let (status, _) = token_call(
        &server,
        "/oauth/revoke",
        &[("token", refresh)],
        Some((id, secret)),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        introspected(&server, access, (id, secret)).await["active"],
        false
    );
    let (status, _) = token_call(
        &server,
        "/oauth/revoke",
        &[("token", "weft_oat_never_issued")],
        Some((id, secret)),
    )
    .await;
    assert_eq!(status, 200, "an unknown token is answered like any other");

    // Userinfo without a token, or with a session's: refused with a Bearer challenge.
    let reply = reqwest::Client::new()
        .get(format!("{}/oauth/userinfo", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 401);
    assert!(
        reply.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    let reply = reqwest::Client::new()
        .get(format!("{}/oauth/userinfo", server.url))
        .bearer_auth(ana.token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 401);

    // The tool's group token: refused for the kitchen, where the tool is off.
    let (status, body) = token_call(
        &server,
        "/oauth/token",
        &[
            ("grant_type", "client_credentials"),
            ("scope", "group:kitchen"),
        ],
        Some((id, secret)),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    let (status, body) = token_call(
        &server,
        "/oauth/token",
        &[
            ("grant_type", "client_credentials"),
            ("scope", "group:garden"),
        ],
        Some((id, secret)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let group_token = body["access_token"].as_str().unwrap();
    let tool = server.client().with_token(group_token);
    assert_eq!(tool.get("/api/v1/groups/garden/members").await.status, 200);
    assert_eq!(
        ana.delete("/api/v1/groups/garden/tools/wiki").await.status,
        204
    );
    assert_eq!(
        tool.get("/api/v1/groups/garden/members").await.status,
        401,
        "turned off, its token is dead"
    );

    // Outsiders: keys are the server administrators'; a tool's settings its registrant's.
    assert_eq!(ana.get("/api/v1/oidc/keys").await.status, 403);
    assert_eq!(
        ana.post("/api/v1/oidc/keys/rotate", &json!({}))
            .await
            .status,
        403
    );
    assert_eq!(server.client().get("/api/v1/oidc/keys").await.status, 401);
    let patch = ana
        .patch(
            "/api/v1/tools/wiki/registration",
            &json!({"id_token_signed_response_alg": "EdDSA"}),
        )
        .await;
    assert_eq!(patch.status, 403, "{}", patch.body);
    let bad = bo
        .patch("/api/v1/tools/wiki/registration", &json!({"id_token_signed_response_alg": "HS256", "claims": [{"claim": "sub", "values": {}}]}))
        .await;
    assert_eq!(bad.status, 422);
    let mut fields = bad.error_fields();
    fields.sort();
    assert_eq!(fields, ["claims[0].claim", "id_token_signed_response_alg"]);
    let visitor = Browser::new(&server);
    let apps = visitor.get("/settings/apps").await;
    assert_eq!(apps.status, 303, "a visitor is sent to log in");
    let forged = visitor
        .post(
            "/oauth/authorize",
            &[
                ("client_id".into(), id.into()),
                ("decision".into(), "allow".into()),
            ],
        )
        .await;
    assert!(
        forged.status == 403 || forged.status == 401,
        "{}",
        forged.status
    );
}

async fn consent_is_remembered_and_can_be_taken_back(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_ana, _bo, wiki) = garden_and_kitchen(&server).await;
    let id = wiki["client_id"].as_str().unwrap();
    let secret = wiki["client_secret"].as_str().unwrap();
    let browser = Browser::new(&server);
    browser.log_in("ana", "/").await;
    let authorize = |extra: &str| {
        format!(
            "/oauth/authorize?response_type=code&client_id={id}&state=s{extra}&scope=openid%20groups"
        )
    };

    // prompt=none before any consent: sent back, consent_required.
    let silent = browser.get(&authorize("&prompt=none")).await;
    assert_eq!(
        param(&sent_back(&silent), "error").as_deref(),
        Some("consent_required")
    );
    // Cancel: access_denied.
    let page = browser.get(&authorize("")).await;
    let denied = consent(&browser, &page, "deny").await;
    assert_eq!(param(&denied, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&denied, "state").as_deref(), Some("s"));
    // Allowed once, remembered: the next sign-in goes straight back with a code.
    let page = browser.get(&authorize("")).await;
    consent(&browser, &page, "allow").await;
    let straight = browser.get(&authorize("")).await;
    assert_eq!(straight.status, 303);
    let code = param(&straight.location.unwrap(), "code").expect("no consent page the second time");
    // Asking for more than was allowed asks again; prompt=consent always asks.
    assert_eq!(
        browser
            .get(&format!("{}%20email", authorize("")))
            .await
            .status,
        200
    );
    assert_eq!(browser.get(&authorize("&prompt=consent")).await.status, 200);
    let (status, tokens) = token_call(
        &server,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", WIKI_CALLBACK),
        ],
        Some((id, secret)),
    )
    .await;
    assert_eq!(status, 200);

    // The ID token says when ana logged in.
    let payload = |jwt: &str| -> Value {
        use base64::Engine;
        let part = jwt.split('.').nth(1).unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(part)
                .unwrap(),
        )
        .unwrap()
    };
    let mut last_login = payload(tokens["id_token"].as_str().unwrap())["auth_time"]
        .as_i64()
        .expect("auth_time");
    // prompt=login, or a log-in older than max_age: log in again, then straight on.
    for extra in ["&prompt=login", "&max_age=60"] {
        server.clock.advance_seconds(120);
        let asked = browser.get(&authorize(extra)).await;
        let to = asked.location.unwrap();
        assert!(to.starts_with("/login?again=1&next="), "{extra}: {to}");
        if extra == "&max_age=60" {
            let silent = browser.get(&authorize("&max_age=60&prompt=none")).await;
            assert_eq!(
                param(&sent_back(&silent), "error").as_deref(),
                Some("login_required")
            );
        }
        let page = browser.get(&to).await;
        assert_eq!(page.status, 200, "the form, though logged in");
        assert!(page.body.contains("asks you to log in again"));
        let mut fields = hidden_fields(&page.body);
        fields.push(("handle".into(), "ana".into()));
        fields.push(("password".into(), "ana-tangerine-orbit-47".into()));
        let logged = browser.post("/login", &fields).await;
        let back = logged.location.unwrap();
        assert!(
            !back.contains("max_age") && !back.contains("prompt"),
            "{back}"
        );
        let on = browser.get(&back).await;
        let code = param(&on.location.unwrap(), "code").expect("a code after the new log-in");
        let (_, fresh) = token_call(
            &server,
            "/oauth/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", WIKI_CALLBACK),
            ],
            Some((id, secret)),
        )
        .await;
        let again = payload(fresh["id_token"].as_str().unwrap())["auth_time"]
            .as_i64()
            .unwrap();
        assert!(again >= last_login + 120, "{again} vs {last_login}");
        last_login = again;
    }
    // A recent enough log-in passes max_age without asking.
    let recent = browser.get(&authorize("&max_age=3600")).await;
    assert!(param(&recent.location.unwrap(), "code").is_some());

    // Settings → Apps lists the wiki; taking it back ends its tokens and asks again.
    let apps = browser.get("/settings/apps").await;
    assert_eq!(apps.status, 200);
    assert!(apps.body.contains("Wiki"), "{}", apps.body);
    assert!(
        apps.body
            .contains("who you are and your groups that use it"),
        "{}",
        apps.body
    );
    let mut fields = hidden_fields(&apps.body);
    fields.truncate(1);
    let revoked = browser.post("/settings/apps/wiki/revoke", &fields).await;
    assert_eq!(revoked.status, 303);
    assert_eq!(
        introspected(
            &server,
            tokens["access_token"].as_str().unwrap(),
            (id, secret)
        )
        .await["active"],
        false
    );
    let (status, _) = token_call(
        &server,
        "/oauth/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ],
        Some((id, secret)),
    )
    .await;
    assert_eq!(status, 400);
    assert!(!browser.get("/settings/apps").await.body.contains("Wiki"));
    assert_eq!(
        browser.get(&authorize("")).await.status,
        200,
        "consent is asked again"
    );
    // A form without the CSRF token is refused.
    let forged = browser.post("/settings/apps/wiki/revoke", &[]).await;
    assert_eq!(forged.status, 403);
}

async fn signing_keys_rotate_and_tools_may_choose_eddsa(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_ana, bo, _wiki) = garden_and_kitchen(&server).await;
    let tool = register(
        &bo,
        json!({"name": "Charts", "home_url": "https://charts.example",
               "redirect_uris": ["https://charts.example/login/generic_oauth"],
               "id_token_signed_response_alg": "EdDSA"}),
    )
    .await;
    assert_eq!(tool["id_token_signed_response_alg"], "EdDSA");
    let client = CoreClient::from_provider_metadata(
        discover(&server).await,
        ClientId::new(tool["client_id"].as_str().unwrap().into()),
        Some(ClientSecret::new(
            tool["client_secret"].as_str().unwrap().into(),
        )),
    )
    .set_redirect_uri(
        RedirectUrl::new("https://charts.example/login/generic_oauth".into()).unwrap(),
    );
    let browser = Browser::new(&server);
    browser.log_in("ana", "/").await;
    let sign_in = || async {
        let (url, _, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .url();
        let first = browser.get(url.as_str()).await;
        let callback = if first.status == 200 {
            consent(&browser, &first, "allow").await
        } else {
            first.location.unwrap()
        };
        let code = param(&callback, "code").unwrap();
        let tokens = client
            .exchange_code(AuthorizationCode::new(code))
            .unwrap()
            .request_async(&http)
            .await
            .expect("the code exchange");
        (tokens.id_token().unwrap().clone(), nonce)
    };
    let (before, nonce) = sign_in().await;
    assert_eq!(
        before.signing_alg().unwrap(),
        &CoreJwsSigningAlgorithm::EdDsa
    );

    // An administrator rotates the keys.
    let root = server.admin("root").await;
    let keys = root.get("/api/v1/oidc/keys").await;
    assert_eq!(keys.status, 200, "{}", keys.body);
    assert_eq!(keys.json.as_array().unwrap().len(), 2);
    let rotated = root.post("/api/v1/oidc/keys/rotate", &json!({})).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let listed = rotated.json.as_array().unwrap();
    assert_eq!(listed.len(), 4);
    assert_eq!(listed.iter().filter(|k| k["signing"] == true).count(), 2);
    assert!(listed.iter().all(|k| k["published"] == true));
    assert!(listed.iter().all(|k| k.get("private_der").is_none()));

    // The old token still verifies against the JWKS (its key is still published); new ones
    // are signed by the new key.
    // A fresh discovery reads the JWKS again.
    let fresh = CoreClient::from_provider_metadata(
        discover(&server).await,
        client.client_id().clone(),
        None,
    );
    before
        .claims(&fresh.id_token_verifier(), &nonce)
        .expect("the old key is still published");
    let (after, after_nonce) = sign_in().await;
    assert_ne!(kid_of(&after), kid_of(&before));
    after
        .claims(&fresh.id_token_verifier(), &after_nonce)
        .expect("the new key is published");

    // Once the old tokens have expired, the old keys leave the JWKS.
    server.clock.advance_seconds(3600 + 301);
    let jwks: Value = reqwest::get(format!("{}/oauth/jwks", server.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids.len(), 2, "{kids:?}");
    assert!(!kids.contains(&kid_of(&before).as_str()));
}

/// The fields of a confirmation page's form, with the person's decision.
fn deciding(page: &Answer, decision: &str) -> Vec<(String, String)> {
    let mut fields = hidden_fields(&page.body);
    fields.push(("decision".into(), decision.into()));
    fields
}

async fn a_tool_logs_the_person_out_of_weft(backend: Backend) {
    const AFTER: &str = "https://wiki.example/logged-out";
    let server = TestServer::start(backend).await;
    let (_ana, bo, wiki) = garden_and_kitchen(&server).await;
    let id = wiki["client_id"].as_str().unwrap();
    let secret = wiki["client_secret"].as_str().unwrap();
    let charts = register(
        &bo,
        json!({"name": "Charts", "home_url": "https://charts.example",
               "redirect_uris": ["https://charts.example/cb"]}),
    )
    .await;
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();

    // The wiki registers where it may send people afterwards; the rest of its settings stay.
    let patch = bo
        .patch(
            "/api/v1/tools/wiki/registration",
            &json!({"post_logout_redirect_uris": [AFTER]}),
        )
        .await;
    assert_eq!(patch.status, 200, "{}", patch.body);
    assert_eq!(patch.json["post_logout_redirect_uris"], json!([AFTER]));
    assert_eq!(patch.json["redirect_uris"], json!([WIKI_CALLBACK]));
    let bad = bo
        .patch(
            "/api/v1/tools/wiki/registration",
            &json!({"post_logout_redirect_uris": ["wiki.example/bye"]}),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.error_fields(), ["post_logout_redirect_uris[0]"]);
    let meta: Value = reqwest::get(format!("{}/.well-known/openid-configuration", server.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        meta["end_session_endpoint"],
        format!("{}/oauth/logout", server.url)
    );

    // Ana signs in to the wiki, which keeps her ID token.
    let browser = Browser::new(&server);
    browser.log_in("ana", "/").await;
    let code = code_for(&browser, id, WIKI_CALLBACK, "").await;
    let (status, tokens) = token_call(
        &server,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", WIKI_CALLBACK),
        ],
        Some((id, secret)),
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    let id_token = tokens["id_token"].as_str().unwrap().to_string();
    let forged = {
        let (signed, signature) = id_token.rsplit_once('.').unwrap();
        let flipped = if signature.starts_with('A') { "B" } else { "A" };
        format!("{signed}.{flipped}{}", &signature[1..])
    };

    // Refused on Weft's own page and never followed.
    for (query, why) in [
        (
            format!(
                "client_id={id}&post_logout_redirect_uri={}",
                enc("https://evil.example/")
            ),
            "an address it did not register",
        ),
        (
            format!(
                "client_id={id}&post_logout_redirect_uri={}",
                enc(WIKI_CALLBACK)
            ),
            "an address it did not register",
        ),
        (
            format!("post_logout_redirect_uri={}", enc(AFTER)),
            "did not say which tool",
        ),
        (format!("id_token_hint={forged}"), "did not issue"),
        ("id_token_hint=not.a.jwt".to_string(), "did not issue"),
        (
            format!(
                "id_token_hint={id_token}&client_id={}",
                charts["client_id"].as_str().unwrap()
            ),
            "differently from its ID token",
        ),
        (
            "client_id=weft_client_nobody".to_string(),
            "No tool is registered",
        ),
    ] {
        let page = browser.get(&format!("/oauth/logout?{query}")).await;
        assert_eq!(page.status, 400, "{query}: {}", page.body);
        assert!(page.location.is_none(), "{query}");
        assert!(page.body.contains("This log-out cannot go on"), "{query}");
        assert!(page.body.contains(why), "{query}: {}", page.body);
    }
    assert_eq!(
        browser.get("/settings").await.status,
        200,
        "still logged in"
    );

    // Without a hint, Weft asks first. Staying stays.
    let asking = format!(
        "/oauth/logout?client_id={id}&post_logout_redirect_uri={}&state=bye",
        enc(AFTER)
    );
    let ask = browser.get(&asking).await;
    assert_eq!(ask.status, 200, "{}", ask.body);
    assert!(ask.body.contains("Log out of Weft?"), "{}", ask.body);
    assert!(
        ask.body.contains("<strong>Wiki</strong> asks"),
        "{}",
        ask.body
    );
    assert!(
        ask.csp.contains("form-action 'self' https://wiki.example"),
        "{}",
        ask.csp
    );
    let stay = browser
        .post("/oauth/logout/confirm", &deciding(&ask, "stay"))
        .await;
    assert_eq!((stay.status, stay.location.as_deref()), (303, Some("/")));
    assert_eq!(browser.get("/settings").await.status, 200);
    // A confirmation without the form's token is refused.
    let unasked = browser
        .post(
            "/oauth/logout/confirm",
            &[("decision".into(), "logout".into())],
        )
        .await;
    assert_eq!(unasked.status, 403);
    assert_eq!(browser.get("/settings").await.status, 200);
    // Logging out ends the session and goes to the wiki with its state.
    let out = browser
        .post("/oauth/logout/confirm", &deciding(&ask, "logout"))
        .await;
    assert_eq!(out.status, 303, "{}", out.body);
    assert_eq!(out.location.unwrap(), format!("{AFTER}?state=bye"));
    assert_eq!(browser.get("/settings").await.status, 303, "logged out");
    // What the wiki was given lives on (Settings → Apps takes that back).
    assert_eq!(
        introspected(
            &server,
            tokens["access_token"].as_str().unwrap(),
            (id, secret)
        )
        .await["active"],
        true
    );

    // With the wiki's ID token for whoever is logged in, no question: out at once.
    let hinted = format!(
        "/oauth/logout?id_token_hint={id_token}&post_logout_redirect_uri={}&state=again",
        enc(AFTER)
    );
    browser.log_in("ana", "/").await;
    let out = browser.get(&hinted).await;
    assert_eq!(out.status, 303, "{}", out.body);
    assert_eq!(out.location.unwrap(), format!("{AFTER}?state=again"));
    assert_eq!(browser.get("/settings").await.status, 303, "logged out");
    // Nobody logged in: Weft's own page says so, with a link on; no redirect.
    let out = browser.get(&hinted).await;
    assert!(out.location.is_none(), "no redirect without a session");
    assert!(out.body.contains("You are logged out"), "{}", out.body);
    assert_eq!(sent_back(&out), format!("{AFTER}?state=again"));
    // No address to go to: Weft's start page says so.
    browser.log_in("ana", "/").await;
    let out = browser
        .get(&format!("/oauth/logout?id_token_hint={id_token}"))
        .await;
    assert_eq!((out.status, out.location.as_deref()), (303, Some("/")));
    assert_eq!(browser.get("/settings").await.status, 303, "logged out");
    // Someone else's hint: Weft asks bo rather than logging him out.
    browser.log_in("bo", "/").await;
    let ask = browser.get(&hinted).await;
    assert_eq!(ask.status, 200, "{}", ask.body);
    assert!(ask.body.contains("@bo"), "{}", ask.body);
    assert_eq!(browser.get("/settings").await.status, 200);
    let out = browser
        .post("/oauth/logout/confirm", &deciding(&ask, "logout"))
        .await;
    assert_eq!(out.location.unwrap(), format!("{AFTER}?state=again"));
    // An expired hint still names its person.
    server.clock.advance_seconds(2 * 3600);
    browser.log_in("ana", "/").await;
    let out = browser.get(&hinted).await;
    assert_eq!(out.status, 303, "{}", out.body);
    assert_eq!(browser.get("/settings").await.status, 303, "logged out");
    // A tool may send the request as a form: it goes on as a GET, where the session is seen.
    let posted = browser
        .post(
            "/oauth/logout",
            &[
                ("id_token_hint".into(), id_token.clone()),
                ("state".into(), "posted".into()),
            ],
        )
        .await;
    assert_eq!(posted.status, 303);
    let again = posted.location.unwrap();
    assert!(again.starts_with("/oauth/logout?"), "{again}");
    assert_eq!(
        param(&browser.absolute(&again), "state").as_deref(),
        Some("posted")
    );
    assert_eq!(
        param(&browser.absolute(&again), "id_token_hint").as_deref(),
        Some(id_token.as_str())
    );
}

/// An OpenID Connect access token for `handle` (whose password follows the test kit's rule),
/// through the real code flow: a tool registered by `registrar` with the wiki's callback, the
/// log-in form, consent, and the code exchanged at the token endpoint. The permission matrix
/// presents it to every endpoint of the API.
pub(crate) async fn access_token_for(
    server: &TestServer,
    registrar: &Client,
    handle: &str,
) -> String {
    let tool = register(
        registrar,
        json!({"name": format!("Reader of {handle}"), "home_url": "https://wiki.example",
               "redirect_uris": [WIKI_CALLBACK]}),
    )
    .await;
    let id = tool["client_id"].as_str().unwrap();
    let secret = tool["client_secret"].as_str().unwrap();
    let browser = Browser::new(server);
    browser.log_in(handle, "/").await;
    let code = code_for(&browser, id, WIKI_CALLBACK, "").await;
    let (status, tokens) = token_call(
        server,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", WIKI_CALLBACK),
        ],
        Some((id, secret)),
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    tokens["access_token"].as_str().unwrap().to_string()
}
