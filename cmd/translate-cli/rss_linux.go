package main

import "syscall"

// peakRSS is the process's peak resident set size in bytes (getrusage's
// ru_maxrss, which Linux gives in kilobytes).
func peakRSS() int64 {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return u.Maxrss * 1024
}
