//! Where report files go: every path is checked before a run sends
//! anything, so a report that cannot be written, or would replace something
//! the user gave, stops the run at once (exit 2) instead of after the last
//! probe; then each file is written on its own, so one that fails anyway
//! costs only itself.
//!
//! ```text
//! error: --markdown spec.yaml: is a contract; rollcall never overwrites an input
//! error: --json and --markdown name the same file (sub/../o.json); give each report its own
//! error: --junit out.xml: is a symbolic link to /etc/hosts, a file you do not own; rollcall writes through a link only to a regular file you own
//! error: --html /read-only/r.html: cannot write: Permission denied (os error 13)
//! ```
//!
//! Paths are compared as the file system resolves them (symbolic links and
//! `..` followed, hard links by device and inode), so no spelling of a path
//! slips past the checks.

use std::path::{Component, Path, PathBuf};

/// A report file to write: the flag that named it and its path.
#[derive(Debug, Clone, Copy)]
pub struct Output<'a> {
    pub flag: &'a str,
    pub path: &'a Path,
}

/// A file the run reads (the contract, a file its `$ref`s name, the config
/// file, a certificate, a report to merge...) or another program's file
/// (GitHub's step summary): never to be overwritten by a report.
#[derive(Debug, Clone)]
pub struct Input {
    /// `the contract`, `--config`, `$GITHUB_STEP_SUMMARY`...
    pub what: String,
    pub path: PathBuf,
}

/// Why a report path was refused or could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{flag} {path}: is {what}; rollcall never overwrites an input")]
    IsInput {
        flag: String,
        path: String,
        what: String,
    },
    #[error("{first} and {second} name the same file ({path}); give each report its own")]
    SameFile {
        first: String,
        second: String,
        path: String,
    },
    #[error(
        "{flag} {path}: is a symbolic link to {target}, {why}; rollcall writes through a link only to a regular file you own"
    )]
    Link {
        flag: String,
        path: String,
        target: String,
        why: &'static str,
    },
    #[error("{flag} {path}: is a folder")]
    Folder { flag: String, path: String },
    #[error("{flag} {path}: cannot {action}: {source}")]
    Io {
        flag: String,
        path: String,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
}

/// Checks every output before anything is sent: none is an input, none
/// names the same file as another, none is a link to something other than
/// a regular file the user owns or a folder, and each can be written (its
/// folder is created; an existing file is opened without being truncated,
/// a new one created and removed again).
pub fn check(outputs: &[Output<'_>], inputs: &[Input]) -> Result<(), OutputError> {
    let inputs: Vec<(&Input, Identity)> = inputs
        .iter()
        .map(|input| (input, Identity::of(&input.path)))
        .collect();
    let mut seen: Vec<(&Output<'_>, Identity)> = Vec::new();
    for output in outputs {
        check_link(output)?;
        let identity = Identity::of(output.path);
        if let Some((input, _)) = inputs.iter().find(|(_, known)| *known == identity) {
            return Err(OutputError::IsInput {
                flag: output.flag.to_string(),
                path: output.path.display().to_string(),
                what: input.what.clone(),
            });
        }
        if let Some((first, _)) = seen.iter().find(|(_, known)| *known == identity) {
            return Err(OutputError::SameFile {
                first: first.flag.to_string(),
                second: output.flag.to_string(),
                path: output.path.display().to_string(),
            });
        }
        check_writable(output)?;
        seen.push((output, identity));
    }
    Ok(())
}

/// Writes `content` to the output (creating its folder), replacing what was there.
pub fn write(output: &Output<'_>, content: &str) -> Result<(), OutputError> {
    let io = |action, source| OutputError::Io {
        flag: output.flag.to_string(),
        path: output.path.display().to_string(),
        action,
        source,
    };
    if let Some(parent) = output.path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| io("create its folder", e))?;
    }
    std::fs::write(output.path, content).map_err(|e| io("write", e))
}

/// Paths that name the process's own streams or the null device, which a
/// user may give on purpose (`--json /dev/stdout`) and a contract or a
/// repository cannot plant.
fn is_system_stream(path: &Path) -> bool {
    path.starts_with("/dev/") || path.starts_with("/proc/self/fd/")
}

/// A symbolic link is followed only to a regular file the user owns: a link
/// planted in a checkout must not make a report replace another file.
fn check_link(output: &Output<'_>) -> Result<(), OutputError> {
    let Ok(link) = std::fs::symlink_metadata(output.path) else {
        return Ok(());
    };
    if !link.file_type().is_symlink() || is_system_stream(output.path) {
        return Ok(());
    }
    let target = std::fs::read_link(output.path)
        .map_or_else(|_| "?".to_string(), |t| t.display().to_string());
    let refuse = |why| OutputError::Link {
        flag: output.flag.to_string(),
        path: output.path.display().to_string(),
        target: target.clone(),
        why,
    };
    match std::fs::metadata(output.path) {
        Err(_) => Err(refuse("which does not exist")),
        Ok(meta) if !meta.is_file() => Err(refuse("which is not a regular file")),
        Ok(meta) if !owned_by_user(&meta) => Err(refuse("a file you do not own")),
        Ok(_) => Ok(()),
    }
}

#[cfg(unix)]
fn owned_by_user(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: getuid has no preconditions and cannot fail.
    meta.uid() == unsafe { libc::getuid() }
}

#[cfg(not(unix))]
fn owned_by_user(_meta: &std::fs::Metadata) -> bool {
    true
}

fn check_writable(output: &Output<'_>) -> Result<(), OutputError> {
    let io = |action, source| OutputError::Io {
        flag: output.flag.to_string(),
        path: output.path.display().to_string(),
        action,
        source,
    };
    match std::fs::metadata(output.path) {
        Ok(meta) if meta.is_dir() => Err(OutputError::Folder {
            flag: output.flag.to_string(),
            path: output.path.display().to_string(),
        }),
        // A pipe or a device: opening it could block, and it is the user's.
        Ok(meta) if !meta.is_file() => Ok(()),
        Ok(_) => std::fs::OpenOptions::new()
            .append(true)
            .open(output.path)
            .map(drop)
            .map_err(|e| io("write", e)),
        Err(_) => {
            if let Some(parent) = output.path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| io("create its folder", e))?;
            }
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(output.path)
                .map_err(|e| io("write", e))?;
            std::fs::remove_file(output.path).map_err(|e| io("write", e))
        }
    }
}

/// What a path names once the file system has resolved it: the file itself
/// (device and inode) when it exists, else its resolved location.
#[derive(Debug, PartialEq, Eq)]
enum Identity {
    File { device: u64, inode: u64 },
    Path(PathBuf),
}

impl Identity {
    fn of(path: &Path) -> Identity {
        #[cfg(unix)]
        if let Ok(meta) = std::fs::metadata(path) {
            use std::os::unix::fs::MetadataExt;
            return Identity::File {
                device: meta.dev(),
                inode: meta.ino(),
            };
        }
        Identity::Path(resolve(path))
    }
}

/// `path` made absolute with its longest existing ancestor resolved by the
/// file system (links followed) and the rest normalized as written: the
/// file `sub/../o.json` will be once `sub` is created.
fn resolve(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            let mut out = real;
            for component in rest.iter().rev() {
                match component {
                    Component::ParentDir => {
                        out.pop();
                    }
                    Component::CurDir => {}
                    other => out.push(other.as_os_str()),
                }
            }
            return out;
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last);
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output<'a>(flag: &'a str, path: &'a Path) -> Output<'a> {
        Output { flag, path }
    }

    #[test]
    fn an_output_may_not_be_an_input_however_it_is_spelled() {
        let dir = tempfile::tempdir().unwrap();
        let spec = dir.path().join("spec.yaml");
        std::fs::write(&spec, "openapi: 3.0.3").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let inputs = [Input {
            what: "the contract".into(),
            path: spec.clone(),
        }];
        let roundabout = dir.path().join("sub/../spec.yaml");
        for path in [&spec, &roundabout] {
            let err = check(&[output("--markdown", path)], &inputs).unwrap_err();
            assert!(matches!(err, OutputError::IsInput { .. }), "{err}");
            assert!(err.to_string().contains("is the contract"), "{err}");
        }
        assert_eq!(std::fs::read_to_string(&spec).unwrap(), "openapi: 3.0.3");
    }

    #[test]
    fn two_outputs_may_not_resolve_to_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("o.json");
        let same = dir.path().join("new/../o.json");
        let err = check(&[output("--json", &json), output("--markdown", &same)], &[]).unwrap_err();
        assert!(matches!(err, OutputError::SameFile { .. }), "{err}");
        assert!(!json.exists(), "the check leaves no file behind");
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_followed_only_to_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let to_folder = dir.path().join("to-folder.xml");
        std::os::unix::fs::symlink(dir.path(), &to_folder).unwrap();
        let dangling = dir.path().join("dangling.xml");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        let regular = dir.path().join("mine.xml");
        std::fs::write(&regular, "old").unwrap();
        let to_mine = dir.path().join("to-mine.xml");
        std::os::unix::fs::symlink(&regular, &to_mine).unwrap();
        for link in [&to_folder, &dangling] {
            let err = check(&[output("--junit", link)], &[]).unwrap_err();
            assert!(matches!(err, OutputError::Link { .. }), "{err}");
        }
        check(&[output("--junit", &to_mine)], &[]).expect("a link to my own file");
        assert_eq!(std::fs::read_to_string(&regular).unwrap(), "old");
    }

    #[test]
    fn an_unwritable_path_is_found_by_the_check() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, "x").unwrap();
        let under_a_file = file.join("r.json");
        let err = check(&[output("--json", &under_a_file)], &[]).unwrap_err();
        assert!(err.to_string().starts_with("--json "), "{err}");
        let err = check(&[output("--html", dir.path())], &[]).unwrap_err();
        assert!(matches!(err, OutputError::Folder { .. }), "{err}");
    }
}
