package boltstore

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/store"
)

// A damaged record is reported by what is wrong with it, first problem
// first, so that whoever reads the log can tell a truncated file from a
// foreign value.
func TestParseRecordErrors(t *testing.T) {
	at := time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)
	// Clipped, so that every append below makes a copy.
	head := slices.Clip(appendHead(nil, 7, at, at, at))
	noMeta := slices.Clip(append(appendString(head, "alice"), 0)) // subject, 0 meta entries
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "empty value"},
		{"format 2", []byte{2}, "unknown format version 2"},
		{"no version", []byte{1}, "bad uvarint"},
		{"cut before Created", []byte{1, 7}, "bad varint"},
		{"cut inside Created's seconds", []byte{1, 7, 0x80}, "bad varint"},
		{"cut before Created's nanoseconds", binary.AppendVarint([]byte{1, 7}, at.Unix()), "bad uvarint"},
		{"nanoseconds out of range", binary.AppendUvarint(binary.AppendVarint([]byte{1, 7}, at.Unix()), 1e9), "nanoseconds 1000000000 out of range"},
		// A count the bytes left cannot hold (each entry takes two at least)
		// is refused before any entry is read.
		{"meta count", append(appendString(head, "alice"), 3, 0, 0, 0, 0, 0), "meta count 3 exceeds the record"},
		{"subject longer than the record", append(head, 50, 'a'), "length 50 exceeds the 1 bytes left"},
		{"no data", noMeta, "bad uvarint"},
		{"bytes after the data", append(appendString(noMeta, "d"), 0), "1 bytes after the data"},
	} {
		_, err := parseRecord(c.b)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrCorrupt saying %q", c.name, err, c.want)
		}
	}
}

// A record without data or metadata loads with nil Data and Meta, as memstore
// returns a record saved with nil ones: no empty allocation per load.
func TestEmptyFieldsLoadNil(t *testing.T) {
	for _, r := range []store.Record{{Version: 1}, {Version: 1, Data: []byte{}, Meta: map[string]string{}}} {
		raw, err := parseRecord(encodeRecord(&r))
		if err != nil {
			t.Fatal(err)
		}
		got := raw.record(true)
		if got.Data != nil || got.Meta != nil {
			t.Errorf("record with empty data and metadata loaded with Data %#v, Meta %#v; want nil, nil", got.Data, got.Meta)
		}
		if info := raw.info("k"); info.Meta != nil {
			t.Errorf("info of a record without metadata: Meta %#v, want nil", info.Meta)
		}
	}
}

// The index keys are built in one allocation of their exact size, and
// start with their prefix.
func TestIndexKeys(t *testing.T) {
	at := time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)
	for _, key := range []string{"k", strings.Repeat("k", store.MaxKeyLen)} {
		for _, subject := range []string{"a", strings.Repeat("s", 200), strings.Repeat("s", MaxSubjectLen)} {
			sk := subjectKey([]byte(key), []byte(subject))
			if want := string(subjectPrefix(nil, []byte(subject))) + key; string(sk) != want || cap(sk) != len(sk) {
				t.Errorf("subjectKey(%d-byte key, %d-byte subject): %d bytes, capacity %d; want %d bytes, no spare capacity",
					len(key), len(subject), len(sk), cap(sk), len(want))
			}
		}
		ek := expiryKey([]byte(key), at)
		if want := string(expiryPrefix(nil, at)) + key; string(ek) != want || cap(ek) != len(ek) || len(ek) != expiryLen+len(key) {
			t.Errorf("expiryKey(%d-byte key): %d bytes, capacity %d; want %d bytes, no spare capacity", len(key), len(ek), cap(ek), len(want))
		}
	}
	if subjectKey([]byte("k"), nil) != nil || expiryKey([]byte("k"), time.Time{}) != nil {
		t.Error("an index key for no subject or no expiry")
	}
}
