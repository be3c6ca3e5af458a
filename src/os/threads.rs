//! Starting threads without panicking: a machine out of threads (`ulimit -u`)
//! gives an error that names the cause, not a panic.

use std::thread::{Builder, Scope, ScopedJoinHandle};

use anyhow::{Context, Result};

/// Starts `f` on a named thread of `scope`.
pub fn spawn_scoped<'scope, 'env, T: Send + 'scope>(
    scope: &'scope Scope<'scope, 'env>,
    name: impl Into<String>,
    f: impl FnOnce() -> T + Send + 'scope,
) -> Result<ScopedJoinHandle<'scope, T>> {
    let name = name.into();
    Builder::new()
        .name(name.clone())
        .spawn_scoped(scope, f)
        .with_context(|| {
            format!("cannot start thread {name} (the process may have reached its thread limit, ulimit -u)")
        })
}
