//! A small measurement loop: warm up, then time batches until a time budget is spent, and report
//! the median time per iteration. Criterion would take minutes for this many benchmarks on a
//! shared 2-core machine; the report compares figures taken in the same run.

use std::time::{Duration, Instant};

/// Summary of one benchmark.
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    /// Median nanoseconds per iteration over the batches.
    pub median_ns: f64,
    /// Fastest batch, nanoseconds per iteration.
    pub min_ns: f64,
    /// Iterations measured.
    pub iterations: u64,
}

/// How long each benchmark runs.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Time spent warming up.
    pub warmup: Duration,
    /// Time spent measuring.
    pub measure: Duration,
    /// Batches to aim for.
    pub batches: u32,
    /// Independent rounds (warm-up + measurement); the round with the lowest median is kept,
    /// so a burst of load from another process on a shared machine does not decide a figure.
    pub rounds: u32,
}

impl Budget {
    /// The default: twice 0.1 s warm-up and 0.4 s measured in about 12 batches.
    pub const fn normal() -> Self {
        Self {
            warmup: Duration::from_millis(100),
            measure: Duration::from_millis(400),
            batches: 12,
            rounds: 2,
        }
    }

    /// For smoke tests: a few iterations.
    pub const fn quick() -> Self {
        Self {
            warmup: Duration::from_millis(1),
            measure: Duration::from_millis(20),
            batches: 3,
            rounds: 1,
        }
    }
}

/// Times `f` (one iteration per call): the best of `budget.rounds` rounds.
pub fn measure(budget: Budget, mut f: impl FnMut()) -> Stats {
    let mut best: Option<Stats> = None;
    for _ in 0..budget.rounds.max(1) {
        let stats = measure_round(budget, &mut f);
        if best.is_none_or(|b| stats.median_ns < b.median_ns) {
            best = Some(stats);
        }
    }
    best.unwrap_or(Stats {
        median_ns: f64::NAN,
        min_ns: f64::NAN,
        iterations: 0,
    })
}

fn measure_round(budget: Budget, f: &mut impl FnMut()) -> Stats {
    // Warm up and estimate one iteration's time.
    let started = Instant::now();
    let mut warm = 0u64;
    while warm < 2 || started.elapsed() < budget.warmup {
        f();
        warm += 1;
    }
    let per_iter = started.elapsed().as_secs_f64() / warm as f64;
    let batch_time = budget.measure.as_secs_f64() / f64::from(budget.batches.max(1));
    let batch = ((batch_time / per_iter.max(1e-9)) as u64).max(1);
    let mut samples = Vec::new();
    let mut iterations = 0u64;
    let measuring = Instant::now();
    while samples.len() < 3 || measuring.elapsed() < budget.measure {
        let t = Instant::now();
        for _ in 0..batch {
            f();
        }
        samples.push(t.elapsed().as_secs_f64() * 1e9 / batch as f64);
        iterations += batch;
        if samples.len() >= 200 {
            break;
        }
    }
    summarize(&mut samples, iterations)
}

/// Median and minimum of per-iteration samples (nanoseconds).
pub fn summarize(samples: &mut [f64], iterations: u64) -> Stats {
    samples.sort_by(f64::total_cmp);
    Stats {
        median_ns: percentile(samples, 0.5),
        min_ns: samples.first().copied().unwrap_or(f64::NAN),
        iterations,
    }
}

/// The `p` quantile (0..=1) of sorted samples, nearest rank.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted
        .get(rank.min(sorted.len() - 1))
        .copied()
        .unwrap_or(f64::NAN)
}

/// A human duration for nanoseconds.
pub fn human(ns: f64) -> String {
    if !ns.is_finite() {
        "n/a".to_string()
    } else if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}
