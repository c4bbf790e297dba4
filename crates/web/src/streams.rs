//! How many live streams (the API's `/api/v1/stream` and the bell's) each account holds open
//! on this node. A stream costs a task and a subscription for as long as it lasts, so one
//! account — or one leaked token — may not open them without end (`streams_per_account`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kernel::Error;
use kernel::id::AccountId;

pub struct StreamSlots {
    limit: u32,
    open: Mutex<HashMap<AccountId, u32>>,
}

/// One open stream; dropping it (the stream ended or the client left) frees the slot.
pub struct StreamSlot {
    slots: Arc<StreamSlots>,
    account: AccountId,
}

impl StreamSlots {
    pub fn new(limit: u32) -> Arc<Self> {
        Arc::new(StreamSlots {
            limit,
            open: Mutex::new(HashMap::new()),
        })
    }

    /// A slot for one more of `account`'s streams, or 429 when they hold the limit already.
    pub fn take(self: &Arc<Self>, account: AccountId) -> Result<StreamSlot, Error> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(account).or_default();
        if *count >= self.limit {
            return Err(Error::RateLimited { retry_after_s: 30 });
        }
        *count += 1;
        Ok(StreamSlot {
            slots: Arc::clone(self),
            account,
        })
    }

    /// How many streams `account` holds open.
    pub fn held(&self, account: AccountId) -> u32 {
        let open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.get(&account).copied().unwrap_or(0)
    }
}

/// A live stream as it is answered: it keeps its slot for as long as it lasts, and is fused,
/// since a layer below (compression) may poll it again after it ended, which `unfold`
/// forbids.
pub fn holding<S: futures::Stream>(
    stream: S,
    slot: StreamSlot,
) -> impl futures::Stream<Item = S::Item> {
    futures::StreamExt::fuse(futures::StreamExt::map(stream, move |item| {
        let _held = &slot;
        item
    }))
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.account) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.account);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_freed_when_its_stream_ends() {
        let slots = StreamSlots::new(2);
        let ada = AccountId::new();
        let first = slots.take(ada).unwrap();
        let _second = slots.take(ada).unwrap();
        assert!(slots.take(ada).is_err());
        assert!(
            slots.take(AccountId::new()).is_ok(),
            "others are not counted"
        );
        drop(first);
        assert_eq!(slots.held(ada), 1);
        assert!(slots.take(ada).is_ok());
    }
}
