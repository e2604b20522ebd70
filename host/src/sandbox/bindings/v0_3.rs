//! Contract 0.3.0 (`wit/plugin.wit`): the latest world, the one new plugins are built
//! against and the types the rest of the sandbox works in.

wasmtime::component::bindgen!({
    world: "plugin",
    path: "../wit",
    imports: { default: async },
    exports: { default: async },
});
