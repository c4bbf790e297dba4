//! What a credential may do. Sessions may do everything the person may; tokens carry a
//! subset, and a token can never mint a token broader than itself.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// The scopes of DESIGN section 6. `write` covers every `*:write` and `read`; `read` covers
/// every `*:read`. `account` is apart: it lets a token act on the account itself (its email,
/// password, sessions, tokens, tool registrations, joining and leaving groups), which no other
/// scope covers — a log-in session holds it. The OIDC scopes say what an ID token may tell,
/// not what a token may do. Every built-in tool adds `<tool>:read` and `<tool>:write`
/// ([`Scope::Tool`]): the kernel does not list them, so a tool adds its scopes without
/// changing this file.
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
    OpenId,
    Profile,
    Email,
    Groups,
    /// A built-in tool's own scope: `chat:read`, `decide:write`.
    Tool(ToolName, Access),
}

/// What a tool scope lets a token do with the tool: read its things, or also act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Access {
    Read,
    Write,
}

/// A tool's name as scopes carry it: lowercase ASCII letters, digits and `-`, starting with a
/// letter, at most [`ToolName::MAX`] bytes. Kept inline so a [`Scope`] stays `Copy` and
/// parsing a stored token's scopes allocates nothing and needs no registry.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ToolName {
    len: u8,
    bytes: [u8; ToolName::MAX],
}

impl ToolName {
    pub const MAX: usize = 24;

    /// `None` unless `name` is well formed (see the type).
    pub const fn new(name: &str) -> Option<ToolName> {
        let b = name.as_bytes();
        if b.is_empty() || b.len() > Self::MAX || !b[0].is_ascii_lowercase() {
            return None;
        }
        let mut bytes = [0u8; Self::MAX];
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-') {
                return None;
            }
            bytes[i] = c;
            i += 1;
        }
        Some(ToolName {
            len: b.len() as u8,
            bytes,
        })
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len as usize]).expect("checked ASCII")
    }
}

impl fmt::Debug for ToolName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for ToolName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kernel's own scope prefixes, which no tool scope may take (`groups:write` is not a
/// tool's).
const KERNEL_AREAS: [&str; 4] = ["groups", "members", "activities", "ledger"];

impl Scope {
    /// The scopes the kernel itself defines; tools add theirs.
    pub const KERNEL: [Scope; 12] = [
        Scope::Read,
        Scope::Write,
        Scope::Account,
        Scope::GroupsRead,
        Scope::MembersRead,
        Scope::ActivitiesWrite,
        Scope::LedgerRead,
        Scope::LedgerWrite,
        Scope::OpenId,
        Scope::Profile,
        Scope::Email,
        Scope::Groups,
    ];

    /// `<tool>:read` or `<tool>:write`; `None` for a malformed tool name.
    pub fn tool(name: &str, access: Access) -> Option<Scope> {
        ToolName::new(name).map(|n| Scope::Tool(n, access))
    }

    fn kernel_str(self) -> Option<&'static str> {
        Some(match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Account => "account",
            Scope::GroupsRead => "groups:read",
            Scope::MembersRead => "members:read",
            Scope::ActivitiesWrite => "activities:write",
            Scope::LedgerRead => "ledger:read",
            Scope::LedgerWrite => "ledger:write",
            Scope::OpenId => "openid",
            Scope::Profile => "profile",
            Scope::Email => "email",
            Scope::Groups => "groups",
            Scope::Tool(..) => return None,
        })
    }

    /// The tool a tool scope is for.
    pub fn tool_name(&self) -> Option<&str> {
        match self {
            Scope::Tool(name, _) => Some(name.as_str()),
            _ => None,
        }
    }

    fn is_read(self) -> bool {
        match self {
            Scope::Tool(_, access) => access == Access::Read,
            _ => self.kernel_str().is_some_and(|s| s.ends_with(":read")),
        }
    }

    fn is_write(self) -> bool {
        match self {
            Scope::Tool(_, access) => access == Access::Write,
            _ => self.kernel_str().is_some_and(|s| s.ends_with(":write")),
        }
    }

    /// Whether holding `self` lets a caller do what `wanted` guards. A tool's `write` covers
    /// its `read`, as `write` covers `read`.
    pub fn covers(self, wanted: Scope) -> bool {
        self == wanted
            || match self {
                Scope::Write => wanted == Scope::Read || wanted.is_read() || wanted.is_write(),
                Scope::Read => wanted.is_read(),
                Scope::Tool(name, Access::Write) => wanted == Scope::Tool(name, Access::Read),
                _ => false,
            }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Tool(name, Access::Read) => write!(f, "{name}:read"),
            Scope::Tool(name, Access::Write) => write!(f, "{name}:write"),
            other => f.write_str(other.kernel_str().expect("a kernel scope")),
        }
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(kernel) = Scope::KERNEL
            .into_iter()
            .find(|scope| scope.kernel_str() == Some(s))
        {
            return Ok(kernel);
        }
        // Any other `<name>:read|write` is a tool's: whether this server has that tool is
        // for who mints a token to check (`people::create_token`), not for parsing, so a
        // stored token's scopes always read back.
        let tool = match s.rsplit_once(':') {
            Some((name, "read")) => Scope::tool(name, Access::Read),
            Some((name, "write")) => Scope::tool(name, Access::Write),
            _ => None,
        };
        tool.filter(|t| !t.tool_name().is_some_and(|n| KERNEL_AREAS.contains(&n)))
            .ok_or_else(|| {
                format!(
                    "unknown scope {s:?}; known scopes: {}, and a tool's <tool>:read or <tool>:write",
                    Scopes::all()
                )
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scopes(BTreeSet<Scope>);

impl Scopes {
    /// Every scope the kernel defines.
    pub fn all() -> Self {
        Scopes(Scope::KERNEL.into_iter().collect())
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
        self.0.iter().map(Scope::to_string).collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words: Vec<String> = self.0.iter().map(Scope::to_string).collect();
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

    fn chat(access: Access) -> Scope {
        Scope::tool("chat", access).unwrap()
    }

    #[test]
    fn write_covers_reads_and_writes_but_not_oidc() {
        let w: Scopes = "write".parse().unwrap();
        assert!(w.allows(Scope::Read));
        assert!(w.allows(Scope::LedgerWrite));
        assert!(w.allows(chat(Access::Read)));
        assert!(w.allows(chat(Access::Write)));
        assert!(!w.allows(Scope::OpenId));
        assert!(
            !w.allows(Scope::Account),
            "write does not cover the account"
        );
        assert!(Scopes::session().allows(Scope::Account));
        let r: Scopes = "read".parse().unwrap();
        assert!(r.allows(Scope::MembersRead));
        assert!(r.allows(chat(Access::Read)));
        assert!(!r.allows(Scope::Write));
        assert!(!r.allows(chat(Access::Write)));
    }

    #[test]
    fn a_tool_scope_covers_only_its_tool() {
        let w: Scopes = "chat:write".parse().unwrap();
        assert!(w.allows(chat(Access::Write)));
        assert!(
            w.allows(chat(Access::Read)),
            "a tool's write covers its read"
        );
        assert!(!w.allows(Scope::tool("decide", Access::Read).unwrap()));
        assert!(!w.allows(Scope::Read));
        assert!(!w.allows(Scope::GroupsRead));
        let r: Scopes = "chat:read".parse().unwrap();
        assert!(!r.allows(chat(Access::Write)));
    }

    #[test]
    fn unknown_scopes_are_named() {
        for bad in [
            "admin",
            "groups:write",
            "ledger:admin",
            "Chat:read",
            "chat:",
            ":read",
        ] {
            let err = format!("read {bad}").parse::<Scopes>().unwrap_err();
            assert!(err.contains(&format!("{bad:?}")), "{err}");
        }
        assert!(ToolName::new(&"a".repeat(ToolName::MAX)).is_some());
        assert!(ToolName::new(&"a".repeat(ToolName::MAX + 1)).is_none());
    }

    fn scope_strategy() -> impl Strategy<Value = Scope> {
        prop_oneof![
            (0..Scope::KERNEL.len()).prop_map(|i| Scope::KERNEL[i]),
            ("[a-z][a-z0-9-]{0,23}", any::<bool>()).prop_filter_map("a kernel area", |(n, w)| {
                let access = if w { Access::Write } else { Access::Read };
                Some(Scope::tool(&n, access)?).filter(|_| !KERNEL_AREAS.contains(&n.as_str()))
            }),
        ]
    }

    proptest! {
        #[test]
        fn scopes_round_trip_through_text(picks in proptest::collection::vec(scope_strategy(), 0..6)) {
            let scopes = Scopes(picks.into_iter().collect());
            prop_assert_eq!(scopes.to_string().parse::<Scopes>().unwrap(), scopes.clone());
            prop_assert!(scopes.includes(&scopes));
        }
    }
}
