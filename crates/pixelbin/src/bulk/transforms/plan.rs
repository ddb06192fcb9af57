//! The plan of a transformation run: each image's working upload and output, checked apart
//! before anything is sent.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::Transforms;
use crate::bulk::journal::{ItemId, Work, path_key};
use crate::bulk::outcome::{ItemOutcome, ItemStatus, Notice};
use crate::bulk::output::OutputsPresent;
use crate::bulk::pattern::{OutputFormat, Pattern};
use crate::bulk::remote::{Placed, Placer};
use crate::bulk::{Error, Walk};
use crate::http::model::content_type_for_name;
use crate::http::naming::remote_path;
use crate::predictions::output_file;
use crate::upload::{UploadRequest, default_format};

/// One image to transform.
pub(super) struct Planned {
    pub path: PathBuf,
    /// Its path below its folder without extension: where its output goes.
    pub stem: PathBuf,
    pub request: UploadRequest,
    /// `folder/name` in the working folder.
    pub stored: String,
    pub id: ItemId,
}

/// Whether a new input is to be done: its output must not exist, unless replaced
/// (`overwrite`) or skipped (`skip_existing`, then its outcome is added to `done`).
pub(super) fn new_output(
    job: &Transforms,
    output: &Path,
    pattern: &Pattern,
    file: &Planned,
    present: &mut OutputsPresent,
    done: &mut Vec<ItemOutcome>,
) -> Result<bool, Error> {
    if job.overwrite {
        return Ok(true);
    }
    let found = match expected_format(pattern, &file.path) {
        Some(ext) => Some(output_file(output, &file.stem, &ext, 0, 1)).filter(|p| p.exists()),
        None => present.find(output, &file.stem),
    };
    let Some(existing) = found else {
        return Ok(true);
    };
    if job.skip_existing {
        let mut outcome = ItemOutcome::new(file.path.clone(), ItemStatus::Skipped);
        outcome.files.push(existing);
        done.push(outcome);
        return Ok(false);
    }
    Err(Error::OutputExists {
        input: file.path.clone(),
        output: existing,
    })
}

/// The extension the output of `input` will have, when known before fetching.
fn expected_format(pattern: &Pattern, input: &Path) -> Option<String> {
    match &pattern.format {
        OutputFormat::Fixed(format) => Some(format.clone()),
        OutputFormat::Input => default_format(input),
        OutputFormat::Unknown => None,
    }
}

/// Walks the inputs and checks the plan: working names and outputs apart.
pub(super) fn plan(
    job: &Transforms,
    pattern: &Pattern,
    output: &Path,
    root: &str,
) -> Result<(Vec<Planned>, Vec<Notice>), Error> {
    let outputs = output.canonicalize().ok();
    let walk = Walk::of(&job.inputs)?;
    let mut notices = walk.notices;
    // The working uploads replace what a killed run left half-stored under their names.
    let base = UploadRequest::new().overwrite(true);
    let mut placer = Placer::new(root, &base);
    // Output stem -> (expected extension, input): two inputs sharing a stem clash unless both
    // extensions are known and differ.
    let mut saved_as: HashMap<PathBuf, Vec<(Option<String>, PathBuf)>> = HashMap::new();
    let mut planned = Vec::new();
    for found in walk.files {
        // Outputs saved inside an input folder are not inputs of the next run.
        if let Some(dir) = &outputs
            && found.path.canonicalize().is_ok_and(|p| p.starts_with(dir))
        {
            continue;
        }
        let is_image = content_type_for_name(&found.relative.to_string_lossy())
            .is_some_and(|t| t.starts_with("image/"));
        if !is_image {
            notices.push(Notice::NotAnImage { path: found.path });
            continue;
        }
        let Placed {
            request,
            folder,
            name,
        } = placer.place(&found)?;
        let stem = found.relative.with_extension("");
        let ext = expected_format(pattern, &found.relative);
        let taken = saved_as.entry(stem.clone()).or_default();
        if let Some((other, first)) = taken
            .iter()
            .find(|(other, _)| other.is_none() || ext.is_none() || *other == ext)
        {
            let shared = other.as_ref().or(ext.as_ref());
            let output = match shared {
                Some(ext) => output_file(output, &stem, ext, 0, 1),
                None => output.join(&stem),
            };
            return Err(Error::OutputClash {
                first: first.clone(),
                second: found.path,
                output,
            });
        }
        taken.push((ext, found.path.clone()));
        let work = Work::Transform {
            pattern: pattern.text.clone(),
            folder: folder.clone(),
            name: name.clone(),
            output: path_key(output).to_string_lossy().into_owned(),
        };
        planned.push(Planned {
            id: ItemId::new(&found.path, found.size, found.modified, work),
            path: found.path,
            stem,
            request,
            stored: remote_path([&folder, &name]),
        });
    }
    if planned.is_empty() {
        return Err(Error::NoInputs);
    }
    Ok((planned, notices))
}
