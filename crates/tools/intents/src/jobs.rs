//! The intents tool's durable jobs, by the kernel's clock: an intent's expiry (which refunds
//! its bounty) and the "still needed?" prompt before it.

use std::sync::Arc;

use futures::future::BoxFuture;
use kernel::Kernel;
use kernel::jobs::{Job, JobHandler};
use ledger::Ledger;

use crate::model::{EXPIRE_JOB, IntentId, PROMPT_JOB};

fn intent_of(job: &Job) -> Result<(IntentId, i64), String> {
    let id: IntentId = serde_json::from_value(job.payload["intent"].clone())
        .map_err(|e| format!("a job without an intent: {e}"))?;
    let expires_at = job.payload["expires_at"]
        .as_i64()
        .ok_or("a job without the expiry it was made for")?;
    Ok((id, expires_at))
}

/// Closes an intent whose expiry came and refunds its bounty.
pub struct Expire(pub Ledger);

impl JobHandler for Expire {
    fn kind(&self) -> &'static str {
        EXPIRE_JOB
    }

    fn run(&self, _k: Arc<Kernel>, job: Job) -> BoxFuture<'static, Result<(), String>> {
        let ledger = self.0.clone();
        Box::pin(async move {
            let (id, _) = intent_of(&job)?;
            crate::service::expire(&ledger, id)
                .await
                .map_err(|e| e.to_string())
        })
    }
}

/// Asks the author of an untouched open intent whether it is still needed.
pub struct StillNeeded;

impl JobHandler for StillNeeded {
    fn kind(&self) -> &'static str {
        PROMPT_JOB
    }

    fn run(&self, k: Arc<Kernel>, job: Job) -> BoxFuture<'static, Result<(), String>> {
        Box::pin(async move {
            let (id, expires_at) = intent_of(&job)?;
            crate::service::prompt(&k, id, expires_at)
                .await
                .map_err(|e| e.to_string())
        })
    }
}
