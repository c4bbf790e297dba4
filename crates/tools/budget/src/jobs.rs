//! The budget tool's durable job: a round moves to its next phase at its date, by the
//! kernel's clock (closing it, at the end of funding).

use std::sync::Arc;

use futures::future::BoxFuture;
use kernel::Kernel;
use kernel::jobs::{Job, JobHandler};

use crate::model::{PHASE_JOB, Phase, RoundId};
use crate::money::Money;

pub struct PhaseDue(pub Money);

impl JobHandler for PhaseDue {
    fn kind(&self) -> &'static str {
        PHASE_JOB
    }

    fn run(&self, _k: Arc<Kernel>, job: Job) -> BoxFuture<'static, Result<(), String>> {
        let money = self.0.clone();
        Box::pin(async move {
            let round: RoundId = serde_json::from_value(job.payload["round"].clone())
                .map_err(|e| format!("a phase job without a round: {e}"))?;
            let phase: Phase = job.payload["phase"]
                .as_str()
                .ok_or("a phase job without a phase")?
                .parse::<Phase>()
                .map_err(|e| e.to_string())?;
            crate::service::advance(&money, None, round, phase)
                .await
                .map_err(|e| e.to_string())
        })
    }
}
