//! Load tool for `bench/oidc`: the OpenID Connect provider's hot paths on a running server.
//!
//! ```sh
//! cargo run --release -p weft --example oidc_load -- --base http://127.0.0.1:8080 \
//!     --codes 4000 --concurrency 32 --introspections 20000
//! ```
//!
//! It signs a person up, registers two tools (one with RS256 ID tokens, one with EdDSA),
//! turns them on in a group, and consents once in each (through the real consent form). Then,
//! for each tool:
//! 1. it asks `/oauth/authorize` for `--codes` codes (the person's session, consent
//!    remembered: each answer is a 303 with a fresh code) — not timed as the figure, but
//!    reported;
//! 2. it exchanges them at `/oauth/token` (client_secret_basic, PKCE S256, `openid profile
//!    email groups`: each answer an access token, a refresh token and a signed ID token),
//!    `--concurrency` at a time, and reports exchanges per second and latency percentiles.
//!
//! Codes live 60 seconds, so they are made and exchanged in rounds of at most 4,000.
//! Last, `--introspections` calls to `/oauth/introspect` for one access token.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{Value, json};

#[derive(Parser)]
struct Args {
    #[arg(long)]
    base: String,
    #[arg(long, default_value_t = 4000)]
    codes: usize,
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    #[arg(long, default_value_t = 20000)]
    introspections: usize,
}

const PASSWORD: &str = "tangerine-orbit-cello-47";
const REDIRECT: &str = "https://bench.example/callback";
const VERIFIER: &str = "a-bench-verifier-of-forty-three-characters-or-more";

struct Tool {
    client_id: String,
    secret: String,
}

/// The hidden fields of a page's forms, each name once (the CSRF token is in every form).
fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let mut seen = std::collections::HashSet::new();
    html.split("<input type=\"hidden\" ")
        .skip(1)
        .filter_map(|input| {
            let attr = |name: &str| {
                input
                    .split(&format!("{name}=\""))
                    .nth(1)
                    .and_then(|rest| rest.split('"').next())
                    .map(|v| v.replace("&#38;", "&").replace("&amp;", "&"))
            };
            Some((attr("name")?, attr("value")?))
        })
        .filter(|(name, _)| seen.insert(name.clone()))
        .collect()
}

fn challenge() -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(VERIFIER))
}

fn authorize_url(base: &str, tool: &Tool) -> String {
    format!(
        "{base}/oauth/authorize?response_type=code&client_id={}&redirect_uri={}&scope=openid%20profile%20email%20groups&state=s&nonce=n&code_challenge={}&code_challenge_method=S256",
        tool.client_id,
        url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>(),
        challenge()
    )
}

fn code_of(location: &str) -> Option<String> {
    url::Url::parse(location)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Runs `n` calls of `call`, `concurrency` at a time; answers (seconds, sorted latencies,
/// failures).
async fn drive<F, Fut>(n: usize, concurrency: usize, call: F) -> (f64, Vec<Duration>, usize)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let call = Arc::new(call);
    let next = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (call, next, failures) = (call.clone(), next.clone(), failures.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let t = Instant::now();
                if !call(i).await {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.expect("a worker"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    (elapsed, all, failures.load(Ordering::Relaxed))
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    interop::install_crypto();
    let base = args.base.trim_end_matches('/').to_string();
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let api = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let handle = format!("oidc{}", std::process::id());
    let ok = |r: reqwest::Response| async move {
        assert!(r.status().is_success(), "{} {}", r.status(), r.url());
        r.json::<Value>().await.unwrap()
    };
    ok(api
        .post(format!("{base}/api/v1/accounts"))
        .json(&json!({"handle": handle, "password": PASSWORD}))
        .send()
        .await
        .unwrap())
    .await;
    // The session lands in the browser's cookie jar; its token serves the API calls.
    let session = ok(browser
        .post(format!("{base}/api/v1/sessions"))
        .json(&json!({"handle": handle, "password": PASSWORD}))
        .send()
        .await
        .unwrap())
    .await;
    let token = session["token"].as_str().unwrap().to_string();
    let group = format!("g{handle}");
    ok(api
        .post(format!("{base}/api/v1/groups"))
        .bearer_auth(&token)
        .json(&json!({"handle": group, "name": "Bench group", "visibility": "public", "join_policy": "open"}))
        .send()
        .await
        .unwrap())
    .await;

    let mut last_access = None;
    for alg in ["RS256", "EdDSA"] {
        let name = format!("t{}{}", alg.to_lowercase(), std::process::id());
        let reg = ok(api
            .post(format!("{base}/api/v1/tools"))
            .bearer_auth(&token)
            .json(&json!({"name": name, "home_url": "https://bench.example", "redirect_uris": [REDIRECT],
                           "id_token_signed_response_alg": alg,
                           "claims": [{"claim": "role", "values": {"owner": "Admin", "member": "Viewer"}}]}))
            .send()
            .await
            .unwrap())
        .await;
        let tool = Arc::new(Tool {
            client_id: reg["client_id"].as_str().unwrap().into(),
            secret: reg["client_secret"].as_str().unwrap().into(),
        });
        let status = api
            .put(format!(
                "{base}/api/v1/groups/{group}/tools/{}",
                reg["name"].as_str().unwrap()
            ))
            .bearer_auth(&token)
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .status();
        assert!(status.is_success());
        // Consent once, through the form.
        let page = browser
            .get(authorize_url(&base, &tool))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let mut fields = hidden_fields(&page.text().await.unwrap());
        fields.push(("decision".into(), "allow".into()));
        let answer = browser
            .post(format!("{base}/oauth/authorize"))
            .header("origin", &base)
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 303, "{:?}", answer.text().await);

        let mut exchanged = 0;
        let mut seconds = 0.0;
        let mut failures = 0;
        let mut latencies = Vec::new();
        let mut authorize = (0.0, 0);
        while exchanged < args.codes {
            let round = (args.codes - exchanged).min(4000);
            let codes = Arc::new(std::sync::Mutex::new(Vec::with_capacity(round)));
            let (b, t, c) = (browser.clone(), tool.clone(), codes.clone());
            let url = authorize_url(&base, &t);
            let (s, _, f) = drive(round, 8, move |_| {
                let (b, c, url) = (b.clone(), c.clone(), url.clone());
                async move {
                    let r = b.get(&url).send().await.unwrap();
                    let code = r
                        .headers()
                        .get("location")
                        .and_then(|l| l.to_str().ok())
                        .and_then(code_of);
                    match code {
                        Some(code) => {
                            c.lock().unwrap().push(code);
                            true
                        }
                        None => false,
                    }
                }
            })
            .await;
            assert_eq!(f, 0, "every authorize answered with a code");
            authorize = (authorize.0 + s, authorize.1 + round);
            let codes: Arc<Vec<String>> = Arc::new(std::mem::take(&mut *codes.lock().unwrap()));
            let (a, t, base2) = (api.clone(), tool.clone(), base.clone());
            let last = Arc::new(std::sync::Mutex::new(None));
            let keep = last.clone();
            let (s, l, f) = drive(round, args.concurrency, move |i| {
                let (a, t, codes, base, keep) = (
                    a.clone(),
                    t.clone(),
                    codes.clone(),
                    base2.clone(),
                    keep.clone(),
                );
                async move {
                    let r = a
                        .post(format!("{base}/oauth/token"))
                        .basic_auth(&t.client_id, Some(&t.secret))
                        .form(&[
                            ("grant_type", "authorization_code"),
                            ("code", codes[i].as_str()),
                            ("redirect_uri", REDIRECT),
                            ("code_verifier", VERIFIER),
                        ])
                        .send()
                        .await
                        .unwrap();
                    if !r.status().is_success() {
                        return false;
                    }
                    let body: Value = r.json().await.unwrap();
                    let good = body["id_token"].is_string();
                    *keep.lock().unwrap() = body["access_token"].as_str().map(str::to_string);
                    good
                }
            })
            .await;
            last_access = last.lock().unwrap().clone().map(|a| (a, tool.clone()));
            exchanged += round;
            seconds += s;
            failures += f;
            latencies.extend(l);
        }
        latencies.sort();
        println!(
            "- code exchange, {alg} ID tokens, {} codes, {} at a time: **{:.0}/s**, p50 {:.1} ms, p99 {:.1} ms, {failures} failed (authorize, 8 at a time: {:.0} codes/s)",
            args.codes,
            args.concurrency,
            args.codes as f64 / seconds,
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.99),
            authorize.1 as f64 / authorize.0,
        );
    }

    let (access, tool) = last_access.expect("an access token");
    let (a, base2) = (api.clone(), base.clone());
    let (s, l, f) = drive(args.introspections, args.concurrency, move |_| {
        let (a, t, base, access) = (a.clone(), tool.clone(), base2.clone(), access.clone());
        async move {
            let r = a
                .post(format!("{base}/oauth/introspect"))
                .basic_auth(&t.client_id, Some(&t.secret))
                .form(&[("token", access.as_str())])
                .send()
                .await
                .unwrap();
            r.status().is_success() && r.json::<Value>().await.unwrap()["active"] == true
        }
    })
    .await;
    println!(
        "- introspection, {} calls, {} at a time: **{:.0}/s**, p50 {:.1} ms, p99 {:.1} ms, {f} failed",
        args.introspections,
        args.concurrency,
        args.introspections as f64 / s,
        percentile(&l, 0.5),
        percentile(&l, 0.99),
    );
}
