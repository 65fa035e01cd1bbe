package main

import (
	"net"
	"net/http"
	"strings"
)

// describeAgent names the browser and operating system of a User-Agent, as
// "Firefox 128 on Linux", for the sessions table. It knows the common
// browsers by their tokens, checked most specific first (Edge and Opera
// also say Chrome; Chrome also says Safari), and keeps the major version
// only. A User-Agent it does not recognise is shown as sent (cut at 60
// characters): a guess would be a lie. An empty one is "unknown device".
func describeAgent(ua string) string {
	ua = strings.TrimSpace(ua)
	if ua == "" {
		return "unknown device"
	}
	browser := ""
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"},
		{"EdgA/", "Edge"},
		{"EdgiOS/", "Edge"},
		{"OPR/", "Opera"},
		{"SamsungBrowser/", "Samsung Internet"},
		{"Vivaldi/", "Vivaldi"},
		{"HeadlessChrome/", "Headless Chrome"},
		{"Chromium/", "Chromium"},
		{"CriOS/", "Chrome"},
		{"Chrome/", "Chrome"},
		{"FxiOS/", "Firefox"},
		{"Firefox/", "Firefox"},
	} {
		if v, ok := version(ua, b.token); ok {
			browser = strings.TrimSpace(b.name + " " + v)
			break
		}
	}
	if browser == "" && strings.Contains(ua, "Safari/") {
		v, _ := version(ua, "Version/")
		browser = strings.TrimSpace("Safari " + v)
	}
	system := ""
	for _, o := range []struct{ token, name string }{
		{"Windows", "Windows"},
		{"Android", "Android"},
		{"iPhone", "iOS"},
		{"iPad", "iPadOS"},
		{"CrOS", "ChromeOS"},
		{"Mac OS X", "macOS"},
		{"Macintosh", "macOS"},
		{"Linux", "Linux"},
		{"FreeBSD", "FreeBSD"},
	} {
		if strings.Contains(ua, o.token) {
			system = o.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return "a browser on " + system
	}
	if len(ua) > 60 {
		return strings.ToValidUTF8(ua[:60], "") + "…"
	}
	return ua
}

// version returns the major version that follows token in ua.
func version(ua, token string) (string, bool) {
	i := strings.Index(ua, token)
	if i < 0 {
		return "", false
	}
	v := ua[i+len(token):]
	end := 0
	for end < len(v) && v[end] >= '0' && v[end] <= '9' {
		end++
	}
	if end == 0 {
		return "", true
	}
	return v[:end], true
}

// sessionMeta is what the server-side backend records with a session at
// login (serverside.Options.Meta), shown on "your sessions": the
// User-Agent and the client's address. The demo is not meant to run behind
// a proxy, so the address is the peer's, never X-Forwarded-For (which any
// client can set).
func sessionMeta(r *http.Request) map[string]string {
	addr := r.RemoteAddr
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	return map[string]string{"agent": r.UserAgent(), "addr": addr}
}
