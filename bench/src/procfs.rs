//! What the machine and a process look like from `/proc`: the peak resident memory of a
//! server under test (what it costs the user's machine) and the CPU the figures came from.

use anyhow::{Context, bail};

/// Peak resident set size (`VmHWM`) of a live process, in KiB.
pub fn peak_rss_kib(pid: u32) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/status");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading {path} (is the process still running?)"))?;
    parse_kib_field(&text, "VmHWM")
}

/// The value of a `Name:   1234 kB` line of a `/proc/<pid>/status` text.
pub fn parse_kib_field(status: &str, name: &str) -> anyhow::Result<u64> {
    let Some(line) = status.lines().find(|l| l.split(':').next() == Some(name)) else {
        bail!("no {name} line in /proc status (is this Linux?)");
    };
    let mut parts = line[name.len() + 1..].split_whitespace();
    let (Some(value), Some("kB"), None) = (parts.next(), parts.next(), parts.next()) else {
        bail!("unexpected {name} line {line:?}: expected `{name}: <n> kB`");
    };
    value
        .parse()
        .with_context(|| format!("unexpected {name} value in {line:?}"))
}

/// The CPU model named in `/proc/cpuinfo` (or "unknown CPU").
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| parse_cpu_model(&text))
        .unwrap_or_else(|| "unknown CPU".into())
}

/// The first `model name` of a `/proc/cpuinfo` text.
pub fn parse_cpu_model(cpuinfo: &str) -> Option<String> {
    cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str =
        "Name:\tikmcp\nVmPeak:\t  812345 kB\nVmHWM:\t   23456 kB\nVmRSS:\t   20000 kB\n";

    #[test]
    fn reads_the_peak_rss_line() {
        assert_eq!(parse_kib_field(STATUS, "VmHWM").unwrap(), 23456);
        assert_eq!(parse_kib_field(STATUS, "VmRSS").unwrap(), 20000);
    }

    #[test]
    fn a_missing_or_malformed_line_is_an_error_that_names_it() {
        let err = parse_kib_field("Name:\tx\n", "VmHWM").unwrap_err();
        assert!(err.to_string().contains("VmHWM"), "{err}");
        let err = parse_kib_field("VmHWM:\t12 MB\n", "VmHWM").unwrap_err();
        assert!(err.to_string().contains("kB"), "{err}");
        assert!(parse_kib_field("VmHWM:\tlots kB\n", "VmHWM").is_err());
        assert!(
            parse_kib_field("VmHWMX:\t1 kB\n", "VmHWM").is_err(),
            "prefix is not a match"
        );
    }

    #[test]
    fn peak_rss_of_this_process_is_plausible() {
        let kib = peak_rss_kib(std::process::id()).unwrap();
        assert!(kib > 100, "{kib} KiB");
        assert!(peak_rss_kib(u32::MAX).is_err());
    }

    #[test]
    fn cpu_model_comes_from_the_first_model_name() {
        let text =
            "processor\t: 0\nmodel name\t: AMD EPYC 7B13\nprocessor\t: 1\nmodel name\t: other\n";
        assert_eq!(parse_cpu_model(text).as_deref(), Some("AMD EPYC 7B13"));
        assert_eq!(parse_cpu_model("processor\t: 0\n"), None);
    }
}
