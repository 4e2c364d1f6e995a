//go:build unix

package qemu

import (
	"os/exec"
	"syscall"
)

// setProcessGroup starts QEMU in a process group of its own and, where the
// kernel can, makes it die with this process.
func setProcessGroup(cmd *exec.Cmd) {
	attr := &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(attr)
	cmd.SysProcAttr = attr
}

// killGroup sends SIGKILL to QEMU's process group (QEMU leads it), which also
// ends the shell and cat of an exec: migration.
func killGroup(cmd *exec.Cmd) {
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
		cmd.Process.Kill()
	}
}
