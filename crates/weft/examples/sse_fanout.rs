//! Load tool for `bench/kernel3`: holds many `/api/v1/stream` connections open on a running
//! server, writes activities in one group at a steady rate, and reports how long each took to
//! reach every connection, and the server's memory with all of them connected.
//!
//! ```sh
//! cargo run --release -p weft --example sse_fanout -- --base http://127.0.0.1:8080 \
//!     --owner-token TOKEN --group fanout --accounts 100 --clients 1000 --events 50 --rate 10 \
//!     --server-pid PID
//! ```
//!
//! It signs up `--accounts` people (`fan0000`, …) who join the open group, then spreads
//! `--clients` streams over them. The group's owner then changes the group's description
//! `--events` times; each change is one `Update` activity, which every stream should receive.
//! Latency is from just before the change was sent to when a stream read it (one clock: this
//! process), and also from the activity's `published` time (the server's clock, same machine).
//! With `--setup-only --tokens-file F` it only signs people up; a later run with
//! `--tokens-file F` streams as them (so the server can be restarted in between, and its
//! memory measured without what the sign-ups left behind).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;
use futures::StreamExt;
use serde_json::{Value, json};
use tokio::sync::Mutex;

#[derive(Parser)]
struct Args {
    /// The server, e.g. http://127.0.0.1:8080
    #[arg(long)]
    base: String,
    /// A token of the group's owner (it writes the activities).
    #[arg(long)]
    owner_token: String,
    /// An open group's handle.
    #[arg(long)]
    group: String,
    /// People to sign up and join the group; the streams are spread over them.
    #[arg(long, default_value_t = 100)]
    accounts: usize,
    /// Streams to hold open.
    #[arg(long, default_value_t = 1000)]
    clients: usize,
    /// Activities to write.
    #[arg(long, default_value_t = 50)]
    events: usize,
    /// Activities per second.
    #[arg(long, default_value_t = 10.0)]
    rate: f64,
    /// The server's process id, to read its resident memory.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Handle prefix of the people it signs up.
    #[arg(long, default_value = "fan")]
    prefix: String,
    /// Only sign the people up and write their tokens to `--tokens-file`.
    #[arg(long, requires = "tokens_file")]
    setup_only: bool,
    /// Tokens, one a line: written by `--setup-only`, read (instead of signing up) otherwise.
    #[arg(long)]
    tokens_file: Option<std::path::PathBuf>,
}

const PASSWORD: &str = "tangerine-orbit-cello-47";

type Error = Box<dyn std::error::Error + Send + Sync>;

/// What one stream saw: for each `Update` of the group, in order, when it arrived here and
/// its `published` time (microseconds since the epoch).
#[derive(Default)]
struct Seen {
    arrivals: Vec<(Instant, i64, i64)>,
}

fn rss_kib(pid: Option<u32>) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or_default()
}

async fn post(
    client: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: Value,
) -> Result<Value, Error> {
    let mut req = client.post(url).json(&body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await?;
    let status = resp.status();
    let text = resp.text().await?;
    if !status.is_success() {
        return Err(format!("{status}: {text}").into());
    }
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Signs up one person, logs them in and joins the group; answers their session token.
async fn member(client: &reqwest::Client, args: &Args, i: usize) -> Result<String, Error> {
    let handle = format!("{}{i:04}", args.prefix);
    let base = &args.base;
    post(
        client,
        format!("{base}/api/v1/accounts"),
        None,
        json!({"handle": handle, "password": PASSWORD}),
    )
    .await?;
    let session = post(
        client,
        format!("{base}/api/v1/sessions"),
        None,
        json!({"handle": handle, "password": PASSWORD}),
    )
    .await?;
    let token = session["token"]
        .as_str()
        .ok_or("no token in the session")?
        .to_string();
    post(
        client,
        format!("{base}/api/v1/groups/{}/members", args.group),
        Some(&token),
        json!({}),
    )
    .await?;
    Ok(token)
}

/// Reads one stream until it ends, recording every `Update` activity of the group.
async fn listen(
    mut resp: reqwest::Response,
    seen: Arc<Mutex<Seen>>,
    delivered: Arc<AtomicUsize>,
    group_id: String,
) {
    let mut buf: Vec<u8> = Vec::new();
    while let Ok(Some(chunk)) = resp.chunk().await {
        let at = Instant::now();
        let wall = now_micros();
        buf.extend_from_slice(&chunk);
        // Events end with a blank line.
        while let Some(end) = buf.windows(2).position(|w| w == b"\n\n") {
            let event: Vec<u8> = buf.drain(..end + 2).collect();
            let text = String::from_utf8_lossy(&event);
            let mut name = "message";
            let mut data = String::new();
            for line in text.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.strip_prefix(' ').unwrap_or(v));
                }
            }
            if name != "activity" {
                continue;
            }
            let Ok(item) = serde_json::from_str::<Value>(&data) else {
                continue;
            };
            let activity = &item["activity"];
            if activity["type"] != "Update" || activity["object"]["id"] != group_id.as_str() {
                continue;
            }
            let published = activity["published"]
                .as_str()
                .and_then(|p| {
                    serde_json::from_value::<kernel::Timestamp>(Value::String(p.into())).ok()
                })
                .map(|t| t.0)
                .unwrap_or_default();
            seen.lock().await.arrivals.push((at, wall, published));
            delivered.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn summary(label: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    let mean = ms.iter().sum::<f64>() / ms.len().max(1) as f64;
    println!(
        "{label}: n {} mean {mean:.1} ms, p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms.len(),
        percentile(&ms, 50.0),
        percentile(&ms, 90.0),
        percentile(&ms, 99.0),
        ms.last().copied().unwrap_or(f64::NAN),
    );
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args = Arc::new(Args::parse());
    interop::install_crypto();
    let setup = reqwest::Client::builder().build()?;

    let group = setup
        .get(format!("{}/api/v1/groups/{}", args.base, args.group))
        .bearer_auth(&args.owner_token)
        .send()
        .await?
        .error_for_status()?
        .json::<Value>()
        .await?;
    let group_id = group["id"].as_str().ok_or("no group id")?.to_string();

    let tokens: Vec<String> = match &args.tokens_file {
        Some(path) if !args.setup_only => std::fs::read_to_string(path)?
            .lines()
            .map(str::to_string)
            .collect(),
        _ => {
            let t = Instant::now();
            let tokens: Vec<String> = futures::stream::iter(0..args.accounts)
                .map(|i| {
                    let (client, args) = (setup.clone(), args.clone());
                    async move { member(&client, &args, i).await }
                })
                .buffer_unordered(8)
                .collect::<Vec<_>>()
                .await
                .into_iter()
                .collect::<Result<_, _>>()?;
            println!(
                "setup: {} people signed up, logged in and joined (8 at a time) in {:.1} s",
                tokens.len(),
                t.elapsed().as_secs_f64()
            );
            tokens
        }
    };
    if args.setup_only {
        if let Some(path) = &args.tokens_file {
            std::fs::write(path, tokens.join("\n"))?;
        }
        return Ok(());
    }

    let rss_before = rss_kib(args.server_pid);
    // One client per stream: each holds its own connection, as browsers would.
    let seen: Vec<Arc<Mutex<Seen>>> = (0..args.clients).map(|_| Arc::default()).collect();
    let delivered = Arc::new(AtomicUsize::new(0));
    let t = Instant::now();
    let streams = reqwest::Client::builder().build()?;
    let opened: Vec<reqwest::Response> = futures::stream::iter(0..args.clients)
        .map(|c| {
            let req = streams
                .get(format!("{}/api/v1/stream", args.base))
                .bearer_auth(&tokens[c % tokens.len()])
                .header("accept", "text/event-stream");
            async move { req.send().await?.error_for_status() }
        })
        .buffered(64)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    let mut tasks = Vec::new();
    for (resp, s) in opened.into_iter().zip(&seen) {
        tasks.push(tokio::spawn(listen(
            resp,
            s.clone(),
            delivered.clone(),
            group_id.clone(),
        )));
    }
    println!(
        "connected: {} streams open in {:.1} s",
        args.clients,
        t.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_connected = rss_kib(args.server_pid);
    if let (Some(before), Some(after)) = (rss_before, rss_connected) {
        println!(
            "server RSS: {:.1} MB before the streams, {:.1} MB with {} open ({:.1} KiB a stream)",
            before as f64 / 1024.0,
            after as f64 / 1024.0,
            args.clients,
            (after as f64 - before as f64) / args.clients as f64
        );
    }

    // The owner changes the group's description `events` times, at `rate` a second.
    let writer = reqwest::Client::builder().build()?;
    let period = Duration::from_secs_f64(1.0 / args.rate);
    let mut sent: Vec<Instant> = Vec::with_capacity(args.events);
    let mut round_trips = Vec::with_capacity(args.events);
    let mut ticker = tokio::time::interval(period);
    for e in 0..args.events {
        ticker.tick().await;
        let at = Instant::now();
        sent.push(at);
        writer
            .patch(format!("{}/api/v1/groups/{}", args.base, args.group))
            .bearer_auth(&args.owner_token)
            .json(&json!({"description": format!("fan-out round {e}")}))
            .send()
            .await?
            .error_for_status()?;
        round_trips.push(at.elapsed().as_secs_f64() * 1000.0);
    }
    let expected = args.events * args.clients;
    let deadline = Instant::now() + Duration::from_secs(10);
    while delivered.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let rss_after = rss_kib(args.server_pid);
    for task in &tasks {
        task.abort();
    }

    let mut from_send = Vec::with_capacity(expected);
    let mut from_published = Vec::with_capacity(expected);
    let mut complete = 0;
    let mut extra = 0;
    for s in &seen {
        let s = s.lock().await;
        if s.arrivals.len() == args.events {
            complete += 1;
        }
        extra += s.arrivals.len().saturating_sub(args.events);
        for (i, (at, wall, published)) in s.arrivals.iter().enumerate().take(args.events) {
            from_send.push(at.duration_since(sent[i]).as_secs_f64() * 1000.0);
            from_published.push((wall - published) as f64 / 1000.0);
        }
    }
    println!(
        "delivered: {} of {expected} ({} of {} streams got all {} activities, {extra} unexpected)",
        from_send.len(),
        complete,
        args.clients,
        args.events
    );
    summary("latency from the PATCH being sent", from_send);
    summary("latency from the activity's published time", from_published);
    summary("PATCH round trip (the writer's view)", round_trips);
    if let Some(after) = rss_after {
        println!(
            "server RSS after the activities: {:.1} MB",
            after as f64 / 1024.0
        );
    }
    if complete != args.clients {
        return Err("some streams missed activities".into());
    }
    Ok(())
}
