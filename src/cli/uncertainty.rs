//! The options of parameter uncertainty shared by `predict`, `clv` and `compare`
//! (`--interval`, `--draws`, `--seed`, `--bootstrap`) and the draws they ask for.

use std::path::Path;

use anyhow::{bail, Context};
use btyd::data::TimeUnit;
use btyd::fit::bootstrap::bootstrap;
use btyd::fit::FitOptions;
use btyd::io::{read_summary_patterns, ModelFile};
use btyd::models::AnyModel;
use btyd::predict::{normal_draws, Level};

/// `--interval`, `--draws`, `--seed`, `--bootstrap`.
#[derive(Debug, Clone, clap::Args)]
pub struct IntervalArgs {
    /// Add <column>_lower and <column>_upper at this level in (0, 1), e.g. 0.9, from the
    /// parameters' uncertainty, and print the interval of the total.
    #[arg(long, value_parser = level)]
    pub interval: Option<f64>,
    /// Parameter draws from the asymptotic normal of the log-parameters (the model file's
    /// covariance).
    #[arg(long, default_value_t = 1000, requires = "interval", value_parser = clap::value_parser!(u32).range(2..=1_000_000))]
    pub draws: u32,
    /// Seed of the draws and of the bootstrap resamples.
    #[arg(long, default_value_t = 1, requires = "interval")]
    pub seed: u64,
    /// Instead of normal draws, B refits of the model on resamples of the customers of the
    /// summary given (the one the model was fitted on).
    #[arg(long, value_name = "B", requires = "interval", value_parser = clap::value_parser!(u32).range(2..=100_000))]
    pub bootstrap: Option<u32>,
}

impl IntervalArgs {
    /// The level, when intervals are asked for.
    pub fn level(&self) -> anyhow::Result<Option<Level>> {
        Ok(self.interval.map(Level::new).transpose()?)
    }

    /// How the draws are made, for the report.
    pub fn describe(&self) -> String {
        match self.bootstrap {
            Some(b) => format!("{b} bootstrap refits, seed {}", self.seed),
            None => format!(
                "{} normal draws of the log-parameters, seed {}",
                self.draws, self.seed
            ),
        }
    }

    /// The draws of the model of `file` (read from `path`): normal draws from its covariance,
    /// or bootstrap refits on `summary` (read in `unit`). `stream` offsets the seed, so the
    /// purchase and spend models of `clv` are drawn independently.
    pub fn draws(
        &self,
        file: &ModelFile,
        path: &Path,
        summary: &Path,
        unit: TimeUnit,
        stream: u64,
    ) -> anyhow::Result<Vec<AnyModel>> {
        let fitted = file
            .to_fitted()
            .with_context(|| path.display().to_string())?;
        let model = fitted.fit.model;
        let seed = self.seed.wrapping_add(stream);
        match self.bootstrap {
            None => {
                let Some(cov) = fitted.fit.covariance.as_ref() else {
                    bail!(
                        "{}: the model file has no covariance matrix (a fit at an edge of the \
                         parameter space, or without standard errors), so there are no normal \
                         draws; use --bootstrap B",
                        path.display()
                    );
                };
                Ok(normal_draws(&model, cov, self.draws as usize, seed)
                    .with_context(|| path.display().to_string())?)
            }
            Some(b) => {
                if summary == Path::new("-") {
                    bail!("--bootstrap refits on the summary file: give a file, not stdin");
                }
                let patterns = read_summary_patterns(summary, unit)?;
                let opts = FitOptions {
                    penalizer: fitted.fit.penalizer,
                    penalty_scale: fitted.fit.penalty_scale,
                    ..FitOptions::default()
                };
                let boot = bootstrap(&model, &patterns, b as usize, seed, &opts)
                    .with_context(|| format!("bootstrap of {}", path.display()))?;
                if boot.failed > 0 {
                    eprintln!(
                        "warning: {}: {} of {b} bootstrap refits failed (first: {}); the \
                         intervals use the {} others",
                        path.display(),
                        boot.failed,
                        boot.first_error.as_deref().unwrap_or("?"),
                        boot.models.len()
                    );
                }
                if boot.models.len() * 10 < b as usize * 9 {
                    bail!(
                        "{}: more than 10% of the bootstrap refits failed; the intervals would \
                         not describe the resamples",
                        path.display()
                    );
                }
                Ok(boot.models)
            }
        }
    }
}

/// Parses an interval level in (0, 1).
pub(super) fn level(s: &str) -> Result<f64, String> {
    let v = super::finite(s)?;
    if v > 0.0 && v < 1.0 {
        Ok(v)
    } else {
        Err(format!("{s} is not strictly between 0 and 1 (e.g. 0.9)"))
    }
}
