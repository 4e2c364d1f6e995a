package qemu_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/vmgenid/vmgenid/host/qemu"
)

// Save a running VM (started with -device vmgenid and -qmp on
// /run/vm/src.qmp) and restore it into two clones, each with its own
// generation ID: the way a guest sees its ID change.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel() // kills the clones

	m, err := qemu.Dial(ctx, "/run/vm/src.qmp")
	if err != nil {
		log.Fatal(err)
	}
	id, err := m.ID(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("source:", id.GUID())
	if err := m.Save(ctx, "/run/vm/src.state", nil); err != nil {
		log.Fatal(err)
	}
	clones, err := qemu.StartClones(ctx, qemu.CloneOptions{
		Args:  []string{"-machine", "q35", "-m", "256", "-kernel", "vmlinuz", "-device", "vmgenid,id=vgid0"},
		From:  "/run/vm/src.state",
		Count: 2,
		Dir:   "/run/vm",
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range clones {
		fmt.Println("clone", c.Index, c.QMPPath, c.ID.GUID())
	}
}
