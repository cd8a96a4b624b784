//! The `btyd` command-line tool: parse arguments, run the subcommand, report errors.

mod cli;

use clap::Parser;

fn main() {
    let args = cli::Cli::parse();
    if let Err(e) = btyd::io::cleanup_on_signals() {
        eprintln!("warning: temporary files will not be removed on interrupt: {e}");
    }
    if let Err(err) = cli::run(args) {
        if is_broken_pipe(&err) {
            // The reader of our stdout went away (`btyd summary ... -o - | head`): not an error.
            std::process::exit(0);
        }
        eprintln!("Error: {}", message(&err));
        std::process::exit(1);
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        let io = match e.downcast_ref::<btyd::Error>() {
            Some(btyd::Error::Io { source, .. }) => Some(source),
            _ => e.downcast_ref::<std::io::Error>(),
        };
        io.is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The error and its causes joined by ": ", skipping a cause whose text the message already
/// holds (btyd's errors include their source's text, so `{:#}` would print it twice).
fn message(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}
