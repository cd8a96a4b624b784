#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod data;
pub mod error;
pub mod fit;
pub mod io;
// The skeleton's model helpers (`check_positive`, `check_horizon`) are used by the models on
// other branches; until they are merged here they are dead code.
#[allow(dead_code)]
pub mod models;
pub mod predict;
pub mod special;

pub use error::{Error, Result};
