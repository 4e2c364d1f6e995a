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
// disconnected on arrival, so that anyone allowed to connect cannot
// exhaust the daemon's file descriptors.
const MaxClients = 256

// clientQueue is how many lines may wait for one client before it counts
// as too slow and is dropped.
const clientQueue = 32

// writeTimeout bounds one write to a client.
const writeTimeout = 2 * time.Second

// Server accepts clients on a Unix socket and broadcasts events to them.
// Its methods are safe for concurrent use.
type Server struct {
	path string
	ln   *net.UnixListener

	mu      sync.Mutex
	clients map[*serverClient]struct{}
	closed  bool
	wg      sync.WaitGroup
}

type serverClient struct {
	conn  *net.UnixConn
	queue chan []byte
	done  chan struct{}
	once  sync.Once
}

// Listen creates the socket at path, mode 0666 so that any user may
// listen, in a directory it creates with mode 0755 if missing. A stale
// socket left by a dead daemon is replaced; a live one (another server
// answers) or any other kind of file at path is an error. A directory that
// other users may write to is refused, even with the sticky bit: they
// could bind the name first, or swap the socket for a symbolic link
// between its creation and the chmod that opens it to every user.
func Listen(path string) (*Server, error) {
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
	s := &Server{path: path, ln: ln, clients: make(map[*serverClient]struct{})}
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
		s.mu.Lock()
		if s.closed || len(s.clients) >= MaxClients {
			s.mu.Unlock()
			conn.Close()
			continue
		}
		c := &serverClient{conn: conn, queue: make(chan []byte, clientQueue), done: make(chan struct{})}
		s.clients[c] = struct{}{}
		s.wg.Add(2)
		s.mu.Unlock()
		go s.writeLoop(c)
		go s.watchLoop(c)
	}
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
	delete(s.clients, c)
	s.mu.Unlock()
	c.once.Do(func() {
		close(c.done)
		c.conn.Close()
	})
}

// Broadcast queues ev for every connected client and returns at once. A
// client whose queue is full is disconnected rather than waited for. An
// event that breaks the rules (see Event.Validate) is not sent.
func (s *Server) Broadcast(ev Event) error {
	line, err := ev.AppendLine(nil)
	if err != nil {
		return err
	}
	var slow []*serverClient
	s.mu.Lock()
	for c := range s.clients {
		select {
		case c.queue <- line:
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
