use chrono::Utc;

use super::*;
use crate::domain::ids::{EventId, OrganizationId};

const LIMITS: EmitLimits = EmitLimits {
    deliveries_per_request: 10,
    deliveries_per_transaction: 20,
};

fn event(org: &str, key: Option<&str>, data: &str) -> NewEvent {
    NewEvent {
        id: EventId::new(),
        organization_id: OrganizationId::from_stored(org.into()),
        event_type: EventType::CallCompleted,
        data_json: data.into(),
        occurred_at: Utc::now(),
        idempotency_key: key.map(Into::into),
        now: Utc::now(),
    }
}

fn targets(org: &str, subscriptions: usize) -> Targets {
    let ids = (0..subscriptions).map(|_| Uuid::now_v7()).collect();
    HashMap::from([((org.to_owned(), EventType::CallCompleted), ids)])
}

fn taken(verdict: &Verdict) -> Option<&[bool]> {
    match verdict {
        Verdict::Take(fresh) => Some(fresh),
        _ => None,
    }
}

#[test]
fn a_request_past_the_cap_is_refused_and_the_rest_still_fit_the_budget() {
    let targets = targets("a", 4);
    let mut plan = Planner::new(LIMITS, &targets, HashMap::new());
    let three: Vec<_> = (0..3).map(|_| event("a", None, "{}")).collect();
    let two: Vec<_> = (0..2).map(|_| event("a", None, "{}")).collect();
    assert!(matches!(
        plan.judge(&three),
        Verdict::Refuse(StoreError::TooManyDeliveries {
            deliveries: 12,
            limit: 10
        })
    ));
    assert!(taken(&plan.judge(&two)).is_some(), "8 deliveries");
    assert!(taken(&plan.judge(&two)).is_some(), "16");
    assert!(matches!(plan.judge(&two), Verdict::Defer), "24 > 20");
    let other_org = [event("b", None, "{}")];
    assert!(
        taken(&plan.judge(&other_org)).is_some(),
        "no deliveries fit anywhere"
    );
}

#[test]
fn the_first_request_is_taken_even_past_the_budget() {
    let targets = targets("a", 10);
    let limits = EmitLimits {
        deliveries_per_request: 100,
        deliveries_per_transaction: 5,
    };
    let mut plan = Planner::new(limits, &targets, HashMap::new());
    assert!(taken(&plan.judge(&[event("a", None, "{}")])).is_some());
    assert!(matches!(
        plan.judge(&[event("a", None, "{}")]),
        Verdict::Defer
    ));
}

#[test]
fn repeated_keys_create_nothing_and_a_different_event_under_a_key_is_refused() {
    let targets = targets("a", 4);
    let stored = HashMap::from([(
        ("a".into(), "old".into()),
        (EventType::CallCompleted, "{}".into()),
    )]);
    let mut plan = Planner::new(LIMITS, &targets, stored);
    let request = [
        event("a", Some("old"), "{}"),
        event("a", Some("new"), "{}"),
        event("a", Some("new"), "{}"),
    ];
    assert_eq!(
        taken(&plan.judge(&request)),
        Some(&[false, true, false][..])
    );
    let conflicting = [
        event("a", None, "{}"),
        event("a", Some("new"), r#"{"x":1}"#),
    ];
    assert!(matches!(
        plan.judge(&conflicting),
        Verdict::Refuse(StoreError::IdempotencyConflict { index: 1 })
    ));
}

#[test]
fn keys_of_a_refused_request_stay_free() {
    let targets = targets("a", 4);
    let mut plan = Planner::new(LIMITS, &targets, HashMap::new());
    let too_big: Vec<_> = (0..3)
        .map(|i| event("a", Some(&format!("k{i}")), "{}"))
        .collect();
    assert!(matches!(plan.judge(&too_big), Verdict::Refuse(_)));
    assert_eq!(taken(&plan.judge(&too_big[..1])), Some(&[true][..]));
}

#[test]
fn fresh_work_comes_from_the_event_and_skips_subscriptions_without_a_target() {
    use chrono::TimeZone;

    use crate::domain::limits::DeliveryLimits;
    use crate::domain::signing::SignatureScheme;
    use crate::domain::subscription::{SigningSecret, TargetUrl};
    use crate::store::SendTarget;

    let occurred_at = Utc
        .timestamp_opt(1_771_966_800, 123_456_789)
        .single()
        .expect("a valid instant");
    let event = StoredEvent {
        occurred_at,
        ..stored_event()
    };
    let (sent, unsigned) = (Uuid::now_v7(), Uuid::now_v7());
    let rows: Vec<NewDelivery<'_>> = [sent, unsigned, sent]
        .into_iter()
        .map(|s| (DeliveryId::new(), &event, s, event.created_at))
        .collect();
    // The third row found no room: it stays pending whatever its target.
    let mut leased: HashSet<DeliveryId> = [rows[0].0, rows[1].0].into();
    assert_eq!(leased_subscriptions(&rows, &leased), {
        let mut both = vec![SubscriptionId(sent), SubscriptionId(unsigned)];
        both.sort();
        both
    });
    let target = SendTarget {
        url: TargetUrl::from_stored("https://hooks.example.com/in").expect("a stored URL"),
        signing_secret: Some(SigningSecret::generate()),
        signature_scheme: SignatureScheme::StandardWebhooks,
        previous_secret: None,
        limits: DeliveryLimits {
            max_in_flight: Some(3),
            max_per_second: None,
        },
    };
    let mut targets = SendTargets::default();
    targets
        .get(SubscriptionId(sent), || Ok(target.clone()))
        .expect("a target");

    let items = fresh_work(&rows, &mut leased, &targets);

    assert_eq!(leased, [rows[0].0].into(), "no target, no lease");
    let [item] = items.as_slice() else {
        panic!("one work item, got {}", items.len());
    };
    assert_eq!(
        (item.delivery_id, item.subscription_id, item.event_id),
        (rows[0].0, SubscriptionId(sent), event.id)
    );
    assert_eq!(item.data_json, event.data_json);
    assert_eq!(item.target.url, target.url);
    assert_eq!(item.target.signing_secret, target.signing_secret);
    assert_eq!(
        item.target.signature_scheme,
        SignatureScheme::StandardWebhooks
    );
    assert_eq!(item.target.limits, target.limits);
    assert_eq!((item.round_failures, item.attempts_made), (0, 0));
    assert_eq!(
        item.occurred_at.timestamp_subsec_nanos(),
        123_456_000,
        "as precise as the store keeps it, so a retry read back sends the same instant"
    );
}

fn stored_event() -> StoredEvent {
    let new = event("a", None, r#"{"call_id":"c1"}"#);
    StoredEvent {
        id: new.id,
        organization_id: new.organization_id,
        event_type: new.event_type,
        occurred_at: new.occurred_at,
        created_at: new.now,
        idempotency_key: None,
        data_json: new.data_json,
    }
}
