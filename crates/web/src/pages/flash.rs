//! A one-time message carried across a redirect ("You are logged out") in a short-lived
//! cookie. Only a code travels; the words are ours, so nobody can make a page say theirs.

use axum::http::HeaderValue;

pub const FLASH_COOKIE: &str = "weft_flash";

/// A message as the shell shows it: its kind and its words (ours, never a request's).
pub struct Toast {
    /// `success`, `info` or `danger`.
    pub kind: &'static str,
    pub text: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flash {
    Welcome,
    WelcomeCheckMail,
    LoggedIn,
    LoggedOut,
    PasswordChanged,
    Saved,
    Queued,
    Joined,
    Asked,
    Left,
    Invited,
    Declined,
    Approved,
    AllRead,
    ToolAsked,
}

impl Flash {
    const ALL: [Flash; 15] = [
        Flash::Welcome,
        Flash::WelcomeCheckMail,
        Flash::LoggedIn,
        Flash::LoggedOut,
        Flash::PasswordChanged,
        Flash::Saved,
        Flash::Queued,
        Flash::Joined,
        Flash::Asked,
        Flash::Left,
        Flash::Invited,
        Flash::Declined,
        Flash::Approved,
        Flash::AllRead,
        Flash::ToolAsked,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Flash::Welcome => "welcome",
            Flash::WelcomeCheckMail => "welcome_check_mail",
            Flash::LoggedIn => "logged_in",
            Flash::LoggedOut => "logged_out",
            Flash::PasswordChanged => "password_changed",
            Flash::Saved => "saved",
            Flash::Queued => "queued",
            Flash::Joined => "joined",
            Flash::Asked => "asked",
            Flash::Left => "left",
            Flash::Invited => "invited",
            Flash::Declined => "declined",
            Flash::Approved => "approved",
            Flash::AllRead => "all_read",
            Flash::ToolAsked => "tool_asked",
        }
    }

    pub fn parse(code: &str) -> Option<Flash> {
        Flash::ALL.into_iter().find(|f| f.code() == code)
    }

    pub fn toast(self) -> Toast {
        let (kind, text) = match self {
            Flash::Welcome => ("success", "Welcome to Weft! Your account is ready."),
            Flash::WelcomeCheckMail => (
                "success",
                "Welcome to Weft! Your account is ready. Open the link we mailed you to confirm your address.",
            ),
            Flash::LoggedIn => ("success", "Welcome back."),
            Flash::LoggedOut => ("info", "You are logged out. See you soon."),
            Flash::PasswordChanged => (
                "success",
                "Your password is changed. Log in with the new one.",
            ),
            Flash::Saved => ("success", "Saved."),
            Flash::ToolAsked => (
                "info",
                "Asked: whoever registered the tool approves each group; it turns on once they do.",
            ),
            Flash::Queued => ("info", "Queued: it is being sent again now."),
            Flash::Joined => ("success", "Welcome! You are a member now."),
            Flash::Asked => (
                "info",
                "Your request is with the group's admins. You will hear when they decide.",
            ),
            Flash::Left => ("info", "You have left the group."),
            Flash::Invited => ("success", "Invitation made."),
            Flash::Declined => ("info", "Invitation declined."),
            Flash::Approved => ("success", "Approved: they are a member now."),
            Flash::AllRead => ("success", "All caught up."),
        };
        Toast { kind, text }
    }

    /// The cookie that carries it to the next page.
    pub fn cookie(self) -> HeaderValue {
        HeaderValue::from_str(&format!(
            "{FLASH_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60",
            self.code()
        ))
        .expect("flash codes are ASCII")
    }

    pub fn clear() -> HeaderValue {
        HeaderValue::from_static("weft_flash=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
    }
}
