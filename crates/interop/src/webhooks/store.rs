//! Queries of webhooks and their deliveries.

use kernel::db::{Db, Tx};
use kernel::id::{AccountId, ActivityId, DeliveryId, GroupId, WebhookId};
use kernel::{Result, Timestamp};
use sea_query::{Expr, ExprTrait, Iden, Order, Query};
use uuid::Uuid;

#[derive(Iden)]
pub enum Webhooks {
    Table,
    Id,
    GroupId,
    Url,
    Events,
    Secret,
    CreatedBy,
    CreatedAt,
    DisabledAt,
    DisabledReason,
}

#[derive(Iden)]
pub enum WebhookDeliveries {
    Table,
    Id,
    WebhookId,
    ActivityId,
    Event,
    Payload,
    State,
    Attempts,
    LastStatus,
    LastError,
    CreatedAt,
    LastAttemptAt,
    NextAttemptAt,
    DeliveredAt,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebhookRow {
    pub id: WebhookId,
    pub group_id: GroupId,
    pub url: String,
    /// A JSON array of activity types, or `["*"]`.
    pub events: String,
    pub secret: String,
    pub created_by: Option<AccountId>,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    pub disabled_reason: Option<String>,
}

const WEBHOOK_COLUMNS: [Webhooks; 9] = [
    Webhooks::Id,
    Webhooks::GroupId,
    Webhooks::Url,
    Webhooks::Events,
    Webhooks::Secret,
    Webhooks::CreatedBy,
    Webhooks::CreatedAt,
    Webhooks::DisabledAt,
    Webhooks::DisabledReason,
];

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: DeliveryId,
    pub webhook_id: WebhookId,
    pub activity_id: ActivityId,
    pub event: String,
    pub payload: String,
    pub state: String,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub last_attempt_at: Option<i64>,
    pub next_attempt_at: Option<i64>,
    pub delivered_at: Option<i64>,
}

const DELIVERY_COLUMNS: [WebhookDeliveries; 13] = [
    WebhookDeliveries::Id,
    WebhookDeliveries::WebhookId,
    WebhookDeliveries::ActivityId,
    WebhookDeliveries::Event,
    WebhookDeliveries::Payload,
    WebhookDeliveries::State,
    WebhookDeliveries::Attempts,
    WebhookDeliveries::LastStatus,
    WebhookDeliveries::LastError,
    WebhookDeliveries::CreatedAt,
    WebhookDeliveries::LastAttemptAt,
    WebhookDeliveries::NextAttemptAt,
    WebhookDeliveries::DeliveredAt,
];

pub async fn insert_webhook(tx: &mut Tx, w: &WebhookRow) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(Webhooks::Table)
            .columns(WEBHOOK_COLUMNS)
            .values_panic([
                w.id.into(),
                w.group_id.into(),
                w.url.clone().into(),
                w.events.clone().into(),
                w.secret.clone().into(),
                w.created_by.map(|a| a.0).into(),
                w.created_at.into(),
                w.disabled_at.into(),
                w.disabled_reason.clone().into(),
            ]),
    )
    .await
    .map(|_| ())
}

pub async fn webhook(db: &Db, id: WebhookId) -> Result<Option<WebhookRow>> {
    db.fetch_optional(
        Query::select()
            .columns(WEBHOOK_COLUMNS)
            .from(Webhooks::Table)
            .and_where(Expr::col(Webhooks::Id).eq(id)),
    )
    .await
}

pub async fn webhooks_of_group(db: &Db, group: GroupId) -> Result<Vec<WebhookRow>> {
    db.fetch_all(
        Query::select()
            .columns(WEBHOOK_COLUMNS)
            .from(Webhooks::Table)
            .and_where(Expr::col(Webhooks::GroupId).eq(group))
            .order_by(Webhooks::Id, Order::Asc)
            .limit(1000),
    )
    .await
}

/// The enabled endpoints of these groups (a fan-out batch's).
pub async fn enabled_of_groups(tx: &mut Tx, groups: &[GroupId]) -> Result<Vec<WebhookRow>> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    tx.fetch_all(
        Query::select()
            .columns(WEBHOOK_COLUMNS)
            .from(Webhooks::Table)
            .and_where(Expr::col(Webhooks::GroupId).is_in(groups.iter().map(|g| g.0)))
            .and_where(Expr::col(Webhooks::DisabledAt).is_null()),
    )
    .await
}

pub async fn disable(db: &Db, id: WebhookId, now: Timestamp, reason: &str) -> Result<()> {
    db.execute(
        Query::update()
            .table(Webhooks::Table)
            .value(Webhooks::DisabledAt, now.0)
            .value(Webhooks::DisabledReason, reason)
            .and_where(Expr::col(Webhooks::Id).eq(id)),
    )
    .await
    .map(|_| ())
}

/// Every endpoint's id and kept secret (to seal them anew).
pub async fn all_secrets(db: &Db) -> Result<Vec<(WebhookId, String)>> {
    db.fetch_all(
        Query::select()
            .columns([Webhooks::Id, Webhooks::Secret])
            .from(Webhooks::Table),
    )
    .await
}

pub async fn set_secret(db: &Db, id: WebhookId, secret: String) -> Result<()> {
    db.execute(
        Query::update()
            .table(Webhooks::Table)
            .value(Webhooks::Secret, secret)
            .and_where(Expr::col(Webhooks::Id).eq(id)),
    )
    .await
    .map(|_| ())
}

pub async fn delete_webhook(db: &Db, id: WebhookId) -> Result<u64> {
    db.execute(
        Query::delete()
            .from_table(Webhooks::Table)
            .and_where(Expr::col(Webhooks::Id).eq(id)),
    )
    .await
}

pub async fn insert_deliveries(tx: &mut Tx, rows: &[DeliveryRow]) -> Result<()> {
    for chunk in rows.chunks(200) {
        let mut q = Query::insert();
        q.into_table(WebhookDeliveries::Table)
            .columns(DELIVERY_COLUMNS);
        for d in chunk {
            q.values_panic([
                d.id.into(),
                d.webhook_id.into(),
                d.activity_id.into(),
                d.event.clone().into(),
                d.payload.clone().into(),
                d.state.clone().into(),
                d.attempts.into(),
                d.last_status.into(),
                d.last_error.clone().into(),
                d.created_at.into(),
                d.last_attempt_at.into(),
                d.next_attempt_at.into(),
                d.delivered_at.into(),
            ]);
        }
        tx.execute(&q).await?;
    }
    Ok(())
}

pub async fn delivery(db: &Db, id: DeliveryId) -> Result<Option<DeliveryRow>> {
    db.fetch_optional(
        Query::select()
            .columns(DELIVERY_COLUMNS)
            .from(WebhookDeliveries::Table)
            .and_where(Expr::col(WebhookDeliveries::Id).eq(id)),
    )
    .await
}

/// A webhook's deliveries, newest first.
pub async fn deliveries(
    db: &Db,
    webhook: WebhookId,
    before: Option<Uuid>,
    limit: u32,
) -> Result<Vec<DeliveryRow>> {
    let mut q = Query::select();
    q.columns(DELIVERY_COLUMNS)
        .from(WebhookDeliveries::Table)
        .and_where(Expr::col(WebhookDeliveries::WebhookId).eq(webhook))
        .order_by(WebhookDeliveries::Id, Order::Desc)
        .limit(u64::from(limit) + 1);
    if let Some(b) = before {
        q.and_where(Expr::col(WebhookDeliveries::Id).lt(b));
    }
    db.fetch_all(&q).await
}

/// What an attempt found.
pub struct Attempt<'a> {
    pub state: &'a str,
    pub attempts: i64,
    pub status: Option<i64>,
    pub error: Option<String>,
    pub now: Timestamp,
    pub next: Option<Timestamp>,
}

pub async fn record_attempt(db: &Db, id: DeliveryId, a: Attempt<'_>) -> Result<()> {
    let mut q = Query::update();
    q.table(WebhookDeliveries::Table)
        .value(WebhookDeliveries::State, a.state)
        .value(WebhookDeliveries::Attempts, a.attempts)
        .value(WebhookDeliveries::LastStatus, a.status)
        .value(WebhookDeliveries::LastError, a.error)
        .value(WebhookDeliveries::LastAttemptAt, a.now.0)
        .value(WebhookDeliveries::NextAttemptAt, a.next.map(|t| t.0))
        .and_where(Expr::col(WebhookDeliveries::Id).eq(id));
    if a.state == "delivered" {
        q.value(WebhookDeliveries::DeliveredAt, a.now.0);
    }
    db.execute(&q).await.map(|_| ())
}

/// Sends a delivery again: pending, with a fresh count of attempts.
pub async fn reset(tx: &mut Tx, id: DeliveryId, now: Timestamp) -> Result<u64> {
    tx.execute(
        Query::update()
            .table(WebhookDeliveries::Table)
            .value(WebhookDeliveries::State, "pending")
            .value(WebhookDeliveries::Attempts, 0)
            .value(WebhookDeliveries::NextAttemptAt, now.0)
            .and_where(Expr::col(WebhookDeliveries::Id).eq(id)),
    )
    .await
}
