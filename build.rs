//! The migrations are embedded at compile time (`embed_migrations!`), and cargo does not know
//! that a new migration folder changes the binary: without this, a build after adding one
//! kept the old set.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
