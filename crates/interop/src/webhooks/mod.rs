//! Webhooks out, per the Standard Webhooks specification. A group's admins add endpoints; a
//! consumer of the activity log (`fanout`) writes one delivery per matching endpoint and the
//! durable job that sends it, in the transaction that moves the consumer on; the job signs
//! and sends it, and retries on the specification's schedule. A `410 Gone` turns the
//! endpoint off. Only what the whole group may read is sent: activities meant for a few
//! people (a payment, a direct message) never leave.

pub mod deliver;
pub mod sign;
pub mod store;

use std::net::IpAddr;

use kernel::error::Validation;
use kernel::groups::service::load;
use kernel::id::{AccountId, ActivityId, DeliveryId, GroupId, WebhookId};
use kernel::jobs::{self, NewJob};
use kernel::page::{Page, PageRequest};
use kernel::people::{Actor, Scope};
use kernel::policy::Action;
use kernel::{Error, Kernel, Result, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use store::{DeliveryRow, WebhookRow};

/// The job that sends one delivery.
pub const DELIVER_JOB: &str = "webhook.deliver";

/// When to try again after the first attempt fails: the specification's schedule (5 s, 5 min,
/// 30 min, 2 h, 5 h, 10 h, 10 h). After the last, the delivery has failed.
pub const RETRY_AFTER_S: [i64; 7] = [5, 300, 1800, 7200, 18000, 36000, 36000];

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where to send: an `https` URL (or `http`).
    pub url: String,
    /// Activity types to send (`Create`, `Join`, `loomio:Closed`…), or `["*"]` for all.
    #[serde(default)]
    pub events: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Webhook {
    pub id: WebhookId,
    pub group: GroupId,
    pub url: String,
    pub events: Vec<String>,
    pub created_by: Option<AccountId>,
    pub created_at: Timestamp,
    /// Set when the endpoint was turned off (it answered 410 Gone).
    pub disabled_at: Option<Timestamp>,
    pub disabled_reason: Option<String>,
}

/// A new endpoint: its signing secret is shown this once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// `whsec_…`: verify `webhook-signature` with it.
    pub secret: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Delivery {
    /// Also the `webhook-id` header: the same on every attempt, so receivers can drop
    /// duplicates.
    pub id: DeliveryId,
    pub webhook: WebhookId,
    pub activity: ActivityId,
    pub event: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub last_attempt_at: Option<Timestamp>,
    pub next_attempt_at: Option<Timestamp>,
    pub delivered_at: Option<Timestamp>,
    /// The body sent.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

fn webhook_of(row: &WebhookRow) -> Webhook {
    Webhook {
        id: row.id,
        group: row.group_id,
        url: row.url.clone(),
        events: serde_json::from_str(&row.events).unwrap_or_default(),
        created_by: row.created_by,
        created_at: Timestamp(row.created_at),
        disabled_at: row.disabled_at.map(Timestamp),
        disabled_reason: row.disabled_reason.clone(),
    }
}

fn delivery_of(row: DeliveryRow) -> Delivery {
    Delivery {
        id: row.id,
        webhook: row.webhook_id,
        activity: row.activity_id,
        event: row.event,
        state: row.state,
        attempts: row.attempts,
        last_status: row.last_status,
        last_error: row.last_error,
        created_at: Timestamp(row.created_at),
        last_attempt_at: row.last_attempt_at.map(Timestamp),
        next_attempt_at: row.next_attempt_at.map(Timestamp),
        delivered_at: row.delivered_at.map(Timestamp),
        payload: serde_json::from_str(&row.payload).unwrap_or_default(),
    }
}

/// Whether an address is one the public internet routes: not loopback, private, link-local,
/// carrier-grade NAT, benchmarking, protocol-assignment, documentation, reserved, unique- or
/// site-local, multicast or unspecified. An IPv6 address that carries an IPv4 one (mapped,
/// IPv4-compatible, NAT64, 6to4, Teredo) is judged by the IPv4 address it leads to: the
/// IANA registries alone call `64:ff9b::/96` global, yet `64:ff9b::7f00:1` is 127.0.0.1
/// through a NAT64 gateway.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (18..20).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 192 && b == 88 && c == 99))
        }
        IpAddr::V6(v6) => {
            if v6.is_loopback() || v6.is_unspecified() {
                return false;
            }
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let seg = v6.segments();
            let low_v4 = || {
                let [.., a, b, c, d] = v6.octets();
                IpAddr::V4(std::net::Ipv4Addr::new(a, b, c, d))
            };
            // IPv4-compatible (::a.b.c.d) and the well-known NAT64 prefix (64:ff9b::/96).
            if seg[..6] == [0; 6] || seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                return is_public(low_v4());
            }
            // 6to4 (2002:a.b.c.d::/48).
            if seg[0] == 0x2002 {
                let [_, _, a, b, c, d, ..] = v6.octets();
                return is_public(IpAddr::V4(std::net::Ipv4Addr::new(a, b, c, d)));
            }
            // Teredo (2001:0::/32): the server's address, and the client's, inverted.
            if seg[0] == 0x2001 && seg[1] == 0 {
                let [_, _, _, _, a, b, c, d, .., w, x, y, z] = v6.octets();
                let server = IpAddr::V4(std::net::Ipv4Addr::new(a, b, c, d));
                let client = IpAddr::V4(std::net::Ipv4Addr::new(!w, !x, !y, !z));
                return is_public(server) && is_public(client);
            }
            !(v6.is_multicast()
                // NAT64 for local use (64:ff9b:1::/48)
                || (seg[0] == 0x64 && seg[1] == 0xff9b && seg[2] == 1)
                // documentation (2001:db8::/32)
                || (seg[0] == 0x2001 && seg[1] == 0x0db8)
                // unique-local (fc00::/7), link-local (fe80::/10), site-local (fec0::/10)
                || (seg[0] & 0xfe00) == 0xfc00
                || (seg[0] & 0xffc0) == 0xfe80
                || (seg[0] & 0xffc0) == 0xfec0)
        }
    }
}

/// Checks an endpoint's URL; a host given as an address must be public unless the server
/// allows private ones. (Names are checked again, resolved, at each delivery.)
pub fn check_url(url: &str, allow_private: bool) -> std::result::Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|_| "an absolute http(s) URL".to_string())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("an absolute http(s) URL".into());
    }
    if url.len() > 2000 {
        return Err("at most 2,000 characters".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("must not hold credentials".into());
    }
    if allow_private {
        return Ok(());
    }
    let refused = || Err("private, loopback and link-local addresses are refused".to_string());
    match parsed.host() {
        Some(url::Host::Ipv4(ip)) if !is_public(IpAddr::V4(ip)) => refused(),
        Some(url::Host::Ipv6(ip)) if !is_public(IpAddr::V6(ip)) => refused(),
        Some(url::Host::Domain(d)) if d == "localhost" || d.ends_with(".localhost") => refused(),
        None => Err("an absolute http(s) URL".into()),
        _ => Ok(()),
    }
}

fn check_event(e: &str) -> std::result::Result<(), String> {
    let ok = e == "*"
        || ((1..=100).contains(&e.len())
            && e.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b':' || b == b'_'));
    if ok {
        Ok(())
    } else {
        Err("an activity type (Create, Join, loomio:Closed…) or \"*\"".into())
    }
}

async fn managed_group(
    k: &Kernel,
    actor: &Actor,
    group: &str,
) -> Result<kernel::groups::service::Loaded> {
    actor.require(Scope::Write)?;
    let loaded = load(k, Some(actor), group).await?;
    loaded.authorize(Some(actor), Action::ManageTools)?;
    Ok(loaded)
}

/// A webhook its caller may manage (who manages the group's tools).
async fn managed_webhook(k: &Kernel, actor: &Actor, id: WebhookId) -> Result<WebhookRow> {
    let row = store::webhook(&k.db, id)
        .await?
        .ok_or(Error::NotFound("webhook"))?;
    managed_group(k, actor, &row.group_id.to_string())
        .await
        .map_err(Error::hidden_as("webhook"))?;
    Ok(row)
}

pub async fn create(
    k: &Kernel,
    actor: &Actor,
    group: &str,
    input: NewWebhook,
) -> Result<CreatedWebhook> {
    let loaded = managed_group(k, actor, group).await?;
    let mut v = Validation::new();
    v.check(
        "url",
        check_url(&input.url, k.config.webhooks_allow_private),
    );
    if input.events.is_empty() {
        v.push(
            "events",
            "name the activity types to send, or [\"*\"] for all",
        );
    }
    if input.events.len() > 100 {
        v.push("events", "at most 100");
    }
    for (i, e) in input.events.iter().enumerate() {
        v.check(&format!("events[{i}]"), check_event(e));
    }
    v.finish()?;
    let mut events = input.events.clone();
    events.sort();
    events.dedup();
    // The secret is shown once and kept sealed (`kernel::seal`).
    let id = WebhookId::new();
    let secret = sign::new_secret();
    let row = WebhookRow {
        id,
        group_id: loaded.row.id,
        url: input.url,
        events: serde_json::to_string(&events).map_err(Error::internal)?,
        secret: k.seal.seal_text(&secret, id.0.as_bytes()),
        created_by: Some(actor.account),
        created_at: k.now().0,
        disabled_at: None,
        disabled_reason: None,
    };
    let mut tx = k.db.begin().await?;
    store::insert_webhook(&mut tx, &row).await?;
    tx.commit().await?;
    Ok(CreatedWebhook {
        webhook: webhook_of(&row),
        secret,
    })
}

pub async fn list(k: &Kernel, actor: &Actor, group: &str) -> Result<Vec<Webhook>> {
    let loaded = managed_group(k, actor, group).await?;
    Ok(store::webhooks_of_group(&k.db, loaded.row.id)
        .await?
        .iter()
        .map(webhook_of)
        .collect())
}

pub async fn delete(k: &Kernel, actor: &Actor, id: WebhookId) -> Result<()> {
    let row = managed_webhook(k, actor, id).await?;
    store::delete_webhook(&k.db, row.id).await?;
    Ok(())
}

pub async fn deliveries(
    k: &Kernel,
    actor: &Actor,
    id: WebhookId,
    page: &PageRequest,
) -> Result<Page<Delivery>> {
    let row = managed_webhook(k, actor, id).await?;
    let limit = page.limit()?;
    let rows = store::deliveries(&k.db, row.id, page.after()?, limit).await?;
    Ok(Page::from_rows(rows, limit, |d| d.id.0).map(delivery_of))
}

/// Sends a delivery again, now (whatever became of it before).
pub async fn replay(
    k: &Kernel,
    actor: &Actor,
    id: WebhookId,
    delivery: DeliveryId,
) -> Result<Delivery> {
    let row = managed_webhook(k, actor, id).await?;
    let found = store::delivery(&k.db, delivery)
        .await?
        .filter(|d| d.webhook_id == row.id)
        .ok_or(Error::NotFound("delivery"))?;
    if row.disabled_at.is_some() {
        return Err(Error::conflict(
            "webhook",
            "the endpoint is turned off (it answered 410 Gone); add it again to send to it",
        ));
    }
    let now = k.now();
    let mut tx = k.db.begin().await?;
    store::reset(&mut tx, found.id, now).await?;
    jobs::enqueue(&mut tx, now, deliver_job(found.id, 0, now)).await?;
    tx.commit().await?;
    let again = store::delivery(&k.db, found.id)
        .await?
        .ok_or(Error::NotFound("delivery"))?;
    Ok(delivery_of(again))
}

/// The job sending attempt `attempt` of a delivery at `at` (unique, so an attempt is never
/// queued twice).
pub fn deliver_job(delivery: DeliveryId, attempt: i64, at: Timestamp) -> NewJob {
    NewJob::new(
        DELIVER_JOB,
        serde_json::json!({ "delivery": delivery, "attempt": attempt }),
    )
    .at(at)
    .unique(format!("{DELIVER_JOB}:{delivery}:{attempt}:{}", at.0))
    .attempts(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1/hook",
            "http://10.1.2.3/hook",
            "http://192.168.1.1/hook",
            "http://172.16.0.1/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://100.64.0.1/hook",
            "http://0.0.0.0/hook",
            "http://[::1]/hook",
            "http://[fd00::1]/hook",
            "http://[fe80::1]/hook",
            "http://[::ffff:127.0.0.1]/hook",
            "http://localhost:8080/hook",
            "http://api.localhost/hook",
            // Issue 19's gaps: an IPv4 address inside an IPv6 one, and the ranges missed.
            "http://[::127.0.0.1]/hook",
            "http://[::10.0.0.1]/hook",
            "http://[64:ff9b::127.0.0.1]/hook",
            "http://[64:ff9b::a9fe:a9fe]/hook",
            "http://[64:ff9b:1::1]/hook",
            "http://[2002:7f00:1::]/hook",
            "http://[2002:a00:1::1]/hook",
            "http://[2001:0:7f00:1::1]/hook",
            "http://[2001:0:5db8:d822::80ff:fffe]/hook",
            "http://198.18.0.1/hook",
            "http://198.19.255.255/hook",
            "http://192.0.0.8/hook",
            "http://240.0.0.1/hook",
            "http://[fec0::1]/hook",
            "http://[2001:db8::1]/hook",
        ] {
            assert!(check_url(url, false).is_err(), "{url}");
            assert!(check_url(url, true).is_ok(), "{url}");
        }
        for url in [
            "https://hooks.example.org/weft",
            "http://93.184.215.14/x",
            "https://[2606:4700::1111]/",
            // The same forms, leading to public addresses, pass.
            "http://[64:ff9b::5db8:d70e]/x",
            "http://[2002:5db8:d70e::1]/x",
            "http://198.20.0.1/x",
        ] {
            assert!(check_url(url, false).is_ok(), "{url}");
        }
        for url in [
            "ftp://example.org/",
            "https://user:pw@example.org/",
            "not a url",
        ] {
            assert!(check_url(url, true).is_err(), "{url}");
        }
    }
}
