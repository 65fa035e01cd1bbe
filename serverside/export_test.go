package serverside

// Internals for the external tests.

// NewID issues a session ID as Save does.
func (i *Backend) NewID() (string, error) { return i.newID() }

// ValidID reports whether id has the shape of an issued ID.
var ValidID = validID
