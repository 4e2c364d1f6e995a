package events

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
)

// Client reads events from a Server.
type Client struct {
	conn net.Conn
	r    *bufio.Reader
	line int
	err  error // sticky: after a bad line the stream cannot be trusted
}

// Dial connects to the event socket at path. ctx bounds the connection
// attempt only; use Close to interrupt a blocked Next.
func Dial(ctx context.Context, path string) (*Client, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	return &Client{conn: conn, r: bufio.NewReaderSize(conn, MaxLine)}, nil
}

// Next blocks until the next event arrives. It returns io.EOF when the
// server closed the stream between events, and a *RefusedError when the
// server refused this client (say, too many connections from its user). A line longer than MaxLine, a
// stream cut mid-line, or a line that is not a valid event is an error
// naming the line number; after one, Next keeps returning it.
func (c *Client) Next() (Event, error) {
	if c.err != nil {
		return Event{}, c.err
	}
	c.line++
	b, err := c.r.ReadSlice('\n')
	switch {
	case err == nil:
		var ev Event
		if ev, err = parseLine(b); err == nil {
			return ev, nil
		}
		if re := (*RefusedError)(nil); errors.As(err, &re) {
			c.err = re
			break
		}
		c.err = fmt.Errorf("events: line %d: %w", c.line, err)
	case errors.Is(err, bufio.ErrBufferFull):
		c.err = fmt.Errorf("events: line %d is longer than %d bytes", c.line, MaxLine)
	case errors.Is(err, io.EOF) && len(b) == 0:
		c.err = io.EOF
	case errors.Is(err, io.EOF):
		c.err = fmt.Errorf("events: line %d: stream ended after %d bytes without a newline", c.line, len(b))
	default:
		c.err = fmt.Errorf("events: %w", err)
	}
	return Event{}, c.err
}

// Close closes the connection; a blocked Next returns an error.
func (c *Client) Close() error { return c.conn.Close() }

// PeerUID returns the user ID of the server's process, and whether the
// system told (see PeerUID), for the client to check who it is listening
// to before it trusts an event.
func (c *Client) PeerUID() (int, bool) {
	uc, ok := c.conn.(*net.UnixConn)
	if !ok {
		return 0, false
	}
	return PeerUID(uc)
}
