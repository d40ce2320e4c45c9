//! Batch jobs run from the command line: seeding a benchmark database, importing a CSV, and
//! moving a Redmine CRM in (`redmine`).
//! They write in bulk (many rows per statement) rather than through the per-request use cases.

pub mod import;
pub mod redmine;
pub mod seed;
