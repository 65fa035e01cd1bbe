package session

// secureCookieName is the cookie name the secure profile uses. The __Host-
// prefix makes browsers insist on Secure, Path=/ and no Domain, so a
// sibling subdomain or an insecure page cannot plant or overwrite it.
const secureCookieName = "__Host-session"

// SecureProfile returns c with the cookie settings OWASP and ASVS 5 ask for:
// the name "__Host-session", Secure, HttpOnly, SameSite=Lax, Path=/ and no
// Domain. Other fields are kept. The site must be served over HTTPS.
func SecureProfile(c Config) Config {
	c.CookieName = secureCookieName
	c.CookieSecure = true
	c.DisableHTTPOnly = false
	c.CookieSameSite = "Lax"
	c.CookiePath = "/"
	c.CookieDomain = ""
	return c
}
