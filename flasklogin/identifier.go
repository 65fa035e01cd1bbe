package flasklogin

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"unicode/utf8"
)

// Identifier returns the session-protection identifier Flask-Login 0.6.2
// computes for r (its _create_identifier), as 128 lowercase hex digits: the
// SHA-512 of the text
//
//	repr(address) + "|" + repr(user_agent)
//
// where each part is Python's repr of a bytes value (b'1.2.3.4', with
// b"..." when it holds a single quote and no double quote, and \xNN escapes)
// or the text None when it is missing. The address is the first
// comma-separated entry of X-Forwarded-For with ASCII whitespace stripped,
// or, without that header, the host part of r.RemoteAddr (None when empty).
// Config.TrustedProxies changes how the address is chosen (see
// [Manager.ClientAddress]). Several header lines of one name are joined with
// "," as Werkzeug's WSGI servers do.
//
// Header bytes are treated as Werkzeug treats them: WSGI decodes header
// bytes as Latin-1 and Flask-Login encodes that text as UTF-8, so a byte
// 0xE9 contributes c3 a9 and the two bytes of a UTF-8 "é" contribute four.
func (m *Manager) Identifier(r *http.Request) string {
	addr, hasAddr := m.ClientAddress(r)
	ua, hasUA := headerValue(r.Header, "User-Agent")
	var b []byte
	if hasAddr {
		b = appendBytesRepr(b, latin1ToUTF8(addr))
	} else {
		b = append(b, "None"...)
	}
	b = append(b, '|')
	if hasUA {
		b = appendBytesRepr(b, latin1ToUTF8(ua))
	} else {
		b = append(b, "None"...)
	}
	sum := sha512.Sum512(b)
	return hex.EncodeToString(sum[:])
}

// ClientAddress returns the client address the identifier is built from,
// as the raw header or RemoteAddr bytes, and false when there is none (the
// identifier then holds None).
//
// Without Config.TrustedProxies (the default) it is Flask-Login's choice:
// the first entry of X-Forwarded-For whenever that header is present, even
// empty, else the host of r.RemoteAddr. Any client can then choose its
// address by sending the header, which weakens session protection: an
// attacker holding a stolen session cookie sends the victim's address and
// User-Agent.
//
// With Config.TrustedProxies, X-Forwarded-For is used only when the
// immediate peer (r.RemoteAddr) is inside one of the prefixes; then the
// entries are read from the right and the first one that is not a trusted
// proxy (or does not parse as an address) is the client. A request whose
// X-Forwarded-For was not set by a trusted proxy gives the peer address.
// For clients that send no X-Forwarded-For of their own, behind proxies
// that append to it, this is the same address Flask-Login uses, so Go and
// Flask compute the same identifier; a client that forges the header gets
// a different identifier from Go than from Flask (basic protection then
// marks its session not fresh, strong protection logs it out on the Go
// side).
func (m *Manager) ClientAddress(r *http.Request) (string, bool) {
	peer := remoteHost(r.RemoteAddr)
	xff, hasXFF := headerValue(r.Header, "X-Forwarded-For")
	if m.trusted == nil {
		if hasXFF {
			first, _, _ := strings.Cut(xff, ",")
			return strings.Trim(first, pyWhitespace), true
		}
		return peer, peer != ""
	}
	if !hasXFF || !m.isTrusted(peer) {
		return peer, peer != ""
	}
	entries := strings.Split(xff, ",")
	for i := len(entries) - 1; i >= 0; i-- {
		e := strings.Trim(entries[i], pyWhitespace)
		if i == 0 || !m.isTrusted(e) {
			return e, true
		}
	}
	return peer, peer != "" // unreachable: entries is never empty
}

// pyWhitespace is what Python's bytes.strip() removes.
const pyWhitespace = " \t\n\r\v\f"

func (m *Manager) isTrusted(addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range m.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// remoteHost is Werkzeug's REMOTE_ADDR for a Go RemoteAddr: the host without
// port or brackets, or the whole text when it has no port.
func remoteHost(remote string) string {
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return remote
}

// headerValue returns the lines of header name joined with ",", as
// Werkzeug's development server and Gunicorn build the WSGI environ, and
// whether the header is present at all.
func headerValue(h http.Header, name string) (string, bool) {
	vals, ok := h[http.CanonicalHeaderKey(name)]
	if !ok || len(vals) == 0 {
		return "", false
	}
	return strings.Join(vals, ","), true
}

// latin1ToUTF8 returns the UTF-8 encoding of s read as Latin-1: what
// Python's str.encode("utf-8") gives for a WSGI header string.
func latin1ToUTF8(s string) []byte {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		b = utf8.AppendRune(b, rune(s[i]))
	}
	return b
}

// appendBytesRepr appends Python's repr() of the bytes value p.
func appendBytesRepr(dst, p []byte) []byte {
	quote := byte('\'')
	if bytes.IndexByte(p, '\'') >= 0 && bytes.IndexByte(p, '"') < 0 {
		quote = '"'
	}
	const hexDigits = "0123456789abcdef"
	dst = append(dst, 'b', quote)
	for _, c := range p {
		switch {
		case c == quote || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c < ' ' || c >= 0x7f:
			dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, quote)
}
