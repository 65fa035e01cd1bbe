package session

import (
	"bytes"
	"fmt"
	"net"
	"sync"
)

// maxHijackHeader bounds the response header a hijacking handler may write
// before the cookie lines are given up on (and the loss reported).
const maxHijackHeader = 64 << 10

// cookieConn is the connection a hijacking handler gets when the session
// cookie has not gone out yet: it holds back the HTTP/1.x response header
// written on it until the blank line ending it, adds the session's
// Set-Cookie lines before that blank line, and then passes everything
// through. Interim 1xx responses (other than 101) pass unchanged. If the
// bytes are not an HTTP/1.x response, the header grows past
// maxHijackHeader, or the connection is closed first, what was held back
// is written unchanged and errCookieNotSent is reported once.
type cookieConn struct {
	net.Conn
	lines  []string
	report func(error)

	mu      sync.Mutex
	pending bool // still looking for the end of the header
	started bool // pending was initialised
	held    []byte
}

// NetConn returns the hijacked connection underneath.
func (c *cookieConn) NetConn() net.Conn { return c.Conn }

func (c *cookieConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if !c.started {
		c.started, c.pending = true, true
	}
	if !c.pending {
		c.mu.Unlock()
		return c.Conn.Write(p)
	}
	defer c.mu.Unlock()
	c.held = append(c.held, p...)
	for {
		b := c.held
		const proto = "HTTP/1."
		if n := min(len(b), len(proto)); !bytes.Equal(b[:n], []byte(proto[:n])) {
			return c.giveUp(p, fmt.Errorf("%w: the handler wrote %q, not an HTTP/1.x response", errCookieNotSent, clip(b)))
		}
		end := bytes.Index(b, []byte("\r\n\r\n"))
		if end < 0 {
			if len(b) > maxHijackHeader {
				return c.giveUp(p, fmt.Errorf("%w: no end of the response header within %d bytes", errCookieNotSent, maxHijackHeader))
			}
			return len(p), nil // wait for the rest of the header
		}
		if len(b) >= 12 && b[9] == '1' && !bytes.Equal(b[9:12], []byte("101")) {
			// An interim 1xx response: out now, the real header follows.
			if _, err := c.Conn.Write(b[:end+4]); err != nil {
				c.pending, c.held = false, nil
				return 0, err
			}
			c.held = b[end+4:]
			continue
		}
		at := end + 2 // after the last header line's CRLF
		out := make([]byte, 0, len(b)+80*len(c.lines))
		out = append(out, b[:at]...)
		for _, l := range c.lines {
			out = append(out, "Set-Cookie: "...)
			out = append(out, l...)
			out = append(out, "\r\n"...)
		}
		out = append(out, b[at:]...)
		c.pending, c.held = false, nil
		if _, err := c.Conn.Write(out); err != nil {
			return 0, err
		}
		return len(p), nil
	}
}

// giveUp writes the held bytes unchanged and reports the lost cookie; c.mu is held.
func (c *cookieConn) giveUp(p []byte, lost error) (int, error) {
	held := c.held
	c.pending, c.held = false, nil
	c.report(lost)
	if _, err := c.Conn.Write(held); err != nil {
		return 0, err
	}
	return len(p), nil
}

func clip(b []byte) []byte {
	if len(b) > 32 {
		return b[:32]
	}
	return b
}

// Close writes out a header still held back and reports the lost cookie.
func (c *cookieConn) Close() error {
	c.mu.Lock()
	pending := c.pending || !c.started
	c.started, c.pending = true, false
	held := c.held
	c.held = nil
	c.mu.Unlock()
	if pending {
		if len(held) > 0 {
			_, _ = c.Conn.Write(held)
		}
		c.report(fmt.Errorf("%w: the connection was closed before a complete response header was written on it", errCookieNotSent))
	}
	return c.Conn.Close()
}
