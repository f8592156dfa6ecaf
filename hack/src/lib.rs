//! Build-only crate, see Cargo.toml. Intentionally empty.
