package deflate

import (
	"fmt"
	"sync"

	"github.com/klauspost/compress/flate"
)

// DefaultLevel is the klauspost/compress/flate level New uses when
// Options.Level is 0 (see the package documentation for the measurements).
const DefaultLevel = 2

// Options configures New. The zero value is DefaultLevel.
type Options struct {
	// Level is the klauspost/compress/flate level, 1 (fastest) to 9
	// (smallest). 0 means DefaultLevel.
	Level int
}

// Compressor makes raw DEFLATE streams with pooled klauspost/compress
// flate writers. It implements signing.Compressor and is safe for
// concurrent use.
type Compressor struct {
	level int
	pool  sync.Pool // *writer
}

// writer is a pooled flate writer and the slice it appends to.
type writer struct {
	fw  *flate.Writer
	out []byte
}

// Write collects the flate writer's output.
func (w *writer) Write(p []byte) (int, error) {
	w.out = append(w.out, p...)
	return len(p), nil
}

// New returns a Compressor at opts.Level. The error wraps ErrLevel for a
// level outside 0..9.
func New(opts Options) (*Compressor, error) {
	level := opts.Level
	if level == 0 {
		level = DefaultLevel
	}
	if level < 1 || level > 9 {
		return nil, fmt.Errorf("%w: %d, want 1 to 9 (or 0 for %d)", ErrLevel, opts.Level, DefaultLevel)
	}
	c := &Compressor{level: level}
	c.pool.New = func() any {
		w := new(writer)
		w.fw, _ = flate.NewWriter(w, level) // level checked above: no error
		return w
	}
	return c, nil
}

// Level returns the flate level c compresses at.
func (c *Compressor) Level() int { return c.level }

// AppendDeflate appends a complete raw DEFLATE stream (RFC 1951) of p to
// dst and returns the extended slice; it never declines. The stream ends
// with the empty final block klauspost/compress/flate writes on Close (2
// bytes). Below 128 bytes klauspost/compress/flate looks for no matches
// (the stream is Huffman-coded or stored), so a short payload seldom
// compresses: signing then sends it uncompressed without running its
// built-in writer, which is what makes short sessions cheap.
func (c *Compressor) AppendDeflate(dst, p []byte) []byte {
	w := c.pool.Get().(*writer)
	w.out = dst
	w.fw.Reset(w)
	w.fw.Write(p) // writes to w cannot fail
	w.fw.Close()
	dst = w.out
	w.out = nil // the caller's memory, not the pool's
	c.pool.Put(w)
	return dst
}
