//! The single maximum-likelihood driver.
