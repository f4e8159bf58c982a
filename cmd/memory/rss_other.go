//go:build !unix

package main

// peakRSS is unknown where getrusage is missing.
func peakRSS() string { return "unknown" }
