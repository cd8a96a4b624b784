//! `btyd fit`: fit a model to a summary CSV and write a model file.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use btyd::data::TimeUnit;
use btyd::fit::{fit_model, fit_model_on_patterns, FitOptions, FittedModel, PenaltyScale};
use btyd::io::{
    no_histories, read_customer_data, read_summary_patterns_from,
    read_weighted_opportunity_patterns, read_weighted_patterns, ModelFile,
};
use btyd::models::{ModelKind, Role};

/// Arguments of `btyd fit`.
#[derive(Debug, clap::Args)]
pub struct FitArgs {
    /// Customer summary CSV (customer_id, frequency, recency, T[, monetary_value]);
    /// gamma-gamma uses the repeat customers' monetary_value; bg-bb reads the discrete-time
    /// summary of `btyd summary --discrete` or weighted patterns (frequency, recency, periods[,
    /// weights]) as in datasets/donations.csv.
    summary: PathBuf,
    /// Which model to fit.
    #[arg(long, value_parser = parse_model)]
    model: ModelKind,
    /// Output model file (JSON).
    #[arg(short, long)]
    output: PathBuf,
    /// Time unit of the summary's recency and T: day, week, month or a number of days (for
    /// bg-bb: the length of one opportunity).
    /// [default: the unit in the summary's sidecar (written by `btyd summary`), else week]
    #[arg(long, value_parser = super::parse_time_unit)]
    time_unit: Option<TimeUnit>,
    /// L2 penalty coefficient c ≥ 0 on the parameters (see --penalty-scale).
    #[arg(long, default_value_t = 0.0, value_parser = super::non_negative)]
    penalizer: f64,
    /// Where the penalty acts: `log` (c·Σ (ln p)², shrinking towards 1; always has an interior
    /// maximum) or `natural` (c·Σ p², lifetimes' penalizer_coef).
    #[arg(long, value_enum, default_value = "log")]
    penalty_scale: PenaltyArg,
    /// Maximum optimiser iterations per starting point.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_iters: u64,
    /// Write the model even if the optimiser did not converge (flagged in the file).
    #[arg(long)]
    allow_unconverged: bool,
    /// Time-invariant covariates: a CSV keyed by customer_id. Non-numeric columns are
    /// categorical, one-hot coded with the first level in sorted order as the reference;
    /// numeric columns are used as they are (see --standardize).
    #[arg(long)]
    covariates: Option<PathBuf>,
    /// Covariate columns of the purchase process, comma separated: alpha_i =
    /// alpha0*exp(-gamma_p.x_i) (a positive coefficient means more purchases).
    #[arg(long, value_delimiter = ',', requires = "covariates")]
    purchase_covariates: Vec<String>,
    /// Covariate columns of the dropout process, comma separated: Pareto/NBD beta_i =
    /// beta0*exp(-gamma_d.z_i); BG/NBD and MBG/NBD a_i = a0*exp(gamma_a.z_i), b_i =
    /// b0*exp(gamma_b.z_i).
    #[arg(long, value_delimiter = ',', requires = "covariates")]
    dropout_covariates: Vec<String>,
    /// Covariate columns of Gamma-Gamma's spend process, comma separated: v_i =
    /// v0*exp(gamma_s.w_i), so mean spend is proportional to exp(gamma_s.w_i).
    #[arg(long, value_delimiter = ',', requires = "covariates")]
    spend_covariates: Vec<String>,
    /// Covariates whose coefficient is shared by every process that uses them (CLVTools'
    /// names.cov.constr), comma separated.
    #[arg(long, value_delimiter = ',', requires = "covariates")]
    constrain: Vec<String>,
    /// L2 penalty L >= 0 on the covariate coefficients only: maximises LL - L*sum(gamma^2)
    /// (CLVTools' reg.lambdas).
    #[arg(long, default_value_t = 0.0, requires = "covariates", value_parser = super::non_negative)]
    covariate_penalty: f64,
    /// Standardise numeric covariates ((v - mean)/sd over the file's customers; the mean and sd
    /// are kept in the model file and applied to prediction files).
    #[arg(long, requires = "covariates")]
    standardize: bool,
    /// Read SUMMARY as weighted patterns with this weight column (e.g. `n` of `btyd sql
    /// --patterns`): frequency, recency, T (frequency, monetary_value for gamma-gamma) and the
    /// number of customers with each; weights finite and non-negative.
    #[arg(long, value_name = "COLUMN")]
    weights: Option<String>,
}

/// `--penalty-scale` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum PenaltyArg {
    Log,
    Natural,
}

/// Parses a `--model` value.
pub fn parse_model(s: &str) -> Result<ModelKind, String> {
    s.parse::<ModelKind>().map_err(|e| e.to_string())
}

pub fn run(args: FitArgs) -> anyhow::Result<()> {
    let opts = FitOptions {
        penalizer: args.penalizer,
        penalty_scale: match args.penalty_scale {
            PenaltyArg::Log => PenaltyScale::Log,
            PenaltyArg::Natural => PenaltyScale::Natural,
        },
        max_iters: args.max_iters,
        allow_unconverged: args.allow_unconverged,
        ..FitOptions::default()
    };
    let unit = super::summary_unit(&args.summary, args.time_unit, None)?;
    if let Some(path) = &args.covariates {
        if args.weights.is_some() {
            anyhow::bail!(
                "--covariates needs a per-customer summary, not weighted patterns (--weights)"
            );
        }
        return run_with_covariates(&args, path, unit, &opts);
    }
    let fitted = match (args.model.role(), args.weights.as_deref()) {
        (Role::Opportunity, Some(w)) => {
            let patterns = read_weighted_opportunity_patterns(&args.summary, w)?;
            fit_model(args.model, &patterns, unit, &opts)
        }
        (role, Some(w)) => {
            let patterns = read_weighted_patterns(&args.summary, unit, w)?;
            if role == Role::Purchase && patterns.histories.is_empty() {
                return Err(no_histories(&args.summary).into());
            }
            fit_model_on_patterns(args.model, &patterns, &opts)
        }
        (role, None) => match role {
            // Purchase and spend models need only the summary's patterns: read as such, in
            // parallel, without keeping the customers.
            Role::Purchase | Role::Spend => {
                let (input, bar) = super::progress::open_input(&args.summary)?;
                let patterns = read_summary_patterns_from(input, &args.summary, unit);
                bar.finish_and_clear();
                fit_model_on_patterns(args.model, &patterns?, &opts)
            }
            Role::Opportunity => {
                let data = read_customer_data(Role::Opportunity, &args.summary, unit)?;
                fit_model(args.model, &data, unit, &opts)
            }
        },
    }
    .with_context(|| format!("fitting {}", args.model))?;
    // The table goes to stderr when stdout carries the model file.
    if args.output.as_os_str() == "-" {
        print_fit(&fitted, &mut std::io::stderr().lock())?;
    } else {
        print_fit(&fitted, &mut std::io::stdout().lock())?;
    }
    ModelFile::from_fitted(&fitted)
        .write(&args.output)
        .with_context(|| format!("writing {}", args.output.display()))?;
    eprintln!("model written to {}", args.output.display());
    Ok(())
}

/// `btyd fit --covariates`: the fit, its table with the LR test, and the model file.
fn run_with_covariates(
    args: &FitArgs,
    path: &std::path::Path,
    unit: TimeUnit,
    opts: &FitOptions,
) -> anyhow::Result<()> {
    let request = super::covariates::CovariateRequest {
        path,
        sets: btyd::io::CovariateSets {
            purchase: args.purchase_covariates.clone(),
            dropout: args.dropout_covariates.clone(),
            spend: args.spend_covariates.clone(),
            constrained: args.constrain.clone(),
        },
        penalty: args.covariate_penalty,
        standardize: args.standardize,
    };
    // The tables go to stdout, or to stderr when the model file itself goes to stdout.
    let mut table: Box<dyn std::io::Write> = if args.output.as_os_str() == "-" {
        Box::new(std::io::stderr().lock())
    } else {
        Box::new(std::io::stdout().lock())
    };
    let file = super::covariates::fit(args.model, &args.summary, unit, opts, &request, &mut table)?;
    drop(table);
    file.write(&args.output)
        .with_context(|| format!("writing {}", args.output.display()))?;
    eprintln!("model written to {}", args.output.display());
    Ok(())
}

/// Prints the parameter table and fit statistics, lifetimes' `summary` style.
pub fn print_fit(fitted: &FittedModel, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{} fitted on {} customers ({} patterns), time unit {}",
        fitted.requested(),
        fitted.n_obs,
        fitted.n_patterns,
        fitted.time_unit
    )?;
    let boundary = fitted.boundary.as_ref().map(ToString::to_string);
    if let Some(b) = &boundary {
        writeln!(out, "boundary: {b}")?;
    }
    writeln!(
        out,
        "{:<10} {:>12} {:>12} {:>12} {:>12}",
        "parameter", "estimate", "std error", "lower 95%", "upper 95%"
    )?;
    let cell = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.6}"));
    for p in fitted.param_table() {
        if p.at_edge {
            writeln!(
                out,
                "{:<10} {:>12.6} {:>12} {:>12} {:>12}",
                p.name, p.estimate, "at edge", "-", "-"
            )?;
            continue;
        }
        writeln!(
            out,
            "{:<10} {:>12.6} {:>12} {:>12} {:>12}",
            p.name,
            p.estimate,
            cell(p.std_error),
            cell(p.lower_95),
            cell(p.upper_95)
        )?;
    }
    writeln!(
        out,
        "log-likelihood {:.4}   AIC {:.4}   BIC {:.4}   converged {}   ({} iterations, gradient norm {:.1e})",
        fitted.log_likelihood,
        fitted.aic(),
        fitted.bic(),
        if fitted.converged { "yes" } else { "no" },
        fitted.iterations,
        fitted.grad_norm
    )?;
    for w in fitted
        .warnings
        .iter()
        .filter(|w| Some(*w) != boundary.as_ref())
    {
        writeln!(out, "warning: {w}")?;
    }
    Ok(())
}
