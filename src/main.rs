//! The `btyd` command-line tool: parse arguments, run the subcommand, report errors.

mod cli;

use clap::Parser;

fn main() {
    let args = cli::Cli::parse();
    if let Err(err) = cli::run(args) {
        if is_broken_pipe(&err) {
            // The reader of our stdout went away (`btyd summary ... -o - | head`): not an error.
            std::process::exit(0);
        }
        eprintln!("Error: {err:#}");
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
