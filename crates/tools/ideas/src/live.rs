//! Live boards: a board's wall hears when its ideas or their marks change, and its ranking
//! when answers come in too, and each fetches itself again (`web::changes`, across nodes on
//! PostgreSQL). Answers do not reach the wall (they change nothing on it), nor the activity
//! log (one each would fill every member's bell).

use kernel::Kernel;
use web::changes::Changes;

use crate::model::BoardId;

/// Boards whose ideas or marks changed, on the `NOTIFY` channel `weft_ideas_board`.
pub(crate) static BOARDS: Changes = Changes::new("weft_ideas_board");
/// Boards whose ranking changed, on `weft_ideas_ranking`.
pub(crate) static RANKINGS: Changes = Changes::new("weft_ideas_ranking");

/// Says that `board`'s ideas or marks changed (its ranking with them), once committed.
pub(crate) fn changed(k: &Kernel, board: BoardId) {
    BOARDS.changed(k, board);
    RANKINGS.changed(k, board);
}

/// Says that `board` has a new answer, once committed.
pub(crate) fn answered(k: &Kernel, board: BoardId) {
    RANKINGS.changed(k, board);
}
