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
    #[cfg(target_os = "linux")]
    no_transparent_huge_pages();
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

/// Turns transparent huge pages off for this process. With them the kernel backs any 2 MiB of
/// mimalloc's arena that a thread touches with a whole huge page, and khugepaged collapses
/// ranges mimalloc has handed back into huge pages again: serving issue 20's benchmark on
/// SQLite, 33-59 MB of a 90-112 MB RSS were huge pages, over a live heap of 15-17 MB
/// (bench/misses.md). mimalloc's `no_thp` feature (Cargo.toml) stops it asking for them
/// (`MADV_HUGEPAGE`), which is enough where THP is `madvise`; this covers hosts where it is
/// `always`. (mimalloc's `allow_thp` option would do both, but mimalloc reads it in its
/// constructor, before `main`: only its environment variable can set it.)
#[cfg(target_os = "linux")]
fn no_transparent_huge_pages() {
    // SAFETY: PR_SET_THP_DISABLE takes integer arguments and sets one flag of this process.
    let outcome = unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
    if outcome != 0 {
        eprintln!("warning: transparent huge pages stay on: {}", std::io::Error::last_os_error());
    }
}
