//! From per-customer numbers to decisions: the descriptive ("historical") KPIs and simple CLV
//! managers compute from a transaction log ([`kpi`]), value tiers, RFM scores and segments,
//! churn risk and acquisition cost per customer ([`segment`], [`rfm`]).
//!
//! This floor sits above `validate` and below `io`: it computes values from logs and from the
//! per-customer values of `predict` (P(alive), expected purchases, CLV); `io` writes them and
//! `cli` composes them into commands and the HTML report. Every definition is stated in the
//! doc comment of the function that computes it and in the README's "Decisions" section.

pub mod kpi;
pub mod rfm;
pub mod segment;

pub use kpi::{compute_kpis, CohortPeriod, KpiOptions, Kpis, Period};
pub use rfm::{quintile_scores, rfm_segment, RfmRule, RFM_RULES};
pub use segment::{
    assign_cac, segment_customers, tier_churn_counts, CacKey, CacTable, ChurnRisk, CustomerSegment,
    CustomerValue, GroupSummary, SegmentOptions, Segmentation, Tiers,
};
