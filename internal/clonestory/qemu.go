package clonestory

import (
	"context"
	"io"

	"github.com/vmgenid/vmgenid/genid"
	"github.com/vmgenid/vmgenid/host/qemu"
	"github.com/vmgenid/vmgenid/internal/guest"
)

// QEMU runs the story on QEMU processes this program starts, driven over QMP.
func QEMU() Host { return &qemuHost{} }

type qemuHost struct {
	args []string // the source VM's QEMU arguments, for its clones
}

func (h *qemuHost) Name() string { return "QEMU" }

func (h *qemuHost) Boot(ctx context.Context, img *guest.Image, dir string, log io.Writer) (*Booted, error) {
	guid := genid.New()
	vm, err := guest.Boot(ctx, img, guid, dir, "source", log)
	if err != nil {
		return nil, err
	}
	h.args = vm.Args
	return &Booted{VM: qemuVM{vm.Monitor, vm.Process}, GUID: guid, Console: vm.Console, Started: vm.Started}, nil
}

func (h *qemuHost) Clone(ctx context.Context, state, dir string, consoles []*guest.Console, progress func(int, string)) ([]Cloned, error) {
	clones, err := qemu.StartClones(ctx, qemu.CloneOptions{
		Args:     h.args,
		From:     state,
		Count:    len(consoles),
		Dir:      dir,
		Output:   func(i int) io.Writer { return consoles[i] },
		Progress: progress,
	})
	if err != nil {
		return nil, err
	}
	out := make([]Cloned, len(clones))
	for i, c := range clones {
		consoles[i].Attach(c.Process.Done())
		out[i] = Cloned{VM: qemuVM{c.Monitor, c.Process}, GUID: c.GUID, Restored: c.Restored, Resumed: c.Resumed}
	}
	return out, nil
}

// qemuVM is a QEMU process and its QMP monitor.
type qemuVM struct {
	*qemu.Monitor
	process *qemu.Process
}

func (v qemuVM) Stop(ctx context.Context) { v.process.Stop(ctx, v.Monitor) }
