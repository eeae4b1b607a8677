package main

import (
	"strings"
	"testing"
)

func TestDoctorDefault(t *testing.T) {
	inTempDir(t)
	res := run(t, "", "doctor")
	if res.err != nil {
		t.Fatalf("doctor on the embedded default: %v\n%s%s", res.err, res.stdout, res.stderr)
	}
	for _, want := range []string{"ok    source chat", "ok    sink desk", "ok    route support            mapping fits desk"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, res.stdout)
		}
	}
}

func TestDoctorReportsConfigProblems(t *testing.T) {
	inTempDir(t)
	res := run(t, "", "doctor", "--config", testdataPath(t, "config/unknown_type.yaml"))
	if res.err == nil {
		t.Fatalf("doctor accepted a config with an unknown connector type:\n%s", res.stdout)
	}
}
