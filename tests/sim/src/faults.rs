//! Fault injection: latency, random 500s, 429 storms, truncated bodies, dropped connections
//! and an expired manager session. Randomness comes from a ChaCha stream seeded from the
//! simulator seed and restarted whenever faults are set, so a run is reproducible.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The fault settings, as posted to the control plane's `POST /faults`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Delay added before answering every API/manager request.
    pub latency_ms: u64,
    /// Fraction (0..=1) of requests answered 500 `unexpected_error`.
    pub error_rate: f64,
    /// The next N requests are answered 429 regardless of the budget.
    pub rate_limit_storm: u32,
    /// The next N response bodies are truncated (invalid JSON).
    pub malformed_json: u32,
    /// The next N requests get their connection closed without any response.
    pub drop_connections: u32,
    /// Manager proxy answers its HTML login page (status 200) instead of JSON.
    pub manager_session_expired: bool,
    /// Web hosting creates answer success and create nothing, whatever the route (quirk Q1).
    pub hosting_silent_noop: bool,
    /// `/1/products?fqdn=` lists no site (find_site's index inference, [L], does not hold).
    pub products_without_sites: bool,
}

impl Faults {
    /// Checks ranges; the message says what to fix.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.error_rate) || self.error_rate.is_nan() {
            return Err(format!(
                "error_rate must be a fraction between 0 and 1, got {}",
                self.error_rate
            ));
        }
        Ok(())
    }
}

/// Live fault state: the settings, their counters, and the seeded random stream.
#[derive(Debug)]
pub struct FaultState {
    /// Current settings; counters are decremented as they fire.
    pub faults: Faults,
    seed: u64,
    rng: ChaCha8Rng,
}

impl FaultState {
    /// No faults, stream seeded from `seed`.
    pub fn new(seed: u64) -> Self {
        FaultState {
            faults: Faults::default(),
            seed,
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0xFA17),
        }
    }

    /// Replaces the settings and restarts the random stream.
    pub fn set(&mut self, faults: Faults) {
        *self = FaultState::new(self.seed);
        self.faults = faults;
    }

    /// Consumes one unit of a counter; true if it fired.
    fn take(counter: &mut u32) -> bool {
        if *counter > 0 {
            *counter -= 1;
            true
        } else {
            false
        }
    }

    /// Whether this request's connection must be dropped.
    pub fn take_drop(&mut self) -> bool {
        Self::take(&mut self.faults.drop_connections)
    }

    /// Whether this request is part of a 429 storm.
    pub fn take_storm(&mut self) -> bool {
        Self::take(&mut self.faults.rate_limit_storm)
    }

    /// Whether this response body must be truncated.
    pub fn take_malformed(&mut self) -> bool {
        Self::take(&mut self.faults.malformed_json)
    }

    /// Whether this request fails with a 500 (drawn from the seeded stream).
    pub fn roll_error(&mut self) -> bool {
        self.faults.error_rate > 0.0 && self.rng.random_bool(self.faults.error_rate.min(1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_fire_exactly_n_times() {
        let mut f = FaultState::new(1);
        f.set(Faults {
            drop_connections: 2,
            ..Faults::default()
        });
        assert!(f.take_drop());
        assert!(f.take_drop());
        assert!(!f.take_drop());
    }

    #[test]
    fn error_rolls_are_reproducible() {
        let roll = || {
            let mut f = FaultState::new(9);
            f.set(Faults {
                error_rate: 0.5,
                ..Faults::default()
            });
            (0..64).map(|_| f.roll_error()).collect::<Vec<_>>()
        };
        let a = roll();
        assert_eq!(a, roll());
        assert!(a.iter().any(|x| *x) && a.iter().any(|x| !*x));
    }

    #[test]
    fn validation_rejects_bad_rate() {
        assert!(
            Faults {
                error_rate: 1.5,
                ..Faults::default()
            }
            .validate()
            .is_err()
        );
        assert!(Faults::default().validate().is_ok());
    }

    #[test]
    fn unknown_fault_keys_are_rejected() {
        assert!(serde_json::from_str::<Faults>(r#"{"latency":5}"#).is_err());
    }
}
