//! Order statistics of timing samples: the benchmark reports medians, tails and ranges
//! (never means alone), because this machine is shared and its noise is not Gaussian.

use std::time::Duration;

use serde::Serialize;

/// The `q`-th percentile (0..=100) of `sorted` (ascending), by linear interpolation between
/// the closest ranks (the "R-7" definition used by numpy and spreadsheets).
///
/// Returns `None` for an empty slice or a `q` outside 0..=100, so a caller cannot print a
/// figure that was never measured.
pub fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=100.0).contains(&q) {
        return None;
    }
    let rank = q / 100.0 * (sorted.len() - 1) as f64;
    let lo = rank.floor() as usize;
    let hi = rank.ceil() as usize;
    let frac = rank - lo as f64;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * frac)
}

/// Summary of a set of durations, in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// How many samples.
    pub n: usize,
    /// Fastest sample.
    pub min_ms: f64,
    /// Median (p50; the mean of the two middle samples for an even count).
    pub p50_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Slowest sample.
    pub max_ms: f64,
}

impl Summary {
    /// Summarises durations; `None` when there are none (a scenario that measured nothing
    /// must say so rather than print zeros).
    pub fn of(samples: &[Duration]) -> Option<Summary> {
        let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        Some(Summary {
            n: ms.len(),
            min_ms: *ms.first()?,
            p50_ms: percentile(&ms, 50.0)?,
            p99_ms: percentile(&ms, 99.0)?,
            max_ms: *ms.last()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        let ms = |v: &[u64]| {
            v.iter()
                .map(|m| Duration::from_millis(*m))
                .collect::<Vec<_>>()
        };
        assert_eq!(Summary::of(&ms(&[3, 1, 2])).unwrap().p50_ms, 2.0);
        assert_eq!(Summary::of(&ms(&[4, 1, 3, 2])).unwrap().p50_ms, 2.5);
        assert_eq!(Summary::of(&ms(&[7])).unwrap().p50_ms, 7.0);
    }

    #[test]
    fn nothing_measured_gives_no_figure() {
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(Summary::of(&[]), None);
    }

    #[test]
    fn percentile_interpolates_between_ranks() {
        let sorted: Vec<f64> = (1..=101).map(f64::from).collect();
        assert_eq!(percentile(&sorted, 0.0), Some(1.0));
        assert_eq!(percentile(&sorted, 50.0), Some(51.0));
        assert_eq!(percentile(&sorted, 99.0), Some(100.0));
        assert_eq!(percentile(&sorted, 100.0), Some(101.0));
        let pair = [10.0, 20.0];
        assert_eq!(percentile(&pair, 25.0), Some(12.5));
    }

    #[test]
    fn p99_sees_the_tail() {
        let mut sorted = vec![1.0; 990];
        sorted.extend(vec![100.0; 10]);
        assert_eq!(percentile(&sorted, 50.0), Some(1.0));
        assert!(percentile(&sorted, 99.0).unwrap() > 1.0);
        assert_eq!(percentile(&sorted, 100.0), Some(100.0));
    }

    #[test]
    fn out_of_range_quantiles_are_refused() {
        assert_eq!(percentile(&[1.0], -1.0), None);
        assert_eq!(percentile(&[1.0], 100.5), None);
        assert_eq!(percentile(&[1.0], f64::NAN), None);
    }

    #[test]
    fn summary_is_in_milliseconds_and_order_free() {
        let samples = [
            Duration::from_millis(30),
            Duration::from_millis(10),
            Duration::from_millis(20),
        ];
        let s = Summary::of(&samples).unwrap();
        assert_eq!(s.n, 3);
        assert_eq!(s.min_ms, 10.0);
        assert_eq!(s.p50_ms, 20.0);
        assert_eq!(s.max_ms, 30.0);
        assert!(s.p99_ms > 29.0 && s.p99_ms <= 30.0);
    }
}
