//! Progress bars on stderr for long work, one style for every command.
//!
//! Reading is measured in bytes of the input: a command opens its file with [`open_input`],
//! which wraps it in a reader that advances the bar as the library consumes it, so the readers
//! themselves know nothing of bars. Bars are hidden when stderr is not a terminal (a pipe, a
//! log file, a test) and for inputs too small to take a noticeable time.

use std::fs::File;
use std::io::{IsTerminal, Read};
use std::path::Path;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

/// Inputs smaller than this are read in well under a second: no bar.
const MIN_BYTES: u64 = 64 << 20;

/// A bar of `len` steps (models fitted, customers scored), hidden when stderr is not a
/// terminal.
pub fn steps(len: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {msg}") {
        bar.set_style(style);
    }
    bar
}

/// A bar over `len` bytes of the input `what`, hidden when stderr is not a terminal or the
/// input is small.
pub fn bytes(len: u64, what: &str) -> ProgressBar {
    if len < MIN_BYTES || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(
        "{msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style);
    }
    bar.set_message(format!("reading {what}"));
    bar
}

/// An input opened for reading with a byte progress bar: a file, or stdin for `-` (no bar:
/// its length is unknown). Call [`ProgressBar::finish_and_clear`] on the bar when done.
///
/// # Errors
/// The file cannot be opened.
pub fn open_input(path: &Path) -> anyhow::Result<(Box<dyn Read + Send>, ProgressBar)> {
    if path.as_os_str() == "-" {
        return Ok((Box::new(std::io::stdin()), ProgressBar::hidden()));
    }
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = bytes(len, &path.display().to_string());
    Ok((Box::new(bar.wrap_read(file)), bar))
}

/// Work items (customers) below this are summarised and written in well under a second: no
/// bar.
const MIN_ITEMS: u64 = 1 << 20;

/// A bar over `len` items of work described by `what` (e.g. "summarising and writing
/// customers"), hidden when stderr is not a terminal or there are few items.
pub fn items(len: u64, what: &str) -> ProgressBar {
    if len < MIN_ITEMS || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{msg} {bar:30} {human_pos}/{human_len} eta {eta}")
    {
        bar.set_style(style);
    }
    bar.set_message(what.to_string());
    bar
}
