package signing

import "testing"

// TestZbufDroppedOverTheLimit: the scratch buffer of a Compressor's zlib
// stream goes back to its pool up to 1 MiB of capacity and is dropped
// beyond, like the other pooled buffers (TestPooledBuffersDroppedOverTheLimit).
func TestZbufDroppedOverTheLimit(t *testing.T) {
	for _, tc := range []struct {
		capacity int
		kept     bool
	}{
		{0, true}, {4096, true}, {1 << 20, true}, {1<<20 + 1, false}, {4 << 20, false},
	} {
		zp := new([]byte)
		putZbuf(zp, make([]byte, 3, tc.capacity+3)[3:])
		if kept := *zp != nil; kept != tc.kept {
			t.Errorf("buffer of capacity %d: kept %v, want %v", tc.capacity, kept, tc.kept)
		}
	}
}
