package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadRotate(t *testing.T) {
	csv := `round,conns,system,events_per_s,ack_p99_ms,server_cpu_us_per_event,drain_s,load1
1,64,reference,10000,15,80,,2
1,64,base,7000,25,120,0,2
1,64,new,8000,22,105,0,2
2,64,new,9000,20,100,0,3
2,64,base,6000,26,130,1,3
2,64,reference,12000,14,75,,3
`
	path := filepath.Join(t.TempDir(), "rotate.csv")
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	rows, err := readRotate(path)
	if err != nil {
		t.Fatal(err)
	}
	share := medians(rows, "share_of_reference")
	cpu := medians(rows, "server_cpu_us_per_event")
	if len(share) != 1 || share[0].profile != "64 senders" {
		t.Fatalf("profiles = %+v, want one, 64 senders", share)
	}
	// base 0.70 and 0.50, new 0.80 and 0.75: medians 0.60 and 0.775.
	if got := share[0]; got.old != 0.6 || got.new != 0.775 {
		t.Errorf("share of the reference: base %v, new %v; want 0.6, 0.775", got.old, got.new)
	}
	if got := cpu[0]; got.old != 125 || got.new != 102.5 {
		t.Errorf("CPU per event: base %v, new %v; want 125, 102.5", got.old, got.new)
	}
	svg := chart(rotateMeasures[0], share)
	if !strings.Contains(svg, "0.78") || !strings.Contains(svg, "64 senders") {
		t.Errorf("chart lacks the new median or the profile:\n%s", svg)
	}

	// A round whose reference run is missing is an error, not a zero.
	broken := filepath.Join(t.TempDir(), "broken.csv")
	lines := strings.Split(csv, "\n")
	if err := os.WriteFile(broken, []byte(strings.Join(append(lines[:6], lines[7:]...), "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readRotate(broken); err == nil {
		t.Fatal("readRotate accepted a round without its reference run")
	}
}
