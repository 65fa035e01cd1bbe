package storetest

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/sessionkit/session/store"
)

var closedCases = []testCase{
	{
		name: "Closed",
		explanation: "after Close (for a store that is an io.Closer) every method fails with ErrClosed, " +
			"CompareAndDelete and the optional ones included: a closed store never reports a success it " +
			"did not have. Close may be called again (the suite's caller usually closes in t.Cleanup).",
		f: func(t *testing.T, s store.Store) {
			c, ok := s.(io.Closer)
			if !ok {
				t.Skip("not an io.Closer")
			}
			r := record("x")
			r.Subject = "alice"
			v := mustSave(t, s, "k", r)
			if err := c.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			checks := map[string]error{
				"Delete":              s.Delete(ctx, "k"),
				"CompareAndDelete":    s.CompareAndDelete(ctx, "k", v),
				"CompareAndDelete(0)": s.CompareAndDelete(ctx, "missing", 0),
			}
			var ok2 bool
			_, ok2, checks["Load"] = s.Load(ctx, "k")
			if ok2 {
				t.Error("Load after Close returned a record")
			}
			r.Version = v
			_, checks["Save"] = s.Save(ctx, "k", r)
			_, checks["Save(0)"] = s.Save(ctx, "new", record("y"))
			if tt, ok := s.(store.Toucher); ok {
				checks["Touch"] = tt.Touch(ctx, "k", now(), now().Add(time.Hour))
			}
			if ss, ok := s.(store.SubjectStore); ok {
				_, checks["Sessions"] = ss.Sessions(ctx, "alice")
				_, checks["DeleteSubject"] = ss.DeleteSubject(ctx, "alice", "")
			}
			if sw, ok := s.(store.Sweeper); ok {
				_, checks["Sweep"] = sw.Sweep(ctx)
			}
			for name, err := range checks {
				if !errors.Is(err, store.ErrClosed) {
					t.Errorf("%s after Close: %v, want ErrClosed", name, err)
				}
			}
		},
	},
}
