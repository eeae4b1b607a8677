// Command benchplot draws the CSV of scripts/bench-compare.sh as SVG bar
// charts, one per measure, old beside new for each load profile (the
// median of the rounds), for BENCHMARKS.md:
//
//	go run ./scripts/benchplot -in bench-compare.csv -out docs/bench
//
// or the output of the in-process benchmarks (`go test -bench`, one file
// for the binary before, one for after; rounds are the repeated lines):
//
//	go run ./scripts/benchplot -old before.txt -new after.txt -out docs/bench
//
// or the CSV of scripts/bench-rotate.sh (base, new and the reference
// server in one rotation):
//
//	go run ./scripts/benchplot -rotate bench-rotate.csv -out docs/bench
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"html"
	"log"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// measure is one chart: a CSV column and how to label it.
type measure struct{ column, title, unit string }

var measures = []measure{
	{"accepted_per_s", "Events acknowledged per second", "events/s"},
	{"ticket_p50_ms", "Event → ticket p50", "ms"},
	{"ticket_p99_ms", "Event → ticket p99", "ms"},
	{"backlog_s", "Job backlog left when the load and its tickets were done", "s"},
}

func main() {
	in := flag.String("in", "bench-compare.csv", "CSV written by scripts/bench-compare.sh")
	out := flag.String("out", "docs/bench", "folder for the SVG files")
	oldBench := flag.String("old", "", "go test -bench output of the binary before (instead of -in)")
	newBench := flag.String("new", "", "go test -bench output of the binary after")
	rotate := flag.String("rotate", "", "CSV written by scripts/bench-rotate.sh (instead of -in)")
	flag.Parse()
	var (
		rows []map[string]string
		ms   []measure
		err  error
	)
	if *rotate != "" {
		ms = rotateMeasures
		rows, err = readRotate(*rotate)
	} else {
		rows, ms, err = load(*in, *oldBench, *newBench)
	}
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	for _, m := range ms {
		svg := chart(m, medians(rows, m.column))
		path := filepath.Join(*out, strings.NewReplacer("/", "_per_", "-", "_").Replace(m.column)+".svg")
		if err := os.WriteFile(path, []byte(svg), 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Println("wrote", path)
	}
}

// load reads the CSV, or the two benchmark outputs when given.
func load(csvPath, oldBench, newBench string) ([]map[string]string, []measure, error) {
	if oldBench == "" && newBench == "" {
		rows, err := readCSV(csvPath)
		return rows, measures, err
	}
	if oldBench == "" || newBench == "" {
		return nil, nil, fmt.Errorf("-old and -new go together")
	}
	before, err := readBench(oldBench, "old")
	if err != nil {
		return nil, nil, err
	}
	after, err := readBench(newBench, "new")
	if err != nil {
		return nil, nil, err
	}
	return append(before, after...), benchMeasures, nil
}

func readCSV(path string) ([]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) < 2 {
		return nil, fmt.Errorf("read %s: want a header and rows: %v", path, err)
	}
	var rows []map[string]string
	for _, r := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			if i < len(r) {
				row[h] = r[i]
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// bar is one profile's median for the old and the new binary.
type bar struct {
	profile  string
	old, new float64
}

func medians(rows []map[string]string, column string) []bar {
	vals := map[string]map[string][]float64{}
	var order []string
	for _, r := range rows {
		// One profile may be run at several rates.
		p := r["profile"]
		if r["offered"] != "" {
			p += " " + r["offered"] + "/s"
		}
		if vals[p] == nil {
			vals[p] = map[string][]float64{}
			order = append(order, p)
		}
		v, err := strconv.ParseFloat(r[column], 64)
		if err != nil {
			continue // not measured in this row (a benchmark without that unit)
		}
		vals[p][r["system"]] = append(vals[p][r["system"]], v)
	}
	var out []bar
	for _, p := range order {
		out = append(out, bar{p, median(vals[p]["old"]), median(vals[p]["new"])})
	}
	return out
}

// median is NaN for no values: the chart then shows "n/a" (a profile the
// binary before did not have).
func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// label writes a value plainly: whole numbers from 100 up, else two
// decimals.
func label(v float64) string {
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// chart draws grouped bars: grey for old, blue for new, values on top.
func chart(m measure, bars []bar) string {
	const h, top, bottom, left = 320, 40, 40, 20
	w := max(640, 2*left+110*len(bars))
	peak := 1.0
	for _, b := range bars {
		for _, v := range []float64{b.old, b.new} {
			if !math.IsNaN(v) {
				peak = max(peak, v)
			}
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`, w, h)
	fmt.Fprintf(&sb, `<text x="%d" y="20" font-size="14">%s (%s; grey: before, blue: after)</text>`, left, html.EscapeString(m.title), m.unit)
	slot := float64(w-2*left) / float64(max(len(bars), 1))
	scale := float64(h-top-bottom) / peak
	for i, b := range bars {
		x := float64(left) + float64(i)*slot
		for j, v := range []float64{b.old, b.new} {
			color := []string{"#999", "#2a6fdb"}[j]
			if math.IsNaN(v) {
				fmt.Fprintf(&sb, `<text x="%.1f" y="%d" text-anchor="middle">n/a</text>`, x+slot*0.15+float64(j)*slot*0.35+slot*0.15, h-bottom-4)
				continue
			}
			bh := v * scale
			bx := x + slot*0.15 + float64(j)*slot*0.35
			by := float64(h-bottom) - bh
			fmt.Fprintf(&sb, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, bx, by, slot*0.3, bh, color)
			fmt.Fprintf(&sb, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, bx+slot*0.15, by-4, label(v))
		}
		// "sqlite/rate=1000" goes on two lines, store above case.
		for k, part := range strings.SplitN(b.profile, "/", 2) {
			fmt.Fprintf(&sb, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`, x+slot/2, h-bottom+16+14*k, html.EscapeString(part))
		}
	}
	sb.WriteString(`</svg>` + "\n")
	return sb.String()
}
