//! Attempt limits over a sliding window: log-ins per handle and per client address per minute
//! (attempts count whether the handle exists or not, so the limit says nothing about
//! existence), sign-ups per address per hour, invitation mail per inviter per hour.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::Timestamp;

pub struct LoginLimiter {
    per_minute: u32,
    window_us: i64,
    seen: Mutex<HashMap<String, Vec<i64>>>,
}

impl LoginLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self::per_window(per_minute, 60)
    }

    /// `limit` attempts per key over a sliding `window_s` seconds (0: no limit).
    pub fn per_window(limit: u32, window_s: i64) -> Self {
        Self {
            per_minute: limit,
            window_us: window_s * Timestamp::MICROS_PER_SECOND,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Records an attempt for every key; answers the seconds to wait if any key is over limit.
    pub fn attempt(&self, keys: &[String], now: Timestamp) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() > 100_000 {
            seen.retain(|_, times| times.last().is_some_and(|t| now.0 - t < self.window_us));
        }
        let mut wait_us = 0;
        for key in keys {
            let times = seen.entry(key.clone()).or_default();
            times.retain(|t| now.0 - t < self.window_us);
            if times.len() >= self.per_minute as usize {
                wait_us = wait_us.max(times[0] + self.window_us - now.0);
            }
        }
        if wait_us > 0 {
            return Err((wait_us as u64).div_ceil(Timestamp::MICROS_PER_SECOND as u64));
        }
        for key in keys {
            seen.entry(key.clone()).or_default().push(now.0);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_n_plus_first_attempt_in_a_minute_waits() {
        let limiter = LoginLimiter::new(3);
        let keys = vec!["handle:ada".to_string()];
        let t0 = Timestamp(0);
        for _ in 0..3 {
            assert!(limiter.attempt(&keys, t0).is_ok());
        }
        assert_eq!(limiter.attempt(&keys, t0.plus_seconds(10)), Err(50));
        assert!(limiter.attempt(&keys, t0.plus_seconds(61)).is_ok());
    }

    #[test]
    fn an_hourly_window_waits_out_the_hour() {
        let limiter = LoginLimiter::per_window(2, 3600);
        let keys = vec!["signup:ip".to_string()];
        let t0 = Timestamp(0);
        assert!(limiter.attempt(&keys, t0).is_ok());
        assert!(limiter.attempt(&keys, t0.plus_seconds(60)).is_ok());
        assert_eq!(limiter.attempt(&keys, t0.plus_seconds(600)), Err(3000));
        assert!(limiter.attempt(&keys, t0.plus_seconds(3601)).is_ok());
    }

    #[test]
    fn zero_turns_the_limit_off() {
        let limiter = LoginLimiter::new(0);
        for _ in 0..100 {
            assert!(limiter.attempt(&["x".into()], Timestamp(0)).is_ok());
        }
    }
}
