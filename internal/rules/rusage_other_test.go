//go:build !linux

package rules

import "syscall"

// rusageThread falls back to the process where threads are not counted
// apart.
const rusageThread = syscall.RUSAGE_SELF
