//! `contacts-server`: set the allocator, parse the command line and hand over (the command
//! sets up logging once its settings are known).

use clap::Parser;

// glibc's allocator spends much of a busy server's time on arena locks and consolidation;
// mimalloc's thread-local heaps do not (measured in BENCHMARKS.md's runs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` of mimalloc.h's `mi_option_e` (the binding names no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> std::process::ExitCode {
    // Freed memory goes back to the system after 10 ms rather than mimalloc 3's second: a SQLite
    // server answering new URLs at full speed and then streaming a million-contact export peaked
    // at 98-100 MB of RSS, and at 82-85 MB so, for about 9% of its rate on such lists.
    // SAFETY: sets a plain integer option, which mimalloc allows at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 10) };
    match contacts_server::cli::run(contacts_server::cli::Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
