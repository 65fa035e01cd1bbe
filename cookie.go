package session

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// readCookie returns the value of the first cookie called name in the
// request, read as Werkzeug reads a Cookie header (Flask's request.cookies),
// without parsing or allocating the other cookies. Several Cookie header
// lines (which RFC 6265 forbids a client to send; HTTP/2 cookie crumbs
// arrive joined with "; ") are read as one joined with ",", as the WSGI
// servers Flask runs on (Werkzeug's, gunicorn) hand them to it: a comma
// does not separate cookies, so a cookie in a second line is not found.
//
// Within a line (Werkzeug 2.2 and 3.1 agree on all of this):
//   - a cookie runs to the next ";" — a comma does not end it — except that
//     a value in double quotes, followed only by whitespace before ";" or the
//     end, may hold ";" (a backslash escapes the next character in it);
//   - the name is everything before the first "=" (or the whole element
//     without "="), with ASCII whitespace (space, \t, \n, \r, \v, \f)
//     trimmed, compared exactly (case-sensitive); an empty name is skipped;
//   - whitespace around "=" and at the end of the value is dropped;
//   - a value that starts and ends with a double quote is unquoted:
//     backslash and three octal digits (first 0-3) is that byte, backslash and
//     another character is that character; "name" alone and "name=" are the
//     empty value;
//   - the first cookie called name wins, even when its value is empty (the
//     session is then new; later ones are not tried);
//   - a line feed inside a value that is not a quoted string (whitespace
//     before ";" aside) ends the reading: that cookie and every later one
//     are not read (Werkzeug 2.2's pattern fails there and stops).
//
// Deliberate difference from Werkzeug 3.x, which strips Unicode whitespace:
// the bytes 0x85 and 0xA0 (NEL and NBSP in latin-1) are not whitespace here,
// so "\xa0__Host-session" — a name a page without the __Host- guarantees can
// set — is another cookie, never ours (Werkzeug 2.2 agrees). Werkzeug 3.x
// also reads on past a cookie whose value holds a line feed; Werkzeug 2.2,
// Flask 2.2's, stops there, and so does this reader.
func readCookie(r *http.Request, name string) (string, bool) {
	switch lines := r.Header["Cookie"]; len(lines) {
	case 0:
		return "", false
	case 1:
		return findCookie(lines[0], name)
	default:
		return findCookie(strings.Join(lines, ","), name)
	}
}

// isCookieSpace reports whether c is whitespace for the Cookie header
// grammar: Python's ASCII whitespace (re's \s on bytes, bytes.strip).
func isCookieSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func trimCookieSpace(s string) string {
	for len(s) > 0 && isCookieSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isCookieSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// findCookie returns the value of the first cookie called name in one
// Cookie header line (see readCookie).
func findCookie(line, name string) (string, bool) {
	n := len(line)
	for i := 0; i < n; {
		j := i
		for j < n && line[j] != '=' && line[j] != ';' {
			j++
		}
		key := trimCookieSpace(line[i:j])
		var value string
		if j < n && line[j] == '=' {
			k := j + 1
			for k < n && isCookieSpace(line[k]) {
				k++
			}
			end := -1
			if k < n && line[k] == '"' {
				if q := quotedEnd(line, k); q > 0 {
					m := q
					for m < n && isCookieSpace(line[m]) {
						m++
					}
					if m == n || line[m] == ';' {
						value, end = line[k:q], m
					}
				}
			}
			if end < 0 {
				end = n
				if p := strings.IndexByte(line[k:], ';'); p >= 0 {
					end = k + p
				}
				value = line[k:end]
				for len(value) > 0 && isCookieSpace(value[len(value)-1]) {
					value = value[:len(value)-1]
				}
				if strings.IndexByte(value, '\n') >= 0 {
					// Werkzeug's pattern cannot match an unquoted value
					// across a line feed, and it stops reading there.
					return "", false
				}
			}
			j = end
		}
		i = j + 1
		if key == name && key != "" {
			return unquoteCookie(value), true
		}
	}
	return "", false
}

// quotedEnd returns the index just past the double quote that closes the
// quoted string opening at line[k], or -1: inside, a backslash escapes any
// character but a line feed.
func quotedEnd(line string, k int) int {
	for i := k + 1; i < len(line); i++ {
		switch line[i] {
		case '"':
			return i + 1
		case '\\':
			if i+1 >= len(line) || line[i+1] == '\n' {
				return -1
			}
			i++
		}
	}
	return -1
}

// unquoteCookie removes the double quotes around a cookie value and its
// escapes (backslash and three octal digits, first 0-3, is that byte;
// backslash and any other character but a line feed is that character; any
// other backslash stays). Other values are returned as they are, without
// allocating.
func unquoteCookie(v string) string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	v = v[1 : len(v)-1]
	if strings.IndexByte(v, '\\') < 0 {
		return v
	}
	b := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c != '\\' || i+1 >= len(v) || v[i+1] == '\n' {
			b = append(b, c)
			continue
		}
		if i+3 < len(v) && '0' <= v[i+1] && v[i+1] <= '3' && isOctal(v[i+2]) && isOctal(v[i+3]) {
			b = append(b, (v[i+1]-'0')<<6|(v[i+2]-'0')<<3|(v[i+3]-'0'))
			i += 3
			continue
		}
		b = append(b, v[i+1])
		i++
	}
	return string(b)
}

func isOctal(c byte) bool { return '0' <= c && c <= '7' }

// cookieAttrs are the attributes of the session cookie, as the helpers give them.
type cookieAttrs struct {
	name        string
	domain      string
	path        string
	secure      bool
	httpOnly    bool
	sameSite    http.SameSite
	partitioned bool
}

func attrsOf(h Helpers, cfg *Config, r *http.Request) cookieAttrs {
	return cookieAttrs{
		name:        h.CookieName(cfg, r),
		domain:      h.CookieDomain(cfg),
		path:        h.CookiePath(cfg),
		secure:      h.CookieSecure(cfg) || h.CookiePartitioned(cfg),
		httpOnly:    h.CookieHTTPOnly(cfg),
		sameSite:    h.CookieSameSite(cfg),
		partitioned: h.CookiePartitioned(cfg),
	}
}

// appendSetCookie appends a Set-Cookie header value in Werkzeug's attribute
// order: Domain, Expires, Max-Age, Secure, HttpOnly, Path, SameSite,
// Partitioned. A zero expires omits Expires; maxAge < 0 omits Max-Age.
func appendSetCookie(b []byte, a *cookieAttrs, value []byte, expires time.Time, maxAge int) []byte {
	b = append(b, a.name...)
	b = append(b, '=')
	b = append(b, value...)
	if a.domain != "" {
		b = append(b, "; Domain="...)
		b = append(b, a.domain...)
	}
	if !expires.IsZero() {
		b = append(b, "; Expires="...)
		b = expires.UTC().AppendFormat(b, http.TimeFormat)
	}
	if maxAge >= 0 {
		b = append(b, "; Max-Age="...)
		b = strconv.AppendInt(b, int64(maxAge), 10)
	}
	if a.secure {
		b = append(b, "; Secure"...)
	}
	if a.httpOnly {
		b = append(b, "; HttpOnly"...)
	}
	if a.path != "" {
		b = append(b, "; Path="...)
		b = append(b, a.path...)
	}
	switch a.sameSite {
	case http.SameSiteStrictMode:
		b = append(b, "; SameSite=Strict"...)
	case http.SameSiteLaxMode:
		b = append(b, "; SameSite=Lax"...)
	case http.SameSiteNoneMode:
		b = append(b, "; SameSite=None"...)
	}
	if a.partitioned {
		b = append(b, "; Partitioned"...)
	}
	return b
}

// deletionCookie is the header that removes the cookie: empty value, Expires
// at the epoch, Max-Age=0, and the cookie's other attributes.
func deletionCookie(a *cookieAttrs) string {
	var buf [256]byte
	return string(appendSetCookie(buf[:0], a, nil, time.Unix(0, 0), 0))
}

// headerLines hands out the one-value header slices a response that carries
// the session cookie gets (Set-Cookie, Vary, Cache-Control) from one array
// instead of one allocation each: p, the session's own (Session.headerSlots)
// when set, else one allocated on first use. The zero value is ready to use.
// Each slice has capacity 1, so an append by the application copies it
// rather than writing into its neighbour.
type headerLines struct {
	p *[3]string
	n int
}

func (l *headerLines) one(v string) []string {
	if l.p == nil || l.n == len(l.p) {
		l.p, l.n = new([3]string), 0
	}
	l.p[l.n] = v
	s := l.p[l.n : l.n+1 : l.n+1]
	l.n++
	return s
}

// addCookieHeaders appends line to the Set-Cookie header and adds what
// every response that sets or deletes the session cookie carries: "Vary:
// Cookie" and caching directives no shared cache may store it under
// (keepFromSharedCaches).
func addCookieHeaders(h http.Header, line string, l *headerLines) {
	if old := h["Set-Cookie"]; len(old) > 0 {
		h["Set-Cookie"] = append(old, line)
	} else {
		h["Set-Cookie"] = l.one(line)
	}
	addVaryCookie(h, l)
	keepFromSharedCaches(h, l)
}

// addVaryCookie adds "Cookie" to the Vary header, merging it into an existing
// Vary value and never duplicating it.
func addVaryCookie(h http.Header, l *headerLines) {
	vs := h["Vary"]
	for _, v := range vs {
		if v == "Cookie" {
			return // the common case, without splitting
		}
		for _, tok := range strings.Split(v, ",") {
			tok = strings.TrimSpace(tok)
			if tok == "*" || strings.EqualFold(tok, "Cookie") {
				return
			}
		}
	}
	switch len(vs) {
	case 0:
		h["Vary"] = l.one("Cookie")
	default:
		// Merge into the last Vary line, as Werkzeug's HeaderSet does.
		vs[len(vs)-1] = vs[len(vs)-1] + ", Cookie"
	}
}

// RequestCookie returns the value of the cookie called name in r as Flask
// (Werkzeug) reads the Cookie header: whitespace around "=" ignored, a
// quoted value unquoted and unescaped, the first of several with the same
// name (see readCookie for the rules). For an Interface's Open.
func RequestCookie(r *http.Request, name string) (string, bool) { return readCookie(r, name) }

// SaveCookie writes the session cookie of s to w following Flask's
// save_session, the one save path of every Interface ([SecureCookie] and
// the serverside package use it too):
//
//  1. "Vary: Cookie" when the session was accessed;
//  2. nothing more for a session that was not modified, unless
//     h.ShouldSetCookie says so (a permanent session refreshed on each
//     request) or it must be re-issued (State.Reissue);
//  3. value appends the cookie value to dst (a reused buffer) and returns
//     it; an empty value means the session is empty (Flask's "if not
//     session"): a deletion cookie (Expires at the epoch, Max-Age=0, the
//     same attributes) if it was modified, nothing otherwise;
//  4. otherwise the cookie when h.ShouldSetCookie says so (or State.Reissue),
//     with h's attributes (Werkzeug's order) and Expires from
//     h.ExpirationTime (the zero Time makes a browser-session cookie).
//
// A cookie whose Set-Cookie value exceeds Config.MaxCookieSize is an error
// wrapping ErrCookieTooLarge and nothing is sent, unless
// AllowOversizeCookie is set (a warning is logged); one the next request
// would not read back (over 64 KiB, or MaxCookieSize when larger) is an
// error in every configuration. A response that sets or deletes the
// cookie also gets "Vary: Cookie" and is made unstorable by shared caches
// whatever caching directives the application set: its Cache-Control
// fields (every line, any case of the key) are parsed per RFC 9111 and
// merged into one that drops "public", "s-maxage" and qualified
// private="..." and holds an unqualified "private" (or an unqualified
// "no-store" without "must-understand"); CDN-Cache-Control and
// *-CDN-Cache-Control get the same rewrite, Surrogate-Control becomes
// "no-store" (Rails CVE-2024-26144). An error from value is returned as it
// is.
func SaveCookie(cfg *Config, h Helpers, s *Session, w http.ResponseWriter, r *http.Request, value func(dst []byte) ([]byte, error)) error {
	rc, err := cfg.get()
	if err != nil {
		return err
	}
	header := w.Header()
	lines := headerLines{p: s.headerSlots()}
	accessed, modified, reissue := s.saveFlags()
	if accessed {
		addVaryCookie(header, &lines)
	}
	set := reissue || h.ShouldSetCookie(cfg, s)
	if !modified && !set {
		return nil
	}
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf, err := value((*bp)[:0])
	if err != nil {
		*bp = buf[:0]
		return err
	}
	valueLen := len(buf)
	if valueLen == 0 { // an empty session (value may have emptied it)
		*bp = buf[:0]
		modified = s.modifiedFlag()
		if modified {
			a := attrsOf(h, cfg, r)
			addCookieHeaders(header, deletionCookie(&a), &lines)
		}
		return nil
	}
	if !set {
		*bp = buf[:0]
		return nil
	}
	a := attrsOf(h, cfg, r)
	expires := h.ExpirationTime(cfg, s)
	// The Set-Cookie line follows the value in the same buffer.
	buf = appendSetCookie(buf, &a, buf[:valueLen], expires, -1)
	line := string(buf[valueLen:])
	*bp = buf[:0]
	if rc.maxSize > 0 && len(line) > rc.maxSize {
		tooLarge := &cookieTooLargeError{Name: a.name, ValueSize: valueLen, Size: len(line), Limit: rc.maxSize}
		if !cfg.AllowOversizeCookie {
			return tooLarge
		}
		rc.logger.LogAttrs(r.Context(), slog.LevelWarn, tooLarge.Error())
	}
	// Never send what the next request would not read back.
	if !rc.fits(a.name, valueLen) {
		return &cookieTooLargeError{Name: a.name, ValueSize: valueLen, Size: len(a.name) + 1 + valueLen, Limit: rc.cookieLimit}
	}
	addCookieHeaders(header, line, &lines)
	return nil
}

// keepFromSharedCaches makes a response that sets or deletes the session
// cookie unstorable by shared caches, whatever caching directives the
// application set, so no cache hands one user's cookie to another (Rails
// CVE-2024-26144). The Cache-Control fields are parsed per RFC 9111 §5.2
// (comma-separated directives, names case-insensitive, quoted-string
// arguments that may hold commas; every Cache-Control line, whatever the
// case of its header key, merged into one) and rewritten unless they
// already forbid storing it:
//
//   - "public" and "s-maxage" (which only let shared caches store) are dropped;
//   - a qualified private="..." or no-cache="..." hides only the listed
//     fields (§5.2.2.7, §5.2.2.4): private="..." is dropped and an
//     unqualified "private" added;
//   - an unqualified "private" is added unless one is present, or an
//     unqualified "no-store" without "must-understand" (which lets a cache
//     that knows the status code ignore no-store, §5.2.2.3);
//   - every other directive is kept as written.
//
// Targeted fields that override Cache-Control for some caches (RFC 9213
// CDN-Cache-Control and the vendor *-CDN-Cache-Control fields) get the same
// rewrite; Surrogate-Control becomes "no-store".
func keepFromSharedCaches(h http.Header, l *headerLines) {
	var odd []string // Cache-Control lines under a non-canonical key
	for k, vs := range h {
		// An if chain rather than a switch: mutation testing sees the
		// conditions of an if (a case expression has no coverage block).
		if k == "Cache-Control" {
			continue
		}
		// (Lengths first: EqualFold does not compare them before the bytes.)
		if len(k) == len("Cache-Control") && strings.EqualFold(k, "Cache-Control") {
			odd = append(odd, vs...)
			delete(h, k)
		} else if len(k) >= len("CDN-Cache-Control") && strings.EqualFold(k[len(k)-len("CDN-Cache-Control"):], "CDN-Cache-Control") {
			h[k] = []string{privateDirectives(vs)}
		} else if len(k) == len("Surrogate-Control") && strings.EqualFold(k, "Surrogate-Control") {
			h[k] = []string{"no-store"}
		}
	}
	cc := h["Cache-Control"]
	if len(cc) == 0 && len(odd) == 0 {
		h["Cache-Control"] = l.one("private")
		return
	}
	if len(odd) == 0 && len(cc) == 1 && !needsPrivate(cc[0]) {
		return // the application's own directives already keep it out
	}
	h["Cache-Control"] = []string{privateDirectives(append(append([]string(nil), cc...), odd...))}
}

// cacheDirective is one directive of a Cache-Control field: its name as
// written and whether it has an argument ("name=..."); text is the whole
// directive as written.
type cacheDirective struct {
	name, text string
	hasArg     bool
}

// forEachDirective calls f for every directive of a Cache-Control field
// value: elements split at commas outside quoted strings (a backslash
// escapes the next character inside one), optional whitespace trimmed,
// empty elements skipped.
func forEachDirective(v string, f func(d cacheDirective)) {
	for len(v) > 0 {
		i, quoted := 0, false
		for ; i < len(v); i++ {
			c := v[i]
			if quoted {
				if c == '\\' {
					i++
				} else if c == '"' {
					quoted = false
				}
				continue
			}
			if c == '"' {
				quoted = true
			} else if c == ',' {
				break
			}
		}
		elem := strings.Trim(v[:min(i, len(v))], " \t")
		if i < len(v) {
			v = v[i+1:]
		} else {
			v = ""
		}
		if elem == "" {
			continue
		}
		name, _, hasArg := strings.Cut(elem, "=")
		f(cacheDirective{name: strings.TrimRight(name, " \t"), text: elem, hasArg: hasArg})
	}
}

// needsPrivate reports whether a Cache-Control value lets a shared cache
// store the response, or holds a directive keepFromSharedCaches drops.
func needsPrivate(v string) bool {
	closed, drop, mustUnderstand, noStore := false, false, false, false
	forEachDirective(v, func(d cacheDirective) {
		switch {
		case strings.EqualFold(d.name, "private"):
			if d.hasArg {
				drop = true
			} else {
				closed = true
			}
		case strings.EqualFold(d.name, "no-store"):
			noStore = noStore || !d.hasArg
		case strings.EqualFold(d.name, "must-understand"):
			mustUnderstand = true
		case strings.EqualFold(d.name, "public"), strings.EqualFold(d.name, "s-maxage"):
			drop = true
		}
	})
	return drop || !(closed || (noStore && !mustUnderstand))
}

// privateDirectives merges Cache-Control values into one that no shared
// cache may store (see keepFromSharedCaches).
func privateDirectives(values []string) string {
	var kept []string
	private, mustUnderstand, noStore := false, false, false
	for _, v := range values {
		forEachDirective(v, func(d cacheDirective) {
			switch {
			case strings.EqualFold(d.name, "public"), strings.EqualFold(d.name, "s-maxage"):
				return
			case strings.EqualFold(d.name, "private"):
				if d.hasArg {
					return
				}
				private = true
			case strings.EqualFold(d.name, "no-store"):
				noStore = noStore || !d.hasArg
			case strings.EqualFold(d.name, "must-understand"):
				mustUnderstand = true
			}
			kept = append(kept, d.text)
		})
	}
	if !private && !(noStore && !mustUnderstand) {
		kept = append(kept, "private")
	}
	return strings.Join(kept, ", ")
}
