module github.com/sessionkit/session/deflate

go 1.25.0

require (
	github.com/klauspost/compress v1.20.4
	github.com/sessionkit/session v0.0.0-00010101000000-000000000000
)

replace github.com/sessionkit/session => ../
