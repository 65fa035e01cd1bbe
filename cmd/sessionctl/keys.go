package main

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// keyFlags collects the secret key and fallbacks from the command line.
type keyFlags struct {
	secret    []byte
	secretSet bool
	fallbacks [][]byte
}

func (k *keyFlags) register(fs *flag.FlagSet) {
	setSecret := func(b []byte) error {
		if k.secretSet {
			return fmt.Errorf("give the secret key once")
		}
		k.secret, k.secretSet = b, true
		return nil
	}
	fs.Func("secret", "signing `KEY` as text (Flask's SECRET_KEY)", func(s string) error {
		if s == "" {
			return errEmptyKey
		}
		return setSecret([]byte(s))
	})
	fs.Func("secret-hex", "signing key as `HEX` bytes", func(s string) error {
		b, err := decodeHexKey(s)
		if err != nil {
			return err
		}
		return setSecret(b)
	})
	fs.Func("secret-file", "read the signing key from `FILE`", func(s string) error {
		b, err := readKeyFile(s)
		if err != nil {
			return err
		}
		return setSecret(b)
	})
	fs.Func("fallback", "an older accepted `KEY` as text (repeatable; SECRET_KEY_FALLBACKS)", func(s string) error {
		if s == "" {
			return errEmptyKey
		}
		k.fallbacks = append(k.fallbacks, []byte(s))
		return nil
	})
	fs.Func("fallback-hex", "an older accepted key as `HEX` bytes (repeatable)", func(s string) error {
		b, err := decodeHexKey(s)
		if err != nil {
			return err
		}
		k.fallbacks = append(k.fallbacks, b)
		return nil
	})
	fs.Func("fallback-file", "read an older accepted key from `FILE` (repeatable)", func(s string) error {
		b, err := readKeyFile(s)
		if err != nil {
			return err
		}
		k.fallbacks = append(k.fallbacks, b)
		return nil
	})
}

// resolve falls back to $SESSIONKIT_SECRET and checks a key is present.
func (k *keyFlags) resolve(getenv func(string) string) error {
	if !k.secretSet {
		if env := getenv("SESSIONKIT_SECRET"); env != "" {
			k.secret, k.secretSet = []byte(env), true
		}
	}
	if !k.secretSet || len(k.secret) == 0 {
		return usageErr("no secret key: give --secret, --secret-hex, --secret-file or set SESSIONKIT_SECRET")
	}
	return nil
}

var errEmptyKey = errors.New("the key is empty")

// maxKeyFile bounds what a key file may hold (a path like /dev/zero must
// not read forever).
const maxKeyFile = 64 << 10

func decodeHexKey(s string) ([]byte, error) {
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("not hex: %w", err)
	}
	if len(b) == 0 {
		return nil, errEmptyKey
	}
	return b, nil
}

// readKeyFile reads a key from path, dropping one trailing newline (LF or
// CRLF). An empty key, or a file over 64 KiB, is an error.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxKeyFile {
		return nil, fmt.Errorf("%s is over %d bytes: not a key file", path, maxKeyFile)
	}
	b = []byte(strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r"))
	if len(b) == 0 {
		return nil, fmt.Errorf("%s: %w", path, errEmptyKey)
	}
	return b, nil
}
