package rules

import (
	"bufio"
	"encoding/json"
	"os"
	"sort"
	"testing"
)

type corpusLine struct {
	Text string `json:"text"`
	Want string `json:"want"`
}

func readCorpus(t *testing.T) []corpusLine {
	t.Helper()
	f, err := os.Open("testdata/pack.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []corpusLine
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		var l corpusLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("pack.jsonl:%d: %v", n, err)
		}
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// TestPackCorpus requires the default pack to label every corpus line as
// the corpus says, and reports precision and recall per category.
func TestPackCorpus(t *testing.T) {
	t.Parallel()
	lines := readCorpus(t)
	if len(lines) < 150 {
		t.Fatalf("corpus has %d lines, want at least 150", len(lines))
	}
	tp, fp, fn := map[string]int{}, map[string]int{}, map[string]int{}
	wantCount := map[string]int{}
	for _, l := range lines {
		wantCount[l.Want]++
		res := ClassifyDefault(l.Text)
		got := res.Category
		if got == "" {
			got = "none"
		}
		if got == l.Want {
			tp[got]++
			continue
		}
		fp[got]++
		fn[l.Want]++
		t.Errorf("%q: got %s (score %d, matched %v, guard %q %q), want %s",
			l.Text, got, res.Score, res.Matched, res.Guard, res.GuardName, l.Want)
	}
	for _, c := range append([]string{"none"}, packCategories...) {
		if c != "none" && wantCount[c] < 10 {
			t.Errorf("category %s has %d corpus lines, want at least 10", c, wantCount[c])
		}
		prec, rec := ratio(tp[c], tp[c]+fp[c]), ratio(tp[c], tp[c]+fn[c])
		t.Logf("%-10s n=%3d precision=%.3f recall=%.3f", c, wantCount[c], prec, rec)
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// TestPackSpecExamples pins the examples of the task verbatim, apart from
// the corpus, so that editing the corpus cannot drop them silently.
func TestPackSpecExamples(t *testing.T) {
	t.Parallel()
	none := []string{
		"thanks, the refund arrived", "谢谢，已经退款了", "what is your refund policy?",
		"how do returns work?", "退货政策是什么", "可以退货吗？", "我不是要投诉", "no need to refund",
		"I don't want to complain", "不用退款了", "not a complaint, just feedback",
		"the app works again now", "问题已经解决了", "never mind, it's fixed",
	}
	for _, text := range none {
		if got := ClassifyDefault(text); got.Category != "" {
			t.Errorf("%q fired %s (%v), want none", text, got.Category, got.Matched)
		}
	}
	fire := map[string]string{
		"I was charged twice for the same order": "billing",
		"you took money from my card two times":  "billing",
		"still haven't got my money back":        "refund",
		"the package arrived smashed":            "return",
		"it stopped working after a day":         "fault",
		"扣了我两次钱":                                 "billing",
		"钱还没退给我":                                 "refund",
		"收到的东西是坏的":                               "return",
		"用了一天就坏了":                                "fault",
		"客服态度太差了":                                "complaint",
		"app keeps crashing when I open it":      "fault",
		"can't log in since yesterday":           "fault",
		"页面一直打不开":                                "fault",
		"I want a refund, the jacket was torn":   "refund",
	}
	keys := make([]string, 0, len(fire))
	for k := range fire {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, text := range keys {
		if got := ClassifyDefault(text); got.Category != fire[text] {
			t.Errorf("%q: got %q (%v, guard %q), want %s", text, got.Category, got.Matched, got.Guard, fire[text])
		}
	}
}

func TestPackGuardsReported(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"no need to refund":                    GuardNegated,
		"thanks, the refund arrived":           GuardResolved,
		"what is your refund policy?":          GuardPolicy,
		"我不是要投诉":                               GuardNegated,
		"Thanks for the refund, great support": GuardResolved,
		"how do I request a refund?":           GuardPolicy,
	}
	for text, want := range tests {
		if got := ClassifyDefault(text); got.Category != "" || got.Guard != want {
			t.Errorf("%q: got category %q guard %q, want guard %q", text, got.Category, got.Guard, want)
		}
	}
}

// TestPackPastTense pins issue #15's misreading: a past-tense statement
// of the problem is not a resolution.
func TestPackPastTense(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"my parcel arrived broken, I want a refund":   "refund",
		"the parcel is broken, I want a refund":       "refund",
		"the order arrived damaged, please refund me": "refund",
		"thanks, the parcel arrived":                  "",
	}
	for text, want := range tests {
		if got := ClassifyDefault(text); got.Category != want {
			t.Errorf("%q: got %q (%v, guard %q), want %q", text, got.Category, got.Matched, got.Guard, want)
		}
	}
}
