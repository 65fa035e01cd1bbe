package deflate

import "errors"

// ErrLevel is returned by New for a level outside 1..9.
var ErrLevel = errors.New("deflate: invalid level")
