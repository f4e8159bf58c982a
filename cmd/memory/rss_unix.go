//go:build unix

package main

import (
	"fmt"
	"runtime"
	"syscall"
)

// peakRSS is the process's peak resident memory, as getrusage reports it.
func peakRSS() string {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return "unknown"
	}
	kb := ru.Maxrss
	if runtime.GOOS == "darwin" {
		kb /= 1024 // bytes there
	}
	return fmt.Sprintf("%.1f MB", float64(kb)/1024)
}
