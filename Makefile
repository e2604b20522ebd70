# ikmcp — build, test, demo and benchmark entry points. See README.md.
CARGO ?= cargo
GUEST_TARGET := wasm32-wasip2
GUEST_FLAGS := --target $(GUEST_TARGET) --profile guest
# First-party plugins, shipped beside the binary: every folder of plugins/ but the PDK
# (crate ikmcp-plugin-<folder>), so a new plugin is a new folder and nothing to list here.
PLUGINS := $(patsubst plugins/%/Cargo.toml,-p ikmcp-plugin-%,\
	$(filter-out plugins/pdk/Cargo.toml,$(sort $(wildcard plugins/*/Cargo.toml))))
# Components used only by tests (hostile and edge-case plugins).
TEST_PLUGINS := -p ikmcp-test-plugin-hostile -p ikmcp-test-plugin-forbidden-import \
	-p ikmcp-test-plugin-guard-probe -p ikmcp-test-plugin-legacy-v01 -p ikmcp-test-plugin-roles

# Where cargo puts its output (honours CARGO_TARGET_DIR) and where `make install` copies to.
TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),target)
PREFIX ?= $(HOME)/.local

.PHONY: all toolchain build plugins test-plugins test lint fmt demo bench sim install clean

all: build

## build: the ikmcp binary (debug) and the first-party plugins
build: plugins
	$(CARGO) build -p ikmcp-host -p ikmcp-sim

## toolchain: the toolchain of rust-toolchain.toml with its guest target. rustup installs it
##            on first use; this covers rustup with auto-install off (RUSTUP_AUTO_INSTALL=0,
##            rustup 1.28.0), where a missing target would fail with "can't find crate for std".
toolchain:
	@test -d "$$(rustc --print sysroot 2>/dev/null)/lib/rustlib/$(GUEST_TARGET)" \
		|| rustup toolchain install \
		|| { echo "install the $(GUEST_TARGET) target: rustup target add $(GUEST_TARGET)" >&2; exit 1; }

GUEST_DIR := $(TARGET_DIR)/$(GUEST_TARGET)/guest

## plugins: the first-party plugin components (wasm32-wasip2), and SHA256SUMS beside them:
##          the host tells first-party plugins by these hashes (README: Plugins)
plugins: toolchain
	$(CARGO) build $(GUEST_FLAGS) $(PLUGINS)
	cd $(GUEST_DIR) && if command -v sha256sum >/dev/null; then sha256sum ikmcp_plugin_*.wasm; \
		else shasum -a 256 ikmcp_plugin_*.wasm; fi > SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS

test-plugins: toolchain
	$(CARGO) build $(GUEST_FLAGS) $(TEST_PLUGINS)

## test: every test of the workspace (unit, simulator, end-to-end, hostile plugins)
test: plugins test-plugins
	$(CARGO) test --workspace

## lint: formatting and clippy, warnings are errors
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

## demo: a scripted MCP session against the sandbox tenant
demo: build
	$(CARGO) run -q -p ikmcp-host --example demo

## sim: run the sandbox tenant on its own (prints its URLs and token as JSON)
sim:
	$(CARGO) run -q -p ikmcp-sim -- --port 0 --seed 42 --scale fleet

## bench: release build, then what users feel: cold start, per-call overhead, memory, tool
##        surface, upstream efficiency, plan/apply (table + <target>/bench/results.json)
bench: plugins
	$(CARGO) build --release -p ikmcp-host -p ikmcp-bench
	$(CARGO) run -q --release -p ikmcp-bench -- $(BENCH_ARGS)

## install: release binary to $(PREFIX)/bin, first-party plugins to $(PREFIX)/share/ikmcp/plugins
install: plugins
	$(CARGO) build --release -p ikmcp-host
	install -d $(PREFIX)/bin $(PREFIX)/share/ikmcp/plugins
	install -m 755 $(TARGET_DIR)/release/ikmcp $(PREFIX)/bin/ikmcp
	install -m 644 $(GUEST_DIR)/ikmcp_plugin_*.wasm $(GUEST_DIR)/SHA256SUMS $(PREFIX)/share/ikmcp/plugins/

clean:
	$(CARGO) clean
