//! Which contract version a component implements, and calling its exports in the latest
//! version's types whatever that version is.
//!
//! The version is read from the component's `ikmcp:plugin/*@X.Y.Z` imports (every plugin
//! imports at least `types`); a component without any is tried against each world, the
//! latest first. Exports of an older world go through [`super::adapt`], one version step
//! at a time (0.1 → 0.2 → 0.3).

use wasmtime::component::InstancePre;
use wasmtime::{Engine, Store};

use super::adapt::{v0_1 as from_v0_1, v0_2 as from_v0_2};
use super::bindings::latest::ikmcp::plugin::types as wit;
use super::bindings::{v0_1, v0_2, v0_3};
use super::state::HostState;

/// A contract version the host loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContractWorld {
    /// `ikmcp:plugin@0.1.0`, adapted onto 0.2, then 0.3.
    V0_1,
    /// `ikmcp:plugin@0.2.0`, adapted onto 0.3.
    V0_2,
    /// `ikmcp:plugin@0.3.0`, the latest.
    V0_3,
}

impl ContractWorld {
    /// Every loadable version, the latest first.
    pub(crate) const ALL: [ContractWorld; 3] = [
        ContractWorld::V0_3,
        ContractWorld::V0_2,
        ContractWorld::V0_1,
    ];

    /// The package version this world was released as.
    pub(crate) fn version(self) -> &'static str {
        match self {
            ContractWorld::V0_1 => "0.1.0",
            ContractWorld::V0_2 => "0.2.0",
            ContractWorld::V0_3 => "0.3.0",
        }
    }

    /// The world whose `major.minor` matches `version` (e.g. `0.1.3` → 0.1).
    pub(crate) fn of_version(version: &str) -> Option<ContractWorld> {
        let wanted = major_minor(version)?;
        Self::ALL
            .into_iter()
            .find(|w| major_minor(w.version()) == Some(wanted))
    }

    /// The world named by a component's imports: `Ok(None)` when it imports nothing from
    /// `ikmcp:plugin`, an error when it imports from two versions or an unknown one.
    pub(crate) fn of_imports<'a>(
        imports: impl Iterator<Item = &'a str>,
    ) -> Result<Option<ContractWorld>, String> {
        let mut found: Option<(ContractWorld, &str)> = None;
        for name in imports {
            let Some(version) = name
                .strip_prefix("ikmcp:plugin/")
                .and_then(|rest| rest.split_once('@'))
                .map(|(_, version)| version)
            else {
                continue;
            };
            let world = Self::of_version(version).ok_or_else(|| {
                format!(
                    "it imports {name}, a contract version this host does not load (it loads {})",
                    supported()
                )
            })?;
            match found {
                Some((seen, first)) if seen != world => {
                    return Err(format!(
                        "it imports both {first} and {name}; a component implements one contract version: rebuild it against one"
                    ));
                }
                _ => found = Some((world, name)),
            }
        }
        Ok(found.map(|(world, _)| world))
    }
}

/// The versions this host loads, for messages: `0.3.0, 0.2.0, 0.1.0`.
pub(crate) fn supported() -> String {
    ContractWorld::ALL
        .iter()
        .map(|w| w.version())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses `major.minor` out of a semver string.
pub(crate) fn major_minor(version: &str) -> Option<(u64, u64)> {
    let mut parts = version.split(['.', '-', '+']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// A component linked and type-checked against one world, ready to instantiate.
pub(crate) enum WorldPre {
    /// Built against 0.1.0.
    V0_1(v0_1::PluginPre<HostState>),
    /// Built against 0.2.0.
    V0_2(v0_2::PluginPre<HostState>),
    /// Built against 0.3.0.
    V0_3(v0_3::PluginPre<HostState>),
}

impl WorldPre {
    /// Type-checks the linked component against `world`'s exports.
    pub(crate) fn new(world: ContractWorld, pre: InstancePre<HostState>) -> wasmtime::Result<Self> {
        Ok(match world {
            ContractWorld::V0_1 => WorldPre::V0_1(v0_1::PluginPre::new(pre)?),
            ContractWorld::V0_2 => WorldPre::V0_2(v0_2::PluginPre::new(pre)?),
            ContractWorld::V0_3 => WorldPre::V0_3(v0_3::PluginPre::new(pre)?),
        })
    }

    /// The engine it was compiled for.
    pub(crate) fn engine(&self) -> &Engine {
        match self {
            WorldPre::V0_1(pre) => pre.engine(),
            WorldPre::V0_2(pre) => pre.engine(),
            WorldPre::V0_3(pre) => pre.engine(),
        }
    }

    /// A fresh instance in `store`.
    pub(crate) async fn instantiate(
        &self,
        store: &mut Store<HostState>,
    ) -> wasmtime::Result<Instance> {
        Ok(match self {
            WorldPre::V0_1(pre) => Instance::V0_1(pre.instantiate_async(store).await?),
            WorldPre::V0_2(pre) => Instance::V0_2(pre.instantiate_async(store).await?),
            WorldPre::V0_3(pre) => Instance::V0_3(pre.instantiate_async(store).await?),
        })
    }
}

/// One instance of a plugin, whichever world it implements; its exports answer in the
/// latest world's types.
pub(crate) enum Instance {
    /// Built against 0.1.0.
    V0_1(v0_1::Plugin),
    /// Built against 0.2.0.
    V0_2(v0_2::Plugin),
    /// Built against 0.3.0.
    V0_3(v0_3::Plugin),
}

impl Instance {
    /// `describe()`.
    pub(crate) async fn describe(
        &self,
        s: &mut Store<HostState>,
    ) -> wasmtime::Result<wit::Manifest> {
        match self {
            Instance::V0_1(p) => p
                .call_describe(s)
                .await
                .map(|m| from_v0_2::manifest(from_v0_1::manifest(m))),
            Instance::V0_2(p) => p.call_describe(s).await.map(from_v0_2::manifest),
            Instance::V0_3(p) => p.call_describe(s).await,
        }
    }

    /// `invoke(tool, args)`.
    pub(crate) async fn invoke(
        &self,
        s: &mut Store<HostState>,
        tool: &str,
        args: &str,
    ) -> wasmtime::Result<Result<String, wit::ToolError>> {
        match self {
            Instance::V0_1(p) => Ok(p
                .call_invoke(s, tool, args)
                .await?
                .map_err(|e| from_v0_2::tool_error(from_v0_1::tool_error(e)))),
            Instance::V0_2(p) => Ok(p
                .call_invoke(s, tool, args)
                .await?
                .map_err(from_v0_2::tool_error)),
            Instance::V0_3(p) => p.call_invoke(s, tool, args).await,
        }
    }

    /// `plan(tool, args)`.
    pub(crate) async fn plan(
        &self,
        s: &mut Store<HostState>,
        tool: &str,
        args: &str,
    ) -> wasmtime::Result<Result<wit::PlanOutcome, wit::ToolError>> {
        match self {
            Instance::V0_1(p) => Ok(p
                .call_plan(s, tool, args)
                .await?
                .map(|o| from_v0_2::plan_outcome(from_v0_1::plan_outcome(o)))
                .map_err(|e| from_v0_2::tool_error(from_v0_1::tool_error(e)))),
            Instance::V0_2(p) => Ok(p
                .call_plan(s, tool, args)
                .await?
                .map(from_v0_2::plan_outcome)
                .map_err(from_v0_2::tool_error)),
            Instance::V0_3(p) => p.call_plan(s, tool, args).await,
        }
    }

    /// `apply(tool, args, confirmed)`.
    pub(crate) async fn apply(
        &self,
        s: &mut Store<HostState>,
        tool: &str,
        args: &str,
        confirmed: &wit::Plan,
    ) -> wasmtime::Result<Result<String, wit::ToolError>> {
        match self {
            Instance::V0_1(p) => {
                let confirmed = from_v0_1::plan_back(&from_v0_2::plan_back(confirmed));
                Ok(p.call_apply(s, tool, args, &confirmed)
                    .await?
                    .map_err(|e| from_v0_2::tool_error(from_v0_1::tool_error(e))))
            }
            Instance::V0_2(p) => Ok(p
                .call_apply(s, tool, args, &from_v0_2::plan_back(confirmed))
                .await?
                .map_err(from_v0_2::tool_error)),
            Instance::V0_3(p) => p.call_apply(s, tool, args, confirmed).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_map_to_worlds_by_major_minor() {
        assert_eq!(
            ContractWorld::of_version("0.1.0"),
            Some(ContractWorld::V0_1)
        );
        assert_eq!(
            ContractWorld::of_version("0.1.7"),
            Some(ContractWorld::V0_1)
        );
        assert_eq!(
            ContractWorld::of_version("0.2.0"),
            Some(ContractWorld::V0_2)
        );
        assert_eq!(
            ContractWorld::of_version("0.3.0"),
            Some(ContractWorld::V0_3)
        );
        assert_eq!(ContractWorld::of_version("0.4.0"), None);
        assert_eq!(ContractWorld::of_version("1.2.0"), None);
        assert_eq!(ContractWorld::of_version("latest"), None);
    }

    #[test]
    fn imports_name_the_world() {
        let v1 = [
            "wasi:io/poll@0.2.6",
            "ikmcp:plugin/types@0.1.0",
            "ikmcp:plugin/upstream@0.1.0",
        ];
        assert_eq!(
            ContractWorld::of_imports(v1.into_iter()),
            Ok(Some(ContractWorld::V0_1))
        );
        let v2 = ["ikmcp:plugin/types@0.2.0", "ikmcp:plugin/log@0.2.0"];
        assert_eq!(
            ContractWorld::of_imports(v2.into_iter()),
            Ok(Some(ContractWorld::V0_2))
        );
        assert_eq!(
            ContractWorld::of_imports(["wasi:io/poll@0.2.6"].into_iter()),
            Ok(None)
        );
        let mixed = ["ikmcp:plugin/types@0.2.0", "ikmcp:plugin/upstream@0.1.0"];
        let err = ContractWorld::of_imports(mixed.into_iter()).unwrap_err();
        assert!(err.contains("one contract version"), "{err}");
        let unknown = ["ikmcp:plugin/types@0.9.0"];
        let err = ContractWorld::of_imports(unknown.into_iter()).unwrap_err();
        assert!(err.contains("0.3.0, 0.2.0, 0.1.0"), "{err}");
    }
}
