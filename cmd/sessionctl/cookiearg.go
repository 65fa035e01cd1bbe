package main

import (
	"fmt"
	"strings"
)

// cookieValue finds the session cookie's value in what the user gave:
//
//	VALUE                          the value itself
//	"VALUE"                        quoted, as a browser may send it
//	session=VALUE                  name=value, as copied from dev tools
//	a=b; session=VALUE             a whole Cookie header value
//	Cookie: a=b; session=VALUE     the header line
//	session=VALUE; Path=/; HttpOnly               a Set-Cookie value
//	Set-Cookie: session=VALUE; Path=/; HttpOnly   the header line
//
// name is the cookie name (Flask's SESSION_COOKIE_NAME). As Flask reads a
// Cookie header, the first cookie with that name wins and one pair of
// surrounding double quotes is removed. A signed cookie value never
// holds '=', ';', '"' or blanks, so anything with '=' is read as
// name=value pairs. An error names what is wrong with the input; whether
// the value is a valid cookie is for the signer to say. An empty value
// is returned as "" without error: Flask starts a new session for it,
// and decode reports it as an invalid cookie (exit 1).
func cookieValue(in, name string) (string, error) {
	s := strings.TrimSpace(in)
	if s == "" {
		return "", nil
	}
	if rest, ok := cutPrefixFold(s, "Set-Cookie:"); ok {
		first, _, _ := strings.Cut(rest, ";")
		k, v, ok := strings.Cut(strings.TrimSpace(first), "=")
		if !ok {
			return "", fmt.Errorf("the Set-Cookie line has no name=value: %q", clip(rest))
		}
		if k = strings.TrimSpace(k); k != name {
			return "", fmt.Errorf("the Set-Cookie line sets cookie %q, not %q (see --name)", clip(k), name)
		}
		return unquote(strings.TrimSpace(v), name)
	}
	header, isHeader := cutPrefixFold(s, "Cookie:")
	if !isHeader && !strings.ContainsAny(s, "=;") {
		return unquote(s, name)
	}
	if !isHeader {
		header = s
	}
	var names []string
	for part := range strings.SplitSeq(header, ";") {
		k, v, ok := strings.Cut(strings.Trim(part, " \t"), "=")
		if !ok {
			continue // an attribute like HttpOnly, or a stray word
		}
		if k == name {
			return unquote(v, name)
		}
		if len(names) < 5 {
			names = append(names, clip(k))
		}
	}
	if len(names) == 0 {
		return "", fmt.Errorf("no name=value pair in %q", clip(header))
	}
	return "", fmt.Errorf("no cookie named %q among %q (see --name)", name, names)
}

// unquote removes one pair of surrounding double quotes, as the
// middleware does; a lone quote is an error.
func unquote(v, name string) (string, error) {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	} else if strings.Contains(v, `"`) {
		return "", fmt.Errorf("the value of cookie %q has an unbalanced double quote", name)
	}
	return v, nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// clip shortens what is quoted back in a message.
func clip(s string) string {
	const n = 40
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
