//go:build !race

package wordpiece_test

// raceEnabled reports whether tests run under the race detector.
const raceEnabled = false
