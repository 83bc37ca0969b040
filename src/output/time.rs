//! Wall-clock time and local-time formatting for `%I`, `%U`, `@c`, `@N` and the JSON `tst`.
//!
//! mosquitto_sub calls `clock_gettime(CLOCK_REALTIME)`, `localtime()` and glibc's `strftime`. We
//! call the same `localtime_r` and `strftime` (through [`LocalTime`] and [`strftime`]), so every
//! `@c` code, including unknown ones (`@Q` → `%Q`) and modifiers, prints exactly what glibc prints,
//! and `TZ` is honoured. [`FixedClock`] builds the broken-down time itself (UTC offset and zone
//! name given), so tests can use a fixed time in any zone without touching the process's `TZ`.

use std::ffi::CStr;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::calendar::{civil_from_days, days_from_civil};

/// A point in time: seconds since the epoch plus nanoseconds (`0..1_000_000_000`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timestamp {
    pub secs: i64,
    pub nanos: u32,
}

/// A broken-down local time, ready for `strftime` (a `struct tm` including `tm_gmtoff` and
/// `tm_zone`, which glibc's `strftime` uses for `%z` and `%Z`).
#[derive(Clone, Copy)]
pub struct LocalTime {
    tm: libc::tm,
}

impl std::fmt::Debug for LocalTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = &self.tm;
        write!(
            f,
            "LocalTime({:04}-{:02}-{:02}T{:02}:{:02}:{:02} gmtoff={})",
            i64::from(t.tm_year) + 1900,
            t.tm_mon + 1,
            t.tm_mday,
            t.tm_hour,
            t.tm_min,
            t.tm_sec,
            t.tm_gmtoff
        )
    }
}

impl LocalTime {
    /// The local time of `secs` in the process's time zone (`TZ`), via `localtime_r`.
    /// `None` if the year does not fit (never for a real clock).
    pub fn system(secs: i64) -> Option<LocalTime> {
        let t = libc::time_t::try_from(secs).ok()?;
        // SAFETY: an all-zero `struct tm` is a valid value (integers and a null `tm_zone`).
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        // SAFETY: both pointers are valid for the duration of the call; localtime_r writes only
        // into `tm`. The `tm_zone` it stores points into glibc's time zone data, which stays valid
        // as long as `TZ` is not changed (rsub never changes it).
        let res = unsafe { libc::localtime_r(&t, &mut tm) };
        if res.is_null() {
            None
        } else {
            Some(LocalTime { tm })
        }
    }

    /// The broken-down time of `secs` in a fixed zone `utc_offset` seconds east of UTC, named
    /// `zone` (what `%Z` prints). `None` if the year does not fit in a C `int`.
    pub fn fixed(
        secs: i64,
        utc_offset: i32,
        zone: &'static CStr,
        is_dst: bool,
    ) -> Option<LocalTime> {
        let local = secs.checked_add(i64::from(utc_offset))?;
        let days = local.div_euclid(86_400);
        let sod = local.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        let year_index = i32::try_from(year.checked_sub(1900)?).ok()?;
        // SAFETY: an all-zero `struct tm` is a valid value (integers and a null `tm_zone`).
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        tm.tm_sec = (sod % 60) as i32;
        tm.tm_min = (sod / 60 % 60) as i32;
        tm.tm_hour = (sod / 3600) as i32;
        tm.tm_mday = day as i32;
        tm.tm_mon = month as i32 - 1;
        tm.tm_year = year_index;
        // 1970-01-01 was a Thursday (4).
        tm.tm_wday = (days + 4).rem_euclid(7) as i32;
        tm.tm_yday = (days - days_from_civil(year, 1, 1)) as i32;
        tm.tm_isdst = i32::from(is_dst);
        tm.tm_gmtoff = libc::c_long::from(utc_offset);
        tm.tm_zone = zone.as_ptr();
        Some(LocalTime { tm })
    }
}

/// Where the formatter gets the time from.
pub trait Clock {
    /// Wall-clock time now (mosquitto: `clock_gettime(CLOCK_REALTIME)`).
    fn now(&self) -> Timestamp;
    /// The local broken-down time of `secs` (mosquitto: `localtime`). `None` makes mosquitto print
    /// `Error obtaining system time.`
    fn local_time(&self, secs: i64) -> Option<LocalTime>;
}

/// The real clock and the process's time zone (`TZ`).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => Timestamp {
                secs: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                nanos: d.subsec_nanos(),
            },
            Err(e) => {
                // Before 1970: round towards minus infinity, nanoseconds stay positive.
                let d = e.duration();
                let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
                if d.subsec_nanos() == 0 {
                    Timestamp {
                        secs: -secs,
                        nanos: 0,
                    }
                } else {
                    Timestamp {
                        secs: -secs - 1,
                        nanos: 1_000_000_000 - d.subsec_nanos(),
                    }
                }
            }
        }
    }

    fn local_time(&self, secs: i64) -> Option<LocalTime> {
        LocalTime::system(secs)
    }
}

/// A clock stopped at `now`, in a fixed zone (`utc_offset` seconds east of UTC, named `zone`).
#[derive(Clone, Copy, Debug)]
pub struct FixedClock {
    pub now: Timestamp,
    pub utc_offset: i32,
    pub zone: &'static CStr,
    pub is_dst: bool,
}

impl FixedClock {
    /// `secs.nanos` in UTC (zone name `UTC`, as glibc shows it with `TZ=UTC`).
    pub fn utc(secs: i64, nanos: u32) -> Self {
        FixedClock {
            now: Timestamp { secs, nanos },
            utc_offset: 0,
            zone: c"UTC",
            is_dst: false,
        }
    }

    /// `secs.nanos` in a zone `utc_offset` seconds east of UTC, named `zone`.
    pub fn zoned(secs: i64, nanos: u32, utc_offset: i32, zone: &'static CStr) -> Self {
        FixedClock {
            now: Timestamp { secs, nanos },
            utc_offset,
            zone,
            is_dst: false,
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.now
    }

    fn local_time(&self, secs: i64) -> Option<LocalTime> {
        LocalTime::fixed(secs, self.utc_offset, self.zone, self.is_dst)
    }
}

/// glibc `strftime(buf, 100, format, tm)` as mosquitto calls it: the text, or nothing when the
/// result is empty or does not fit in mosquitto's 100-byte buffer (strftime returns 0 then, and
/// mosquitto prints nothing).
pub(crate) struct Strftime {
    buf: [u8; 100],
    len: usize,
}

impl Strftime {
    pub(crate) fn new(format: &CStr, time: &LocalTime) -> Strftime {
        let mut buf = [0u8; 100];
        // SAFETY: `buf` is writable for `buf.len()` bytes, `format` is NUL-terminated, and `time.tm`
        // is a fully initialised `struct tm` whose `tm_zone` is null or points to a NUL-terminated
        // string that outlives this call (glibc's zone data, or the `&'static CStr` of a FixedClock).
        let n = unsafe {
            libc::strftime(
                buf.as_mut_ptr().cast(),
                buf.len(),
                format.as_ptr(),
                &time.tm,
            )
        };
        Strftime {
            buf,
            len: n.min(100),
        }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    pub(crate) fn as_bytes_mut(&mut self) -> &mut [u8] {
        &mut self.buf[..self.len]
    }
}
