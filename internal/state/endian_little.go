//go:build 386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64 || wasm

package state

// bigEndian is false: words in the file are already in native order.
const bigEndian = false
