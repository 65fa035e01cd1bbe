package sqlitestore_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sessionkit/session/store/sqlitestore"
)

// fsImmutableFL is FS_IMMUTABLE_FL of <linux/fs.h>.
const fsImmutableFL = 0x10

// makeReadOnly makes path unwritable for this process: mode 0444 and, for
// root (whom file modes do not stop), the immutable attribute, removed
// when t ends. Where neither works it skips t, or fails it under CI=true.
func makeReadOnly(t *testing.T, path string) {
	t.Helper()
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		flags, err := unix.IoctlGetUint32(int(f.Fd()), unix.FS_IOC_GETFLAGS)
		if err == nil {
			err = unix.IoctlSetPointerInt(int(f.Fd()), unix.FS_IOC_SETFLAGS, int(flags|fsImmutableFL))
		}
		if err == nil {
			t.Cleanup(func() {
				f, err := os.Open(path)
				if err != nil {
					t.Error(err)
					return
				}
				defer f.Close()
				if err := unix.IoctlSetPointerInt(int(f.Fd()), unix.FS_IOC_SETFLAGS, int(flags)); err != nil {
					t.Errorf("removing the immutable attribute of %s: %v", path, err)
				}
			})
		}
	}
	if f, err := os.OpenFile(path, os.O_RDWR, 0); err == nil {
		f.Close()
		msg := "cannot make a file read-only for this process on this file system (root without the immutable attribute?)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// A database file the process cannot write: Open fails with ErrReadOnly
// and names the file, rather than returning a Store whose every Save
// fails; the file is unchanged and opens again once writable.
func TestOpenReadOnlyFile(t *testing.T) {
	s, path := open(t, sqlitestore.Options{SweepInterval: -1})
	mustSave(t, s, "k", rec(time.Now(), "kept", time.Hour))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("ReadOnly", func(t *testing.T) {
		makeReadOnly(t, path)
		s, err := sqlitestore.Open(ctx, path, sqlitestore.Options{SweepInterval: -1})
		if err == nil {
			s.Close()
			t.Fatal("Open of a read-only database file succeeded")
		}
		if !errors.Is(err, sqlitestore.ErrReadOnly) || !strings.Contains(err.Error(), path) {
			t.Errorf("Open of a read-only file: %v; want ErrReadOnly and the path", err)
		}
	})
	if after, err := os.ReadFile(path); err != nil || string(after) != string(before) {
		t.Errorf("the read-only file changed (%v)", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path, sqlitestore.Options{SweepInterval: -1})
	if got, ok := loaded(t, s, "k"); !ok || string(got.Data) != "kept" {
		t.Errorf("after making it writable again: %q %v", got.Data, ok)
	}
}
