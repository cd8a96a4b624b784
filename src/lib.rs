#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod data;
pub mod error;
pub mod fit;
mod hash;
pub mod io;
pub mod models;
pub mod predict;
pub mod special;
pub mod validate;

pub use error::{Error, Result};
