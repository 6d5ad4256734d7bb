//! The retry budget: a token bucket that every retry of a client pays into.

#![warn(clippy::arithmetic_side_effects)]

use std::sync::Mutex;

/// The shape of a [`RetryBudget`]: a token bucket shared by all requests of a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryBudgetConfig {
    /// Tokens in a full bucket.
    pub capacity: u32,
    /// What a retry after an error costs.
    pub retry_cost: u32,
    /// What a retry after a timeout costs (timeouts tie up servers longest).
    pub timeout_retry_cost: u32,
    /// What a success gives back.
    pub success_refund: u32,
}

impl Default for RetryBudgetConfig {
    /// Capacity 500, a retry costs 5, a timeout retry 10, a success refunds 1.
    fn default() -> Self {
        Self {
            capacity: 500,
            retry_cost: 5,
            timeout_retry_cost: 10,
            success_refund: 1,
        }
    }
}

impl RetryBudgetConfig {
    /// Sets the tokens in a full bucket.
    pub fn with_capacity(mut self, capacity: u32) -> Self {
        self.capacity = capacity;
        self
    }

    /// Sets what a retry after an error and after a timeout cost.
    pub fn with_costs(mut self, retry_cost: u32, timeout_retry_cost: u32) -> Self {
        self.retry_cost = retry_cost;
        self.timeout_retry_cost = timeout_retry_cost;
        self
    }

    /// Sets what a success gives back.
    pub fn with_success_refund(mut self, refund: u32) -> Self {
        self.success_refund = refund;
        self
    }
}

/// What caused a retry, which decides its cost in the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryCause {
    /// An error answer or a failed connection.
    Error,
    /// An attempt that timed out.
    Timeout,
}

/// A token bucket that every retry of a client must pay into.
///
/// When a dependency is down, every request fails and would be retried; the
/// bucket runs dry after a bounded number of retries, and then requests fail
/// at once instead of tripling the load on a struggling server.
#[derive(Debug)]
pub struct RetryBudget {
    config: RetryBudgetConfig,
    tokens: Mutex<u32>,
}

impl RetryBudget {
    /// A full bucket.
    pub fn new(config: RetryBudgetConfig) -> Self {
        Self {
            config,
            tokens: Mutex::new(config.capacity),
        }
    }

    /// Takes the cost of one retry; `false` when the bucket cannot pay it.
    pub fn try_withdraw(&self, cause: RetryCause) -> bool {
        let cost = match cause {
            RetryCause::Error => self.config.retry_cost,
            RetryCause::Timeout => self.config.timeout_retry_cost,
        };
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        match tokens.checked_sub(cost) {
            Some(left) => {
                *tokens = left;
                true
            }
            None => false,
        }
    }

    /// Gives back the refund of one success.
    pub fn refund_success(&self) {
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        *tokens = tokens
            .saturating_add(self.config.success_refund)
            .min(self.config.capacity);
    }

    /// Tokens left.
    pub fn available(&self) -> u32 {
        *self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_runs_dry_and_refills() {
        let budget = RetryBudget::new(RetryBudgetConfig {
            capacity: 12,
            ..RetryBudgetConfig::default()
        });
        assert!(budget.try_withdraw(RetryCause::Timeout));
        assert!(!budget.try_withdraw(RetryCause::Error));
        for _ in 0..3 {
            budget.refund_success();
        }
        assert!(budget.try_withdraw(RetryCause::Error));
        assert_eq!(budget.available(), 0);
        for _ in 0..100 {
            budget.refund_success();
        }
        assert_eq!(budget.available(), 12);
    }
}
