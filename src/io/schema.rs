//! The column names of every CSV file btyd writes, in one place: the writers use them and the
//! tests check headers against them. Input readers accept these names (and the aliases listed
//! where they are read).

/// The customer's identifier.
pub const CUSTOMER_ID: &str = "customer_id";
/// x: repeat purchases (continuous time) or opportunities with a purchase (discrete time).
pub const FREQUENCY: &str = "frequency";
/// t_x: the time (or opportunity) of the last purchase.
pub const RECENCY: &str = "recency";
/// T: the customer's age (for opportunity summaries: n, the number of opportunities).
pub const AGE: &str = "T";
/// m̄: mean value of the repeat purchases.
pub const MONETARY_VALUE: &str = "monetary_value";
/// Purchases in the holdout period.
pub const FREQUENCY_HOLDOUT: &str = "frequency_holdout";
/// Mean value of the holdout purchases.
pub const MONETARY_VALUE_HOLDOUT: &str = "monetary_value_holdout";
/// Length of the holdout period.
pub const DURATION_HOLDOUT: &str = "duration_holdout";
/// n of a weighted opportunity pattern.
pub const PERIODS: &str = "periods";
/// The number of customers sharing a pattern.
pub const WEIGHTS: &str = "weights";
/// P(alive | history).
pub const P_ALIVE: &str = "p_alive";
/// Expected purchases over the horizon.
pub const EXPECTED_PURCHASES: &str = "expected_purchases";
/// Discounted expected purchases.
pub const DISCOUNTED_PURCHASES: &str = "discounted_purchases";
/// Expected spend per transaction.
pub const EXPECTED_SPEND: &str = "expected_spend";
/// Customer lifetime value.
pub const CLV: &str = "clv";

/// `btyd predict` on weighted opportunity patterns.
pub const PATTERN_PREDICTIONS: [&str; 6] = [
    FREQUENCY,
    RECENCY,
    PERIODS,
    WEIGHTS,
    P_ALIVE,
    EXPECTED_PURCHASES,
];

/// `btyd clv` (expected_purchases is empty for an infinite horizon).
pub const CLV_TABLE: [&str; 10] = [
    CUSTOMER_ID,
    FREQUENCY,
    RECENCY,
    AGE,
    MONETARY_VALUE,
    P_ALIVE,
    EXPECTED_PURCHASES,
    DISCOUNTED_PURCHASES,
    EXPECTED_SPEND,
    CLV,
];

/// `btyd predict` on a customer summary: `customer_id, frequency, recency, T,
/// [monetary_value,] p_alive, expected_purchases` and the holdout columns when the summary has
/// them.
pub fn customer_predictions(monetary_value: bool, holdout: bool) -> Vec<&'static str> {
    let mut header = vec![CUSTOMER_ID, FREQUENCY, RECENCY, AGE];
    if monetary_value {
        header.push(MONETARY_VALUE);
    }
    header.extend([P_ALIVE, EXPECTED_PURCHASES]);
    if holdout {
        header.extend([FREQUENCY_HOLDOUT, MONETARY_VALUE_HOLDOUT, DURATION_HOLDOUT]);
    }
    header
}

/// `btyd compare`'s `comparison.csv`.
pub const COMPARISON: [&str; 18] = [
    "rank",
    "model",
    "status",
    "error",
    "note",
    "converged",
    "n_params",
    "log_likelihood",
    "aic",
    "bic",
    "holdout_predicted",
    "holdout_actual",
    "mae",
    "rmse",
    "chi_square",
    "chi_square_df",
    "chi_square_p_value",
    "fit_seconds",
];
