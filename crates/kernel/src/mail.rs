//! Outgoing mail: through SMTP when configured, otherwise written to `<data-dir>/outbox/` so
//! password resets and email invitations work on a laptop too (admins can read the outbox).

use std::path::{Path, PathBuf};

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

#[derive(Clone)]
pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    Outbox {
        dir: PathBuf,
        from: Mailbox,
    },
}

impl Mailer {
    /// SMTP from a URL such as `smtp://user:pass@host:587?tls=required` or
    /// `smtps://user:pass@host`.
    pub fn smtp(url: &str, from: &str) -> Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| Error::BadRequest(format!("bad SMTP URL: {e}")))?
            .build();
        Ok(Mailer::Smtp {
            transport,
            from: parse_from(from)?,
        })
    }

    pub fn outbox(data_dir: &Path, from: &str) -> Result<Self> {
        Ok(Mailer::Outbox {
            dir: data_dir.join("outbox"),
            from: parse_from(from)?,
        })
    }

    pub async fn send(&self, mail: Mail) -> Result<()> {
        let from = match self {
            Mailer::Smtp { from, .. } | Mailer::Outbox { from, .. } => from.clone(),
        };
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|_| Error::invalid("email", "not a valid email address"))?;
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(mail.subject)
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .body(readable_body(mail.body)),
            )
            .map_err(Error::internal)?;
        match self {
            Mailer::Smtp { transport, .. } => {
                transport.send(message).await.map_err(Error::internal)?;
            }
            Mailer::Outbox { dir, .. } => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(Error::internal)?;
                let name = format!("{}.eml", uuid::Uuid::now_v7());
                tokio::fs::write(dir.join(name), message.formatted())
                    .await
                    .map_err(Error::internal)?;
            }
        }
        Ok(())
    }

    /// The files of the outbox, oldest first (empty when mail goes through SMTP).
    pub async fn outbox_files(&self) -> Result<Vec<PathBuf>> {
        let Mailer::Outbox { dir, .. } = self else {
            return Ok(Vec::new());
        };
        let mut files = Vec::new();
        let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
            return Ok(files);
        };
        while let Some(entry) = entries.next_entry().await.map_err(Error::internal)? {
            files.push(entry.path());
        }
        files.sort();
        Ok(files)
    }
}

/// 8bit with CRLF line ends keeps links whole in the outbox files people read on a laptop.
/// lettre only picks 8bit for lines under 78 characters, while RFC 5322 allows 998; a body
/// with longer lines or NUL bytes falls back to lettre's own choice.
fn readable_body(text: String) -> Body {
    let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
    let fits_8bit = !crlf.contains('\0') && crlf.split("\r\n").all(|line| line.len() <= 998);
    if fits_8bit {
        Body::dangerous_pre_encoded(crlf.into_bytes(), ContentTransferEncoding::EightBit)
    } else {
        Body::new(text)
    }
}

fn parse_from(from: &str) -> Result<Mailbox> {
    from.parse()
        .map_err(|_| Error::BadRequest(format!("mail sender {from:?} is not an address")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn without_smtp_mail_lands_in_the_outbox() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = Mailer::outbox(dir.path(), "Weft <weft@localhost>").unwrap();
        mailer
            .send(Mail {
                to: "ada@example.org".into(),
                subject: "Hi".into(),
                body: "link".into(),
            })
            .await
            .unwrap();
        let files = mailer.outbox_files().await.unwrap();
        assert_eq!(files.len(), 1);
        let text = std::fs::read_to_string(&files[0]).unwrap();
        assert!(text.contains("To: ada@example.org"), "{text}");
        assert!(text.contains("Subject: Hi"));
    }
}
