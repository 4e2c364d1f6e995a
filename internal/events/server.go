package events

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/vmgenid/vmgenid/internal/safefs"
)

// MaxClients is how many clients a Server serves at once; more are
// refused on arrival, so that anyone allowed to connect cannot exhaust the
// daemon's file descriptors.
const MaxClients = 256

// MaxClientsPerUser is how many clients one unprivileged user (not root,
// not the daemon's own user; or a peer whose credentials are unknown) may
// have at once, so that no user can take every slot.
const MaxClientsPerUser = 16

// ReservedClients is how many of the MaxClients slots only privileged
// peers (root, the daemon's own user) may take: however many users
// connect, root's "vmgenid watch" gets in.
const ReservedClients = 32

// clientQueue is how many lines may wait for one client before it counts
// as too slow and is dropped.
const clientQueue = 32

// writeTimeout bounds one write to a client.
const writeTimeout = 2 * time.Second

// Options are what Listen may be told besides the path.
type Options struct {
	// PublicID sends the ID to every client; by default only
	// privileged peers (root, the daemon's own user) get it and the
	// others get Event.Withheld.
	PublicID bool
}

// Server accepts clients on a Unix socket and broadcasts events to them.
// Its methods are safe for concurrent use.
type Server struct {
	path string
	opt  Options
	ln   *net.UnixListener

	mu      sync.Mutex
	clients map[*serverClient]struct{}
	perUser map[int]int // clients by user ID, unprivileged users only
	closed  bool
	wg      sync.WaitGroup
}

type serverClient struct {
	conn *net.UnixConn
	// uid is the peer's user ID, -1 if unknown; privileged is true for
	// root and the daemon's own user.
	uid        int
	privileged bool
	queue      chan []byte
	done       chan struct{}
	once       sync.Once
}

// Listen creates the socket at path, mode 0666 so that any user may
// listen, in a directory it creates with mode 0755 if missing. A stale
// socket left by a dead daemon is replaced; a live one (another server
// answers) or any other kind of file at path is an error. A directory that
// other users may write to is refused, even with the sticky bit: they
// could bind the name first, or swap the socket for a symbolic link
// between its creation and the chmod that opens it to every user.
//
// Each client's credentials are read when it connects (PeerUID): an
// unprivileged user may hold MaxClientsPerUser connections, and only
// privileged peers may take the last ReservedClients slots; a refused
// client gets one line saying why (RefusedError) before the close.
func Listen(path string, opt Options) (*Server, error) {
	// Clients need to reach the socket: 0755. A directory others can
	// write to is refused (safefs.MakeDir), sticky or not.
	if _, err := safefs.MakeDir(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("events: socket %w", err)
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != fs.ModeSocket {
			return nil, fmt.Errorf("events: %s exists and is not a socket (%v): not replacing it", path, fi.Mode().Type())
		}
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("events: another server is listening on %s", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("events: remove stale socket: %w", err)
		}
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	// Clients need write permission on the socket to connect; the umask
	// narrowed it at bind time.
	if err := os.Chmod(path, 0o666); err != nil {
		ln.Close()
		return nil, fmt.Errorf("events: %w", err)
	}
	s := &Server{path: path, opt: opt, ln: ln, clients: make(map[*serverClient]struct{}), perUser: make(map[int]int)}
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// Path returns the socket's path.
func (s *Server) Path() string { return s.path }

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.AcceptUnix()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// EMFILE and friends: back off instead of spinning.
			time.Sleep(50 * time.Millisecond)
			continue
		}
		c := &serverClient{conn: conn, uid: -1, queue: make(chan []byte, clientQueue), done: make(chan struct{})}
		if uid, ok := PeerUID(conn); ok {
			c.uid = uid
			c.privileged = uid == 0 || uid == os.Geteuid()
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			conn.Close()
			continue
		}
		if why := s.admit(c); why != "" {
			s.mu.Unlock()
			refuse(conn, why)
			continue
		}
		s.clients[c] = struct{}{}
		if !c.privileged {
			s.perUser[c.uid]++
		}
		s.wg.Add(2)
		s.mu.Unlock()
		go s.writeLoop(c)
		go s.watchLoop(c)
	}
}

// admit says why c cannot be served now, or "". The caller holds s.mu.
func (s *Server) admit(c *serverClient) string {
	n := len(s.clients)
	switch {
	case n >= MaxClients:
		return fmt.Sprintf("the daemon serves %d clients, its limit", MaxClients)
	case c.privileged:
		return ""
	case n >= MaxClients-ReservedClients:
		return fmt.Sprintf("the daemon serves %d clients; its last %d slots are kept for root", n, ReservedClients)
	case s.perUser[c.uid] >= MaxClientsPerUser:
		who := fmt.Sprintf("uid %d", c.uid)
		if c.uid < 0 {
			who = "users whose credentials the system does not tell"
		}
		return fmt.Sprintf("too many connections from %s (%d allowed per user)", who, MaxClientsPerUser)
	}
	return ""
}

// refuse tells a client why it is not served, in one line, and closes it.
// The line fits any fresh socket's buffer; the deadline only guards
// against the impossible.
func refuse(conn *net.UnixConn, why string) {
	conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	conn.Write(refusalLine(why))
	conn.Close()
}

// writeLoop sends queued lines to one client.
func (s *Server) writeLoop(c *serverClient) {
	defer s.wg.Done()
	for {
		select {
		case <-c.done:
			return
		case line := <-c.queue:
			c.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
			if _, err := c.conn.Write(line); err != nil {
				s.drop(c)
				return
			}
		}
	}
}

// watchLoop notices a client that hung up, or that sends anything: the
// protocol is one-way, so either ends the connection.
func (s *Server) watchLoop(c *serverClient) {
	defer s.wg.Done()
	var b [1]byte
	c.conn.Read(b[:])
	s.drop(c)
}

// drop disconnects a client; it is safe to call more than once.
func (s *Server) drop(c *serverClient) {
	s.mu.Lock()
	if _, ok := s.clients[c]; ok {
		delete(s.clients, c)
		if !c.privileged {
			if s.perUser[c.uid]--; s.perUser[c.uid] <= 0 {
				delete(s.perUser, c.uid)
			}
		}
	}
	s.mu.Unlock()
	c.once.Do(func() {
		close(c.done)
		c.conn.Close()
	})
}

// Broadcast queues ev for every connected client and returns at once:
// with the ID for privileged peers (or all, with Options.PublicID),
// Event.Withheld for the others. A client whose queue is full is
// disconnected rather than waited for. An event that breaks the rules
// (see Event.Validate) is not sent.
func (s *Server) Broadcast(ev Event) error {
	line, err := ev.AppendLine(nil)
	if err != nil {
		return err
	}
	public := line
	if !s.opt.PublicID {
		if public, err = ev.Withheld().AppendLine(nil); err != nil {
			return err
		}
	}
	var slow []*serverClient
	s.mu.Lock()
	for c := range s.clients {
		l := public
		if c.privileged {
			l = line
		}
		select {
		case c.queue <- l:
		default:
			slow = append(slow, c)
		}
	}
	s.mu.Unlock()
	for _, c := range slow {
		s.drop(c)
	}
	return nil
}

// Clients returns the number of connected clients.
func (s *Server) Clients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.clients)
}

// Close stops accepting, disconnects every client and removes the socket.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	cs := make([]*serverClient, 0, len(s.clients))
	for c := range s.clients {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	err := s.ln.Close() // also unlinks the socket
	for _, c := range cs {
		s.drop(c)
	}
	s.wg.Wait()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("events: %w", err)
	}
	return nil
}

var _ io.Closer = (*Server)(nil)
