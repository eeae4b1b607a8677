package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// The in-process benchmarks (internal/bench) print `go test -bench` lines:
//
//	BenchmarkEventToTicket/sqlite/rate=1000-2   5000   5.288 reply-p50-ms   2.047 ticket-p50-ms   998.4 tickets/s
//
// benchMeasures are the units charted from them.
var benchMeasures = []measure{
	{"tickets/s", "Tickets made per second", "tickets/s"},
	{"ticket-p50-ms", "Event → ticket p50", "ms"},
	{"ticket-p99-ms", "Event → ticket p99", "ms"},
	{"reply-p50-ms", "Event → \"created\" reply p50", "ms"},
}

// gomaxprocsSuffix is the "-2" go test appends to a benchmark's name.
var gomaxprocsSuffix = regexp.MustCompile(`-\d+$`)

// readBench turns the benchmark lines of path into rows like the CSV's:
// profile (the benchmark's name without "Benchmark…/" and the -N suffix),
// system (old or new) and one column per unit.
func readBench(path, system string) ([]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	var rows []map[string]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		i := indexBenchmark(fields)
		if i < 0 || len(fields) < i+4 {
			continue
		}
		name := gomaxprocsSuffix.ReplaceAllString(fields[i], "")
		if _, rest, ok := strings.Cut(name, "/"); ok {
			name = rest
		}
		row := map[string]string{"profile": name, "system": system}
		// After the name and the iteration count come value-unit pairs.
		for j := i + 2; j+1 < len(fields); j += 2 {
			if _, err := strconv.ParseFloat(fields[j], 64); err == nil {
				row[fields[j+1]] = fields[j]
			}
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("read %s: no benchmark lines", path)
	}
	return rows, nil
}

// indexBenchmark finds the field holding the benchmark's name (a line may
// carry a prefix such as "round=1 bin=… ").
func indexBenchmark(fields []string) int {
	for i, f := range fields {
		if strings.HasPrefix(f, "Benchmark") {
			return i
		}
	}
	return -1
}
