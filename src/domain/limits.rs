//! How hard deliveries may press on one subscription's receiver, as its
//! owner sets it: attempts in flight at once, and attempts started per
//! second. Both apply beside the service's own caps (global, per
//! organization), never above them.

use super::validation::Violations;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeliveryLimits {
    /// Attempts in flight at once; `None`: the service's default
    /// (`--max-in-flight-per-subscription`).
    pub max_in_flight: Option<u32>,
    /// Attempts started per second; `None`: no limit.
    pub max_per_second: Option<u32>,
}

impl DeliveryLimits {
    pub const MAX_IN_FLIGHT: u32 = 1000;
    pub const MAX_PER_SECOND: u32 = 10_000;

    /// Limits as the API carries them, where 0 means "not set".
    pub fn parse(
        max_in_flight: u32,
        max_per_second: u32,
        fields: (&str, &str),
        v: &mut Violations,
    ) -> Self {
        Self::check_max_in_flight(max_in_flight, fields.0, v);
        Self::check_max_per_second(max_per_second, fields.1, v);
        Self::from_stored(max_in_flight, max_per_second)
    }

    /// Checks an in-flight cap as the API carries it (0: not set).
    pub fn check_max_in_flight(max_in_flight: u32, field: &str, v: &mut Violations) {
        if max_in_flight > Self::MAX_IN_FLIGHT {
            v.add(
                field,
                format!(
                    "must be at most {} (0: the service's default)",
                    Self::MAX_IN_FLIGHT
                ),
            );
        }
    }

    /// Checks a rate as the API carries it (0: no limit).
    pub fn check_max_per_second(max_per_second: u32, field: &str, v: &mut Violations) {
        if max_per_second > Self::MAX_PER_SECOND {
            v.add(
                field,
                format!("must be at most {} (0: no limit)", Self::MAX_PER_SECOND),
            );
        }
    }

    /// Limits as stored, where 0 means "not set".
    pub fn from_stored(max_in_flight: u32, max_per_second: u32) -> Self {
        Self {
            max_in_flight: (max_in_flight > 0).then_some(max_in_flight),
            max_per_second: (max_per_second > 0).then_some(max_per_second),
        }
    }

    /// The columns, 0 for "not set".
    pub fn to_stored(self) -> (u32, u32) {
        (
            self.max_in_flight.unwrap_or(0),
            self.max_per_second.unwrap_or(0),
        )
    }

    /// The in-flight cap in force, given the service's default.
    pub fn cap(self, default: u32) -> u32 {
        self.max_in_flight.unwrap_or(default).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_means_unset_and_bounds_are_named() {
        let mut v = Violations::new();
        let limits = DeliveryLimits::parse(0, 5, ("a", "b"), &mut v);
        assert!(v.is_empty());
        assert_eq!(limits.cap(64), 64);
        assert_eq!(limits.max_per_second, Some(5));
        assert_eq!(limits.to_stored(), (0, 5));
        DeliveryLimits::parse(1001, 10_001, ("a", "b"), &mut v);
        assert_eq!(v.into_vec().len(), 2);
    }
}
