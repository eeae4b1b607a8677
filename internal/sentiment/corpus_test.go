package sentiment

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"
)

type labelled struct {
	Text  string `json:"text"`
	Label string `json:"label"` // negative, neutral or positive
}

func readCorpus(t testing.TB) []labelled {
	t.Helper()
	f, err := os.Open("testdata/sentiment.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		var l labelled
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("sentiment.jsonl:%d: %v", n, err)
		}
		switch l.Label {
		case "negative", "neutral", "positive":
		default:
			t.Fatalf("sentiment.jsonl:%d: label %q", n, l.Label)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCorpusAccuracy scores the labelled support-chat corpus: Negative must
// agree with the label on at least 90% of lines. Every miss is printed so a
// lexicon change that trades one sentence for another shows up in review.
func TestCorpusAccuracy(t *testing.T) {
	t.Parallel()
	corpus := readCorpus(t)
	if len(corpus) < 120 {
		t.Fatalf("corpus has %d lines, want at least 120", len(corpus))
	}
	counts := map[string]int{}
	l := NewLexicon(Options{})
	hits := 0
	for _, c := range corpus {
		counts[c.Label]++
		r := l.Score(c.Text)
		if r.Negative == (c.Label == "negative") {
			hits++
			continue
		}
		t.Logf("miss: %-8s score %+.3f %q hits %+v", c.Label, r.Score, c.Text, r.Hits)
	}
	for _, label := range []string{"negative", "neutral", "positive"} {
		if counts[label] < 20 {
			t.Errorf("corpus has %d %s lines, want at least 20", counts[label], label)
		}
	}
	acc := float64(hits) / float64(len(corpus))
	t.Logf("accuracy on Negative: %d/%d = %.1f%%", hits, len(corpus), 100*acc)
	if acc < 0.90 {
		t.Errorf("accuracy %.1f%%, want at least 90%%", 100*acc)
	}
}

func BenchmarkScore(b *testing.B) {
	corpus := readCorpus(b)
	l := NewLexicon(Options{})
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range corpus {
			l.Score(c.Text)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(corpus)), "ns/text")
}

func BenchmarkNewLexicon(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		NewLexicon(Options{})
	}
}
