//! Command-line front end: one module per subcommand, each with its `Args` and `run`.

mod clv;
mod compare;
mod demo;
mod fit;
mod predict;
mod summary;

use clap::{Parser, Subcommand};

/// Buy 'Til You Die customer-base analysis: summaries, BG/NBD, Pareto/NBD, Gamma-Gamma, CLV.
#[derive(Debug, Parser)]
#[command(name = "btyd", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Summarise a transaction log into per-customer frequency, recency, T (and holdout).
    Summary(summary::SummaryArgs),
    /// Fit a model to a customer summary and write a model file (JSON).
    Fit(fit::FitArgs),
    /// Predict P(alive) and expected purchases per customer from a model file.
    Predict(predict::PredictArgs),
    /// Discounted customer lifetime value from a purchase and a spend model file.
    Clv(clv::ClvArgs),
    /// Fit every purchase model on a log's calibration period and compare them on its holdout.
    Compare(compare::CompareArgs),
    /// Run the whole pipeline on the CDNOW sample shipped inside the binary.
    Demo(demo::DemoArgs),
}

/// Shows a model file's warnings (no convergence, a boundary fit, an infinite mean spend) on
/// stderr, as its file promises, before the model is used.
fn show_model_warnings(path: &std::path::Path, file: &btyd::io::ModelFile) {
    for w in &file.warnings {
        eprintln!("warning: {}: {w}", path.display());
    }
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Summary(args) => summary::run(args),
        Command::Fit(args) => fit::run(args),
        Command::Predict(args) => predict::run(args),
        Command::Clv(args) => clv::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Demo(args) => demo::run(args),
    }
}
