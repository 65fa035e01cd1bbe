// Package bench holds sessionkit's side-by-side benchmarks against
// gorilla/sessions and alexedwards/scs. It is a module of its own, with a
// replace directive to the root, so that the library never depends on its
// peers. Everything is in the _test.go files; run.sh runs them and prints the
// table. See README.md.
package bench
