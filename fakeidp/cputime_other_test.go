//go:build !unix

package fakeidp_test

import "time"

// processCPU is not measured here; the cpu-µs/op metric is left out.
func processCPU() time.Duration { return 0 }
