package main

import (
	"encoding/hex"
	"flag"
	"fmt"
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
	fs.Func("secret", "signing `KEY` as text (Flask's SECRET_KEY)", func(s string) error { return setSecret([]byte(s)) })
	fs.Func("secret-hex", "signing key as `HEX` bytes", func(s string) error {
		b, err := hex.DecodeString(s)
		if err != nil {
			return fmt.Errorf("not hex: %w", err)
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
		k.fallbacks = append(k.fallbacks, []byte(s))
		return nil
	})
	fs.Func("fallback-hex", "an older accepted key as `HEX` bytes (repeatable)", func(s string) error {
		b, err := hex.DecodeString(s)
		if err != nil {
			return fmt.Errorf("not hex: %w", err)
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

func readKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return []byte(strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")), nil
}
