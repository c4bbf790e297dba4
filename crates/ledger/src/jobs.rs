//! The ledger's durable job: a pending transfer whose timeout comes is voided ("expired").

use std::sync::Arc;

use futures::future::BoxFuture;
use kernel::Kernel;
use kernel::jobs::{Job, JobHandler};

use crate::engine::{EXPIRE_JOB, End, Ledger, Op};
use crate::model::TransferId;

pub struct Expire(pub Ledger);

impl JobHandler for Expire {
    fn kind(&self) -> &'static str {
        EXPIRE_JOB
    }

    fn run(&self, _k: Arc<Kernel>, job: Job) -> BoxFuture<'static, Result<(), String>> {
        let ledger = self.0.clone();
        Box::pin(async move {
            let id: TransferId = serde_json::from_value(job.payload["transfer"].clone())
                .map_err(|e| format!("an expiry without a transfer: {e}"))?;
            ledger
                .submit(Op::End {
                    actor: None,
                    pending: id,
                    how: End::Expire,
                })
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    }
}
