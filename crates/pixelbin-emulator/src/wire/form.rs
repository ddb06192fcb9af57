//! Reading `multipart/form-data` bodies: text fields in memory, file fields streamed to memory
//! (small inputs, hashed on the way for the request record) or to disk (uploads, hashed when
//! the record is read: see `record`).

use std::io::Write;
use std::path::PathBuf;

use axum::extract::Multipart;
use axum::extract::multipart::Field;
use bytes::{Bytes, BytesMut};
use sha2::{Digest, Sha256};
use tokio::task::JoinHandle;

use crate::wire::errors::ApiError;
use crate::wire::extract::body_error;
use crate::wire::record::{BodySlot, RecordedBody, RecordedField};

/// Largest text field accepted (text fields are kept in memory).
const MAX_TEXT_FIELD: usize = 1024 * 1024;

/// One field of a form.
#[derive(Debug)]
pub enum FormField {
    /// A text field.
    Text {
        /// Field name.
        name: String,
        /// Value.
        value: String,
    },
    /// A file field.
    File {
        /// Field name.
        name: String,
        /// Filename given by the client.
        filename: Option<String>,
        /// Content type given by the client.
        content_type: Option<String>,
        /// The content.
        data: FileData,
        /// Size in bytes.
        size: u64,
    },
}

/// Where a file field's content went.
#[derive(Debug)]
pub enum FileData {
    /// In memory.
    Memory(Bytes),
    /// In a file on disk that the caller now owns.
    Disk(PathBuf),
}

/// Where file fields go.
pub enum FileSink {
    /// Keep in memory, refusing files larger than `max` bytes with 413.
    Memory {
        /// Largest accepted file.
        max: u64,
    },
    /// Stream to new files created by `next_path`.
    Disk {
        /// Gives the path of each new file.
        next_path: Box<dyn FnMut() -> PathBuf + Send>,
    },
}

/// Reads every field of `multipart`, records a summary in `slot`, and returns the fields.
pub async fn read_form(
    mut multipart: Multipart,
    mut sink: FileSink,
    slot: Option<&BodySlot>,
) -> Result<Vec<FormField>, ApiError> {
    let mut fields = Vec::new();
    let mut recorded = Vec::new();
    let result: Result<(), ApiError> = async {
        while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
            let name = field.name().unwrap_or_default().to_string();
            let filename = field.file_name().map(str::to_string);
            let content_type = field.content_type().map(str::to_string);
            // aiohttp and reqwest mark text parts as text/plain or leave them untyped without a
            // filename; anything else is a file.
            let is_file = filename.is_some()
                || content_type
                    .as_deref()
                    .is_some_and(|ct| !ct.starts_with("text/plain"));
            if !is_file {
                let value = read_text(field, &name).await?;
                recorded.push(RecordedField::Text {
                    name: name.clone(),
                    value: value.clone(),
                });
                fields.push(FormField::Text { name, value });
                continue;
            }
            let (data, size, sha256) = match &mut sink {
                FileSink::Memory { max } => read_to_memory(field, &name, *max).await?,
                FileSink::Disk { next_path } => {
                    let path = next_path();
                    let (path, size) = read_to_disk(field, path).await?;
                    let sha256 = match slot {
                        Some(slot) => match slot.hash_later(recorded.len(), &path, size).await {
                            Ok(hash) => hash.unwrap_or_default(),
                            Err(e) => {
                                let _ = tokio::fs::remove_file(&path).await;
                                return Err(ApiError::internal(format!(
                                    "Could not record the file: {e}"
                                )));
                            }
                        },
                        // Nobody will read the hash.
                        None => String::new(),
                    };
                    (FileData::Disk(path), size, sha256)
                }
            };
            recorded.push(RecordedField::File {
                name: name.clone(),
                filename: filename.clone(),
                content_type: content_type.clone(),
                size,
                sha256,
            });
            fields.push(FormField::File {
                name,
                filename,
                content_type,
                data,
                size,
            });
        }
        Ok(())
    }
    .await;
    if let Some(slot) = slot {
        slot.set(RecordedBody::Multipart(recorded));
    }
    match result {
        Ok(()) => Ok(fields),
        Err(error) => {
            discard(fields).await;
            Err(error)
        }
    }
}

/// Removes the disk files of fields that will not be used.
pub async fn discard(fields: Vec<FormField>) {
    for field in fields {
        if let FormField::File {
            data: FileData::Disk(path),
            ..
        } = field
        {
            let _ = tokio::fs::remove_file(path).await;
        }
    }
}

fn multipart_error(error: axum::extract::multipart::MultipartError) -> ApiError {
    body_error(error.status().as_u16(), &error.body_text())
}

async fn read_text(mut field: Field<'_>, name: &str) -> Result<String, ApiError> {
    let mut buf = BytesMut::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if buf.len() + chunk.len() > MAX_TEXT_FIELD {
            return Err(ApiError::too_large(format!(
                "Text field `{name}` is larger than 1 MiB; send large content as a file part"
            )));
        }
        buf.extend_from_slice(&chunk);
    }
    String::from_utf8(buf.to_vec())
        .map_err(|_| ApiError::bad_request(format!("Text field `{name}` is not valid UTF-8")))
}

async fn read_to_memory(
    mut field: Field<'_>,
    name: &str,
    max: u64,
) -> Result<(FileData, u64, String), ApiError> {
    let mut buf = BytesMut::new();
    let mut hasher = Sha256::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if (buf.len() + chunk.len()) as u64 > max {
            return Err(ApiError::too_large(format!(
                "File field `{name}` is larger than {max} bytes"
            )));
        }
        hasher.update(&chunk);
        buf.extend_from_slice(&chunk);
    }
    let size = buf.len() as u64;
    Ok((
        FileData::Memory(buf.freeze()),
        size,
        hex::encode(hasher.finalize()),
    ))
}

/// Bytes gathered before they are handed to a blocking write: large enough that the hand-offs
/// cost little, small enough that a few concurrent uploads stay within a few MiB.
const WRITE_BATCH: usize = 512 * 1024;

/// Streams a file field into a new file at `path`; returns the path and the size.
async fn read_to_disk(mut field: Field<'_>, path: PathBuf) -> Result<(PathBuf, u64), ApiError> {
    let write_error =
        |e: std::io::Error| ApiError::internal(format!("Could not write a temporary file: {e}"));
    // Creating a file in the emulator's own directory is quick enough for the async thread.
    let created = std::fs::File::create(&path)
        .map_err(|e| ApiError::internal(format!("Could not create a temporary file: {e}")))?;
    let mut file = PendingFile { path: Some(path) };
    let mut writer = DiskWriter::Idle(created);
    let mut batch = Vec::new();
    let mut batched = 0usize;
    let mut size = 0u64;
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        size += chunk.len() as u64;
        batched += chunk.len();
        batch.push(chunk);
        if batched >= WRITE_BATCH {
            writer
                .write(std::mem::take(&mut batch))
                .await
                .map_err(write_error)?;
            batched = 0;
        }
    }
    writer.write(batch).await.map_err(write_error)?;
    writer.wait().await.map_err(write_error)?;
    Ok((file.keep(), size))
}

/// A file being written: removed on drop unless kept (an error or a client gone mid-body
/// leaves nothing behind).
struct PendingFile {
    path: Option<PathBuf>,
}

impl PendingFile {
    fn keep(&mut self) -> PathBuf {
        self.path.take().unwrap_or_default()
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Writes batches of chunks on the blocking pool, one batch at a time, while the next batch is
/// being received: no copy of the data and one thread hand-off per batch.
enum DiskWriter {
    /// No write in progress.
    Idle(std::fs::File),
    /// A batch is being written.
    Busy(JoinHandle<std::io::Result<std::fs::File>>),
    /// A write failed or panicked.
    Broken,
}

impl DiskWriter {
    /// Waits for the previous batch, then starts writing `batch`.
    async fn write(&mut self, batch: Vec<Bytes>) -> std::io::Result<()> {
        let mut file = self.wait().await?;
        if batch.is_empty() {
            *self = DiskWriter::Idle(file);
            return Ok(());
        }
        *self = DiskWriter::Busy(tokio::task::spawn_blocking(move || {
            for chunk in &batch {
                file.write_all(chunk)?;
            }
            Ok(file)
        }));
        Ok(())
    }

    /// Waits for the batch being written, if any.
    async fn wait(&mut self) -> std::io::Result<std::fs::File> {
        match std::mem::replace(self, DiskWriter::Broken) {
            DiskWriter::Idle(file) => Ok(file),
            DiskWriter::Busy(task) => task.await.map_err(std::io::Error::other)?,
            DiskWriter::Broken => Err(std::io::Error::other("an earlier write failed")),
        }
    }
}
