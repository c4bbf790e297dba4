//! A round's page follows what others do (contributions, ballots, matching, phases) through
//! `web::changes`: "this round changed", and the page fetches itself again.

use web::changes::Changes;

pub(crate) static ROUNDS: Changes = Changes::new("weft_budget_round");
