use std::time::Duration;

use super::*;

const POLICY: HealthPolicy = HealthPolicy {
    failure_threshold: 10,
};

fn report(verdict: Verdict) -> AttemptReport {
    let (status_code, error, error_kind, local) = match verdict {
        Verdict::Delivered => (Some(200), None, None, false),
        Verdict::ReceiverFailed => (
            Some(500),
            Some("HTTP 500".to_owned()),
            Some(AttemptErrorKind::HttpStatus),
            false,
        ),
        Verdict::LocalFailure => (
            None,
            Some("no file descriptors".to_owned()),
            Some(AttemptErrorKind::Service),
            true,
        ),
    };
    AttemptReport {
        started_at: Utc::now(),
        duration: Duration::from_millis(5),
        status_code,
        error,
        error_kind,
        local,
        retry_after: None,
        response_excerpt: String::new(),
    }
}

fn gone() -> AttemptReport {
    AttemptReport {
        status_code: Some(410),
        error: Some("HTTP 410".to_owned()),
        ..report(Verdict::ReceiverFailed)
    }
}

fn enabled(consecutive_failures: u32) -> Health {
    Health {
        state: SubscriptionState::Enabled,
        consecutive_failures,
        last_success_at: None,
        last_failure_at: None,
        last_error: None,
        last_error_kind: None,
    }
}

#[test]
fn the_tenth_consecutive_failure_disables_and_a_success_resets() {
    let mut h = enabled(7);
    assert!(
        !h.record(&report(Verdict::ReceiverFailed), POLICY)
            .disabled_now
    );
    let success = report(Verdict::Delivered);
    assert_eq!(h.record(&success, POLICY).consecutive_failures, 0);
    assert_eq!(h.last_success_at, Some(success.finished_at()));
    for _ in 0..9 {
        assert!(
            !h.record(&report(Verdict::ReceiverFailed), POLICY)
                .disabled_now
        );
    }
    let tenth = h.record(&report(Verdict::ReceiverFailed), POLICY);
    assert!(tenth.disabled_now);
    assert_eq!(
        h.state,
        SubscriptionState::Disabled(DisabledReason::TooManyFailures)
    );
    assert_eq!(tenth.consecutive_failures, 10);
    assert_eq!(h.last_error.as_deref(), Some("HTTP 500"));
    assert_eq!(h.last_error_kind, Some(AttemptErrorKind::HttpStatus));
    assert!(
        !h.record(&report(Verdict::ReceiverFailed), POLICY)
            .disabled_now,
        "disabled once only"
    );
}

#[test]
fn a_410_disables_an_enabled_subscription_at_its_first_failure() {
    let mut h = enabled(0);
    let after = h.record(&gone(), POLICY);
    assert_eq!(
        after,
        AfterAttempt {
            consecutive_failures: 1,
            disabled_now: true
        }
    );
    assert_eq!(
        h.state,
        SubscriptionState::Disabled(DisabledReason::EndpointGone)
    );
    assert_eq!(h.last_error.as_deref(), Some("HTTP 410"));
    assert_eq!(h.last_error_kind, Some(AttemptErrorKind::HttpStatus));
    assert!(
        !h.record(&gone(), POLICY).disabled_now,
        "disabled once only"
    );

    let mut manual = enabled(3);
    manual.state = SubscriptionState::Disabled(DisabledReason::Manual);
    assert!(!manual.record(&gone(), POLICY).disabled_now);
    assert_eq!(
        manual.state,
        SubscriptionState::Disabled(DisabledReason::Manual),
        "a reason already given stays"
    );
}

#[test]
fn a_manually_disabled_subscription_keeps_counting_but_is_not_disabled_again() {
    let mut h = enabled(20);
    h.state = SubscriptionState::Disabled(DisabledReason::Manual);
    let after = h.record(&report(Verdict::ReceiverFailed), POLICY);
    assert_eq!(
        after,
        AfterAttempt {
            consecutive_failures: 21,
            disabled_now: false
        }
    );
    assert_eq!(h.state, SubscriptionState::Disabled(DisabledReason::Manual));
}

#[test]
fn the_services_own_failures_neither_count_nor_disable_nor_reset_nor_show() {
    let mut h = enabled(9);
    let before = h.clone();
    for _ in 0..50 {
        let after = h.record(&report(Verdict::LocalFailure), POLICY);
        assert_eq!(
            after,
            AfterAttempt {
                consecutive_failures: 9,
                disabled_now: false
            }
        );
    }
    assert_eq!(h, before, "not even the last error");
    assert!(
        h.record(&report(Verdict::ReceiverFailed), POLICY)
            .disabled_now
    );
}

#[test]
fn attempts_of_one_subscription_finishing_together_each_count_once() {
    let (a, b) = (SubscriptionId::new(), SubscriptionId::new());
    let fail = report(Verdict::ReceiverFailed);
    let ok = report(Verdict::Delivered);
    let local = report(Verdict::LocalFailure);
    let group = [
        (a, &fail),
        (b, &fail),
        (a, &local),
        (a, &fail),
        (b, &ok),
        (a, &fail),
        (a, &fail),
    ];
    let folded = fold(
        HashMap::from([(a, enabled(7)), (b, enabled(9))]),
        group,
        POLICY,
    );
    let counts: Vec<(u32, bool)> = folded
        .after
        .iter()
        .map(|h| (h.consecutive_failures, h.disabled_now))
        .collect();
    assert_eq!(
        counts,
        [
            (8, false),
            (10, true),
            (8, false),
            (9, false),
            (0, false),
            (10, true),
            (11, false)
        ],
        "b is disabled by its tenth failure although a success follows in the group"
    );
    let changed: HashMap<SubscriptionId, Health> = folded.changed.into_iter().collect();
    assert_eq!(changed[&a].consecutive_failures, 11);
    assert_eq!(
        changed[&a].state,
        SubscriptionState::Disabled(DisabledReason::TooManyFailures)
    );
    assert_eq!(changed[&b].consecutive_failures, 0);
    assert_eq!(
        changed[&b].state,
        SubscriptionState::Disabled(DisabledReason::TooManyFailures),
        "a success does not enable it again"
    );
}

#[test]
fn only_what_changed_is_written_back_and_unknown_subscriptions_change_nothing() {
    let (a, b, gone) = (
        SubscriptionId::new(),
        SubscriptionId::new(),
        SubscriptionId::new(),
    );
    let local = report(Verdict::LocalFailure);
    let fail = report(Verdict::ReceiverFailed);
    let folded = fold(
        HashMap::from([(a, enabled(0)), (b, enabled(0))]),
        [(a, &local), (gone, &fail), (b, &fail)],
        POLICY,
    );
    assert_eq!(folded.after.len(), 3);
    assert_eq!(folded.after[1], AfterAttempt::default());
    let ids: Vec<SubscriptionId> = folded.changed.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, [b]);
}

#[test]
fn enabling_by_hand_resets_a_disabled_subscription_only() {
    let mut h = enabled(4);
    assert_eq!(h.set_enabled(true), Waiting::Unchanged);
    assert_eq!(h.consecutive_failures, 4, "re-saving keeps the count");

    assert_eq!(h.set_enabled(false), Waiting::Unchanged);
    assert_eq!(h.state, SubscriptionState::Disabled(DisabledReason::Manual));
    assert_eq!(h.consecutive_failures, 4);

    h.state = SubscriptionState::Disabled(DisabledReason::TooManyFailures);
    assert_eq!(h.set_enabled(true), Waiting::DueNow);
    assert_eq!(
        (h.state, h.consecutive_failures),
        (SubscriptionState::Enabled, 0)
    );
}
