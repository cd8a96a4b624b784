//! A temporary working directory for end-to-end runs of the `btyd` binary (xsv's `Workdir`
//! pattern): each test gets its own folder, and a failure prints the command, folder, status,
//! stdout and stderr.

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output};

/// A temporary working directory with helpers to write inputs and run the binary in it.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    /// A new empty folder, removed when dropped.
    pub fn new() -> Self {
        Workdir {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A path inside the folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file into the folder.
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> &Self {
        fs::write(self.path(name), bytes).unwrap();
        self
    }

    /// Reads a file of the folder as text.
    pub fn read(&self, name: &str) -> String {
        fs::read_to_string(self.path(name)).unwrap()
    }

    /// Runs `btyd <args>` in the folder.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_btyd"))
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }

    /// What to print when an assertion about a run fails.
    pub fn context(&self, args: &[&str], out: &Output) -> String {
        format!(
            "command: btyd {}\ndir: {}\nstatus: {}\nstdout: {}\nstderr: {}",
            args.join(" "),
            self.dir.path().display(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    /// Runs `btyd <args>` and expects success; returns stdout.
    pub fn succeeds(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "{}", self.context(args, &out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The directory's entries, sorted.
    pub fn files(&self) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// Runs `btyd <args>`, expects exit 1 with every `needles` in stderr (which has a line
    /// starting with `Error: `, after any warnings), and no file created or left behind.
    pub fn fails(&self, args: &[&str], needles: &[&str]) {
        let before = self.files();
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let context = self.context(args, &out);
        assert_eq!(out.status.code(), Some(1), "{context}");
        assert!(
            stderr.lines().any(|l| l.starts_with("Error: ")),
            "{context}"
        );
        for n in needles {
            assert!(stderr.contains(n), "missing {n:?}\n{context}");
        }
        assert_eq!(self.files(), before, "files left behind\n{context}");
    }
}
