//! Input and output files: summary and pattern CSVs, the SQL that computes a summary in a
//! database ([`sql`]), model files, output tables, plots, the
//! decision files (KPIs, segments, the HTML report), and the
//! writer every output goes through ([`output`]: atomic replacement of regular files, devices
//! and FIFOs written in place, temporary files removed on errors and signals). This module converts values to and from
//! files; it never fits or decides anything.

pub mod comparison;
pub mod covariates_csv;
pub(crate) mod csv_table;
pub mod intervals;
pub mod kpi_csv;
pub mod model_file;
mod opportunity_csv;
pub mod output;
pub mod outputs;
mod pattern_csv;
pub mod plot;
pub mod report;
pub mod schema;
pub mod segments_csv;
pub mod sidecar;
pub mod sql;
pub mod stream;
mod summary_csv;
mod summary_ids;
mod summary_reader;
mod summary_rows;
pub mod table;

pub use covariates_csv::{CovariateCoding, CovariateTable};
pub use model_file::{CovariateSets, ModelFile};
pub use opportunity_csv::{
    read_customer_data, read_opportunity_patterns, read_opportunity_patterns_from,
    read_weighted_opportunity_patterns,
};
pub use output::{atomic_write, cleanup_on_signals, write_error};
pub use outputs::{write_clv, write_predictions};
pub use pattern_csv::{no_histories, read_weighted_patterns, read_weighted_patterns_from};
pub use stream::{stream_clv, stream_predictions, ClvTotals, PredictionTotals};
pub use summary_csv::{
    read_summary, read_summary_from, read_summary_patterns, read_summary_patterns_from,
    summary_blocks, write_summary, write_summary_rows, SummaryBlocks, SummaryColumns,
};
pub use table::{write_table, Cell, Table};
