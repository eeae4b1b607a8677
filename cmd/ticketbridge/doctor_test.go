package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/sink/generic/generictest"
	sourcetest "github.com/ticketbridge/ticketbridge/internal/source/generic/generictest"
)

func TestDoctorDefault(t *testing.T) {
	inTempDir(t)
	res := run(t, "", "doctor")
	if res.err != nil {
		t.Fatalf("doctor on the embedded default: %v\n%s%s", res.err, res.stdout, res.stderr)
	}
	for _, want := range []string{"--    source chat              not checked: no reply_url",
		"--    sink desk                not checked: the local desk lives in ticketbridge's own database",
		"ok    route support            mapping fits desk"} {
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

// TestDoctorProbesGeneric: the generic source's reply_url and the generic
// sink are probed, not reported ok unseen; a dead address fails.
func TestDoctorProbesGeneric(t *testing.T) {
	dir := inTempDir(t)
	chat := sourcetest.NewChat(t, "")
	desk := generictest.NewDesk(t, generictest.DeskOptions{})
	dead := "http://" + freeAddr(t)
	write := func(name, replyURL, sinkURL string) string {
		path := filepath.Join(dir, name)
		cfg := fmt.Sprintf(`security:
  allow_outbound: [127.0.0.0/8]
sources:
  - id: web
    type: generic
    secret: %s
    reply_url: %s
sinks:
  - id: tickets
    type: generic
    url: %s
    secret: %s
routes:
  - name: r
    sources: [web]
    sink: tickets
`, chat.Secret(), replyURL, sinkURL, desk.Secret())
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	res := run(t, "", "doctor", "--config", write("up.yaml", chat.URL(), desk.URL()))
	for _, want := range []string{"ok    source web", "reply_url answers HTTP", "ok    sink tickets", "credentials work and the service answers"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("doctor lacks %q:\n%s", want, res.stdout)
		}
	}
	res = run(t, "", "doctor", "--config", write("down.yaml", dead+"/replies", dead))
	if res.err == nil || strings.Count(res.stdout, "FAIL") != 2 || !strings.Contains(res.stdout, "does not answer") {
		t.Errorf("doctor with dead addresses: err %v\n%s", res.err, res.stdout)
	}
}
