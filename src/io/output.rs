//! Where an output goes: the one place that opens what `-o` names.
//!
//! - `-` is stdout, streamed.
//! - A regular file (or a new path) is replaced atomically: the output is written to a
//!   temporary file in the same directory, flushed and synced, given the old file's
//!   permissions, and renamed over the target. On an error (or a panic) the temporary file is
//!   removed and the old file is untouched, so a partial output is never left behind as if it
//!   were complete. A read-only target is refused rather than silently replaced.
//! - A symbolic link is followed: its target is replaced atomically and the link stays a link.
//! - Anything else that exists (a character device such as `/dev/null`, a FIFO, a socket) is
//!   opened and written directly, streaming; errors such as "no space left" (`/dev/full`) are
//!   reported. It is never replaced by a regular file.
//! - A folder of outputs ([`FreshDir`]) is written into a temporary sibling folder that
//!   replaces it when complete.
//! - Temporary files still being written when the process receives SIGINT or SIGTERM are
//!   removed by [`cleanup_on_signals`] (installed by the command-line tool), which then exits
//!   with 128 + the signal number (130, 143), as shells expect.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::error::{Error, Result};

/// Temporary files and folders being written, removed by the signal handler.
static LIVE_TEMPS: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

/// Writes an output: `write` fills it, then it is committed as the module docs describe.
///
/// An [`Error::Io`] with an empty path returned by `write` (as [`write_error`] makes) gets
/// `path` filled in, so writers need not know the file name.
///
/// # Errors
/// The error of `write`; [`Error::Io`] naming `path` when it cannot be opened, created,
/// flushed or renamed, when it is a directory, or when it is a read-only file.
pub fn atomic_write<F>(path: &Path, write: F) -> Result<()>
where
    F: FnOnce(&mut dyn Write) -> Result<()>,
{
    let io_error = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let name_path = |e: Error| match e {
        Error::Io { path: p, source } if p.as_os_str().is_empty() => io_error(source),
        e => e,
    };
    if path.as_os_str() == "-" {
        let mut out = BufWriter::new(std::io::stdout().lock());
        write(&mut out).map_err(name_path)?;
        return out.flush().map_err(io_error);
    }
    match Target::of(path).map_err(io_error)? {
        Target::Stream => {
            let file = File::options().write(true).open(path).map_err(io_error)?;
            let mut out = BufWriter::new(file);
            write(&mut out).map_err(name_path)?;
            out.flush().map_err(io_error)
        }
        Target::Replace { file, permissions } => {
            let temp = TempFile::create(&file).map_err(io_error)?;
            let mut out = BufWriter::new(&temp.file);
            write(&mut out).map_err(name_path)?;
            out.flush().map_err(io_error)?;
            drop(out);
            if let Some(p) = permissions {
                temp.file.set_permissions(p).map_err(io_error)?;
            }
            temp.persist(&file).map_err(io_error)
        }
    }
}

/// An I/O error while writing an output whose path the caller does not know; see
/// [`atomic_write`], which fills the path in.
pub fn write_error(source: std::io::Error) -> Error {
    Error::Io {
        path: PathBuf::new(),
        source,
    }
}

/// Installs a SIGINT/SIGTERM handler (on a thread of its own) that removes the temporary files
/// being written and exits with 128 + the signal number. For programs: a library should not
/// take over the process's signals, so nothing installs it implicitly.
///
/// # Errors
/// The operating system's, when the handler cannot be registered.
#[cfg(unix)]
pub fn cleanup_on_signals() -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            remove_live_temps();
            std::process::exit(128 + signal);
        }
    });
    Ok(())
}

/// Without Unix signals there is nothing to install.
#[cfg(not(unix))]
pub fn cleanup_on_signals() -> std::io::Result<()> {
    Ok(())
}

fn remove_live_temps() {
    if let Ok(mut live) = LIVE_TEMPS.lock() {
        for p in live.take().unwrap_or_default() {
            if p.is_dir() {
                let _ = fs::remove_dir_all(p);
            } else {
                let _ = fs::remove_file(p);
            }
        }
    }
}

fn track(path: &Path) {
    if let Ok(mut live) = LIVE_TEMPS.lock() {
        live.get_or_insert_with(HashSet::new)
            .insert(path.to_path_buf());
    }
}

fn untrack(path: &Path) {
    if let Ok(mut live) = LIVE_TEMPS.lock() {
        if let Some(set) = live.as_mut() {
            set.remove(path);
        }
    }
}

/// `.NAME.PID-N.SUFFIX` next to `target`: a name no other run uses.
fn sibling(target: &Path, suffix: &str) -> std::io::Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = target
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"))?;
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    Ok(dir.join(format!(
        ".{}.{}-{n}.{suffix}",
        name.to_string_lossy(),
        std::process::id()
    )))
}

/// An output folder written fresh: files go into a temporary sibling folder, which replaces the
/// target only on [`FreshDir::commit`], so no file of an earlier run remains beside the new ones
/// and a failed run leaves the old folder as it was. The temporary folder is removed on drop
/// and by the signal handler. An existing target is replaced only when it holds nothing but
/// outputs of the kind btyd writes there (CSV, SVG, JSON and HTML files), never a folder with other
/// content.
#[derive(Debug)]
pub struct FreshDir {
    target: PathBuf,
    temp: PathBuf,
    committed: bool,
}

impl FreshDir {
    /// Creates the temporary folder next to `target`.
    ///
    /// # Errors
    /// [`Error::Io`] naming `target` when it exists and holds other files, or when the
    /// temporary folder cannot be created.
    pub fn new(target: &Path) -> Result<Self> {
        let io_error = |source| Error::Io {
            path: target.to_path_buf(),
            source,
        };
        check_replaceable(target).map_err(io_error)?;
        let temp = sibling(target, "tmp").map_err(io_error)?;
        fs::create_dir(&temp).map_err(io_error)?;
        track(&temp);
        Ok(FreshDir {
            target: target.to_path_buf(),
            temp,
            committed: false,
        })
    }

    /// Where to write the files.
    pub fn path(&self) -> &Path {
        &self.temp
    }

    /// Puts the new folder in the target's place.
    ///
    /// # Errors
    /// [`Error::Io`] naming the target when a rename fails.
    pub fn commit(mut self) -> Result<()> {
        let io_error = |source| Error::Io {
            path: self.target.clone(),
            source,
        };
        let old = if self.target.exists() {
            let old = sibling(&self.target, "old").map_err(io_error)?;
            fs::rename(&self.target, &old).map_err(io_error)?;
            Some(old)
        } else {
            None
        };
        fs::rename(&self.temp, &self.target).map_err(io_error)?;
        self.committed = true;
        untrack(&self.temp);
        if let Some(old) = old {
            let _ = fs::remove_dir_all(old);
        }
        Ok(())
    }
}

impl Drop for FreshDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.temp);
            untrack(&self.temp);
        }
    }
}

/// Ok when `target` is missing, or a folder (not a link) of CSV, SVG, JSON and HTML files only.
fn check_replaceable(target: &Path) -> std::io::Result<()> {
    let meta = match fs::symlink_metadata(target) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let refuse = |what: String| {
        Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!("{what}; choose another output folder"),
        ))
    };
    if !meta.is_dir() {
        return refuse("exists and is not a folder".into());
    }
    for entry in fs::read_dir(target)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = entry.file_type()?.is_file()
            && [".csv", ".svg", ".json", ".html"]
                .iter()
                .any(|e| name.ends_with(e));
        if !ours {
            return refuse(format!(
                "holds '{name}', which btyd did not write; it replaces only a folder of its own \
                 outputs (CSV, SVG, JSON, HTML)"
            ));
        }
    }
    Ok(())
}

/// How an output path is written.
enum Target {
    /// Opened and written in place (a device, a FIFO, a socket).
    Stream,
    /// Replaced atomically: `file` is the path itself, or a symbolic link's final target;
    /// `permissions` those of the file being replaced.
    Replace {
        file: PathBuf,
        permissions: Option<fs::Permissions>,
    },
}

impl Target {
    fn of(path: &Path) -> std::io::Result<Self> {
        let file = resolve_links(path)?;
        let meta = match fs::metadata(&file) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Target::Replace {
                    file,
                    permissions: None,
                })
            }
            Err(e) => return Err(e),
        };
        if meta.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "is a directory, not a file",
            ));
        }
        if !meta.is_file() {
            return Ok(Target::Stream);
        }
        if meta.permissions().readonly() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                "the file is read-only; refusing to replace it (make it writable or choose \
                 another output)",
            ));
        }
        Ok(Target::Replace {
            file,
            permissions: Some(meta.permissions()),
        })
    }
}

/// The path with symbolic links followed (also a dangling link's target, which the output
/// then creates), at most 40 links deep as the kernel allows.
fn resolve_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = fs::read_link(&p)?;
                p = match p.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        "too many levels of symbolic links",
    ))
}

/// A temporary file that is removed on drop (and by the signal handler) unless persisted.
struct TempFile {
    path: PathBuf,
    file: File,
    persisted: bool,
}

impl TempFile {
    /// Creates `.NAME.PID-N.tmp` next to `target`.
    fn create(target: &Path) -> std::io::Result<Self> {
        let path = sibling(target, "tmp")?;
        let file = File::options().write(true).create_new(true).open(&path)?;
        track(&path);
        Ok(TempFile {
            path,
            file,
            persisted: false,
        })
    }

    fn persist(mut self, target: &Path) -> std::io::Result<()> {
        self.file.sync_all()?;
        fs::rename(&self.path, target)?;
        self.persisted = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = fs::remove_file(&self.path);
        }
        untrack(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn write_text(path: &Path, text: &'static str) -> Result<()> {
        atomic_write(path, |w| w.write_all(text.as_bytes()).map_err(write_error))
    }

    #[test]
    fn writes_whole_files_and_leaves_nothing_on_error() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.csv");
        write_text(&out, "a,b\n").unwrap();
        assert_eq!(fs::read_to_string(&out).unwrap(), "a,b\n");

        let err = atomic_write(&out, |w| {
            w.write_all(b"partial").map_err(write_error)?;
            Err(Error::NoData {
                what: "boom".into(),
                reason: "test".into(),
            })
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "boom: test");
        assert_eq!(fs::read_to_string(&out).unwrap(), "a,b\n", "old file kept");
        assert_eq!(entries(dir.path()), ["out.csv"], "no temp file left");

        let err = atomic_write(&out, |_| {
            Err(write_error(std::io::Error::other("disk full")))
        })
        .unwrap_err();
        assert!(err.to_string().contains("out.csv: disk full"), "{err}");
        assert!(LIVE_TEMPS
            .lock()
            .unwrap()
            .as_ref()
            .is_none_or(|s| s.iter().all(|p| !p.starts_with(dir.path()))));
    }

    #[test]
    fn fails_cleanly_in_a_missing_directory_and_on_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("no/such/dir/out.csv");
        let err = write_text(&out, "x").unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err}");
        assert!(err.to_string().contains("out.csv"), "{err}");
        let err = write_text(dir.path(), "x").unwrap_err();
        assert!(err.to_string().contains("directory"), "{err}");
    }

    /// Issue 11 (1): a symbolic link stays a link and its target gets the new content.
    #[cfg(unix)]
    #[test]
    fn follows_symbolic_links() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.csv");
        fs::write(&target, "old\n").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink("real.csv", &link).unwrap();
        write_text(&link, "new\n").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&target).unwrap(), "new\n");
        // A dangling link creates its target.
        let dangling = dir.path().join("dangling.csv");
        std::os::unix::fs::symlink("created.csv", &dangling).unwrap();
        write_text(&dangling, "made\n").unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join("created.csv")).unwrap(),
            "made\n"
        );
        assert_eq!(
            entries(dir.path()),
            ["created.csv", "dangling.csv", "link.csv", "real.csv"]
        );
    }

    /// Issue 11 (1): a read-only file is refused, even for a user (root) who could replace it.
    #[cfg(unix)]
    #[test]
    fn refuses_read_only_files() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("ro.csv");
        fs::write(&out, "keep\n").unwrap();
        fs::set_permissions(&out, fs::Permissions::from_mode(0o444)).unwrap();
        let err = write_text(&out, "new\n").unwrap_err();
        assert!(err.to_string().contains("read-only"), "{err}");
        assert_eq!(fs::read_to_string(&out).unwrap(), "keep\n");
        assert_eq!(entries(dir.path()), ["ro.csv"]);
    }

    /// A replaced file keeps its permissions.
    #[cfg(unix)]
    #[test]
    fn keeps_the_permissions_of_a_replaced_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("private.csv");
        fs::write(&out, "old\n").unwrap();
        fs::set_permissions(&out, fs::Permissions::from_mode(0o600)).unwrap();
        write_text(&out, "new\n").unwrap();
        let mode = fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    /// Issue 11 (1): /dev/null stays a character device; /dev/full reports the full disk.
    #[cfg(target_os = "linux")]
    #[test]
    fn character_devices_are_written_in_place() {
        use std::os::unix::fs::FileTypeExt;
        write_text(Path::new("/dev/null"), "gone\n").unwrap();
        let meta = fs::metadata("/dev/null").unwrap();
        assert!(meta.file_type().is_char_device());
        let err = write_text(Path::new("/dev/full"), "x").unwrap_err();
        assert!(err.to_string().contains("/dev/full"), "{err}");
    }

    /// Issue 11 (1): a FIFO is written to, not replaced by a regular file.
    #[cfg(unix)]
    #[test]
    fn fifos_are_written_in_place() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || fs::read_to_string(fifo).unwrap())
        };
        write_text(&fifo, "through the pipe\n").unwrap();
        assert_eq!(reader.join().unwrap(), "through the pipe\n");
        assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
    }
}
