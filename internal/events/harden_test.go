package events

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestAdmit: one unprivileged user cannot take every
// slot: it gets MaxClientsPerUser, the last ReservedClients slots are
// root's, and whoever is refused is told why.
func TestAdmit(t *testing.T) {
	s := &Server{clients: make(map[*serverClient]struct{}), perUser: make(map[int]int)}
	add := func(uid int) string {
		c := &serverClient{uid: uid, privileged: uid == 0 || uid == os.Geteuid()}
		if why := s.admit(c); why != "" {
			return why
		}
		s.clients[c] = struct{}{}
		if !c.privileged {
			s.perUser[uid]++
		}
		return ""
	}
	const attacker = 54321
	for i := range MaxClientsPerUser {
		if why := add(attacker); why != "" {
			t.Fatalf("connection %d of one user refused: %s", i+1, why)
		}
	}
	if why := add(attacker); !strings.Contains(why, fmt.Sprintf("uid %d", attacker)) {
		t.Errorf("connection %d of one user: %q, want a refusal naming the uid", MaxClientsPerUser+1, why)
	}
	if why := add(-1); why != "" {
		t.Errorf("peer of unknown credentials refused while under the limit: %s", why)
	}
	// Many users fill the unreserved slots; root still gets in.
	for uid := 60000; len(s.clients) < MaxClients-ReservedClients; uid++ {
		if why := add(uid); why != "" {
			t.Fatalf("uid %d refused at %d clients: %s", uid, len(s.clients), why)
		}
	}
	if why := add(70000); !strings.Contains(why, "kept for root") {
		t.Errorf("unprivileged client in the reserved slots: %q", why)
	}
	if os.Geteuid() != 0 {
		t.Skip("root's reserved slot is checked as root")
	}
	if why := add(0); why != "" {
		t.Errorf("root refused: %s", why)
	}
}

// TestRefusalLine: the refusal is one line the client
// recognises, with the reason, instead of a bare close.
func TestRefusalLine(t *testing.T) {
	path := fakeServer(t, refusalLine("too many connections from uid 1000 (16 allowed per user)"))
	c := dial(t, path)
	_, err := c.Next()
	var re *RefusedError
	if !errors.As(err, &re) || re.Reason != "too many connections from uid 1000 (16 allowed per user)" {
		t.Fatalf("Next = %v, want a *RefusedError with the reason", err)
	}
	if _, err2 := c.Next(); !errors.As(err2, &re) {
		t.Errorf("second Next = %v, want the refusal again", err2)
	}
}

// TestIDOnlyToPrivilegedPeers: a client that is not root
// (nor the daemon's user) gets the event without the ID; root's gets it;
// with PublicID everybody does.
func TestIDOnlyToPrivilegedPeers(t *testing.T) {
	ev := sampleEvent(7)
	if !ev.IDKnown {
		t.Fatal("sample event has no ID")
	}
	s := listen(t)
	c := dial(t, s.Path())
	waitClients(t, s, 1)
	// The test process is the daemon's user: a privileged peer.
	if err := s.Broadcast(ev); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Next(); err != nil || got.ID != ev.ID || got.IDWithheld {
		t.Errorf("privileged peer got %+v, %v; want the ID", got, err)
	}
	// An unprivileged peer's queue gets the withheld line.
	s.mu.Lock()
	for cl := range s.clients {
		cl.privileged = false
	}
	s.mu.Unlock()
	if err := s.Broadcast(ev); err != nil {
		t.Fatal(err)
	}
	got, err := c.Next()
	if err != nil || !got.ID.IsZero() || got.IDKnown || !got.IDWithheld || got.Epoch != ev.Epoch {
		t.Errorf("unprivileged peer got %+v, %v; want the event without the ID", got, err)
	}
	s.opt.PublicID = true
	if err := s.Broadcast(ev); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Next(); err != nil || got.ID != ev.ID {
		t.Errorf("with PublicID, unprivileged peer got %+v, %v; want the ID", got, err)
	}
}

// TestPeerUID: the server learns its peers' user IDs.
func TestPeerUID(t *testing.T) {
	s := listen(t)
	dial(t, s.Path())
	waitClients(t, s, 1)
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.clients {
		if uid, ok := PeerUID(c.conn); ok && (uid != os.Getuid() || c.uid != uid) {
			t.Errorf("peer uid %d (client records %d), want %d", uid, c.uid, os.Getuid())
		}
	}
}
