package flasklogin

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// EncodeCookie returns the remember cookie value Flask-Login writes for the
// user id: id + "|" + the lowercase hex HMAC-SHA512 of the UTF-8 id keyed by
// Config.SecretKey (128 hex digits). The value is the decoded form; the
// Set-Cookie line quotes it as Werkzeug does when id holds characters a
// cookie value cannot carry.
func (m *Manager) EncodeCookie(id string) string {
	return id + "|" + m.digest(id)
}

// DecodeCookie checks a remember cookie value (decoded, as a browser sent
// it back) and returns the user id it carries. It splits at the last "|"
// and compares the digest in constant time, like Flask-Login's
// decode_cookie. A value that is not valid UTF-8 is refused (Flask-Login
// would check it after replacing bad bytes with U+FFFD; it never writes
// one).
func (m *Manager) DecodeCookie(value string) (id string, ok bool) {
	i := strings.LastIndexByte(value, '|')
	if i < 0 || !utf8.ValidString(value) {
		return "", false
	}
	payload, digest := value[:i], value[i+1:]
	if !hmac.Equal([]byte(m.digest(payload)), []byte(digest)) {
		return "", false
	}
	return payload, true
}

func (m *Manager) digest(payload string) string {
	mac := hmac.New(sha512.New, m.cfg.SecretKey)
	mac.Write([]byte(payload))
	return hex.EncodeToString(mac.Sum(nil))
}

// requestCookie returns the first cookie called name as Werkzeug 2.2 reads
// the Cookie header: pairs split at ";", whitespace around names and values
// dropped, a double-quoted value unquoted (backslash escapes and \ooo octal
// escapes), bytes as UTF-8.
func requestCookie(r *http.Request, name string) (string, bool) {
	for _, line := range r.Header["Cookie"] {
		for part := range strings.SplitSeq(line, ";") {
			k, v, _ := strings.Cut(part, "=")
			if strings.TrimSpace(k) != name {
				continue
			}
			return cookieUnquote(strings.TrimSpace(v)), true
		}
	}
	return "", false
}

// cookieUnquote is Werkzeug's _cookie_unquote.
func cookieUnquote(v string) string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	v = v[1 : len(v)-1]
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c != '\\' || i+1 >= len(v) {
			b.WriteByte(c)
			continue
		}
		if i+3 < len(v) && isOctal(v[i+1], '3') && isOctal(v[i+2], '7') && isOctal(v[i+3], '7') {
			b.WriteByte((v[i+1]-'0')<<6 | (v[i+2]-'0')<<3 | (v[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(v[i+1])
		i++
	}
	return b.String()
}

func isOctal(c, max byte) bool { return c >= '0' && c <= max }

// legalCookieByte reports the bytes Werkzeug 2.2 writes in a cookie value
// without quoting it.
func legalCookieByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("/=!#$%&'*+-.^_`|~:", c) >= 0
}

// cookieQuote is Werkzeug 2.2's _cookie_quote: the value as is when every
// byte is legal, else in double quotes with "," ";" as \054 \073, '"' and
// '\' backslash-escaped and control and non-ASCII bytes as \ooo.
func cookieQuote(v string) string {
	legal := true
	for i := 0; i < len(v); i++ {
		if !legalCookieByte(v[i]) {
			legal = false
			break
		}
	}
	if legal {
		return v
	}
	const octal = "01234567"
	b := make([]byte, 0, len(v)+8)
	b = append(b, '"')
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case legalCookieByte(c):
			b = append(b, c)
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == ',' || c == ';' || c < 32 || c >= 127:
			b = append(b, '\\', octal[c>>6], octal[c>>3&7], octal[c&7])
		default:
			b = append(b, c)
		}
	}
	return string(append(b, '"'))
}

// setCookieLine is the Set-Cookie value Werkzeug 2.2's dump_cookie writes
// for the remember cookie: attributes in its order (Domain, Expires,
// Max-Age, Secure, HttpOnly, Path, SameSite).
func (m *Manager) setCookieLine(value string, expires time.Time) string {
	c := &m.cfg.Remember
	var b strings.Builder
	b.WriteString(c.Name)
	b.WriteByte('=')
	b.WriteString(cookieQuote(value))
	if c.Domain != "" {
		b.WriteString("; Domain=")
		b.WriteString(cookieQuote(c.Domain))
	}
	b.WriteString("; Expires=")
	b.WriteString(expires.UTC().Format(http.TimeFormat))
	if c.Secure {
		b.WriteString("; Secure")
	}
	if !c.DisableHTTPOnly {
		b.WriteString("; HttpOnly")
	}
	b.WriteString("; Path=")
	b.WriteString(c.Path)
	if s := sameSiteName(c.SameSite); s != "" {
		b.WriteString("; SameSite=")
		b.WriteString(s)
	}
	return b.String()
}

// clearCookieLine is what Flask-Login's _clear_cookie sends:
// response.delete_cookie(name, domain=..., path=...), which in Werkzeug 2.2
// carries neither Secure, HttpOnly nor SameSite.
func (m *Manager) clearCookieLine() string {
	c := &m.cfg.Remember
	var b strings.Builder
	b.WriteString(c.Name)
	b.WriteString("=")
	if c.Domain != "" {
		b.WriteString("; Domain=")
		b.WriteString(cookieQuote(c.Domain))
	}
	b.WriteString("; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=")
	b.WriteString(c.Path)
	return b.String()
}

func sameSiteName(s http.SameSite) string {
	switch s {
	case http.SameSiteLaxMode:
		return "Lax"
	case http.SameSiteStrictMode:
		return "Strict"
	case http.SameSiteNoneMode:
		return "None"
	}
	return ""
}
