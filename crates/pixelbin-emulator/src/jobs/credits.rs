//! Credits: with `--credits N` every API token starts with N credits; each successful
//! prediction spends its model's `consumedCredits`, and once a token cannot pay for a job any
//! more its creates answer the service's `403 Usage Limit Exceeded` (`JR-1000`,
//! `UsageBlockedError`).
//!
//! A job's outcome is decided when it is created, so its credits are charged then, not when it
//! shows `SUCCESS`: a create right after the last credit was spent is refused even while that
//! job still shows `ACCEPTED`.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::wire::errors::ApiError;

/// Credit balances and what each token has spent.
pub struct Credits {
    /// Credits of each token; `None`: unlimited.
    balance: Option<u64>,
    /// Credits spent per token.
    used: Mutex<HashMap<String, u64>>,
}

impl Credits {
    /// `balance` credits per token (`None`: unlimited).
    pub fn new(balance: Option<u64>) -> Credits {
        Credits {
            balance,
            used: Mutex::default(),
        }
    }

    /// Credits each token starts with; `None` when unlimited.
    pub fn balance(&self) -> Option<u64> {
        self.balance
    }

    /// Credits `token` has spent.
    pub fn used(&self, token: &str) -> u64 {
        self.lock().get(token).copied().unwrap_or(0)
    }

    /// Admits a job costing `cost` when `token` can still pay for it, and charges `charge`
    /// (the cost for a job that will succeed, 0 for one that will fail).
    pub fn spend(&self, token: &str, cost: u64, charge: u64) -> Result<(), ApiError> {
        let mut used = self.lock();
        let spent = used.entry(token.to_string()).or_default();
        if let Some(balance) = self.balance
            && balance.saturating_sub(*spent) < cost
        {
            return Err(ApiError::usage_limit());
        }
        *spent = spent.saturating_add(charge);
        Ok(())
    }

    /// Gives back `amount` charged to a job that was refused afterwards.
    pub fn refund(&self, token: &str, amount: u64) {
        if let Some(spent) = self.lock().get_mut(token) {
            *spent = spent.saturating_sub(amount);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, u64>> {
        self.used.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spent_balance_refuses_with_the_usage_limit_error() {
        let credits = Credits::new(Some(3));
        credits.spend("a", 2, 2).unwrap();
        // A failing job is admitted but costs nothing.
        credits.spend("a", 1, 0).unwrap();
        assert_eq!(credits.used("a"), 2);
        // One credit left: a 2-credit job cannot be paid for, a 1-credit job can.
        let refused = credits.spend("a", 2, 2).unwrap_err();
        assert_eq!(refused, ApiError::usage_limit());
        credits.spend("a", 1, 1).unwrap();
        assert!(credits.spend("a", 1, 1).is_err());
        // Other tokens have their own balance.
        credits.spend("b", 1, 1).unwrap();
        credits.refund("a", 1);
        assert_eq!(credits.used("a"), 2);
    }

    #[test]
    fn unlimited_by_default() {
        let credits = Credits::new(None);
        for _ in 0..100 {
            credits.spend("a", 5, 5).unwrap();
        }
        assert_eq!(credits.used("a"), 500);
    }
}
