package deflate_test

import (
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/deflate"
	"github.com/sessionkit/session/signing"
)

// A session.Manager whose cookies are compressed with this package. Only
// Config.Signing.Compressor changes; everything else, reading included, is
// as without it.
func Example() {
	c, err := deflate.New(deflate.Options{}) // DefaultLevel, 2
	if err != nil {
		log.Fatal(err)
	}
	m, err := session.New(session.Config{
		SecretKey: []byte("change me: 32 random bytes"),
		Signing:   signing.Options{Compressor: c},
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = m // m.Handler(app) serves the app with sessions

	// The same Compressor with a signing.Signer directly.
	s, err := signing.New([]byte("change me"), nil, signing.Options{
		Compressor: c,
		Now:        func() time.Time { return time.Unix(1700000000, 0) },
	})
	if err != nil {
		log.Fatal(err)
	}
	payload := []byte(`{"cart":"` + strings.Repeat("item-42,", 100) + `"}`)
	cookie := s.Sign(payload)
	got, _, err := s.Verify(cookie, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("compressed:", strings.HasPrefix(cookie, "."))
	fmt.Println("payload bytes:", len(payload), "cookie bytes < 100:", len(cookie) < 100)
	fmt.Println("read back:", string(got) == string(payload))
	// Output:
	// compressed: true
	// payload bytes: 811 cookie bytes < 100: true
	// read back: true
}
