package session

import (
	"net/http"
	"strings"
)

// SecureCookieName is the cookie name the secure profile uses. The __Host-
// prefix makes browsers insist on Secure, Path=/ and no Domain, so a
// sibling subdomain or an insecure page cannot plant or overwrite it.
const SecureCookieName = "__Host-session"

// SecureProfile returns c with the cookie settings OWASP and ASVS 5 ask for:
// the name "__Host-session", Secure, HttpOnly, SameSite=Lax, Path=/ and no
// Domain. Other fields are kept. The site must be served over HTTPS.
func SecureProfile(c Config) Config {
	c.CookieName = SecureCookieName
	c.CookieSecure = true
	c.DisableHTTPOnly = false
	c.CookieSameSite = "Lax"
	c.CookiePath = "/"
	c.CookieDomain = ""
	return c
}

// markPrivate keeps a response that sets a session cookie out of shared
// caches: it adds "private" to Cache-Control unless the application already
// chose private or no-store, and drops a "public" directive.
func markPrivate(h http.Header, l *headerLines) {
	cc := h["Cache-Control"]
	if len(cc) == 0 {
		h["Cache-Control"] = l.one("private")
		return
	}
	var kept []string
	for _, line := range cc {
		for _, d := range strings.Split(line, ",") {
			d = strings.TrimSpace(d)
			name, _, _ := strings.Cut(d, "=")
			switch strings.ToLower(name) {
			case "private", "no-store":
				return // already stricter than or as strict as private
			case "public", "":
				continue
			}
			kept = append(kept, d)
		}
	}
	h["Cache-Control"] = []string{strings.Join(append(kept, "private"), ", ")}
}
