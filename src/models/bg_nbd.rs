//! BG/NBD.
