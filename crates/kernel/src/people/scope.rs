//! What a credential may do. Sessions may do everything the person may; tokens carry a
//! subset, and a token can never mint a token broader than itself.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// The scopes of DESIGN section 6. `write` covers every `*:write` and `read`; `read` covers
/// every `*:read`. `account` is apart: it lets a token act on the account itself (its email,
/// password, sessions, tokens, tool registrations, joining and leaving groups), which no other
/// scope covers — a log-in session holds it. The OIDC scopes say what an ID token may tell,
/// not what a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    Read,
    Write,
    Account,
    GroupsRead,
    MembersRead,
    ActivitiesWrite,
    LedgerRead,
    LedgerWrite,
    PollsWrite,
    ChatRead,
    ChatWrite,
    OpenId,
    Profile,
    Email,
    Groups,
}

impl Scope {
    pub const ALL: [Scope; 15] = [
        Scope::Read,
        Scope::Write,
        Scope::Account,
        Scope::GroupsRead,
        Scope::MembersRead,
        Scope::ActivitiesWrite,
        Scope::LedgerRead,
        Scope::LedgerWrite,
        Scope::PollsWrite,
        Scope::ChatRead,
        Scope::ChatWrite,
        Scope::OpenId,
        Scope::Profile,
        Scope::Email,
        Scope::Groups,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Account => "account",
            Scope::GroupsRead => "groups:read",
            Scope::MembersRead => "members:read",
            Scope::ActivitiesWrite => "activities:write",
            Scope::LedgerRead => "ledger:read",
            Scope::LedgerWrite => "ledger:write",
            Scope::PollsWrite => "polls:write",
            Scope::ChatRead => "chat:read",
            Scope::ChatWrite => "chat:write",
            Scope::OpenId => "openid",
            Scope::Profile => "profile",
            Scope::Email => "email",
            Scope::Groups => "groups",
        }
    }

    fn is_read(self) -> bool {
        self.as_str().ends_with(":read")
    }

    fn is_write(self) -> bool {
        self.as_str().ends_with(":write")
    }

    /// Whether holding `self` lets a caller do what `wanted` guards.
    pub fn covers(self, wanted: Scope) -> bool {
        self == wanted
            || match self {
                Scope::Write => wanted == Scope::Read || wanted.is_read() || wanted.is_write(),
                Scope::Read => wanted.is_read(),
                _ => false,
            }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| format!("unknown scope {s:?}; known scopes: {}", Scopes::all()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scopes(BTreeSet<Scope>);

impl Scopes {
    pub fn all() -> Self {
        Scopes(Scope::ALL.into_iter().collect())
    }

    /// What a log-in session may do: everything the person may.
    pub fn session() -> Self {
        Scopes(
            [Scope::Read, Scope::Write, Scope::Account]
                .into_iter()
                .collect(),
        )
    }

    pub fn from_list(list: &[String]) -> Result<Self, String> {
        list.iter()
            .map(|s| s.parse())
            .collect::<Result<BTreeSet<_>, _>>()
            .map(Scopes)
    }

    pub fn allows(&self, wanted: Scope) -> bool {
        self.0.iter().any(|held| held.covers(wanted))
    }

    /// Whether every scope of `other` is allowed by `self` (a token may only mint narrower).
    pub fn includes(&self, other: &Scopes) -> bool {
        other.0.iter().all(|s| self.allows(*s))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn to_vec(&self) -> Vec<String> {
        self.0.iter().map(|s| s.as_str().to_string()).collect()
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words: Vec<&str> = self.0.iter().map(|s| s.as_str()).collect();
        f.write_str(&words.join(" "))
    }
}

impl FromStr for Scopes {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.split_whitespace()
            .map(str::parse)
            .collect::<Result<BTreeSet<_>, _>>()
            .map(Scopes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn write_covers_reads_and_writes_but_not_oidc() {
        let w: Scopes = "write".parse().unwrap();
        assert!(w.allows(Scope::Read));
        assert!(w.allows(Scope::LedgerWrite));
        assert!(w.allows(Scope::ChatRead));
        assert!(!w.allows(Scope::OpenId));
        assert!(
            !w.allows(Scope::Account),
            "write does not cover the account"
        );
        assert!(Scopes::session().allows(Scope::Account));
        let r: Scopes = "read".parse().unwrap();
        assert!(r.allows(Scope::MembersRead));
        assert!(!r.allows(Scope::Write));
        assert!(!r.allows(Scope::ChatWrite));
    }

    #[test]
    fn unknown_scopes_are_named() {
        let err = "read admin".parse::<Scopes>().unwrap_err();
        assert!(err.contains("\"admin\""), "{err}");
    }

    proptest! {
        #[test]
        fn scopes_round_trip_through_text(picks in proptest::collection::vec(0..Scope::ALL.len(), 0..6)) {
            let scopes = Scopes(picks.into_iter().map(|i| Scope::ALL[i]).collect());
            prop_assert_eq!(scopes.to_string().parse::<Scopes>().unwrap(), scopes.clone());
            prop_assert!(scopes.includes(&scopes));
        }
    }
}
