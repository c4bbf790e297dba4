//! The tasks tool's durable job: assignees hear that a card is due soon, then overdue, by
//! the kernel's clock.

use std::sync::Arc;

use futures::future::BoxFuture;
use kernel::Kernel;
use kernel::jobs::{Job, JobHandler};

use crate::model::{CardId, DUE_JOB};

pub struct Due;

impl JobHandler for Due {
    fn kind(&self) -> &'static str {
        DUE_JOB
    }

    fn run(&self, k: Arc<Kernel>, job: Job) -> BoxFuture<'static, Result<(), String>> {
        Box::pin(async move {
            let card: CardId = serde_json::from_value(job.payload["card"].clone())
                .map_err(|e| format!("a due reminder without a card: {e}"))?;
            let due_at = job.payload["due_at"]
                .as_i64()
                .ok_or("a due reminder without a due time")?;
            let stage = job.payload["stage"]
                .as_str()
                .unwrap_or("overdue")
                .to_string();
            crate::service::remind_due(&k, card, due_at, &stage)
                .await
                .map_err(|e| e.to_string())
        })
    }
}
