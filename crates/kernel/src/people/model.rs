//! People's types and the rules their fields follow (pure: no I/O).

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::Timestamp;
use crate::id::{AccountId, SessionId, TokenId, ToolTokenId};
use crate::people::Scopes;

pub const HANDLE_RULE: &str = "2 to 32 characters: lowercase letters, digits and _";
pub const MIN_PASSWORD_LEN: usize = 10;
pub const MAX_PASSWORD_LEN: usize = 256;

/// Who is calling, once their credential has been checked.
#[derive(Debug, Clone)]
pub struct Actor {
    pub account: AccountId,
    pub handle: String,
    pub is_admin: bool,
    pub scopes: Scopes,
    /// A token limited to one group may act only there.
    pub group: Option<uuid::Uuid>,
    pub credential: Credential,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    Session(SessionId),
    Token(TokenId),
    /// An outside tool acting in the one group its token is for.
    Tool(ToolTokenId),
}

/// What anyone may see of an account.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Profile {
    pub id: AccountId,
    pub handle: String,
    pub display_name: String,
    /// The account's `did:key` (Ed25519).
    pub did: String,
    pub created_at: Timestamp,
    /// Every handle the account has had, newest first.
    pub handle_history: Vec<HandleRecord>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HandleRecord {
    pub handle: String,
    pub since: Timestamp,
    /// When the account stopped using it; `null` for the current handle.
    pub until: Option<Timestamp>,
}

/// What the account's owner sees of it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Me {
    pub id: AccountId,
    pub handle: String,
    pub display_name: String,
    /// Shown to a log-in session or a token with the `account` scope; `null` to narrower
    /// tokens.
    pub email: Option<String>,
    /// A new address waiting for its confirmation link to be opened (same rule as `email`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_email: Option<String>,
    pub did: String,
    /// The Ed25519 public key, multibase base58btc (the part of the DID after `did:key:`).
    pub public_key: String,
    pub is_admin: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUp {
    /// 2 to 32 characters: lowercase letters, digits and `_`.
    #[schema(pattern = "^[a-z0-9_]{2,32}$", example = "ada")]
    pub handle: String,
    /// At least 10 characters, and not easy to guess.
    #[schema(min_length = 10, max_length = 256)]
    pub password: String,
    /// Defaults to the handle.
    #[schema(max_length = 100)]
    pub display_name: Option<String>,
    /// Needed to reset a forgotten password by mail.
    #[schema(max_length = 254)]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogIn {
    #[schema(max_length = 64)]
    pub handle: String,
    #[schema(max_length = 256)]
    pub password: String,
}

/// Where a log-in comes from, kept with the session so its owner can recognise it.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NewSession {
    pub id: SessionId,
    /// Send as `Authorization: Bearer <token>`; also set as the `weft_session` cookie.
    pub token: String,
    pub expires_at: Timestamp,
    pub account: Me,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionInfo {
    pub id: SessionId,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
    /// Whether this is the session making the request.
    pub current: bool,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeUpdate {
    #[schema(max_length = 100)]
    pub display_name: Option<String>,
    #[schema(pattern = "^[a-z0-9_]{2,32}$")]
    pub handle: Option<String>,
    /// A new address (it takes effect once the link mailed to it is opened), or `null` to
    /// remove it. Needs `current_password`.
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = Option<String>, max_length = 254)]
    pub email: Option<Option<String>>,
    /// The current password, to change the email address.
    #[schema(max_length = 256)]
    pub current_password: Option<String>,
    pub password: Option<PasswordChange>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailConfirmation {
    /// The token from the link mailed to the new address (`weft_eml_…`).
    #[schema(max_length = 200)]
    pub token: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[schema(max_length = 256)]
    pub current: String,
    #[schema(min_length = 10, max_length = 256)]
    pub new: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    /// The handle of the account; or give `email` instead.
    #[schema(max_length = 64)]
    pub handle: Option<String>,
    #[schema(max_length = 254)]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetCompletion {
    #[schema(min_length = 10, max_length = 256)]
    pub password: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// What the token is for, to recognise it later.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// What the token may do: `read`, `write`, or narrower scopes such as `groups:read`.
    pub scopes: Vec<String>,
    /// Limit the token to one group (id or handle).
    pub group: Option<String>,
    /// Lifetime in seconds; omitted means the token does not expire.
    #[schema(minimum = 60, maximum = 31_622_400)]
    pub expires_in: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: TokenId,
    pub name: String,
    pub scopes: Vec<String>,
    pub group: Option<uuid::Uuid>,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NewToken {
    #[serde(flatten)]
    pub info: TokenInfo,
    /// The secret, shown only this once.
    pub token: String,
}

/// Tells a field sent as `null` (`Some(None)`) from one left out (`None`).
fn present_or_null<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

pub fn check_handle(handle: &str) -> Result<(), String> {
    let ok = (2..=32).contains(&handle.len())
        && handle
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(format!("a handle is {HANDLE_RULE}"))
    }
}

/// Trims a display name and checks it is 1–100 printable characters.
pub fn clean_display_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("must not be empty".into());
    }
    if name.chars().count() > 100 {
        return Err("must be at most 100 characters".into());
    }
    if name.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(name.to_string())
}

/// Checks the shape of an address and lower-cases it, so one address is one account.
pub fn clean_email(email: &str) -> Result<String, String> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if valid {
        Ok(email)
    } else {
        Err("not a valid email address".into())
    }
}

/// Rejects short passwords and those easy to guess (zxcvbn score below 3), including ones
/// built from the account's own handle, name or address.
pub fn check_password(password: &str, personal: &[&str]) -> Result<(), String> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LEN {
        return Err(format!("must be at least {MIN_PASSWORD_LEN} characters"));
    }
    if length > MAX_PASSWORD_LEN {
        return Err(format!("must be at most {MAX_PASSWORD_LEN} characters"));
    }
    let estimate = zxcvbn::zxcvbn(password, personal);
    if u8::from(estimate.score()) >= 3 {
        return Ok(());
    }
    let mut why = String::from("too easy to guess");
    if let Some(feedback) = estimate.feedback() {
        if let Some(warning) = feedback.warning() {
            why.push_str(&format!(": {warning}"));
        }
        if let Some(hint) = feedback.suggestions().first() {
            why.push_str(&format!(" ({hint})"));
        }
    }
    Err(why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_follow_the_rule() {
        for good in ["ad", "ada_lovelace", "x1", &"a".repeat(32)] {
            assert!(check_handle(good).is_ok(), "{good}");
        }
        for bad in ["a", "Ada", "ada-l", "ada l", "", &"a".repeat(33), "adé"] {
            assert!(check_handle(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn weak_and_personal_passwords_are_refused() {
        assert!(check_password("short", &[]).is_err());
        assert!(check_password("password123", &[]).is_err());
        assert!(check_password("adalovelace1", &["adalovelace"]).is_err());
        assert!(check_password("tangerine-orbit-cello-47", &["ada"]).is_ok());
    }

    #[test]
    fn emails_are_checked_and_lower_cased() {
        assert_eq!(clean_email(" Ada@Example.ORG ").unwrap(), "ada@example.org");
        for bad in [
            "ada",
            "ada@",
            "@example.org",
            "ada@example",
            "a b@example.org",
            "a@b@c.d",
        ] {
            assert!(clean_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(clean_display_name("  Ada  ").unwrap(), "Ada");
        assert!(clean_display_name("   ").is_err());
        assert!(clean_display_name(&"x".repeat(101)).is_err());
        assert!(clean_display_name("a\u{7}b").is_err());
    }
}
