//! Replay detection: a verified message whose signature was seen before in
//! this session is a replay, as jupyter_client's digest history judges it.

use std::collections::{HashSet, VecDeque};
use tokio::sync::Mutex;

/// How many signatures are remembered (jupyter_client's digest history size).
const REPLAY_MEMORY: usize = 1 << 16;

#[derive(Default)]
struct SeenSignatures {
    set: HashSet<Vec<u8>>,
    order: VecDeque<Vec<u8>>,
}

/// Remembers the signatures of the latest verified messages.
#[derive(Default)]
pub struct ReplayGuard {
    seen: Mutex<SeenSignatures>,
}

impl ReplayGuard {
    /// True the first time a signature is presented, false for a replay.
    pub async fn first_sighting(&self, signature: &[u8]) -> bool {
        if signature.is_empty() {
            // No key, no signatures: nothing to recognise a replay by.
            return true;
        }
        let mut seen = self.seen.lock().await;
        if !seen.set.insert(signature.to_vec()) {
            return false;
        }
        seen.order.push_back(signature.to_vec());
        if seen.order.len() > REPLAY_MEMORY {
            if let Some(oldest) = seen.order.pop_front() {
                seen.set.remove(&oldest);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_signature_is_accepted_once() {
        let guard = ReplayGuard::default();
        assert!(guard.first_sighting(b"abc").await);
        assert!(!guard.first_sighting(b"abc").await);
        assert!(guard.first_sighting(b"abd").await);
    }

    #[tokio::test]
    async fn unsigned_messages_are_not_judged() {
        let guard = ReplayGuard::default();
        assert!(guard.first_sighting(b"").await);
        assert!(guard.first_sighting(b"").await);
    }
}
