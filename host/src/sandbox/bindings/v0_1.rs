//! Contract 0.1.0 (`wit/since_v0_1/plugin.wit`, frozen): the first released world, still
//! loaded; [`super::super::adapt`] maps it onto the latest version.

wasmtime::component::bindgen!({
    world: "plugin",
    path: "../wit/since_v0_1",
    imports: { default: async },
    exports: { default: async },
});
