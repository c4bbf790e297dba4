//! Files people upload to a thing of some tool (a receipt on an expense claim, a picture on an
//! offer), kept in the database so every node of a PostgreSQL deployment serves them. The
//! type is sniffed from the bytes, never taken from the client, and only JPEG, PNG, WebP and
//! PDF are kept — no SVG, no HTML, nothing a browser would run. A file is read through the
//! policy of the thing it is attached to (`kernel::subjects`).

pub(crate) mod store;

use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::id::{AccountId, FileId, GroupId};
use crate::people::Actor;
use crate::policy::Action;
use crate::{Error, Kernel, Result, Timestamp};

/// What may be uploaded, by the bytes it starts with.
const KINDS: [(&str, &[u8]); 4] = [
    ("image/jpeg", b"\xFF\xD8\xFF"),
    ("image/png", b"\x89PNG\r\n\x1A\n"),
    ("application/pdf", b"%PDF-"),
    ("image/webp", b"RIFF"),
];

/// The type of `bytes`, if it is one Weft keeps.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    KINDS.iter().find_map(|(kind, magic)| {
        let webp_ok = *kind != "image/webp" || bytes.get(8..12) == Some(b"WEBP".as_slice());
        (bytes.starts_with(magic) && webp_ok).then_some(*kind)
    })
}

/// A file as lists and uploads show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FileInfo {
    pub id: FileId,
    pub subject_type: String,
    pub subject_id: String,
    pub group: GroupId,
    pub name: String,
    /// As sniffed from the bytes: `image/jpeg`, `image/png`, `image/webp` or `application/pdf`.
    pub content_type: String,
    pub size: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    pub uploaded_by: Option<AccountId>,
    pub created_at: Timestamp,
    /// Where the bytes are served.
    pub url: String,
}

/// An upload: the bytes, what the client claims they are, and what they are attached to.
pub struct NewFile {
    pub subject_type: String,
    pub subject_id: String,
    pub name: String,
    /// The request's `Content-Type`; a claim to check, not a fact.
    pub claimed_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// Keeps a file on a thing the actor may post to (in its group).
pub async fn upload(k: &Kernel, actor: &Actor, new: NewFile) -> Result<FileInfo> {
    let found = k
        .subjects
        .readable(k, Some(actor), &new.subject_type, &new.subject_id)
        .await?;
    let (group, subject_id) = (found.group, found.id);
    group.authorize(Some(actor), Action::Post)?;
    let name = clean_name(&new.name)?;
    let limit = k.config.max_file_bytes;
    if new.bytes.is_empty() {
        return Err(Error::invalid(
            "file",
            "the body is empty: send the file's bytes",
        ));
    }
    if new.bytes.len() as u64 > limit {
        return Err(Error::invalid(
            "file",
            format!("at most {limit} bytes (this one has {})", new.bytes.len()),
        ));
    }
    let Some(kind) = sniff(&new.bytes) else {
        return Err(Error::invalid(
            "file",
            "only JPEG, PNG, WebP and PDF files are kept (by their contents, whatever their name or type says)",
        ));
    };
    let claimed = new.claimed_type.as_deref().map(|c| {
        c.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    });
    if let Some(claimed) = claimed.filter(|c| c.starts_with("image/") || c == "application/pdf")
        && claimed != kind
    {
        return Err(Error::invalid(
            "file",
            format!("sent as {claimed}, but its contents are {kind}"),
        ));
    }
    let row = store::FileRow {
        id: FileId::new(),
        group_id: group.row.id,
        subject_type: new.subject_type,
        subject_id,
        name,
        content_type: kind.to_string(),
        size: new.bytes.len() as i64,
        sha256: Sha256::digest(&new.bytes).to_vec(),
        uploaded_by: Some(actor.account),
        created_at: k.now().0,
    };
    let mut tx = k.db.begin().await?;
    store::insert(&mut tx, &row, new.bytes).await?;
    tx.commit().await?;
    Ok(info(row))
}

/// The files on a thing, oldest first, for who may read the thing.
pub async fn list(
    k: &Kernel,
    actor: Option<&Actor>,
    subject_type: &str,
    subject_id: &str,
) -> Result<Vec<FileInfo>> {
    let found = k
        .subjects
        .readable(k, actor, subject_type, subject_id)
        .await?;
    Ok(
        store::of_subject(&k.db, found.group.row.id, subject_type, &found.id)
            .await?
            .into_iter()
            .map(info)
            .collect(),
    )
}

/// The files on a thing of `group`, for a tool's service that has already found the thing
/// readable (so the list costs no second policy check).
pub async fn of_found(
    k: &Kernel,
    group: GroupId,
    subject_type: &str,
    subject_id: &str,
) -> Result<Vec<FileInfo>> {
    Ok(store::of_subject(&k.db, group, subject_type, subject_id)
        .await?
        .into_iter()
        .map(info)
        .collect())
}

/// A file's bytes, for who may read the thing it is attached to.
pub async fn download(
    k: &Kernel,
    actor: Option<&Actor>,
    id: FileId,
) -> Result<(FileInfo, Vec<u8>)> {
    let (row, bytes) = store::get(&k.db, id)
        .await?
        .ok_or(Error::NotFound("file"))?;
    readable(k, actor, &row).await?;
    Ok((info(row), bytes))
}

/// Removes a file: who uploaded it, or who moderates the group.
pub async fn delete(k: &Kernel, actor: &Actor, id: FileId) -> Result<()> {
    let (row, _) = store::get(&k.db, id)
        .await?
        .ok_or(Error::NotFound("file"))?;
    let group = readable(k, Some(actor), &row).await?;
    if row.uploaded_by == Some(actor.account) {
        group.authorize(Some(actor), Action::Post)?;
    } else {
        group.authorize(Some(actor), Action::Moderate)?;
    }
    let mut tx = k.db.begin().await?;
    store::delete(&mut tx, id).await?;
    tx.commit().await
}

/// The thing's group, if `actor` may read the thing; a file whose thing is gone is gone.
async fn readable(
    k: &Kernel,
    actor: Option<&Actor>,
    row: &store::FileRow,
) -> Result<crate::groups::access::Loaded> {
    k.subjects
        .of_row(k, actor, &row.subject_type, &row.subject_id, "file")
        .await
        .map(|found| found.group)
}

fn info(row: store::FileRow) -> FileInfo {
    FileInfo {
        url: format!("/api/v1/files/{}", row.id),
        id: row.id,
        subject_type: row.subject_type,
        subject_id: row.subject_id,
        group: row.group_id,
        name: row.name,
        content_type: row.content_type,
        size: row.size,
        sha256: row.sha256.iter().map(|b| format!("{b:02x}")).collect(),
        uploaded_by: row.uploaded_by,
        created_at: Timestamp(row.created_at),
    }
}

/// A file name as people gave it, without paths or control characters.
fn clean_name(name: &str) -> Result<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let clean: String = base.chars().filter(|c| !c.is_control()).collect();
    if clean.is_empty() || clean.chars().count() > 200 {
        return Err(Error::invalid("name", "1 to 200 characters"));
    }
    Ok(clean)
}

/// `Content-Disposition` for a file: pictures shown in the page, PDFs downloaded; the name as
/// RFC 6266 writes it (an ASCII fallback and the UTF-8 name percent-encoded).
pub fn content_disposition(info: &FileInfo) -> String {
    let how = if info.content_type.starts_with("image/") {
        "inline"
    } else {
        "attachment"
    };
    let ascii: String = info
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = info
        .name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("{how}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn only_the_four_kinds_pass_by_their_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1A\n...."), Some("image/png"));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0...."), Some("image/jpeg"));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(
            sniff(b"RIFF\x10\0\0\0WAVEfmt "),
            None,
            "a WAV is not a WebP"
        );
        assert_eq!(sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), None);
        assert_eq!(sniff(b"<!DOCTYPE html><script>"), None);
        assert_eq!(sniff(b""), None);
    }
}
