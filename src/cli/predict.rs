//! `btyd predict`: per-customer (or per-pattern) P(alive) and expected purchases from a model
//! file.

use std::path::PathBuf;

use btyd::data::TimeUnit;
use btyd::io::{read_customer_data, stream_predictions, write_predictions, ModelFile, RowColumns};
use btyd::models::{AnyModel, Role};
use btyd::predict::{expected_total, predict_rows};

// The source of customer blocks. The streaming reader replaces the stand-in: this line becomes
// `pub(super) use btyd::io::summary_blocks;` (and `in_memory` below goes).
pub(super) use in_memory::summary_blocks;

/// Arguments of `btyd predict`.
#[derive(Debug, clap::Args)]
pub struct PredictArgs {
    /// Model file written by `btyd fit`.
    model: PathBuf,
    /// Customer summary CSV, in the model's time unit (for bg-bb: the discrete-time summary of
    /// `btyd summary --discrete`, or weighted patterns as in datasets/donations.csv).
    summary: PathBuf,
    /// Prediction horizon t, in the model's time unit: expected purchases in (T, T + t] (for
    /// bg-bb: a whole number of future periods).
    #[arg(long, value_parser = super::non_negative)]
    horizon: f64,
    /// Output CSV; `-` writes stdout.
    #[arg(short, long, default_value = "-")]
    output: PathBuf,
}

pub fn run(args: PredictArgs) -> anyhow::Result<()> {
    let file = ModelFile::read(&args.model)?;
    super::show_model_warnings(&args.model, &file);
    let model = file.model()?;
    let unit = super::summary_unit(&args.summary, None, Some((file.time_unit, model.role())))?;
    if model.role() != Role::Purchase {
        return run_in_memory(&args, &model, unit, file.time_unit);
    }
    // A continuous-time summary: streamed through the pipeline of btyd::io::stream.
    let (reader, bar) = super::progress::open_input(&args.summary)?;
    let source = summary_blocks(reader, &args.summary, unit)?;
    let columns = source.columns();
    let columns = RowColumns {
        monetary_value: columns.monetary_value,
        holdout: columns.holdout,
    };
    let totals = stream_predictions(
        &args.output,
        source,
        columns,
        model.purchase()?,
        args.horizon,
    )?;
    bar.finish_and_clear();
    report(
        &args,
        totals.rows as usize,
        totals.expected_purchases,
        file.time_unit,
    );
    Ok(())
}

/// Predictions for the data of an opportunity model (BG/BB), read whole; a spend model fails
/// here with the error naming the role it lacks.
fn run_in_memory(
    args: &PredictArgs,
    model: &AnyModel,
    unit: TimeUnit,
    model_unit: TimeUnit,
) -> anyhow::Result<()> {
    let data = read_customer_data(model.role(), &args.summary, unit)?;
    let preds = predict_rows(model, &data, args.horizon)?;
    write_predictions(&args.output, &data, &preds)?;
    report(args, preds.len(), expected_total(&data, &preds), model_unit);
    Ok(())
}

/// The one-line summary on stderr.
fn report(args: &PredictArgs, rows: usize, total: f64, unit: TimeUnit) {
    eprintln!(
        "{} rows: {:.1} expected purchases in the next {} {}; written to {}",
        rows,
        total,
        btyd::error::Num(args.horizon),
        unit.name_for(args.horizon),
        args.output.display()
    );
}

/// Stand-in for the streaming summary reader `btyd::io::summary_blocks` (same signature and
/// items): today's whole-file reader, its rows handed out in blocks.
mod in_memory {
    use std::io::Read;
    use std::path::PathBuf;

    use btyd::data::{CustomerSummary, TimeUnit};

    /// The columns a summary source declares (the fields of `btyd::io::SummaryColumns`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct SummaryColumns {
        /// Rows have `monetary_value`.
        pub monetary_value: bool,
        /// Rows have the holdout columns.
        pub holdout: bool,
        /// Rows have `monetary_value_holdout`.
        pub monetary_value_holdout: bool,
    }

    /// Customer rows cut into blocks, in file order, with the columns of the file.
    pub struct SummaryBlocks {
        columns: SummaryColumns,
        rows: std::vec::IntoIter<CustomerSummary>,
    }

    impl SummaryBlocks {
        /// The optional columns the rows have.
        pub fn columns(&self) -> SummaryColumns {
            self.columns
        }
    }

    /// Rows per block handed to the pipeline.
    const BLOCK_ROWS: usize = 1 << 14;

    impl Iterator for SummaryBlocks {
        type Item = btyd::Result<Vec<CustomerSummary>>;

        fn next(&mut self) -> Option<Self::Item> {
            let block: Vec<CustomerSummary> = self.rows.by_ref().take(BLOCK_ROWS).collect();
            (!block.is_empty()).then_some(Ok(block))
        }
    }

    /// The summary read from `reader` (`name` in messages) as blocks of rows: today's
    /// whole-file reader (`read_summary_from`), cut into blocks. It has the signature of the
    /// streaming reader `btyd::io::summary_blocks`, which replaces it: the `use` lines naming
    /// it in `predict.rs` and `clv.rs` then name that one; nothing else changes.
    ///
    /// # Errors
    /// Those of the reader.
    pub fn summary_blocks(
        reader: Box<dyn Read + Send>,
        name: impl Into<PathBuf>,
        unit: TimeUnit,
    ) -> btyd::Result<SummaryBlocks> {
        let summary = btyd::io::read_summary_from(reader, name, unit)?;
        // The whole-file reader rejects a row lacking a column the header has, so these flags are
        // the header's; the streaming reader reports them from the header.
        let columns = SummaryColumns {
            monetary_value: summary.has_monetary_value(),
            holdout: summary.has_holdout(),
            monetary_value_holdout: summary.has_holdout() && summary.has_monetary_value(),
        };
        Ok(SummaryBlocks {
            columns,
            rows: summary.customers.into_iter(),
        })
    }
}
