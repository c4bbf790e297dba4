//! The daily digest: once a day, everyone who asked for it gets one mail of what they have
//! not read. Two durable jobs do it: a daily sweep (one per day, by its unique key, however
//! many nodes run) that enqueues one digest job per person (again unique per person and day),
//! so a crash mid-sweep neither skips nor repeats anyone.

use std::sync::Arc;

use chrono::{Days, NaiveTime};

use crate::id::AccountId;
use crate::jobs::{self, BoxFuture, Job, JobHandler, NewJob};
use crate::mail::Mail;
use crate::{Kernel, Result, Timestamp};

use super::service::unread_for;
use super::store;

pub const SWEEP: &str = "notifications.digest_sweep";
pub const DIGEST: &str = "notifications.digest";
/// When the digests go out, UTC.
const HOUR: u32 = 7;
/// Items in one mail at most.
const ITEMS: u32 = 50;

fn day_of(t: Timestamp) -> chrono::NaiveDate {
    t.to_datetime().date_naive()
}

fn sweep_at(day: chrono::NaiveDate) -> Timestamp {
    Timestamp::from_datetime(
        day.and_time(NaiveTime::from_hms_opt(HOUR, 0, 0).unwrap_or_default())
            .and_utc(),
    )
}

fn sweep_job(day: chrono::NaiveDate) -> NewJob {
    NewJob::new(SWEEP, serde_json::json!({ "day": day.to_string() }))
        .at(sweep_at(day))
        .unique(format!("{SWEEP}:{day}"))
}

/// Makes sure today's sweep is planned (called at start; a no-op when it is).
pub async fn schedule(k: &Kernel) -> Result<()> {
    jobs::enqueue_now(k, sweep_job(day_of(k.now())))
        .await
        .map(|_| ())
}

pub struct Sweep;

impl JobHandler for Sweep {
    fn kind(&self) -> &'static str {
        SWEEP
    }

    fn run(&self, k: Arc<Kernel>, job: Job) -> BoxFuture<'static, std::result::Result<(), String>> {
        Box::pin(async move { sweep(&k, &job).await.map_err(|e| e.to_string()) })
    }
}

async fn sweep(k: &Kernel, job: &Job) -> Result<()> {
    let day = job.payload["day"]
        .as_str()
        .and_then(|d| d.parse::<chrono::NaiveDate>().ok())
        .unwrap_or_else(|| day_of(k.now()));
    let people = store::digest_subscribers(&k.db).await?;
    let now = k.now();
    let mut tx = k.db.begin().await?;
    for account in people {
        jobs::enqueue(
            &mut tx,
            now,
            NewJob::new(DIGEST, serde_json::json!({ "account": account }))
                .unique(format!("{DIGEST}:{account}:{day}")),
        )
        .await?;
    }
    let tomorrow = day.checked_add_days(Days::new(1)).unwrap_or(day);
    jobs::enqueue(&mut tx, now, sweep_job(tomorrow)).await?;
    tx.commit().await
}

pub struct Digest;

impl JobHandler for Digest {
    fn kind(&self) -> &'static str {
        DIGEST
    }

    fn run(&self, k: Arc<Kernel>, job: Job) -> BoxFuture<'static, std::result::Result<(), String>> {
        Box::pin(async move {
            let account: AccountId = serde_json::from_value(job.payload["account"].clone())
                .map_err(|e| format!("a digest job without an account: {e}"))?;
            digest(&k, account).await.map_err(|e| e.to_string())
        })
    }
}

/// Mails `account` what they have not read and was not in an earlier digest.
pub async fn digest(k: &Kernel, account: AccountId) -> Result<()> {
    let Some(person) = crate::people::store::account_by_id(&k.db, account).await? else {
        return Ok(()); // gone since the sweep
    };
    let (on, sent_at) = store::prefs(&k.db, account).await?;
    let Some(email) = person.email.filter(|_| on) else {
        return Ok(());
    };
    let items: Vec<_> = unread_for(k, account, ITEMS)
        .await?
        .into_iter()
        .filter(|n| sent_at.is_none_or(|s| n.activity.published.0 > s))
        .collect();
    let now = k.now();
    if !items.is_empty() {
        let mut body = format!(
            "Hello {},\n\nHere is what happened on Weft that you have not read yet:\n\n",
            person.display_name
        );
        let mut current_group = None;
        for item in &items {
            let group = item.activity.audience.as_ref().and_then(|a| a.name.clone());
            if group != current_group {
                body.push_str(&format!("{}\n", group.as_deref().unwrap_or("For you")));
                current_group = group;
            }
            body.push_str(&format!("  - {}\n", item.activity.summary));
        }
        body.push_str(&format!(
            "\nRead everything at {}\n\nYou get this mail once a day because you asked for it; \
             turn it off in your notification settings: {}\n",
            k.link("/"),
            k.link("/settings"),
        ));
        k.mailer
            .send(Mail {
                to: email,
                subject: format!("Weft: {} unread on {}", items.len(), day_of(now)),
                body,
            })
            .await?;
    }
    let mut tx = k.db.begin().await?;
    store::digest_sent(&mut tx, account, now).await?;
    tx.commit().await
}
