//! Greedy plugins: components that grab what a Rust guest never asks for, built at test
//! time from WebAssembly text against the real `wit/plugin.wit`.
//!
//! A Rust guest cannot emit `table.grow` or declare a second memory, yet any component
//! can, so the tests need components written by hand. Each is a small core module in
//! WAT, with the plugin world embedded and turned into a component by `wit-component`
//! (as `cargo build --target wasm32-wasip2` does for Rust guests):
//!
//! - [`table_and_progress`] (plugin `greedy`): `greedy_table` grows a table by 2^27
//!   entries in one instruction (about 1 GiB of host memory if allowed; traps if refused),
//!   `greedy_progress` calls `progress.report` 100 000 times, `greedy_ok` answers.
//! - [`many_memories`] (plugin `greedy-memories`): a module with four memories, to make a
//!   per-memory cap four times larger.

use std::fmt::Write;
use std::path::Path;

use anyhow::Context;

/// Entries `greedy_table` asks for in one `table.grow`.
pub const TABLE_GROWTH: u32 = 1 << 27;
/// Reports `greedy_progress` makes.
pub const PROGRESS_REPORTS: u32 = 100_000;

/// The `greedy` component.
pub fn table_and_progress() -> anyhow::Result<Vec<u8>> {
    let tools = [
        tool("greedy_table", "Grow a table by 2^27 entries"),
        tool("greedy_progress", "Flood progress reports"),
        tool("greedy_ok", "Answer at once"),
    ];
    let mut data = Data::default();
    let manifest = data.manifest("greedy", &tools)?;
    let grown = data.ok_result("{\"table\":\"grown\"}");
    let reported = data.ok_result(&format!("{{\"reported\":{PROGRESS_REPORTS}}}"));
    let fine = data.ok_result("{\"ok\":true}");
    // Tools are told apart by the length of their name (12, 15, 9 bytes).
    let imports = format!(
        r#"(import "ikmcp:plugin/progress@{}" "report"
    (func $report (param i32 i32 i32 i32 i32 i32)))"#,
        contract_version()?
    );
    let body = format!(
        r#"
  (table $t 1 funcref)
  (func (export "describe") (result i32) (i32.const {manifest}))
  (func (export "invoke") (param $tool i32) (param $tool_len i32) (param i32 i32) (result i32)
    (local $i i32)
    (if (i32.eq (local.get $tool_len) (i32.const 12))
      (then
        (if (i32.eq (table.grow $t (ref.null func) (i32.const {TABLE_GROWTH})) (i32.const -1))
          (then unreachable))
        (return (i32.const {grown}))))
    (if (i32.eq (local.get $tool_len) (i32.const 15))
      (then
        (loop $again
          (call $report (local.get $i) (i32.const 1) (i32.const {PROGRESS_REPORTS})
            (i32.const 0) (i32.const 0) (i32.const 0))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $again (i32.lt_u (local.get $i) (i32.const {PROGRESS_REPORTS}))))
        (return (i32.const {reported}))))
    (i32.const {fine}))
"#
    );
    component(&data, &imports, &body, 1)
}

/// The `greedy-memories` component: its module declares four memories of 32 MiB.
pub fn many_memories() -> anyhow::Result<Vec<u8>> {
    let mut data = Data::default();
    let manifest = data.manifest("greedy-memories", &[tool("greedy_memories_ok", "Answer")])?;
    let fine = data.ok_result("{\"ok\":true}");
    let body = format!(
        r#"
  (memory $second 512)
  (memory $third 512)
  (memory $fourth 512)
  (func (export "describe") (result i32) (i32.const {manifest}))
  (func (export "invoke") (param i32 i32 i32 i32) (result i32)
    (i32.store8 $second (i32.const 0) (i32.const 1))
    (i32.store8 $third (i32.const 0) (i32.const 1))
    (i32.store8 $fourth (i32.const 0) (i32.const 1))
    (i32.const {fine}))
"#
    );
    component(&data, "", &body, 512)
}

struct Tool {
    name: &'static str,
    title: &'static str,
}

fn tool(name: &'static str, title: &'static str) -> Tool {
    Tool { name, title }
}

/// The contract version of `wit/plugin.wit` (what the host checks in the manifest).
fn contract_version() -> anyhow::Result<String> {
    let (resolve, _) = world()?;
    let package = resolve
        .packages
        .iter()
        .find(|(_, p)| p.name.namespace == "ikmcp" && p.name.name == "plugin")
        .context("wit/plugin.wit defines no ikmcp:plugin package")?;
    package
        .1
        .name
        .version
        .as_ref()
        .map(ToString::to_string)
        .context("ikmcp:plugin has no version")
}

fn world() -> anyhow::Result<(wit_parser::Resolve, wit_parser::WorldId)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../wit");
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = resolve
        .push_path(&dir)
        .with_context(|| format!("parsing {}", dir.display()))?;
    let world = resolve.select_world(&[package], Some("plugin"))?;
    Ok((resolve, world))
}

/// Static data of the module: strings and canonical-ABI records, laid out from
/// [`DATA_BASE`], with the bump allocator's heap after them.
#[derive(Default)]
struct Data {
    bytes: Vec<u8>,
}

/// Where the static data starts in linear memory.
const DATA_BASE: u32 = 1024;

impl Data {
    fn at(&self) -> u32 {
        DATA_BASE + self.bytes.len() as u32
    }

    fn align(&mut self) {
        while !self.bytes.len().is_multiple_of(8) {
            self.bytes.push(0);
        }
    }

    /// A string: (pointer, length).
    fn string(&mut self, s: &str) -> (u32, u32) {
        self.align();
        let at = self.at();
        self.bytes.extend_from_slice(s.as_bytes());
        (at, s.len() as u32)
    }

    /// A record (or list element array) of little-endian words: its pointer.
    fn words(&mut self, words: &[u32]) -> u32 {
        self.align();
        let at = self.at();
        for w in words {
            self.bytes.extend_from_slice(&w.to_le_bytes());
        }
        at
    }

    /// `result<string, tool-error>::ok(text)`: discriminant 0, then the string.
    fn ok_result(&mut self, text: &str) -> u32 {
        let (ptr, len) = self.string(text);
        self.words(&[0, ptr, len])
    }

    /// The manifest record: id, version, contract-version, description, roles, tools.
    fn manifest(&mut self, id: &str, tools: &[Tool]) -> anyhow::Result<u32> {
        let mut descriptors = Vec::new();
        for t in tools {
            let name = self.string(t.name);
            let title = self.string(t.title);
            let input = self.string(r#"{"type":"object","additionalProperties":false}"#);
            let output = self.string(r#"{"type":"object"}"#);
            let category = self.string("test");
            // tool-descriptor (contract 0.2): five strings, effect (u8, read = 0) and
            // idempotent (u8) in one word, category, undo-tool and toolset as
            // option<string> none (discriminant word + two words each), keywords as an
            // empty list.
            descriptors.extend_from_slice(&[
                name.0, name.1, title.0, title.1, title.0, title.1, input.0, input.1, output.0,
                output.1, 0x0100, category.0, category.1, 0, 0, 0, 0, 0, 0, 0, 0,
            ]);
        }
        let tools_ptr = self.words(&descriptors);
        let id = self.string(id);
        let version = self.string("0.1.0");
        let contract = self.string(&contract_version()?);
        let description = self.string("test-only greedy plugin");
        Ok(self.words(&[
            id.0,
            id.1,
            version.0,
            version.1,
            contract.0,
            contract.1,
            description.0,
            description.1,
            0,
            0,
            tools_ptr,
            tools.len() as u32,
        ]))
    }

    /// The data segment, as WAT.
    fn segment(&self) -> String {
        let mut escaped = String::new();
        for b in &self.bytes {
            let _ = write!(escaped, "\\{b:02x}");
        }
        format!("(data (i32.const {DATA_BASE}) \"{escaped}\")")
    }
}

/// Wraps `imports` and `body` in a core module with the first memory (`pages` of 64 KiB, exported), the
/// static data, a bump `cabi_realloc` and the unused `plan`/`apply` exports, and encodes
/// it as a component of the plugin world.
fn component(data: &Data, imports: &str, body: &str, pages: u32) -> anyhow::Result<Vec<u8>> {
    let heap = (DATA_BASE + data.bytes.len() as u32).div_ceil(8) * 8 + 64;
    let wat = format!(
        r#"(module
  {imports}
  (memory (export "memory") {pages})
  {segment}
  (global $heap (mut i32) (i32.const {heap}))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $at i32)
    (local.set $at (i32.and (i32.add (global.get $heap) (i32.const 7)) (i32.const -8)))
    (global.set $heap (i32.add (local.get $at) (local.get 3)))
    (local.get $at))
  (func (export "plan") (param i32 i32 i32 i32) (result i32) unreachable)
  (func (export "apply") (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
    unreachable)
  {body}
)"#,
        segment = data.segment(),
    );
    let mut module = wat::parse_str(&wat).context("assembling the greedy module")?;
    let (resolve, world) = world()?;
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
        false,
    )?;
    wit_component::ComponentEncoder::default()
        .module(&module)?
        .validate(true)
        .encode()
        .context("encoding the greedy component")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_components_encode() {
        assert!(table_and_progress().unwrap().starts_with(b"\0asm"));
        assert!(many_memories().unwrap().starts_with(b"\0asm"));
        assert_eq!(contract_version().unwrap().split('.').count(), 3);
    }
}
