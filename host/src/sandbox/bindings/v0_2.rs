//! Contract 0.2.0 (`wit/since_v0_2/plugin.wit`, frozen): still loaded;
//! [`super::super::adapt::v0_2`] maps it onto the latest version.

wasmtime::component::bindgen!({
    world: "plugin",
    path: "../wit/since_v0_2",
    imports: { default: async },
    exports: { default: async },
});
