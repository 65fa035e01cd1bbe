package signing_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/sessionkit/session/signing"
)

func Example() {
	s, err := signing.New([]byte("dev-secret-key-1"), nil, signing.Options{
		Now: func() time.Time { return time.Unix(1700000060, 0) },
	})
	if err != nil {
		panic(err)
	}
	cookie := s.AppendSign(nil, []byte(`{"user":"alice"}`), 1700000000)
	fmt.Println(string(cookie))

	payload, signed, err := s.Verify(string(cookie), 31*24*time.Hour)
	fmt.Println(string(payload), signed.Format(time.RFC3339), err)

	_, _, err = s.Verify(string(cookie), 30*time.Second)
	fmt.Println(err, errors.Is(err, signing.ErrInvalid))
	// Output:
	// eyJ1c2VyIjoiYWxpY2UifQ.ZVPxAA.LQ55TDIiJfvxB7VwlwEgxsz5GuU
	// {"user":"alice"} 2023-11-14T22:13:20Z <nil>
	// signing: signature expired: age 60s exceeds 30s true
}

// Errors come in two classes: ErrInvalid means "no session" (Flask starts an
// empty one), ErrBadPayload means a validly signed cookie that does not
// decode (Flask answers 500).
func ExampleSigner_Verify_errors() {
	s, _ := signing.New([]byte("dev-secret-key-1"), nil, signing.Options{})
	for _, cookie := range []string{
		"eyJ1c2VyIjoiYWxpY2UifQ.ZVPxAA.AAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"not-a-cookie",
	} {
		_, _, err := s.Verify(cookie, 0)
		switch {
		case errors.Is(err, signing.ErrInvalid):
			fmt.Println("new empty session:", err)
		case errors.Is(err, signing.ErrBadPayload):
			fmt.Println("server error:", err)
		}
	}
	// Output:
	// new empty session: signing: signature does not match any key
	// new empty session: signing: malformed cookie: no '.' separator
}
