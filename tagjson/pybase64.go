package tagjson

import "errors"

// pyB64Decode is Python's base64.b64decode(s) without validate, which
// Flask's TagBytes uses: binascii.a2b_base64 in its lenient mode. Bytes
// outside the standard alphabet are skipped; a '=' ends the data once it
// completes a quad (data after it is ignored); an unfinished quad is an
// error (binascii.Error), as is a single data character left over.
func pyB64Decode(s []byte) ([]byte, error) {
	out := make([]byte, 0, len(s)/4*3+2)
	var left byte
	quad, pads := 0, 0
	for _, c := range s {
		if c == '=' {
			if quad >= 2 {
				pads++
				if quad+pads >= 4 {
					return out, nil
				}
			}
			continue
		}
		v := b64Value[c]
		if v == 0xff {
			continue
		}
		pads = 0
		switch quad {
		case 0:
			quad, left = 1, v
		case 1:
			out = append(out, left<<2|v>>4)
			quad, left = 2, v&0x0f
		case 2:
			out = append(out, left<<4|v>>2)
			quad, left = 3, v&0x03
		case 3:
			out = append(out, left<<6|v)
			quad, left = 0, 0
		}
	}
	switch quad {
	case 0:
		return out, nil
	case 1:
		return nil, errors.New("payload is not base64: one data character more than a multiple of 4")
	}
	return nil, errors.New("payload is not base64: incorrect padding")
}

// b64Value maps the standard base64 alphabet to its values, and every
// other byte to 0xff.
var b64Value = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()
