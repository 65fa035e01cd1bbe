package deflate

import (
	"fmt"
	"sync"

	"github.com/klauspost/compress/flate"
)

// DefaultLevel is the klauspost/compress/flate level New uses when
// Options.Level is 0 (see the package documentation for the measurements).
const DefaultLevel = 2

// MinLength is the shortest payload, in bytes, AppendDeflate compresses;
// it declines shorter ones. klauspost/compress/flate looks for no matches
// in a stream shorter than 128 bytes (it writes it stored or Huffman-coded
// only), so its stream would rarely clear signing's margin, and the built-in
// writer would run after it anyway.
const MinLength = 128

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
// dst and returns the extended slice, or returns dst unchanged (declines p,
// see signing.Compressor) when p is shorter than MinLength bytes. The
// stream ends with the empty final block klauspost/compress/flate writes
// on Close (2 bytes).
func (c *Compressor) AppendDeflate(dst, p []byte) []byte {
	if len(p) < MinLength {
		return dst
	}
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
