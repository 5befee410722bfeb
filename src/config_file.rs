//! Settings from a TOML file (`--config FILE` or `INBOUNDFLOW_CONFIG`), below
//! the flags and the environment: a flag beats its `INBOUNDFLOW_*` variable,
//! which beats the file, which beats the built-in default.
//!
//! The file's keys are the long flags of `serve` without their dashes
//! (`max-in-flight = 1024`), so one name serves `--help`, the environment and
//! the file. Clap stays the one description of every setting: each value in
//! the file is checked with its flag's own parser, then becomes that flag's
//! default, and clap applies the precedence itself. The whole file is checked
//! before anything starts; an unknown key, a snake_case spelling or a bad
//! value is an error naming the file and the key.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::error::{ContextKind, ContextValue};
use clap::{Arg, ArgAction, Command, Parser};

/// The subcommand whose flags are the file's keys; other commands that take
/// `--config` use the keys they share with it and ignore the rest.
const REFERENCE: &str = "serve";

/// Id of the argument that names the file, in every command that takes one.
pub const CONFIG_ARG: &str = "config";

/// Why the command line and its file could not be turned into a command.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// Clap's own error (or `--help`, `--version`): `exit()` prints it.
    #[error(transparent)]
    Cli(#[from] clap::Error),
    #[error(transparent)]
    File(#[from] FileError),
}

/// A configuration file that cannot be used, naming the file and the key.
#[derive(Debug, thiserror::Error)]
#[error("configuration file {}: {message}", path.display())]
pub struct FileError {
    path: PathBuf,
    message: String,
}

/// Parses `args` as `P`, applying the file named by the subcommand's
/// `--config` (or `INBOUNDFLOW_CONFIG`) under its flags and environment.
pub fn parse<P: Parser>(args: Vec<OsString>) -> Result<P, ParseError> {
    let command = P::command();
    let matches = command.clone().try_get_matches_from(&args)?;
    let file = matches.subcommand().and_then(|(name, sub)| {
        let path = sub.try_get_one::<PathBuf>(CONFIG_ARG).ok().flatten()?;
        Some((name.to_owned(), path.clone()))
    });
    let Some((name, path)) = file else {
        return Ok(P::from_arg_matches(&matches)?);
    };
    let Some(reference) = command
        .find_subcommand(REFERENCE)
        .or_else(|| command.find_subcommand(&name))
    else {
        return Ok(P::from_arg_matches(&matches)?);
    };
    let settings = Settings::load(&path, reference)?;
    let command = command.mut_subcommand(&name, |sub| settings.apply(sub));
    let matches = command.try_get_matches_from(&args)?;
    Ok(P::from_arg_matches(&matches)?)
}

/// The file's values, checked, by long flag name.
#[derive(Debug)]
struct Settings(BTreeMap<String, Vec<String>>);

impl Settings {
    fn load(path: &Path, reference: &Command) -> Result<Self, FileError> {
        let fail = |message: String| FileError {
            path: path.to_owned(),
            message,
        };
        let text =
            std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read it: {e}")))?;
        Self::parse(&text, reference).map_err(fail)
    }

    fn parse(text: &str, reference: &Command) -> Result<Self, String> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
        let known: BTreeMap<&str, &Arg> = reference
            .get_arguments()
            .filter_map(|arg| Some((arg.get_long()?, arg)))
            .filter(|(long, _)| !matches!(*long, CONFIG_ARG | "help" | "version"))
            .collect();
        let mut settings = BTreeMap::new();
        for (key, value) in table {
            let Some(arg) = known.get(key.as_str()) else {
                return Err(unknown(&key, known.keys().copied()));
            };
            let values = values(arg, &value).map_err(|e| format!("`{key}` {e}"))?;
            check(arg, &values).map_err(|e| format!("`{key}` = {value}: {e}"))?;
            settings.insert(key, values);
        }
        Ok(Self(settings))
    }

    /// `command` with the file's values as the defaults of its flags (those
    /// it has: `migrate` takes only the database's).
    fn apply(&self, mut command: Command) -> Command {
        for (long, values) in &self.0 {
            let id = command
                .get_arguments()
                .find(|arg| arg.get_long() == Some(long))
                .map(|arg| arg.get_id().clone());
            if let Some(id) = id {
                command = command.mut_arg(id, |arg| arg.default_values(values.clone()));
            }
        }
        command
    }
}

fn unknown<'a>(key: &str, known: impl Iterator<Item = &'a str> + Clone) -> String {
    let kebab = key.replace('_', "-");
    if kebab != key && known.clone().any(|k| k == kebab) {
        return format!("`{key}`: keys are spelt as the flags are, in kebab-case: `{kebab}`");
    }
    let closest = known
        .map(|k| (strsim::jaro_winkler(key, k), k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match closest {
        Some((_, k)) => format!("unknown key `{key}` (did you mean `{k}`?)"),
        None => format!(
            "unknown key `{key}`: keys are the long flags of `serve --help` without their dashes"
        ),
    }
}

/// The value as the strings its flag would be given.
fn values(arg: &Arg, value: &toml::Value) -> Result<Vec<String>, String> {
    if takes_no_value(arg) {
        return match value {
            toml::Value::Boolean(b) => Ok(vec![b.to_string()]),
            _ => Err(format!("= {value}: must be true or false")),
        };
    }
    match value {
        toml::Value::Array(items) if takes_many(arg) => items.iter().map(scalar).collect(),
        toml::Value::Array(_) => Err(format!("= {value}: takes one value, not a list")),
        other => Ok(vec![scalar(other)?]),
    }
}

fn scalar(value: &toml::Value) -> Result<String, String> {
    match value {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Float(f) => Ok(f.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        other => Err(format!(
            "= {other}: must be a string, a number or a boolean"
        )),
    }
}

fn takes_no_value(arg: &Arg) -> bool {
    matches!(arg.get_action(), ArgAction::SetTrue | ArgAction::SetFalse)
}

fn takes_many(arg: &Arg) -> bool {
    arg.get_value_delimiter().is_some() || matches!(arg.get_action(), ArgAction::Append)
}

/// Runs the flag's own parser over the values, as if they had been given
/// on the command line, so the file accepts exactly what the flag does.
fn check(arg: &Arg, values: &[String]) -> Result<(), String> {
    if takes_no_value(arg) {
        return Ok(());
    }
    let mut probe = Arg::new("value")
        .long("value")
        .value_parser(arg.get_value_parser().clone())
        .action(ArgAction::Append);
    if let Some(delimiter) = arg.get_value_delimiter() {
        probe = probe.value_delimiter(delimiter);
    }
    let argv =
        std::iter::once("config".to_owned()).chain(values.iter().map(|v| format!("--value={v}")));
    Command::new("config")
        .disable_help_flag(true)
        .arg(probe)
        .try_get_matches_from(argv)
        .map(drop)
        .map_err(|e| reason(&e))
}

fn reason(error: &clap::Error) -> String {
    if let Some(source) = std::error::Error::source(error) {
        return source.to_string();
    }
    if let Some(ContextValue::Strings(valid)) = error.get(ContextKind::ValidValue) {
        return format!("must be one of {}", valid.join(", "));
    }
    let text = error.to_string();
    let first = text.lines().next().unwrap_or_default();
    first.trim_start_matches("error: ").to_owned()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[derive(Parser, Debug)]
    struct Cli {
        #[command(subcommand)]
        command: Sub,
    }

    #[derive(clap::Subcommand, Debug)]
    enum Sub {
        Serve {
            #[arg(long, env = "CONFIG_FILE_TEST_NEVER_SET")]
            config: Option<PathBuf>,
            #[arg(long, value_delimiter = ',', value_parser = humantime::parse_duration, default_value = "1s")]
            retry_schedule: Vec<Duration>,
            #[arg(long, default_value_t = 1)]
            max_in_flight: u32,
            #[arg(long)]
            allow_private_targets: bool,
            #[arg(long, value_enum, default_value = "text")]
            log_format: crate::config::LogFormat,
        },
    }

    fn parse_with(text: &str, flags: &[&str]) -> Result<Sub, String> {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("settings.toml");
        std::fs::write(&file, text).expect("write");
        let mut args: Vec<OsString> = vec![
            "test".into(),
            "serve".into(),
            "--config".into(),
            file.into(),
        ];
        args.extend(flags.iter().map(OsString::from));
        match parse::<Cli>(args) {
            Ok(cli) => Ok(cli.command),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn the_file_sets_what_no_flag_does_and_a_flag_wins() {
        let Sub::Serve {
            retry_schedule,
            max_in_flight,
            allow_private_targets,
            log_format,
            ..
        } = parse_with(
            "retry-schedule = [\"5s\", \"1m\"]\nmax-in-flight = 7\nallow-private-targets = true\nlog-format = \"json\"",
            &["--max-in-flight", "9"],
        )
        .expect("parses");
        assert_eq!(
            retry_schedule,
            [Duration::from_secs(5), Duration::from_secs(60)]
        );
        assert_eq!(max_in_flight, 9);
        assert!(allow_private_targets);
        assert_eq!(log_format, crate::config::LogFormat::Json);
        let Sub::Serve { retry_schedule, .. } =
            parse_with("retry-schedule = \"2s,3s\"", &[]).expect("parses");
        assert_eq!(
            retry_schedule,
            [Duration::from_secs(2), Duration::from_secs(3)]
        );
    }

    #[test]
    fn every_mistake_names_its_key() {
        let cases = [
            (
                "max-inflight = 3",
                "unknown key `max-inflight` (did you mean `max-in-flight`?)",
            ),
            (
                "max_in_flight = 3",
                "`max_in_flight`: keys are spelt as the flags are, in kebab-case: `max-in-flight`",
            ),
            ("colour = 3", "unknown key `colour`"),
            ("config = \"x\"", "unknown key `config`"),
            (
                "retry-schedule = \"5x\"",
                "`retry-schedule` = \"5x\": unknown time unit",
            ),
            ("max-in-flight = -1", "`max-in-flight` = -1: "),
            (
                "max-in-flight = [1, 2]",
                "`max-in-flight` = [1, 2]: takes one value",
            ),
            (
                "allow-private-targets = \"yes\"",
                "`allow-private-targets` = \"yes\": must be true or false",
            ),
            (
                "log-format = \"xml\"",
                "`log-format` = \"xml\": must be one of text, json",
            ),
            ("max-in-flight = ", "TOML parse error at line 1"),
        ];
        for (text, expected) in cases {
            let error = parse_with(text, &[]).expect_err(text);
            assert!(error.starts_with("configuration file "), "{text}: {error}");
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
