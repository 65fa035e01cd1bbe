module github.com/sessionkit/session/examples/gorillamux

go 1.26.0

replace github.com/sessionkit/session => ../..

require (
	github.com/gorilla/mux v1.8.1
	github.com/sessionkit/session v0.0.0
)
