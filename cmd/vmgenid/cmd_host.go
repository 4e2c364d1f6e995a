package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
)

// The "host" command runs the vmgenid-host program (cmd/vmgenid-host), which
// drives QEMU or libvirt from the host. It is a program of its own so that
// this binary, the one that runs inside guests, links no hypervisor client
// (QMP, libvirt RPC, libvirt XML): "vmgenid host ARGS" is "vmgenid-host ARGS".
func init() {
	register(&command{
		name:    "host",
		summary: "drive QEMU or libvirt from the host: host id | save | clone | revert (runs vmgenid-host)",
		usage:   "id|save|clone|revert [flags] [-- QEMU-ARGS...]",
		run:     runHost,
	})
}

// hostProgram is the name of the program "vmgenid host" runs.
const hostProgram = "vmgenid-host"

// findHostProgram looks for vmgenid-host beside this executable, then on PATH.
func findHostProgram() (string, error) {
	if self, err := os.Executable(); err == nil {
		if self, err = filepath.EvalSymlinks(self); err == nil {
			p := filepath.Join(filepath.Dir(self), hostProgram)
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
				return p, nil
			}
		}
	}
	if p, err := exec.LookPath(hostProgram); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("the host commands are the program %s, found neither beside this vmgenid nor on PATH "+
		"(it is kept out of vmgenid so that guests carry no hypervisor client): "+
		"go install github.com/vmgenid/vmgenid/cmd/%s@latest", hostProgram, hostProgram)
}

func runHost(env *cmdEnv, args []string) error {
	bin, err := findHostProgram()
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, env.stdout, env.stderr
	// A terminal's Ctrl-C reaches both processes; a signal sent to this one
	// alone is passed on, and this one waits for the host program to end.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case sig := <-sigs:
			cmd.Process.Signal(sig)
		case err := <-done:
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				return errSilent // it has said what went wrong
			}
			return err
		}
	}
}
