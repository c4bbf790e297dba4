//! What the ideas tool shows and takes: boards, ideas, the wiki-survey's pairs, answers and
//! ranking, merges and promotions; and the rules that need no database.

use kernel::Timestamp;
use kernel::error::Validation;
use kernel::id::MotionId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use kernel::id::{AccountId, GroupId};

kernel::id_type!(
    /// A board of ideas: a question a group brainstorms on.
    BoardId
);
kernel::id_type!(
    /// An idea on a board.
    IdeaId
);
kernel::id_type!(
    /// Ideas promoted to a poll.
    PromotionId
);

/// The tool's name: its activities' `tool`, its scopes' prefix, its permissions' namespace.
pub const TOOL: &str = "ideas";
/// Moderate boards: merge, close, promote on anyone's board.
pub const MANAGE: &str = "tool:ideas:manage";
/// The kind of thing comments attach to: an idea.
pub const SUBJECT: &str = "idea";

pub const MAX_QUESTION: usize = 300;
pub const MAX_DETAILS: usize = 10_000;
pub const MAX_TITLE: usize = 200;
pub const MAX_TEXT: usize = 10_000;
pub const MAX_TAGS: usize = 10;
pub const MAX_READERS: usize = 500;
pub const MAX_DOTS: u32 = 100;
/// Ideas a board holds (its pages and lists read them all at once).
pub const MAX_IDEAS: i64 = 20_000;
/// Options a promoted poll gets at most.
pub const MAX_PROMOTED: usize = 20;
/// A promoted poll stays open this long unless told otherwise.
pub const DEFAULT_POLL_S: i64 = 7 * 86_400;
/// A promoted poll closes within this long.
pub const MAX_POLL_S: i64 = 366 * 86_400;
/// A pair's token is good for this long.
pub const TOKEN_LIFE_S: i64 = 86_400;

kernel::string_enum!(
    /// Which side of a pair won; `none` is "I can't decide".
    Winner {
        Left = "left",
        Right = "right",
        None = "none",
    }
);

kernel::string_enum!(
    /// The kind of poll ideas are promoted to.
    PollKind {
        Proposal = "proposal",
        Choice = "choice",
        Ranked = "ranked",
    }
);

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Person {
    pub id: AccountId,
    pub handle: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBoard {
    /// What the group brainstorms on: 1 to 300 characters.
    pub question: String,
    #[serde(default)]
    pub details: Option<String>,
    /// Run a wiki-survey ("which is better, A or B?") over the ideas.
    #[serde(default)]
    pub pairwise: Option<bool>,
    /// Ideas show no author (but to their author).
    #[serde(default)]
    pub anonymous: Option<bool>,
    /// Open for new ideas (default true).
    #[serde(default)]
    pub open: Option<bool>,
    /// Only these members (handles or ids) and the creator see the board; absent: the group.
    #[serde(default)]
    pub readers: Option<Vec<String>>,
    /// Dots each person may place on ideas (0 to 100; 0: no dot voting).
    #[serde(default)]
    pub dots: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BoardEdit {
    pub question: Option<String>,
    pub details: Option<String>,
    pub open: Option<bool>,
    pub dots: Option<u32>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Board {
    pub id: BoardId,
    pub group: GroupId,
    pub question: String,
    pub details: String,
    pub pairwise: bool,
    pub anonymous: bool,
    pub open: bool,
    /// Who sees it, when not the whole group.
    pub readers: Option<Vec<Person>>,
    pub dots: u32,
    /// Dots you have not placed yet.
    pub dots_left: u32,
    pub created_by: Person,
    pub created_at: Timestamp,
    /// Standing ideas (merged duplicates not counted).
    pub ideas: i64,
    /// Wiki-survey answers, "I can't decide" included.
    pub answers: i64,
    /// Ideas promoted to polls, newest first, each with the poll's state and outcome.
    pub promotions: Vec<Promotion>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BoardList {
    pub items: Vec<Board>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIdea {
    /// 1 to 200 characters.
    pub title: String,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdeaEdit {
    pub title: Option<String>,
    pub text: Option<String>,
    pub tags: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Reaction {
    pub emoji: String,
    pub count: i64,
    /// Whether you reacted so.
    pub mine: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Idea {
    pub id: IdeaId,
    pub board: BoardId,
    pub title: String,
    pub text: String,
    pub tags: Vec<String>,
    /// `null` on an anonymous board (but for the author).
    pub author: Option<Person>,
    /// Whether you wrote it.
    pub mine: bool,
    pub endorsements: i64,
    /// Whether you endorse it.
    pub endorsed: bool,
    pub reactions: Vec<Reaction>,
    /// Dots placed on it, and yours among them.
    pub dots: i64,
    pub my_dots: i64,
    pub comments: i64,
    /// The idea it was merged into, for a duplicate.
    pub merged_into: Option<IdeaId>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IdeaList {
    pub items: Vec<Idea>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Cluster {
    /// `null`: the ideas with no tag.
    pub tag: Option<String>,
    pub ideas: Vec<IdeaId>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Clusters {
    pub items: Vec<Cluster>,
}

/// "Which is better?": two ideas and the token that answers for them, once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Pair {
    pub left: Idea,
    pub right: Idea,
    pub token: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComparison {
    pub token: String,
    pub winner: Winner,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Answer {
    pub id: uuid::Uuid,
    pub board: BoardId,
    pub left: IdeaId,
    pub right: IdeaId,
    pub winner: Winner,
    /// The board's answers so far, this one included.
    pub answers: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Ranked {
    pub idea: IdeaId,
    pub title: String,
    /// The estimated chance, 0 to 100, that it beats another idea of the board.
    pub score: f64,
    /// The 95% band around `score`.
    pub low: f64,
    pub high: f64,
    /// Answers it was in (not counting "I can't decide").
    pub comparisons: u64,
    pub wins: u64,
    pub losses: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Ranking {
    /// Best first.
    pub items: Vec<Ranked>,
    /// Answers counted, "I can't decide" included.
    pub answers: i64,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Merge {
    /// The idea that survives, on the same board.
    pub into: IdeaId,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Dots {
    /// Dots on this idea, 0 to take them all back.
    pub dots: u32,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Promote {
    /// The ideas, in option order; or leave it empty and say `top`.
    #[serde(default)]
    pub ideas: Vec<IdeaId>,
    /// The best N of the wiki-survey's ranking (or of the endorsements without one).
    #[serde(default)]
    pub top: Option<u32>,
    pub kind: PollKind,
    /// When the poll closes (default: in a week).
    #[serde(default)]
    pub closes_at: Option<Timestamp>,
    /// The poll's title (default: the idea's for a proposal, the board's question else).
    #[serde(default)]
    pub title: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Promotion {
    pub id: PromotionId,
    pub kind: PollKind,
    pub ideas: Vec<IdeaId>,
    pub motion: MotionId,
    /// The poll in the decision tool.
    pub poll: Option<String>,
    pub title: String,
    /// open | passed | failed | withdrawn
    pub state: String,
    #[schema(value_type = Object)]
    pub outcome: Option<serde_json::Value>,
    pub created_at: Timestamp,
}

/// Text, trimmed, checked to `min..=max` characters; `field` names it in the error.
pub fn text(v: &mut Validation, field: &str, given: &str, min: usize, max: usize) -> String {
    let given = given.trim();
    let n = given.chars().count();
    if n < min || n > max {
        v.push(field, format!("{min} to {max} characters"));
    }
    given.to_string()
}

/// Tags: lowercase, trimmed, unique, at most `MAX_TAGS` of at most 40 characters.
pub fn tags(v: &mut Validation, given: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tag in given {
        let tag = tag.trim().trim_start_matches('#').to_lowercase();
        if tag.is_empty() || tag.chars().count() > 40 {
            v.push("tags", "each tag 1 to 40 characters");
            continue;
        }
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    if out.len() > MAX_TAGS {
        v.push("tags", format!("at most {MAX_TAGS} tags"));
    }
    out
}

/// A reaction: one emoji (a few code points: a keycap's digit and joiners included), no
/// letters, spaces or controls, and not plain ASCII punctuation.
pub fn emoji(v: &mut Validation, given: &str) -> String {
    let n = given.chars().count();
    if n == 0
        || n > 8
        || given.is_ascii()
        || given
            .chars()
            .any(|c| c.is_alphabetic() || c.is_whitespace() || c.is_control())
    {
        v.push("emoji", "one emoji");
    }
    given.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_cleaned_and_checked() {
        let mut v = Validation::new();
        let got = tags(
            &mut v,
            vec![" #Food".into(), "food".into(), "housing".into()],
        );
        assert_eq!(got, vec!["food", "housing"]);
        assert!(v.finish().is_ok());
        let mut v = Validation::new();
        tags(&mut v, vec![String::new()]);
        assert!(v.finish().is_err());
    }

    #[test]
    fn an_emoji_is_not_a_word() {
        let mut v = Validation::new();
        emoji(&mut v, "👍");
        assert!(v.finish().is_ok());
        let mut v = Validation::new();
        emoji(&mut v, "1\u{fe0f}\u{20e3}");
        assert!(v.finish().is_ok(), "a keycap");
        for bad in ["", "ok", "!!", "👍 👍", "🎉🎉🎉🎉🎉🎉🎉🎉🎉", "a👍"] {
            let mut v = Validation::new();
            emoji(&mut v, bad);
            assert!(v.finish().is_err(), "{bad:?}");
        }
    }
}
