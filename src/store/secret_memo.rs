//! Signing secrets opened once per subscription while loading a batch of
//! work, rather than once per delivery: a claim of many deliveries of one
//! subscription decrypts its secrets once.

use std::collections::HashMap;

use super::StoreResult;
use crate::domain::ids::SubscriptionId;
use crate::domain::signing::PreviousSecret;
use crate::domain::subscription::SigningSecret;

/// A subscription's current secret and the one a rotation is replacing.
pub type Secrets = (Option<SigningSecret>, Option<PreviousSecret>);

#[derive(Default)]
pub struct SecretMemo(HashMap<SubscriptionId, Secrets>);

impl SecretMemo {
    /// The subscription's secrets, opened by `open` the first time only.
    pub fn get(
        &mut self,
        subscription: SubscriptionId,
        open: impl FnOnce() -> StoreResult<Secrets>,
    ) -> StoreResult<Secrets> {
        if let Some(found) = self.0.get(&subscription) {
            return Ok(found.clone());
        }
        let found = open()?;
        self.0.insert(subscription, found.clone());
        Ok(found)
    }
}
