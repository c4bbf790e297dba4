//! The decide tool's durable job: a poll closes when its time comes, by the kernel's clock,
//! and a motion it decides is resolved then.

use std::sync::Arc;

use futures::future::BoxFuture;
use kernel::Kernel;
use kernel::jobs::{Job, JobHandler};

use crate::model::{CLOSE_JOB, PollId, REMIND_JOB};

pub struct Close;

impl JobHandler for Close {
    fn kind(&self) -> &'static str {
        CLOSE_JOB
    }

    fn run(&self, k: Arc<Kernel>, job: Job) -> BoxFuture<'static, Result<(), String>> {
        Box::pin(async move {
            let id: PollId = serde_json::from_value(job.payload["poll"].clone())
                .map_err(|e| format!("a close without a poll: {e}"))?;
            crate::service::close_due(&k, id)
                .await
                .map_err(|e| e.to_string())
        })
    }
}

/// Reminds who has not voted, a day before a poll closes.
pub struct Remind;

impl JobHandler for Remind {
    fn kind(&self) -> &'static str {
        REMIND_JOB
    }

    fn run(&self, k: Arc<Kernel>, job: Job) -> BoxFuture<'static, Result<(), String>> {
        Box::pin(async move {
            let id: PollId = serde_json::from_value(job.payload["poll"].clone())
                .map_err(|e| format!("a reminder without a poll: {e}"))?;
            let closes_at: kernel::Timestamp =
                serde_json::from_value(job.payload["closes_at"].clone())
                    .map_err(|e| format!("a reminder without a closing time: {e}"))?;
            crate::service::remind(&k, id, closes_at)
                .await
                .map_err(|e| e.to_string())
        })
    }
}
