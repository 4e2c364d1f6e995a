package qemu

import "syscall"

// setParentDeathSignal asks the kernel to kill QEMU when the process that
// started it dies, however it dies (SIGKILL, a panic, go test's timeout):
// QEMU runs in its own process group, so nothing else would stop it, and an
// orphaned TCG guest keeps a core busy until someone notices.
func setParentDeathSignal(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGKILL }
