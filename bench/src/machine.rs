//! What machine a run was on.

use std::process::Command;

/// Cores, CPU, memory, date, compiler.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Machine {
    /// Logical cores available.
    pub cores: usize,
    /// The CPU model from /proc/cpuinfo.
    pub cpu: String,
    /// Total memory, GiB.
    pub memory_gib: f64,
    /// UTC date and time of the run.
    pub date: String,
    /// `rustc --version`.
    pub rustc: String,
    /// The kernel (`uname -sr`).
    pub os: String,
}

fn command(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

impl Machine {
    /// The machine this process runs on.
    pub fn detect() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split(':').nth(1))
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|| "unknown".to_string());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_kib: f64 = meminfo
            .lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        Self {
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu,
            memory_gib: memory_kib / (1024.0 * 1024.0),
            date: command("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
            rustc: command("rustc", &["--version"]),
            os: command("uname", &["-sr"]),
        }
    }
}
