//! Batch jobs run from the command line: seeding a benchmark database and importing a CSV.
//! They write in bulk (many rows per statement) rather than through the per-request use cases.

pub mod import;
pub mod seed;
