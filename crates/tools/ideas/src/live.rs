//! Live boards: a board's wall and ranking hear when ideas, marks or answers change, and
//! fetch themselves again (`web::changes`, across nodes on PostgreSQL). Answers do not go to
//! the activity log: one each would fill every member's bell.

use kernel::Kernel;
use web::changes::Changes;

use crate::model::BoardId;

/// Changed boards, on the `NOTIFY` channel `weft_ideas_board` between nodes.
pub(crate) static BOARDS: Changes = Changes::new("weft_ideas_board");

/// Says that `board` changed, once it is committed.
pub(crate) fn changed(k: &Kernel, board: BoardId) {
    BOARDS.changed(k, board);
}
