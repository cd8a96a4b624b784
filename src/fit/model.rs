//! [`fit_model`]: fitting a model chosen at run time (a [`ModelKind`]) on customer data with
//! the one driver [`fit`], and judging the end point with [`boundary::resolve`].

use std::borrow::Cow;

use super::{boundary, fit, FitOptions, Fitted, FittedModel};
use crate::data::{CustomerDataRef, Observation, SummaryPatterns, TimeUnit};
use crate::error::Result;
use crate::models::{AnyModel, LogLikelihood, ModelKind, ModelRole, ModelVisitor};

/// Fits a model of `kind` on customer data: the purchase models on the (x, t_x, T) histories of
/// a summary, BG/BB on opportunity histories, Gamma-Gamma on the repeat customers' (x, m̄).
/// Warnings are recorded for missing standard errors, non-convergence (with
/// [`FitOptions::allow_unconverged`]) and a spend model with an infinite mean.
///
/// `unit` is the time unit of the data, recorded with the model; the data's own unit is used
/// when it has one.
///
/// # Errors
/// [`Error::WrongData`] when the data do not suit the model; those of [`fit`].
pub fn fit_model<'a>(
    kind: ModelKind,
    data: impl Into<CustomerDataRef<'a>>,
    unit: TimeUnit,
    opts: &FitOptions,
) -> Result<FittedModel> {
    fit_source(kind, Source::Data(data.into()), unit, opts)
}

/// [`fit_model`] on a summary read as patterns: the purchase models on its (x, t_x, T)
/// patterns, Gamma-Gamma on its repeat customers' (x, m̄) patterns. The result is the one
/// [`fit_model`] gives on the summary itself.
///
/// # Errors
/// [`Error::WrongData`] for a model on other data (BG/BB); the spend sample's errors (see
/// [`SummaryPatterns::spend`]); those of [`fit`].
pub fn fit_model_on_patterns(
    kind: ModelKind,
    data: &SummaryPatterns,
    opts: &FitOptions,
) -> Result<FittedModel> {
    fit_source(kind, Source::Patterns(data), data.unit, opts)
}

/// What a model is fitted on.
#[derive(Clone, Copy)]
enum Source<'a> {
    Data(CustomerDataRef<'a>),
    Patterns(&'a SummaryPatterns),
}

fn fit_source(
    kind: ModelKind,
    source: Source<'_>,
    unit: TimeUnit,
    opts: &FitOptions,
) -> Result<FittedModel> {
    let time_unit = match source {
        Source::Data(data) => data.unit().unwrap_or(unit),
        Source::Patterns(p) => p.unit,
    };
    let fit = kind.visit(FitKind {
        source,
        unit: time_unit,
        opts,
    })?;
    Ok(FittedModel { fit, time_unit })
}

/// [`fit_model`] as a [`ModelVisitor`]: the driver written once for every model type.
struct FitKind<'a, 'o> {
    source: Source<'a>,
    unit: TimeUnit,
    opts: &'o FitOptions,
}

impl ModelVisitor for FitKind<'_, '_> {
    type Output = Result<Fitted<AnyModel>>;
    fn visit<M>(self) -> Self::Output
    where
        M: LogLikelihood + ModelRole + Into<AnyModel>,
    {
        let patterns = match self.source {
            Source::Data(data) => Cow::Owned(<M::Obs as Observation>::patterns(data)?),
            Source::Patterns(p) => <M::Obs as Observation>::summary_patterns(p)?,
        };
        // The end point of the run, converged or not, is judged by `boundary::resolve`.
        let end: Fitted<M> = fit(
            &patterns,
            &FitOptions {
                allow_unconverged: true,
                ..self.opts.clone()
            },
        )?;
        let nested = |kind: ModelKind| fit_source(kind, self.source, self.unit, self.opts);
        boundary::resolve(end, &patterns, &nested, self.unit, self.opts)
    }
}
