package signing

import "testing"

// Pooled scratch buffers are kept up to their limit and dropped beyond it,
// so that one huge cookie or payload does not pin memory: the Signer's
// state at 64 KiB, the inflater's buffer at 64 KiB, the compressor's output
// at 1 MiB.
func TestPooledBuffersDroppedOverTheLimit(t *testing.T) {
	s, err := New([]byte("k"), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		limit int
		// release pools a fresh object holding a buffer of capacity c and
		// reports whether it kept the buffer.
		release func(c int) bool
	}{
		{"signer state", 64 << 10, func(c int) bool {
			st := &state{buf: make([]byte, 0, c)}
			s.release(st)
			return st.buf != nil
		}},
		{"inflater", 64 << 10, func(c int) bool {
			f := inflaters.New().(*inflater)
			f.buf = make([]byte, 0, c)
			f.br.b = []byte("stale input")
			f.release()
			if f.br.b != nil {
				t.Errorf("inflater pooled with its input")
			}
			return f.buf != nil
		}},
		{"compressor", 1 << 20, func(c int) bool {
			z := compressors.New().(*compressor)
			z.out = make([]byte, 0, c)
			z.release()
			return z.out != nil
		}},
	} {
		if !tc.release(tc.limit) {
			t.Errorf("%s: a buffer of exactly %d bytes was dropped", tc.name, tc.limit)
		}
		if tc.release(tc.limit + 1) {
			t.Errorf("%s: a buffer of %d bytes was kept", tc.name, tc.limit+1)
		}
	}
}
