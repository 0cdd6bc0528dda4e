//! Peak resident memory of this process, from Linux's `/proc/self/status`.
//!
//! Writing `5` to `/proc/self/clear_refs` resets the high-water mark (`VmHWM`) to the current
//! resident size, so a workload's peak can be measured after its inputs are loaded: the growth
//! is `VmHWM` after the workload minus `VmRSS` at the reset. Each measurement runs in a fresh
//! process, so one engine's freed memory does not hide another's.

/// Resident sizes in bytes, as the kernel reports them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rss {
    /// Current resident set size (`VmRSS`).
    pub current: u64,
    /// High-water mark of the resident set size since start or the last reset (`VmHWM`).
    pub peak: u64,
}

/// Reads `VmRSS` and `VmHWM`; `None` where `/proc` does not exist (not Linux).
pub fn read() -> Option<Rss> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kib: u64 = line[name.len()..].trim().trim_end_matches("kB").trim().parse().ok()?;
        Some(kib * 1024)
    };
    Some(Rss { current: field("VmRSS:")?, peak: field("VmHWM:")? })
}

/// Resets the high-water mark to the current resident size. Returns whether the kernel
/// accepted the reset.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Measures how far the resident size rises above its level at [`PeakProbe::start`].
#[derive(Debug)]
pub struct PeakProbe {
    baseline: Option<Rss>,
}

impl PeakProbe {
    /// Resets the high-water mark and remembers the current resident size.
    pub fn start() -> PeakProbe {
        let reset = reset_peak();
        let baseline = read().map(|r| if reset { r } else { Rss { current: r.current, peak: r.current } });
        PeakProbe { baseline }
    }

    /// The peak growth in bytes since [`PeakProbe::start`]; `None` where it cannot be measured.
    pub fn growth(&self) -> Option<u64> {
        let base = self.baseline?;
        let now = read()?;
        Some(now.peak.saturating_sub(base.current))
    }
}
