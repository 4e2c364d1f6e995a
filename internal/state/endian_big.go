//go:build !(386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64 || wasm)

package state

// bigEndian is true: words in the file must be byte-swapped.
const bigEndian = true
