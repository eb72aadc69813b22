//! Exit codes, so scripts and schedulers can react without reading the message.
//!
//! | code | meaning |
//! |------|---------|
//! | 0 | done |
//! | 1 | failed: the message says what happened and what to do |
//! | 2 | the command line is wrong (unknown option, invalid setting value ...) |
//! | 3 | shopsync is not set up: no data directory, no master key (or one others can read), the key is not this data directory's, a token does not open for its shop's endpoint, or webhooks need the public address |
//! | 4 | Shopify refused access: the token is invalid or revoked, or a scope is missing |
//! | 5 | the sync ran but some records were skipped with errors (listed in the output) |

use std::process::ExitCode;

/// An error that carries its exit code.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub const GENERAL: Failure = Failure { code: 1, message: String::new() };

    /// The command line is wrong.
    pub fn usage(message: impl Into<String>) -> anyhow::Error {
        Failure { code: 2, message: message.into() }.into()
    }

    /// shopsync is not set up for this data directory.
    pub fn setup(message: impl Into<String>) -> anyhow::Error {
        Failure { code: 3, message: message.into() }.into()
    }
}

impl From<Failure> for ExitCode {
    fn from(failure: Failure) -> Self {
        ExitCode::from(failure.code)
    }
}

/// The exit code for an error that reached `main`.
pub fn classify(err: &anyhow::Error) -> Failure {
    let code = if let Some(failure) = err.downcast_ref::<Failure>() {
        failure.code
    } else if err.downcast_ref::<shopsync_core::SettingError>().is_some()
        || err.downcast_ref::<shopify_admin::InvalidShopDomain>().is_some()
    {
        2
    } else if err.downcast_ref::<shopsync_core::CipherError>().is_some()
        || matches!(
            err.downcast_ref::<shopsync_sync::SyncError>(),
            Some(
                shopsync_sync::SyncError::Secret(_)
                    | shopsync_sync::SyncError::TokenNotForEndpoint { .. }
                    | shopsync_sync::SyncError::NoPublicUrl
            )
        )
    {
        // The key does not open the stored secrets (wrong key, or tampered data): a setup problem.
        3
    } else {
        1
    };
    Failure { code, message: String::new() }
}
