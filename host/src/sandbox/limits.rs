//! Per-call resource limits: the epoch ticker behind the deadline, the memory limiter, and
//! the translation of a stopped guest into a [`ToolError`] of kind `sandbox`.

use std::time::Duration;

use wasmtime::{Engine, ResourceLimiter, StoreLimits, StoreLimitsBuilder, Trap};

use super::pool::CORE_INSTANCES;
use crate::contract::{ErrorKind, ToolError};

/// How often the ticker thread advances the engine's epoch: the deadline's resolution.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Starts the thread that advances `engine`'s epoch every [`EPOCH_TICK`]. It holds only a
/// weak reference and stops once the engine (and every plugin using it) is dropped.
pub(crate) fn start_epoch_ticker(engine: &Engine) -> std::io::Result<()> {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("ikmcp-epoch-ticker".into())
        .spawn(move || {
            loop {
                std::thread::sleep(EPOCH_TICK);
                match weak.upgrade() {
                    Some(engine) => engine.increment_epoch(),
                    None => break,
                }
            }
        })?;
    Ok(())
}

/// Elements one table may hold. A Rust guest's function table has a few hundred; each
/// element costs the host 8 bytes that the memory cap does not count, and a single
/// `table.grow` instruction can ask for 2^27 of them (1 GiB) before any deadline runs.
pub(crate) const TABLE_ELEMENTS: usize = 10_000;
/// Linear memories per instance: one, so the memory cap is the instance's whole memory
/// (a component declaring four memories would otherwise get four times the cap).
pub(crate) const MEMORIES: usize = 1;

/// Wasmtime's [`StoreLimits`] plus a record of whether the guest hit the memory or table
/// cap, so an out-of-memory abort can be told apart from any other crash.
pub(crate) struct CallLimiter {
    limits: StoreLimits,
    memory_denied: bool,
    table_denied: bool,
}

impl CallLimiter {
    /// A limiter capping linear memory at `memory_bytes` (one memory per instance) and
    /// tables at [`TABLE_ELEMENTS`] elements.
    pub(crate) fn new(memory_bytes: usize) -> Self {
        CallLimiter {
            limits: StoreLimitsBuilder::new()
                .memory_size(memory_bytes)
                .table_elements(TABLE_ELEMENTS)
                .instances(CORE_INSTANCES as usize)
                .tables(CORE_INSTANCES as usize)
                .memories(MEMORIES)
                .build(),
            memory_denied: false,
            table_denied: false,
        }
    }

    /// Whether a memory growth was refused during this call.
    pub(crate) fn memory_denied(&self) -> bool {
        self.memory_denied
    }

    /// Whether a table growth was refused during this call.
    pub(crate) fn table_denied(&self) -> bool {
        self.table_denied
    }
}

impl ResourceLimiter for CallLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = self.limits.memory_growing(current, desired, maximum)?;
        if !allowed {
            self.memory_denied = true;
        }
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = self.limits.table_growing(current, desired, maximum)?;
        if !allowed {
            self.table_denied = true;
        }
        Ok(allowed)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}

/// Where a call was stopped, for the error messages.
pub(crate) struct Stopped<'a> {
    /// The plugin id.
    pub(crate) plugin: &'a str,
    /// The tool (or `describe`).
    pub(crate) tool: &'a str,
}

impl Stopped<'_> {
    /// The call ran past its deadline.
    pub(crate) fn timeout(&self, timeout: Duration) -> ToolError {
        ToolError::new(
            ErrorKind::Sandbox,
            "plugin_timeout",
            format!(
                "plugin {} was stopped: tool {} ran longer than its {} ms deadline",
                self.plugin,
                self.tool,
                timeout.as_millis()
            ),
        )
        .with_hint(
            "Retry with narrower arguments (fewer items); if it keeps timing out, report it to the plugin's author. Other tools still work.",
        )
    }

    /// The guest tried to use more memory than allowed.
    pub(crate) fn memory(&self, memory_bytes: usize) -> ToolError {
        ToolError::new(
            ErrorKind::Sandbox,
            "plugin_memory_limit",
            format!(
                "plugin {} was stopped: tool {} needed more than its {} MiB memory limit",
                self.plugin,
                self.tool,
                memory_bytes >> 20
            ),
        )
        .with_hint(
            "Retry with narrower arguments (fewer items), or ask the operator to raise the sandbox memory limit. Other tools still work.",
        )
    }

    /// The guest tried to grow a table past [`TABLE_ELEMENTS`].
    pub(crate) fn table(&self) -> ToolError {
        ToolError::new(
            ErrorKind::Sandbox,
            "plugin_table_limit",
            format!(
                "plugin {} was stopped: tool {} tried to grow a table past {TABLE_ELEMENTS} elements",
                self.plugin, self.tool
            ),
        )
        .with_hint(
            "This plugin asks for far more than any plugin needs: report it to its author (or stop using it). Other tools still work.",
        )
    }

    /// The guest trapped (panic, abort, bug).
    pub(crate) fn crashed(&self, what: &str) -> ToolError {
        ToolError::new(
            ErrorKind::Sandbox,
            "plugin_crashed",
            format!("plugin {} crashed in tool {}: {what}", self.plugin, self.tool),
        )
        .with_hint(
            "This is a bug in the plugin: report it to its author with the arguments used (the host log has details). Other tools still work.",
        )
    }

    /// The guest returned more than the output cap.
    pub(crate) fn too_large(&self, size: usize, cap: usize) -> ToolError {
        ToolError::new(
            ErrorKind::Sandbox,
            "plugin_output_too_large",
            format!(
                "plugin {} returned {size} bytes from tool {}, more than the {cap}-byte limit; the result was discarded",
                self.plugin, self.tool
            ),
        )
        .with_hint("Retry with narrower arguments (filters, pagination) so the result is smaller.")
    }

    /// The guest returned text that breaks the contract (e.g. not JSON).
    pub(crate) fn invalid_output(&self, why: &str) -> ToolError {
        ToolError::new(
            ErrorKind::Sandbox,
            "plugin_invalid_output",
            format!(
                "plugin {} returned an invalid result from tool {}: {why}",
                self.plugin, self.tool
            ),
        )
        .with_hint("This is a bug in the plugin: report it to its author with the arguments used.")
    }

    /// Classifies a failed guest call: interrupt → timeout, refused growth → memory or
    /// table, anything else → crashed.
    pub(crate) fn classify(
        &self,
        err: &wasmtime::Error,
        limiter: &CallLimiter,
        timeout: Duration,
        memory_bytes: usize,
    ) -> ToolError {
        match err.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => self.timeout(timeout),
            _ if limiter.memory_denied() => self.memory(memory_bytes),
            _ if limiter.table_denied() => self.table(),
            Some(trap) => self.crashed(&format!("wasm trap: {trap}")),
            None => self.crashed(&first_line(err)),
        }
    }
}

/// The first line of an error's message (wasmtime errors carry a multi-line backtrace).
fn first_line(err: &wasmtime::Error) -> String {
    let text = err.to_string();
    let line = text.lines().next().unwrap_or("unknown error");
    super::text::capped(line, 300)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STOP: Stopped<'static> = Stopped {
        plugin: "p",
        tool: "t",
    };

    #[test]
    fn limiter_records_refused_growth() {
        let mut limiter = CallLimiter::new(1 << 20);
        assert!(limiter.memory_growing(0, 1 << 20, None).unwrap());
        assert!(!limiter.memory_denied());
        assert!(!limiter.memory_growing(1 << 20, 2 << 20, None).unwrap());
        assert!(limiter.memory_denied());
    }

    #[test]
    fn limiter_caps_tables_and_memories() {
        let mut limiter = CallLimiter::new(1 << 20);
        assert!(limiter.table_growing(0, TABLE_ELEMENTS, None).unwrap());
        assert!(!limiter.table_denied());
        assert!(!limiter.table_growing(1, 1 << 27, None).unwrap());
        assert!(limiter.table_denied());
        assert!(!limiter.memory_denied());
        assert_eq!(limiter.memories(), 1);
    }

    #[test]
    fn traps_are_classified() {
        let t = Duration::from_millis(5);
        let fresh = CallLimiter::new(1 << 20);
        let mut out_of_memory = CallLimiter::new(1 << 20);
        out_of_memory.memory_growing(0, 2 << 20, None).unwrap();
        let mut out_of_table = CallLimiter::new(1 << 20);
        out_of_table.table_growing(0, 1 << 27, None).unwrap();
        let interrupt = wasmtime::Error::from(Trap::Interrupt);
        assert_eq!(
            STOP.classify(&interrupt, &out_of_memory, t, 1).code,
            "plugin_timeout"
        );
        let unreachable = wasmtime::Error::from(Trap::UnreachableCodeReached);
        assert_eq!(
            STOP.classify(&unreachable, &out_of_memory, t, 1).code,
            "plugin_memory_limit"
        );
        assert_eq!(
            STOP.classify(&unreachable, &out_of_table, t, 1).code,
            "plugin_table_limit"
        );
        let crash = STOP.classify(&unreachable, &fresh, t, 1);
        assert_eq!(crash.code, "plugin_crashed");
        assert_eq!(crash.kind, ErrorKind::Sandbox);
        assert!(crash.hint.is_some());
        let other = wasmtime::Error::msg("line one\nline two");
        assert!(
            STOP.classify(&other, &fresh, t, 1)
                .message
                .ends_with("line one")
        );
    }
}
