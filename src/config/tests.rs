//! What the flags accept and what validation refuses.

use clap::Parser;

use super::*;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    config: Config,
}

fn config(flags: &[&str]) -> Config {
    Cli::try_parse_from(std::iter::once("test").chain(flags.iter().copied()))
        .expect("flags parse")
        .config
}

#[test]
fn an_organizations_share_defaults_to_a_quarter_of_the_pool_and_never_exceeds_it() {
    let default = config(&["--max-in-flight", "100"]);
    assert!(default.validate().is_ok());
    assert_eq!(default.engine().max_in_flight_per_organization, 25);
    assert_eq!(
        config(&["--max-in-flight", "2"])
            .engine()
            .max_in_flight_per_organization,
        1
    );
    let set = config(&["--max-in-flight-per-organization", "40"]);
    assert_eq!(set.engine().max_in_flight_per_organization, 40);
    for bad in ["0", "513"] {
        assert!(
            config(&["--max-in-flight-per-organization", bad])
                .validate()
                .is_err()
        );
    }
}

fn validate(flags: &[&str]) -> Result<(), String> {
    let argv = std::iter::once("test").chain(flags.iter().copied());
    Cli::try_parse_from(argv)
        .expect("flags parse")
        .config
        .validate()
        .map_err(|e| e.to_string())
}

#[test]
fn the_database_url_picks_the_backend_and_postgres_needs_secret_keys() {
    const KEYS: &str = "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    assert_eq!(validate(&["--database-url", "sqlite://x.db"]), Ok(()));
    for url in ["postgres://u@127.0.0.1/db", "postgresql://u@127.0.0.1/db"] {
        let error = validate(&["--database-url", url]).expect_err(url);
        assert!(error.contains("--secret-keys"), "{error}");
        assert_eq!(
            validate(&["--database-url", url, "--secret-keys", KEYS]),
            Ok(())
        );
    }
    let error = validate(&["--database-url", "mysql://u@h/db"]).expect_err("mysql");
    assert!(error.contains("--database-url"), "{error}");
}

#[test]
fn retention_defaults_to_thirty_days_and_zero_keeps_everything() {
    assert_eq!(
        config(&[]).retention(),
        Some(Duration::from_secs(30 * 24 * 3600))
    );
    assert_eq!(config(&["--retention", "0s"]).retention(), None);
    assert_eq!(config(&["--retention", "0"]).retention(), None);
    assert_eq!(
        config(&["--retention", "2s"]).retention(),
        Some(Duration::from_secs(2))
    );
}

#[test]
fn a_receivers_requested_wait_is_limited_to_an_hour_unless_set() {
    assert_eq!(
        config(&[]).engine().retry.retry_after_limit,
        Duration::from_secs(3600)
    );
    assert_eq!(
        config(&["--retry-after-limit", "90s"])
            .engine()
            .retry
            .retry_after_limit,
        Duration::from_secs(90)
    );
    let error = validate(&["--retry-after-limit", "0s"]).expect_err("zero");
    assert!(error.contains("--retry-after-limit"), "{error}");
}

#[test]
fn plaintext_is_served_on_loopback_only_unless_allowed() {
    for loopback in [
        "127.0.0.1:1",
        "127.8.9.10:1",
        "[::1]:1",
        "[::ffff:127.0.0.1]:1",
    ] {
        assert_eq!(validate(&["--listen", loopback]), Ok(()), "{loopback}");
    }
    for exposed in ["0.0.0.0:1", "10.0.0.5:1", "[::]:1", "[::ffff:10.0.0.5]:1"] {
        let error = validate(&["--listen", exposed]).expect_err(exposed);
        assert!(
            error.contains("--listen") && error.contains("--allow-plaintext-listen"),
            "{error}"
        );
        let allowed = validate(&["--listen", exposed, "--allow-plaintext-listen"]);
        assert_eq!(allowed, Ok(()), "{exposed}");
        let tls = ["--tls-cert", "c.pem", "--tls-key", "k.pem"];
        let with_tls: Vec<&str> = ["--listen", exposed].into_iter().chain(tls).collect();
        assert_eq!(validate(&with_tls), Ok(()), "{exposed}");
    }
}

#[test]
fn a_database_url_no_backend_opens_is_refused_without_repeating_it() {
    assert_eq!(validate(&["--database-url", "sqlite://x.db"]), Ok(()));
    for url in [
        "postgres://app:hunter2@db/webhooks",
        "mysql://app:hunter2@db/x",
    ] {
        let error = validate(&["--database-url", url]).expect_err(url);
        assert!(
            error.contains("--database-url") && !error.contains("hunter2"),
            "{error}"
        );
    }
}

#[test]
fn tls_files_and_limits_are_checked_together() {
    let cases: [(&[&str], &str); 6] = [
        (&["--tls-cert", "c.pem"], "--tls-key"),
        (&["--tls-key", "k.pem"], "--tls-cert"),
        (&["--tls-client-ca", "ca.pem"], "--tls-client-ca"),
        (&["--max-connections", "0"], "--max-connections"),
        (&["--handshake-timeout", "0s"], "--handshake-timeout"),
        (
            &["--connection-idle-timeout", "0s"],
            "--connection-idle-timeout",
        ),
    ];
    for (flags, named) in cases {
        let error = validate(flags).expect_err(named);
        assert!(error.contains(named), "{flags:?}: {error}");
    }
}
