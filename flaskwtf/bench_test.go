package flaskwtf_test

import (
	"net/http"
	"testing"

	"github.com/sessionkit/session/flaskwtf"
)

func BenchmarkToken(b *testing.B) {
	s := newMem(map[string]any{"csrf_token": "8d6c3a3f0bd1d5cf1c3f6b1c2f4a9e7d6b5a4c3e"})
	c, _ := flaskwtf.New(flaskwtf.Config{SecretKey: []byte("k"), Session: func(*http.Request) flaskwtf.Session { return s }})
	r := get()
	b.ReportAllocs()
	for b.Loop() {
		c.Token(r)
	}
}

func BenchmarkValidate(b *testing.B) {
	s := newMem(map[string]any{"csrf_token": "8d6c3a3f0bd1d5cf1c3f6b1c2f4a9e7d6b5a4c3e"})
	c, _ := flaskwtf.New(flaskwtf.Config{SecretKey: []byte("k"), Session: func(*http.Request) flaskwtf.Session { return s }})
	r := get()
	tok, _ := c.Token(r)
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Validate(r, tok); err != nil {
			b.Fatal(err)
		}
	}
}
