//! This node's copies of boards' cards. A board of 2,000 cards costs tens of milliseconds to
//! read and turn into JSON or HTML, and every reader of a board sees the same cards; so the
//! tool keeps what it made, with the board's `version` it was made at, and makes it again
//! only when that version has moved (every write to a board or its cards raises it, in the
//! write's own transaction) or a due time has passed since (a card turns overdue). Nodes
//! sharing a database each keep their own copies and check the version on every read, so a
//! copy is never older than the board. What no write to the board changes is not in a copy
//! for long: a renamed member's new handle shows at the board's next change.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;

use crate::model::{BoardId, Card};

/// At most this many boards are kept; the oldest copy goes first.
const KEPT: usize = 256;

/// A board's cards as made at one version.
pub struct Copy {
    pub version: i64,
    /// The first due time after it was made (microseconds): past it, a card may be overdue.
    pub fresh_until: i64,
    /// In board order: columns in order, each card by its place.
    pub cards: Vec<Card>,
    /// `cards` as the API sends them.
    pub json: Bytes,
    /// The board's columns as HTML, by (group handle, may the reader move cards).
    fragments: Mutex<HashMap<(String, bool), Arc<str>>>,
}

impl Copy {
    pub fn new(version: i64, fresh_until: i64, cards: Vec<Card>, json: Bytes) -> Self {
        Copy {
            version,
            fresh_until,
            cards,
            json,
            fragments: Mutex::new(HashMap::new()),
        }
    }

    /// The HTML of the board's columns for `key`, made by `make` the first time.
    pub fn fragment<E>(
        &self,
        key: (String, bool),
        make: impl FnOnce() -> Result<String, E>,
    ) -> Result<Arc<str>, E> {
        if let Some(html) = self.lock().get(&key) {
            return Ok(Arc::clone(html));
        }
        let html: Arc<str> = make()?.into();
        self.lock().insert(key, Arc::clone(&html));
        Ok(html)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, bool), Arc<str>>> {
        self.fragments.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[derive(Default)]
pub struct BoardCache {
    copies: Mutex<Vec<(BoardId, Arc<Copy>)>>,
}

impl BoardCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(BoardId, Arc<Copy>)>> {
        self.copies.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The copy of `board` made at `version`, if it is still fresh at `now`.
    pub fn get(&self, board: BoardId, version: i64, now: i64) -> Option<Arc<Copy>> {
        self.lock()
            .iter()
            .find(|(id, c)| *id == board && c.version == version && now < c.fresh_until)
            .map(|(_, c)| Arc::clone(c))
    }

    /// Keeps `copy` as the board's, in place of an older one.
    pub fn put(&self, board: BoardId, copy: Arc<Copy>) {
        let mut copies = self.lock();
        copies.retain(|(id, c)| *id != board || c.version > copy.version);
        if copies.iter().any(|(id, _)| *id == board) {
            return;
        }
        if copies.len() >= KEPT {
            copies.remove(0);
        }
        copies.push((board, copy));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(version: i64, fresh_until: i64) -> Arc<Copy> {
        Arc::new(Copy::new(version, fresh_until, Vec::new(), Bytes::new()))
    }

    #[test]
    fn a_copy_serves_only_its_version_until_its_time() {
        let cache = BoardCache::default();
        let board = BoardId::new();
        cache.put(board, copy(3, 100));
        assert!(cache.get(board, 3, 50).is_some());
        assert!(cache.get(board, 4, 50).is_none(), "the board moved on");
        assert!(cache.get(board, 3, 100).is_none(), "a due time passed");
        assert!(cache.get(BoardId::new(), 3, 50).is_none());
        // A newer copy replaces it; an older one does not.
        cache.put(board, copy(5, 100));
        cache.put(board, copy(4, 100));
        assert!(cache.get(board, 5, 50).is_some());
        assert!(cache.get(board, 4, 50).is_none());
    }

    #[test]
    fn the_oldest_copy_goes_first() {
        let cache = BoardCache::default();
        let first = BoardId::new();
        cache.put(first, copy(1, i64::MAX));
        for _ in 0..KEPT {
            cache.put(BoardId::new(), copy(1, i64::MAX));
        }
        assert!(cache.get(first, 1, 0).is_none());
        assert_eq!(cache.lock().len(), KEPT);
    }

    #[test]
    fn a_fragment_is_made_once_per_key() {
        let c = copy(1, i64::MAX);
        let mut made = 0;
        for _ in 0..3 {
            let html = c
                .fragment(("garden".into(), true), || {
                    made += 1;
                    Ok::<_, ()>("<ol></ol>".to_string())
                })
                .unwrap();
            assert_eq!(&*html, "<ol></ol>");
        }
        assert_eq!(made, 1);
    }
}
