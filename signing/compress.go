package signing

import (
	"compress/flate"
	"encoding/base64"
	"encoding/binary"
	"io"
	"math/bits"
	"slices"
	"sync"
)

// zlibHeader is what zlib.compress (level 6, window 15) writes: CMF 0x78,
// FLG 0x9c.
var zlibHeader = [2]byte{0x78, 0x9c}

// maxSingleBlock is the longest input compress/flate encodes as a single data
// block (it ends a block every 16384 tokens, and a token covers >= 1 byte).
const maxSingleBlock = 1<<14 - 1

// compressor is a pooled level-6 flate writer with its output buffer.
type compressor struct {
	fw  *flate.Writer
	out []byte
}

// Write collects the flate writer's output.
func (c *compressor) Write(p []byte) (int, error) {
	c.out = append(c.out, p...)
	return len(p), nil
}

var compressors = sync.Pool{New: func() any {
	c := new(compressor)
	c.fw, _ = flate.NewWriter(c, 6) // level 6 is valid: no error
	return c
}}

// appendPayload appends P, the payload part of the cookie, to dst: "." and
// the base64url zlib stream if that saves at least 2 bytes (Flask's
// len(z) < len(json)-1), else the base64url payload.
func appendPayload(dst, payload []byte) []byte {
	if !mayCompress(payload) {
		return base64.RawURLEncoding.AppendEncode(dst, payload)
	}
	c := compressors.Get().(*compressor)
	if z, ok := c.zlib(payload); ok {
		dst = append(dst, '.')
		dst = base64.RawURLEncoding.AppendEncode(dst, z)
	} else {
		dst = base64.RawURLEncoding.AppendEncode(dst, payload)
	}
	c.release()
	return dst
}

// release returns c to the pool, dropping an output buffer of more than
// 1 MiB so that one huge payload does not pin memory.
func (c *compressor) release() {
	if cap(c.out) > 1<<20 {
		c.out = nil
	}
	compressors.Put(c)
}

// zlib compresses p into a zlib stream (in c.out) and reports whether it
// meets Flask's rule. The decision uses the stream as compress/flate writes
// it; the returned stream is then trimmed of the empty final block.
func (c *compressor) zlib(p []byte) ([]byte, bool) {
	c.out = append(c.out[:0], zlibHeader[:]...)
	c.fw.Reset(c)
	c.fw.Write(p) // writes to c cannot fail
	c.fw.Close()
	if len(c.out)+4 >= len(p)-1 {
		return nil, false
	}
	d := trimFinalBlock(c.out[2:], len(p)) // in place, a prefix
	out := c.out[:2+len(d)]
	out = binary.BigEndian.AppendUint32(out, adlerSum(p))
	return out, true
}

// trimFinalBlock removes the empty stored block that compress/flate's Close
// appends after the last data block (3 header bits, padding to a byte, then
// 00 00 ff ff), and sets the final-block bit of the data block instead. This
// saves 4 or 5 bytes. d must hold a single data block followed by that
// stored block, which is the case when the input (of inputLen bytes) is at
// most maxSingleBlock bytes long; otherwise, or when the shape is not the
// expected one, d is returned as is. It edits d in place and returns a prefix
// of it.
func trimFinalBlock(d []byte, inputLen int) []byte {
	n := len(d)
	if inputLen > maxSingleBlock || n < 6 || d[0]&1 != 0 || string(d[n-4:]) != "\x00\x00\xff\xff" {
		return d
	}
	// The stored block header starts at bit r of some byte k; it is 1 (final)
	// followed by 00 (stored). If r <= 5 it fits in byte k, which is then
	// d[n-5], nonzero, with bit r its highest set bit. If r is 6 or 7 its last
	// bits spill into byte k+1 = d[n-5] = 0x00.
	last := d[n-5]
	switch {
	case last == 0: // spill: byte k+1 goes, clear the final bit in byte k
		if n < 7 || d[n-6] < 1<<6 {
			return d
		}
		d[n-6] &^= 1 << (bits.Len8(d[n-6]) - 1)
		d = d[:n-5]
	case last == 1: // r == 0: byte k holds only the stored header
		d = d[:n-5]
	case last >= 1<<6: // impossible shape
		return d
	default: // r in 1..5: byte k also ends the data block
		d[n-5] &^= 1 << (bits.Len8(last) - 1)
		d = d[:n-4]
	}
	d[0] |= 1
	return d
}

// inflater is a pooled flate reader with its input reader and buffer.
type inflater struct {
	fr  io.ReadCloser
	br  byteReader
	buf []byte // base64-decoded compressed payload
}

// byteReader is a minimal bytes.Reader that reports how much is left.
type byteReader struct {
	b []byte
}

func (r *byteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func (r *byteReader) ReadByte() (byte, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c, nil
}

var inflaters = sync.Pool{New: func() any {
	f := new(inflater)
	f.fr = flate.NewReader(&f.br)
	return f
}}

// release returns f to the pool without its input, dropping a buffer of
// more than 64 KiB so that one huge cookie does not pin memory.
func (f *inflater) release() {
	f.br.b = nil
	if cap(f.buf) > 64<<10 {
		f.buf = nil
	}
	inflaters.Put(f)
}

// testHookInflate, when set by tests, is called each time an inflate starts.
var testHookInflate func()

// appendInflate appends the content of the zlib stream z to dst. It reads at
// most limit bytes of output and fails with ErrInflateLimit beyond; the
// stream must end exactly at the end of z (Python's zlib ignores trailing
// bytes; this reader rejects them).
func appendInflate(dst, z []byte, limit int, f *inflater) ([]byte, error) {
	if testHookInflate != nil {
		testHookInflate()
	}
	if len(z) < 2+1+4 {
		return dst, errZlibShort
	}
	cmf, flg := z[0], z[1]
	switch {
	case cmf&0x0f != 8 || cmf>>4 > 7 || (uint16(cmf)<<8|uint16(flg))%31 != 0:
		return dst, errNotZlib
	case flg&0x20 != 0:
		return dst, errZlibDict
	}
	f.br.b = z[2:]
	f.fr.(flate.Resetter).Reset(&f.br, nil)
	start := len(dst)
	// Room for a typical JSON ratio up front, never more than the cap.
	dst = slices.Grow(dst, min(limit+1, max(512, 4*len(z))))
	for {
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		room := min(cap(dst)-len(dst), limit+1-(len(dst)-start))
		n, err := f.fr.Read(dst[len(dst) : len(dst)+room])
		dst = dst[:len(dst)+n]
		if len(dst)-start > limit {
			return dst[:start], errorf(ErrInflateLimit, "payload inflates beyond %d bytes", limit)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return dst[:start], errorf(ErrBadPayload, "payload does not inflate: %v", err)
		}
	}
	rest := f.br.b
	if len(rest) != 4 {
		return dst[:start], errorf(ErrBadPayload, "zlib stream has %d trailing bytes, want 4", len(rest))
	}
	if binary.BigEndian.Uint32(rest) != adlerSum(dst[start:]) {
		return dst[:start], errZlibChecksum
	}
	return dst, nil
}
