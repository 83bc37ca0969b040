//! Process start-up for the two binaries, which skip Rust's usual `main` wrapper (`#![no_main]`).
//!
//! A one-shot `rpub -m` lives for about a millisecond, most of it process start-up
//! (docs/performance.md). Rust's start-up wrapper finds the main thread's stack guard by reading and
//! `sscanf`-parsing `/proc/self/maps` (through glibc's `pthread_getattr_np`) and maps an alternate
//! signal stack, only to turn a stack overflow into a nicer message: about a fifth of a one-shot
//! publish's user-space instructions. The binaries define the C `main` themselves and call [`init`],
//! which keeps the two parts of that wrapper our behaviour depends on.

use std::ffi::CStr;

/// Does what the binaries need from the runtime start-up they skip:
/// - SIGPIPE is ignored, so writing to a closed pipe (`rsub | head -1`) is an `EPIPE` error the
///   output code handles instead of a silent death;
/// - closed standard descriptors (`rsub 1>&-`) are reopened on `/dev/null`, so the broker socket can
///   never become fd 1 and receive what was meant for stdout.
pub fn init() {
    // SAFETY: setting a signal's disposition to SIG_IGN is always sound; done before any thread
    // exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    const DEV_NULL: &CStr = c"/dev/null";
    for fd in 0..=2 {
        // SAFETY: F_GETFD only queries the descriptor.
        let closed = unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::EBADF);
        if closed {
            // open() returns the lowest free descriptor, which is `fd` itself. If even /dev/null
            // cannot be opened there is nothing better to do than go on, as Rust's runtime would
            // abort; a closed stdout then fails writes, which is reported as a broken output.
            // SAFETY: a valid NUL-terminated path and plain flags.
            unsafe {
                libc::open(DEV_NULL.as_ptr(), libc::O_RDWR);
            }
        }
    }
}
