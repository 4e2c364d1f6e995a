package detect

import (
	"context"
	"errors"
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// UeventListener listens for the NEW_VMGENID=1 uevent that Linux's vmgenid
// driver sent in some 6.8 kernels (it was reverted; 6.1 and 6.12 send
// none). Where the kernel does not send it, the listener simply never
// fires.
type UeventListener struct {
	conn *netlink.Conn
}

// ListenUevents joins the kernel's uevent multicast group.
func ListenUevents() (*UeventListener, error) {
	c, err := netlink.Dial(unix.NETLINK_KOBJECT_UEVENT, &netlink.Config{Groups: 1})
	if err != nil {
		return nil, fmt.Errorf("detect: joining the kernel uevent group: %w", err)
	}
	return &UeventListener{conn: c}, nil
}

// Name returns "uevent".
func (l *UeventListener) Name() string { return "uevent" }

// Close leaves the group; only needed when Run is never called.
func (l *UeventListener) Close() error { return l.conn.Close() }

// Run signals every NEW_VMGENID=1 uevent from the kernel until ctx is
// done. Uevents are not netlink messages (they have no netlink header), so
// it reads the socket's datagrams raw.
func (l *UeventListener) Run(ctx context.Context, notify func(Signal)) error {
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
		case <-done:
		}
		l.conn.Close()
	}()
	rc, err := l.conn.SyscallConn()
	if err != nil {
		return fmt.Errorf("detect: uevent socket: %w", err)
	}
	buf := make([]byte, maxUeventSize+1)
	for {
		var n int
		var from unix.Sockaddr
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			n, from, rerr = unix.Recvfrom(int(fd), buf, unix.MSG_DONTWAIT)
			return !errors.Is(rerr, unix.EAGAIN)
		})
		if ctx.Err() != nil {
			return nil
		}
		if err == nil {
			err = rerr
		}
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if errors.Is(err, unix.ENOBUFS) {
			// The socket overflowed (a burst of uevents): the one we want
			// may be lost, so say "maybe changed".
			notify(Signal{Detector: "uevent", Reason: "uevent socket overflowed"})
			continue
		}
		if err != nil {
			return fmt.Errorf("detect: reading uevents: %w", err)
		}
		if sa, ok := from.(*unix.SockaddrNetlink); !ok || sa.Pid != 0 {
			continue // only the kernel (port 0) sends genuine uevents
		}
		if n > maxUeventSize {
			continue
		}
		u, err := ParseUevent(buf[:n])
		if err != nil || !u.IsNewVMGenID() {
			continue
		}
		notify(Signal{Detector: "uevent", Reason: fmt.Sprintf("uevent %s@%s NEW_VMGENID=1", u.Action, u.DevPath)})
	}
}
