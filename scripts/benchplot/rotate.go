package main

import (
	"fmt"
	"strconv"
)

// The CSV of scripts/bench-rotate.sh has, per round and sender count, a
// row for each of base, new and the reference server. rotateMeasures are
// what is charted from it: each build's events per second as a share of
// the reference's in the same round, and the server's CPU per event.
var rotateMeasures = []measure{
	{"share_of_reference", "Events/s as a share of the reference server's", "×"},
	{"server_cpu_us_per_event", "Server CPU per event", "µs"},
}

// readRotate turns bench-rotate.sh's rows into rows like bench-compare's:
// profile ("64 senders"), system (old for base, new for new) and the
// measures above.
func readRotate(path string) ([]map[string]string, error) {
	rows, err := readCSV(path)
	if err != nil {
		return nil, err
	}
	reference := map[[2]string]float64{}
	for _, r := range rows {
		if r["system"] == "reference" {
			v, err := strconv.ParseFloat(r["events_per_s"], 64)
			if err != nil {
				return nil, fmt.Errorf("read %s: reference events_per_s %q: %w", path, r["events_per_s"], err)
			}
			reference[[2]string{r["round"], r["conns"]}] = v
		}
	}
	var out []map[string]string
	for _, r := range rows {
		system := map[string]string{"base": "old", "new": "new"}[r["system"]]
		if system == "" {
			continue
		}
		ref := reference[[2]string{r["round"], r["conns"]}]
		v, err := strconv.ParseFloat(r["events_per_s"], 64)
		if err != nil || ref == 0 {
			return nil, fmt.Errorf("read %s: round %s at %s senders lacks events/s or its reference run", path, r["round"], r["conns"])
		}
		out = append(out, map[string]string{
			"profile":                 r["conns"] + " senders",
			"system":                  system,
			"share_of_reference":      strconv.FormatFloat(v/ref, 'f', 4, 64),
			"server_cpu_us_per_event": r["server_cpu_us_per_event"],
		})
	}
	return out, nil
}
