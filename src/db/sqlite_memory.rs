//! SQLite's own allocations go through mimalloc, as the binary's are (`main.rs` sets it as the
//! global allocator; test binaries keep the system allocator for Rust's memory).
//!
//! Left on glibc's malloc, a busy SQLite server spent 3.5% of its CPU in `free` handing memory
//! back to the kernel (`heap_trim` → `madvise`) after every transaction, only to ask for it
//! again on the next one; mimalloc keeps freed memory in per-thread pages.

use std::ffi::{c_int, c_void};
use std::sync::Once;

use libmimalloc_sys::{mi_free, mi_good_size, mi_malloc, mi_realloc, mi_usable_size};
use libsqlite3_sys::{sqlite3_config, sqlite3_mem_methods, SQLITE_CONFIG_MALLOC, SQLITE_OK};

// SQLite asks for sizes as non-negative `int`s and needs 8-byte alignment, which mimalloc's
// smallest blocks already have.
unsafe extern "C" fn allocate(size: c_int) -> *mut c_void {
    mi_malloc(size.max(0) as usize)
}

unsafe extern "C" fn release(block: *mut c_void) {
    mi_free(block)
}

unsafe extern "C" fn resize(block: *mut c_void, size: c_int) -> *mut c_void {
    mi_realloc(block, size.max(0) as usize)
}

unsafe extern "C" fn size_of(block: *mut c_void) -> c_int {
    c_int::try_from(mi_usable_size(block)).unwrap_or(c_int::MAX)
}

unsafe extern "C" fn round_up(size: c_int) -> c_int {
    c_int::try_from(mi_good_size(size.max(0) as usize)).unwrap_or(size)
}

unsafe extern "C" fn start(_: *mut c_void) -> c_int {
    SQLITE_OK
}

unsafe extern "C" fn stop(_: *mut c_void) {}

/// Points SQLite's allocator at mimalloc, once per process and before the first connection
/// (SQLite takes the setting only while uninitialised; later it refuses and keeps its own,
/// which works just as well, only slower).
pub fn use_mimalloc() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let methods = sqlite3_mem_methods {
            xMalloc: Some(allocate),
            xFree: Some(release),
            xRealloc: Some(resize),
            xSize: Some(size_of),
            xRoundup: Some(round_up),
            xInit: Some(start),
            xShutdown: Some(stop),
            pAppData: std::ptr::null_mut(),
        };
        // SAFETY: SQLITE_CONFIG_MALLOC takes a pointer to a sqlite3_mem_methods, which SQLite
        // copies before returning; the functions above keep its contract (NULL on failure,
        // sizes of live blocks, any block freed once).
        let outcome = unsafe { sqlite3_config(SQLITE_CONFIG_MALLOC, &methods as *const sqlite3_mem_methods) };
        if outcome != SQLITE_OK {
            tracing::debug!(code = outcome, "SQLite was already initialised; it keeps its own allocator");
        }
    });
}

#[cfg(test)]
mod tests {
    use libmimalloc_sys::mi_is_in_heap_region;
    use libsqlite3_sys::{sqlite3_free, sqlite3_initialize, sqlite3_malloc, SQLITE_OK};

    // Nothing else in the library's unit tests opens SQLite, so this runs before SQLite starts.
    #[test]
    fn sqlite_takes_its_memory_from_mimalloc() {
        super::use_mimalloc();
        // SAFETY: plain calls into SQLite's C API; the block is freed by the allocator that made it.
        unsafe {
            assert_eq!(sqlite3_initialize(), SQLITE_OK);
            let block = sqlite3_malloc(100);
            assert!(!block.is_null());
            assert!(mi_is_in_heap_region(block), "SQLite's block did not come from mimalloc");
            sqlite3_free(block);
        }
    }
}
