module github.com/sessionkit/session/examples/quickstart

go 1.26.0

require github.com/sessionkit/session v0.0.0

replace github.com/sessionkit/session => ../..
