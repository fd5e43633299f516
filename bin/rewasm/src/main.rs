//! `rewasm`: the rewasm node and its command-line tools.

mod cli;
mod malloc;

use std::ffi::OsString;
use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

/// How logs are written. Tracing must be set up before the command line is parsed (parsing
/// can already log), so the two settings that depend on the subcommand are read from the raw
/// arguments: `rewasm node` logs at info by default (its "rpc listening on" line is how users and
/// scripts learn the port) and may log JSON lines; every other command logs warnings only.
/// `REWASM_LOG` (an `EnvFilter` directive such as `debug`) overrides the level for all.
#[derive(Debug, PartialEq, Eq)]
struct LogSettings {
    default_filter: &'static str,
    json: bool,
}

impl LogSettings {
    fn from_args(args: &[OsString]) -> Self {
        let args: Vec<_> = args.iter().map(|arg| arg.to_string_lossy()).collect();
        // The subcommand is the first argument that is not an option (`rewasm` itself takes
        // no option with a value).
        let is_node = args
            .iter()
            .skip(1)
            .find(|arg| !arg.starts_with('-'))
            .is_some_and(|command| command == "node");
        let json = is_node
            && (args.iter().any(|arg| arg == "--log-format=json")
                || args
                    .iter()
                    .zip(args.iter().skip(1))
                    .any(|(flag, value)| flag == "--log-format" && value == "json"));
        Self {
            default_filter: if is_node { NODE_FILTER } else { "warn" },
            json,
        }
    }
}

/// A node's default logs: its own at info; the consensus engine's and libp2p's, which log every
/// vote and dial at info, at warn.
const NODE_FILTER: &str = "info,arc_malachitebft=warn,libp2p=warn";

fn init_tracing(settings: &LogSettings) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("REWASM_LOG")
        .unwrap_or_else(|_| settings.default_filter.into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    if settings.json {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn main() -> ExitCode {
    let allocator_configured = malloc::configure();
    let args: Vec<OsString> = std::env::args_os().collect();
    init_tracing(&LogSettings::from_args(&args));
    if !allocator_configured {
        tracing::warn!("glibc refused the allocator settings (see src/malloc.rs)");
    }
    let cli = cli::Cli::parse_from(args);
    match cli.run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", error_text(&err));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, each cause only where the text so far does not already carry it
/// (our typed errors print their source inside their own message).
fn error_text(err: &anyhow::Error) -> String {
    let mut text = err.to_string();
    for cause in err.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(args: &[&str]) -> LogSettings {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        LogSettings::from_args(&args)
    }

    #[test]
    fn an_error_prints_each_cause_once() {
        #[derive(Debug, thiserror::Error)]
        #[error("store: {0}")]
        struct Outer(#[source] std::io::Error);
        let inner = std::io::Error::other("disk on fire");
        let err = anyhow::Error::from(Outer(inner)).context("opening the chain in /data");
        assert_eq!(
            error_text(&err),
            "opening the chain in /data: store: disk on fire"
        );
        let plain = anyhow::anyhow!("no cause");
        assert_eq!(error_text(&plain), "no cause");
    }

    #[test]
    fn only_the_node_logs_at_info_and_may_log_json() {
        assert_eq!(
            settings(&["rewasm", "node", "--dev"]),
            LogSettings {
                default_filter: NODE_FILTER,
                json: false
            }
        );
        assert!(settings(&["rewasm", "node", "--log-format", "json"]).json);
        assert!(settings(&["rewasm", "node", "--log-format=json"]).json);
        assert_eq!(
            settings(&["rewasm", "validate", "node", "--log-format", "json"]),
            LogSettings {
                default_filter: "warn",
                json: false
            }
        );
        assert_eq!(settings(&["rewasm"]).default_filter, "warn");
    }
}
