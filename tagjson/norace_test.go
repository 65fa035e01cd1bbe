//go:build !race

package tagjson_test

const raceEnabled = false
