//! Live results: a poll's open page hears when its ballots (or its state) change, and fetches
//! its results again — which is where hiding is enforced, so what is pushed is only the poll's
//! id, never a count (`web::changes`, across nodes on PostgreSQL). Votes do not go to the
//! activity log: a vote each would fill every member's bell.

use kernel::Kernel;
use web::changes::Changes;

use crate::model::PollId;

/// Changed polls, on the `NOTIFY` channel `weft_decide_poll` between nodes.
pub(crate) static POLLS: Changes = Changes::new("weft_decide_poll");

/// Says that `poll` changed, once it is committed.
pub(crate) fn changed(k: &Kernel, poll: PollId) {
    POLLS.changed(k, poll);
}
