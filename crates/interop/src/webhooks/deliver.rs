//! Getting activities out: the fan-out consumer of the log, and the job that sends one
//! delivery.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use kernel::activity::log;
use kernel::id::{DeliveryId, GroupId};
use kernel::jobs::{self, Job, JobHandler};
use kernel::{Kernel, Result, Timestamp};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::store::{self, Attempt, DeliveryRow};
use super::{DELIVER_JOB, RETRY_AFTER_S, deliver_job, is_public, sign};

/// The log consumer's name (its cursor in `log_consumers`).
pub const CONSUMER: &str = "webhooks";

/// How long a receiver has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Follows the log: each activity the whole group may read becomes a delivery (and its job)
/// for every enabled endpoint of the group that wants its type.
pub fn spawn_fanout(k: Arc<Kernel>, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        // An idle server only reads the log's head; it claims (a write) when the head moved,
        // and at least every few seconds for entries PostgreSQL held back behind a
        // transaction that was still open.
        let mut seen = None;
        let mut claimed_at = std::time::Instant::now();
        loop {
            let head = log::head(&k.db).await.ok();
            let moved = if head.is_some()
                && head == seen
                && claimed_at.elapsed() < Duration::from_secs(2)
            {
                0
            } else {
                claimed_at = std::time::Instant::now();
                match fan_out(&k).await {
                    Ok(0) => {
                        seen = head;
                        0
                    }
                    Ok(n) => n,
                    Err(e) => {
                        tracing::warn!(error = %e, "webhook fan-out failed; retrying");
                        0
                    }
                }
            };
            if moved == 0 {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                }
            } else if shutdown.is_cancelled() {
                return;
            }
        }
    })
}

/// One batch of the log; answers how many entries it moved past.
pub async fn fan_out(k: &Kernel) -> Result<usize> {
    let now = k.now();
    let mut batch = log::claim(&k.db, CONSUMER, 500, now).await?;
    let count = batch.entries.len();
    if count == 0 {
        return Ok(0);
    }
    let mut groups: Vec<GroupId> = batch
        .entries
        .iter()
        .filter(|e| !e.activity.restricted)
        .filter_map(|e| e.group())
        .collect();
    groups.sort();
    groups.dedup();
    let hooks: Vec<(store::WebhookRow, Vec<String>)> =
        store::enabled_of_groups(&mut batch.tx, &groups)
            .await?
            .into_iter()
            .map(|h| {
                let events = serde_json::from_str(&h.events).unwrap_or_default();
                (h, events)
            })
            .collect();
    let mut deliveries = Vec::new();
    if !hooks.is_empty() {
        for entry in batch.entries.iter().filter(|e| !e.activity.restricted) {
            let Some(group) = entry.group() else { continue };
            // An endpoint hears of what happens after it was added, not of the past (both
            // ids are UUIDv7: they order by the time they were made).
            let activity = entry.activity.id.0;
            for (hook, events) in hooks
                .iter()
                .filter(|(h, _)| h.group_id == group && h.id.0 < activity)
            {
                let kind = &entry.activity.kind;
                if !events.iter().any(|e| e == "*" || e == kind) {
                    continue;
                }
                let payload = format!(
                    r#"{{"type":{},"timestamp":{},"data":{}}}"#,
                    serde_json::to_string(kind).unwrap_or_default(),
                    serde_json::to_string(&now).unwrap_or_default(),
                    entry.activity_json()
                );
                deliveries.push(DeliveryRow {
                    id: DeliveryId::new(),
                    webhook_id: hook.id,
                    activity_id: entry.activity.id,
                    event: kind.clone(),
                    payload,
                    state: "pending".into(),
                    attempts: 0,
                    last_status: None,
                    last_error: None,
                    created_at: now.0,
                    last_attempt_at: None,
                    next_attempt_at: Some(now.0),
                    delivered_at: None,
                });
            }
        }
    }
    store::insert_deliveries(&mut batch.tx, &deliveries).await?;
    for d in &deliveries {
        jobs::enqueue(&mut batch.tx, now, deliver_job(d.id, 0, now)).await?;
    }
    batch.advance(now).await?;
    metrics::counter!("weft_webhook_deliveries_created_total").increment(deliveries.len() as u64);
    Ok(count)
}

/// The HTTP client deliveries go out with: rustls with the Mozilla roots, no redirects (a
/// redirect could lead to a private address), a timeout.
pub fn client() -> reqwest::Client {
    crate::install_crypto();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .user_agent(concat!("Weft-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the webhook client builds")
}

/// The job sending one delivery.
pub struct Deliver {
    pub client: reqwest::Client,
}

impl JobHandler for Deliver {
    fn kind(&self) -> &'static str {
        DELIVER_JOB
    }

    fn run(&self, k: Arc<Kernel>, job: Job) -> BoxFuture<'static, std::result::Result<(), String>> {
        let client = self.client.clone();
        Box::pin(async move {
            let id: DeliveryId = serde_json::from_value(job.payload["delivery"].clone())
                .map_err(|e| format!("a delivery job without a delivery: {e}"))?;
            attempt(&k, &client, id).await.map_err(|e| e.to_string())
        })
    }
}

/// Where a URL's host resolves, refused if any address is private (unless allowed).
async fn resolve(
    url: &reqwest::Url,
    allow_private: bool,
) -> std::result::Result<Vec<SocketAddr>, String> {
    let host = url
        .host_str()
        .ok_or("no host")?
        .trim_matches(['[', ']'])
        .to_string();
    let port = url.port_or_known_default().ok_or("no port")?;
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("{host} has no address"));
    }
    if !allow_private && addrs.iter().any(|a| !is_public(a.ip())) {
        return Err(format!("{host} resolves to a private address; refused"));
    }
    Ok(addrs)
}

async fn attempt(k: &Kernel, client: &reqwest::Client, id: DeliveryId) -> Result<()> {
    let Some(d) = store::delivery(&k.db, id).await? else {
        return Ok(()); // its endpoint was deleted
    };
    if d.state != "pending" {
        return Ok(());
    }
    let Some(hook) = store::webhook(&k.db, d.webhook_id).await? else {
        return Ok(());
    };
    let now = k.now();
    let attempts = d.attempts + 1;
    if hook.disabled_at.is_some() {
        let a = Attempt {
            state: "failed",
            attempts: d.attempts,
            status: None,
            error: Some("the endpoint was turned off".into()),
            now,
            next: None,
        };
        return store::record_attempt(&k.db, id, a).await;
    }
    let secret = k.seal.open_text(&hook.secret, hook.id.0.as_bytes())?;
    let outcome = send(k, client, &hook.url, &secret, &d, now).await;
    let (status, error) = match &outcome {
        Ok(status) => (Some(i64::from(*status)), None),
        Err(e) => (None, Some(e.clone())),
    };
    match outcome {
        Ok(s) if (200..300).contains(&s) => {
            metrics::counter!("weft_webhook_deliveries_total", "outcome" => "delivered")
                .increment(1);
            let a = Attempt {
                state: "delivered",
                attempts,
                status,
                error,
                now,
                next: None,
            };
            store::record_attempt(&k.db, id, a).await
        }
        Ok(410) => {
            store::disable(&k.db, hook.id, now, "the receiver answered 410 Gone").await?;
            metrics::counter!("weft_webhook_deliveries_total", "outcome" => "gone").increment(1);
            let a = Attempt {
                state: "failed",
                attempts,
                status,
                error: Some("410 Gone: the endpoint is turned off".into()),
                now,
                next: None,
            };
            store::record_attempt(&k.db, id, a).await
        }
        _ => {
            let wait = RETRY_AFTER_S.get((attempts - 1) as usize).copied();
            let next = wait.map(|s| now.plus_seconds(s));
            let error = error.or_else(|| status.map(|s| format!("the receiver answered {s}")));
            let mut tx = k.db.begin().await?;
            if let Some(at) = next {
                jobs::enqueue(&mut tx, now, deliver_job(id, attempts, at)).await?;
            }
            tx.commit().await?;
            metrics::counter!("weft_webhook_deliveries_total", "outcome" => "retry").increment(1);
            let a = Attempt {
                state: if next.is_some() { "pending" } else { "failed" },
                attempts,
                status,
                error,
                now,
                next,
            };
            store::record_attempt(&k.db, id, a).await
        }
    }
}

/// One POST; the receiver's status, or why there was none.
async fn send(
    k: &Kernel,
    client: &reqwest::Client,
    url: &str,
    secret: &str,
    d: &DeliveryRow,
    now: Timestamp,
) -> std::result::Result<u16, String> {
    let url = reqwest::Url::parse(url).map_err(|e| format!("a bad URL: {e}"))?;
    let allow_private = k.config.webhooks_allow_private;
    let addrs = resolve(&url, allow_private).await?;
    let timestamp = now.0 / 1_000_000;
    let msg_id = format!("msg_{}", d.id.0.simple());
    let signature = sign::signature(secret, &msg_id, timestamp, &d.payload)
        .ok_or("the endpoint's secret is not a whsec_ secret")?;
    // Connect to the address just checked, not to whatever the name resolves to next.
    let pinned;
    let client = if allow_private {
        client
    } else {
        let host = url.host_str().unwrap_or_default().to_string();
        pinned = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .resolve_to_addrs(&host, &addrs)
            .build()
            .map_err(|e| e.to_string())?;
        &pinned
    };
    let reply = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &msg_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(d.payload.clone())
        .send()
        .await
        .map_err(|e| format!("no answer: {e}"))?;
    Ok(reply.status().as_u16())
}
