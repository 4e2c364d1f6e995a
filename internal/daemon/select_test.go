package daemon

import (
	"fmt"
	"testing"
)

// The mode for every combination of event sources: events wherever one
// covers the device, polling where none does or the user asks for it.
func TestChooseMode(t *testing.T) {
	for i := range 16 {
		a := Available{KernelForkNotices: i&1 != 0, VMClockEvents: i&2 != 0, Devd: i&4 != 0, ForcePoll: i&8 != 0}
		t.Run(fmt.Sprintf("%+v", a), func(t *testing.T) {
			covered := a.KernelForkNotices || a.VMClockEvents || a.Devd
			want := ModeEvents
			if !covered || a.ForcePoll {
				want = ModePoll
			}
			p := ChooseMode(a)
			if p.Mode != want {
				t.Errorf("mode %v (%s), want %v", p.Mode, p.Why, want)
			}
			n := 0
			for _, b := range []bool{a.KernelForkNotices, a.VMClockEvents, a.Devd} {
				if b {
					n++
				}
			}
			if len(p.Events) != n {
				t.Errorf("events %q, want %d of them", p.Events, n)
			}
			if p.Why == "" {
				t.Error("no reason given")
			}
		})
	}
}
