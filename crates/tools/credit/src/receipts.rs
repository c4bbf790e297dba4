//! A receipt sent as a `multipart/form-data` form: its `file` part (the first part with a
//! file name, if none is called `file`), with the name and type the browser gave it.

use kernel::files::NewFile;
use kernel::{Error, Result};

pub async fn from_form(body: axum::body::Bytes, boundary: String) -> Result<NewFile> {
    let stream = futures::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    let mut chosen: Option<NewFile> = None;
    loop {
        let field = form
            .next_field()
            .await
            .map_err(|e| Error::invalid("file", format!("the form cannot be read: {e}")))?;
        let Some(field) = field else { break };
        let named_file = field.name() == Some("file");
        let Some(name) = field.file_name().map(str::to_string) else {
            continue;
        };
        let claimed_type = field.content_type().map(ToString::to_string);
        let bytes = field
            .bytes()
            .await
            .map_err(|e| Error::invalid("file", format!("the file cannot be read: {e}")))?;
        if chosen.is_none() || named_file {
            chosen = Some(NewFile {
                subject_type: String::new(),
                subject_id: String::new(),
                name,
                claimed_type,
                bytes: bytes.to_vec(),
            });
        }
        if named_file {
            break;
        }
    }
    chosen.ok_or_else(|| Error::invalid("file", "send the receipt as the form's file part"))
}
