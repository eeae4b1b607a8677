package faults

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Environment switches. The tests are opt-in because each runs for tens
// of seconds to minutes and one of them restarts the machine's PostgreSQL.
const (
	envFaults    = "TICKETBRIDGE_FAULTS"
	envLong      = "TICKETBRIDGE_FAULTS_LONG"
	envPGRestart = "TICKETBRIDGE_FAULTS_PGRESTART"
	envSeed      = "TICKETBRIDGE_FAULTS_SEED"
	envDSN       = "TICKETBRIDGE_FAULTS_DSN"
	envConvs     = "TICKETBRIDGE_FAULTS_CONVERSATIONS"
)

// conversations is n unless TICKETBRIDGE_FAULTS_CONVERSATIONS asks for
// another number (a quicker try of a scenario; the documented figures use
// the defaults).
func conversations(t *testing.T, n int) int {
	t.Helper()
	if s := os.Getenv(envConvs); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 2 {
			t.Fatalf("%s: want a number of at least 2, got %q", envConvs, s)
		}
		return v
	}
	return n
}

// defaultDSN is the loopback PostgreSQL the tests use unless
// TICKETBRIDGE_FAULTS_DSN names another.
const defaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// requireFaults skips t unless the fault tests were asked for.
func requireFaults(t *testing.T) {
	t.Helper()
	if os.Getenv(envFaults) != "1" {
		t.Skipf("fault test: set %s=1 to run it (slow; see docs/faults.md)", envFaults)
	}
}

// long says whether the full-length variants were asked for.
func long() bool { return os.Getenv(envLong) == "1" }

func pgDSN() string {
	if d := os.Getenv(envDSN); d != "" {
		return d
	}
	return defaultDSN
}

// newRand returns a seeded RNG and logs the seed, so a failing run can be
// replayed with TICKETBRIDGE_FAULTS_SEED.
func newRand(t *testing.T) *rand.Rand {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(envSeed); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s: %v", envSeed, err)
		}
		seed = v
	}
	t.Logf("seed %d (replay with %s=%d)", seed, envSeed, seed)
	return rand.New(rand.NewPCG(seed, seed^0x5deece66d))
}

// buildBinary compiles cmd/ticketbridge into a temporary directory. The
// build cache makes the second and later builds of a run cheap, so each
// test builds its own copy rather than sharing one through a global.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ticketbridge")
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "github.com/ticketbridge/ticketbridge/cmd/ticketbridge")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("build ticketbridge: %v\n%s", err, out)
	}
	return bin
}
