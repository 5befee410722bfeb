//! The shared signature vectors (tests/vectors/signatures.json), which the
//! Go, Python and TypeScript clients are checked against too.

use inboundflow_webhooks::{Received, VerifyError, sign_webhook, verify_webhook_any};

use super::helpers::fixture;

fn reason(result: &Result<(), VerifyError>) -> &'static str {
    match result {
        Ok(()) => "ok",
        Err(VerifyError::MissingHeader(_)) => "missing_header",
        Err(VerifyError::MalformedTimestamp) => "malformed_timestamp",
        Err(VerifyError::MalformedSignature) => "malformed_signature",
        Err(VerifyError::StaleTimestamp { .. }) => "stale_timestamp",
        Err(VerifyError::BadSignature) => "bad_signature",
    }
}

#[test]
fn the_rust_verifier_and_signer_agree_with_every_shared_vector() {
    let text = std::fs::read_to_string(fixture("vectors/signatures.json")).expect("vectors");
    let vectors: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let cases = vectors["cases"].as_array().expect("cases");
    assert!(cases.len() >= 20, "{} cases", cases.len());
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let secret = case["secret"].as_str().expect("secret").as_bytes();
        let body = case["body"].as_str().expect("body").as_bytes();
        let timestamp = case["timestamp_header"].as_str();
        let signature = case["signature_header"].as_str();
        let now = case["now"].as_i64().expect("now");
        let tolerance = case["tolerance_seconds"].as_i64().expect("tolerance");
        let next = case["signature_next_header"].as_str();
        let mut secrets = vec![secret];
        if let Some(others) = case["other_secrets"].as_array() {
            secrets.extend(
                others
                    .iter()
                    .map(|s| s.as_str().expect("secret").as_bytes()),
            );
        }
        let received = Received {
            timestamp,
            signature,
            signature_next: next,
        };
        let result = verify_webhook_any(body, received, &secrets, now, tolerance);
        assert_eq!(reason(&result), case["expected"], "case {name}");

        // During a rotation the main header may be another secret's.
        let rotation = next.is_some() || case.get("other_secrets").is_some();
        let canonical = !rotation
            && signature.is_some_and(|s| {
                s.starts_with("sha256=") && s == s.trim() && s == s.to_lowercase()
            });
        if case["expected"] == "ok" && canonical {
            let at: i64 = timestamp
                .expect("timestamp")
                .parse()
                .expect("integer timestamp");
            if at.to_string() == timestamp.unwrap_or_default() {
                assert_eq!(
                    Some(sign_webhook(secret, at, body).as_str()),
                    signature,
                    "signing {name}"
                );
            }
        }
    }
}
