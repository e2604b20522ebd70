//! Host bindings generated from the WIT world `ikmcp:plugin/plugin` (`wit/plugin.wit`).
//!
//! Every import and export is async so that `upstream.send` can await the real gateway
//! and the epoch deadline can interrupt a guest. Nothing outside the sandbox module sees
//! these generated types: [`super::convert`] turns them into `crate::contract` types.

wasmtime::component::bindgen!({
    world: "plugin",
    path: "../wit",
    imports: { default: async },
    exports: { default: async },
});
