package main

import (
	"net"
	"net/http"
	"sync"
)

// freshConns tracks the connections that have not yet carried a request
// (http.StateNew), so that a shutdown can close them at once: browsers open
// such connections ahead of need, and http.Server.Shutdown only counts them
// as idle after about 5 seconds. Use track as the server's ConnState hook.
type freshConns struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func (f *freshConns) track(c net.Conn, state http.ConnState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if state == http.StateNew {
		if f.conns == nil {
			f.conns = make(map[net.Conn]struct{})
		}
		f.conns[c] = struct{}{}
		return
	}
	delete(f.conns, c) // active, idle, hijacked or closed
}

// closeAll closes every connection that has not carried a request yet. Call
// it once Shutdown has closed the listener: a request whose first bytes
// arrive at that very moment is cut before the server read it, as Shutdown
// itself would after its 5 seconds.
func (f *freshConns) closeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.conns {
		c.Close()
		delete(f.conns, c)
	}
}
