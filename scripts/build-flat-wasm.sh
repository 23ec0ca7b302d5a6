#!/usr/bin/env bash
# Builds grammars/python-flat.wasm: the tree-sitter runtime and the Python grammar with native/flat-python.c,
# compiled for wasm32-wasi. The sources come from the npm packages below (exact versions); the compiler from
# Debian: apt-get install clang lld wasi-libc libclang-rt-dev-wasm32
# Its memory is capped at 2 GiB, as web-tree-sitter's: a file too large for that ends the parse with a trap (the
# parse worker holding it retires, and the file is reported not analysed).
set -euo pipefail
RUNTIME=tree-sitter@0.25.1
GRAMMAR=tree-sitter-python@0.25.0
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for tool in clang wasm-ld; do
  command -v "$tool" >/dev/null || { echo "build-flat-wasm: $tool not found (apt-get install clang lld wasi-libc libclang-rt-dev-wasm32)" >&2; exit 2; }
done
[ -f /usr/include/wasm32-wasi/stdlib.h ] || { echo "build-flat-wasm: wasi-libc not found (apt-get install wasi-libc)" >&2; exit 2; }
(cd "$work" && npm pack --silent "$RUNTIME" "$GRAMMAR" >/dev/null)
mkdir "$work/runtime" "$work/grammar"
tar xzf "$work"/tree-sitter-0*.tgz -C "$work/runtime"
tar xzf "$work"/tree-sitter-python-*.tgz -C "$work/grammar"
ts="$work/runtime/package/vendor/tree-sitter/lib"
py="$work/grammar/package/src"
clang --target=wasm32-wasi --sysroot=/usr -O3 -DNDEBUG -I"$ts/include" -I"$ts/src" -I"$py" \
  -nostartfiles -mexec-model=reactor -Wl,--no-entry -Wl,--strip-all -Wl,--max-memory=2147483648 -Wno-unused-but-set-variable \
  -o "$root/grammars/python-flat.wasm" "$ts/src/lib.c" "$py/parser.c" "$py/scanner.c" "$root/native/flat-python.c"
cp "$work/runtime/package/LICENSE" "$root/grammars/LICENSE.tree-sitter"
echo "grammars/python-flat.wasm: $(wc -c < "$root/grammars/python-flat.wasm") bytes ($RUNTIME, $GRAMMAR)"
