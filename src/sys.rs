//! The few things that talk to the C library directly: process start-up for the binaries, which
//! skip Rust's usual `main` wrapper (`#![no_main]`), the SIGINT/SIGTERM self-pipe, and `strerror`.
//!
//! # Start-up
//!
//! A one-shot `rpub -m` lives for about a millisecond, most of it process start-up
//! (docs/performance.md). Rust's start-up wrapper finds the main thread's stack guard by reading and
//! `sscanf`-parsing `/proc/self/maps` (through glibc's `pthread_getattr_np`) and maps an alternate
//! signal stack, only to turn a stack overflow into a nicer message: about a fifth of a one-shot
//! publish's user-space instructions. The binaries define the C `main` themselves and call [`init`],
//! which keeps the two parts of that wrapper our behaviour depends on.

use std::ffi::CStr;
use std::io;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicI32, Ordering};

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

/// The C library's text for an OS error (`strerror`), without Rust's " (os error N)" suffix.
pub fn os_error_text(err: &io::Error) -> String {
    match err.raw_os_error() {
        Some(code) => {
            // SAFETY: strerror returns a pointer to a NUL-terminated static or thread-local string; it
            // is copied at once, and this program calls strerror from one thread only.
            let text = unsafe { CStr::from_ptr(libc::strerror(code)) };
            text.to_string_lossy().into_owned()
        }
        None => err.to_string(),
    }
}

/// The write end of the signal pipe, for the signal handler (-1: none).
static SIGNAL_PIPE_WRITE_FD: AtomicI32 = AtomicI32::new(-1);

/// SIGINT/SIGTERM turned into a readable byte on a pipe the event loop watches (the self-pipe trick:
/// a signal handler may only do async-signal-safe things such as `write`).
pub struct SignalPipe {
    pub read_fd: RawFd,
}

impl SignalPipe {
    pub fn install() -> io::Result<SignalPipe> {
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: `fds` is a valid array of two ints for pipe2 to fill.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } != 0 {
            return Err(io::Error::last_os_error());
        }
        SIGNAL_PIPE_WRITE_FD.store(fds[1], Ordering::SeqCst);
        for signal in [libc::SIGINT, libc::SIGTERM] {
            // SAFETY: a zeroed sigaction is a valid "no flags, empty mask" value; the handler only
            // calls async-signal-safe functions.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = forward_signal as *const () as libc::sighandler_t;
                action.sa_flags = libc::SA_RESTART;
                libc::sigemptyset(&mut action.sa_mask);
                if libc::sigaction(signal, &action, std::ptr::null_mut()) != 0 {
                    return Err(io::Error::last_os_error());
                }
            }
        }
        Ok(SignalPipe { read_fd: fds[0] })
    }

    /// Empties the pipe so the next signal makes it readable again (mio is edge-triggered).
    pub fn drain(&self) {
        let mut sink = [0u8; 64];
        // SAFETY: reading into a local buffer of the stated length from our own non-blocking fd.
        while unsafe { libc::read(self.read_fd, sink.as_mut_ptr().cast(), sink.len()) } > 0 {}
    }
}

extern "C" fn forward_signal(_signal: libc::c_int) {
    let fd = SIGNAL_PIPE_WRITE_FD.load(Ordering::SeqCst);
    if fd >= 0 {
        // SAFETY: write(2) is async-signal-safe; errno is saved and restored around it so the
        // interrupted code does not see it change.
        unsafe {
            let errno = *libc::__errno_location();
            let byte = 1u8;
            libc::write(fd, (&byte as *const u8).cast(), 1);
            *libc::__errno_location() = errno;
        }
    }
}

/// A part of one command-line argument: `arg` counts `argv[0]` as 0, `bytes` is a range of that
/// argument's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgSpan {
    pub arg: usize,
    pub bytes: std::ops::Range<usize>,
}

/// The C `main`'s `argc` and `argv`, kept by [`keep_argv`] for [`mask_args`].
static ARGC: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static ARGV: std::sync::atomic::AtomicPtr<*mut std::ffi::c_char> =
    std::sync::atomic::AtomicPtr::new(std::ptr::null_mut());

/// Remembers the process's own argument vector, as the C `main` received it, so that passwords can
/// be masked in it once parsed ([`mask_args`]). The binaries call this first thing.
///
/// # Safety
/// `argv` must be the `argv` the C runtime passed to `main`, with `argc` entries, each a
/// NUL-terminated string that stays valid (and writable, as C guarantees for `main`'s arguments)
/// for the life of the process.
pub unsafe fn keep_argv(argc: std::ffi::c_int, argv: *const *const std::ffi::c_char) {
    if argv.is_null() {
        return;
    }
    ARGC.store(usize::try_from(argc).unwrap_or(0), Ordering::SeqCst);
    ARGV.store(argv as *mut *mut std::ffi::c_char, Ordering::SeqCst);
}

/// Overwrites the bytes `spans` name with `*` in the process's own argument memory, which is what
/// `ps` and `/proc/PID/cmdline` show: a password given with `-P` is then no longer readable by
/// other users of the machine. Spans outside the arguments are ignored; without [`keep_argv`]
/// (tests) nothing happens.
pub fn mask_args(spans: &[ArgSpan]) {
    let argv = ARGV.load(Ordering::SeqCst);
    let argc = ARGC.load(Ordering::SeqCst);
    if argv.is_null() {
        return;
    }
    for span in spans.iter().filter(|span| span.arg < argc) {
        // SAFETY: `keep_argv`'s contract: `argv` has `argc` valid, writable, NUL-terminated strings.
        // The length is measured first so no byte past the string is touched.
        unsafe {
            let arg = *argv.add(span.arg);
            if arg.is_null() {
                continue;
            }
            let len = libc::strlen(arg);
            let end = span.bytes.end.min(len);
            for index in span.bytes.start.min(end)..end {
                *arg.add(index) = b'*' as std::ffi::c_char;
            }
        }
    }
}

/// Why a password file could not be used.
#[derive(Debug)]
pub enum SecretFileError {
    /// It could not be opened or read.
    Io(io::Error),
    /// A regular file that its group or other users may read (`mode`: its permission bits).
    Exposed { mode: u32 },
    /// Not a file, a pipe or a terminal (a directory, for example).
    NotAFile,
    /// The first line is longer than MQTT allows a password to be (65535 bytes).
    TooLong,
}

/// The largest password MQTT can carry.
const MAX_SECRET: u64 = 65_535;

/// Reads the first line of `path` (without its `\n` or `\r\n`) as a secret. As ssh does with private
/// keys, a regular file that its group or others may read is refused; a pipe, a socket or a terminal
/// (`--pw-file <(pass show mqtt)`, `/dev/stdin`) is read as it is.
pub fn read_secret_file(path: &std::path::Path) -> Result<Vec<u8>, SecretFileError> {
    use std::io::Read;
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let file = std::fs::File::open(path).map_err(SecretFileError::Io)?;
    let metadata = file.metadata().map_err(SecretFileError::Io)?;
    let kind = metadata.file_type();
    if kind.is_file() {
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o044 != 0 {
            return Err(SecretFileError::Exposed { mode });
        }
    } else if !(kind.is_fifo() || kind.is_socket() || kind.is_char_device()) {
        return Err(SecretFileError::NotAFile);
    }
    let mut bytes = Vec::new();
    // One more byte than a password may have, to see a line that is too long (cut, then refused by
    // the protocol layer's own check).
    file.take(MAX_SECRET + 2)
        .read_to_end(&mut bytes)
        .map_err(SecretFileError::Io)?;
    if let Some(end) = bytes.iter().position(|&b| b == b'\n') {
        bytes.truncate(end);
    }
    if bytes.last() == Some(&b'\r') {
        bytes.pop();
    }
    if bytes.len() as u64 > MAX_SECRET {
        return Err(SecretFileError::TooLong);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn masking_overwrites_only_the_spans_in_the_kept_argv() {
        let mut args: Vec<Vec<u8>> = ["rsub", "-P", "secret", "-L", "mqtt://u:pw@h/t"]
            .iter()
            .map(|arg| format!("{arg}\0").into_bytes())
            .collect();
        let pointers: Vec<*const std::ffi::c_char> = args
            .iter_mut()
            .map(|arg| arg.as_mut_ptr().cast_const().cast())
            .collect();
        // SAFETY: `pointers` has 5 NUL-terminated, writable strings that outlive the masking.
        unsafe { keep_argv(5, pointers.as_ptr()) };
        mask_args(&[
            ArgSpan {
                arg: 2,
                bytes: 0..6,
            },
            ArgSpan {
                arg: 4,
                bytes: 9..11,
            },
            // Past the end of the argument or of argv: nothing is written.
            ArgSpan {
                arg: 4,
                bytes: 20..30,
            },
            ArgSpan {
                arg: 9,
                bytes: 0..1,
            },
        ]);
        ARGV.store(std::ptr::null_mut(), Ordering::SeqCst);
        let shown: Vec<String> = args
            .iter()
            .map(|arg| String::from_utf8_lossy(&arg[..arg.len() - 1]).into_owned())
            .collect();
        assert_eq!(shown, ["rsub", "-P", "******", "-L", "mqtt://u:**@h/t"]);
    }

    #[test]
    fn a_secret_file_must_be_private_and_gives_its_first_line() {
        let dir = std::env::temp_dir().join(format!("rpubsub-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("pw");
        std::fs::write(&path, b"pa ss\r\nnext\n").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        assert_eq!(read_secret_file(&path).expect("private"), b"pa ss");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        assert!(matches!(
            read_secret_file(&path),
            Err(SecretFileError::Exposed { mode: 0o640 })
        ));
        assert!(matches!(
            read_secret_file(&dir),
            Err(SecretFileError::NotAFile)
        ));
        assert!(matches!(
            read_secret_file(&dir.join("missing")),
            Err(SecretFileError::Io(_))
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
