package sentiment

import (
	"strings"
	"testing"
)

func TestEmbeddedLexicons(t *testing.T) {
	t.Parallel()
	least := map[string]int{"lexicon/en.tsv": 250, "lexicon/zh.tsv": 200, "lexicon/emoticons.tsv": 30, "lexicon/modifiers.tsv": 60}
	for name, want := range least {
		entries, err := parseFile(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(entries) < want {
			t.Errorf("%s has %d entries, want at least %d", name, len(entries), want)
		}
	}
}

// TestSupportVocabulary checks the words the support team asked for score
// on the right side, alone.
func TestSupportVocabulary(t *testing.T) {
	t.Parallel()
	l := NewLexicon(Options{})
	negative := []string{"angry", "furious", "unacceptable", "terrible", "useless", "scam", "refund now",
		"垃圾", "太差", "气死", "骗子", "投诉", "失望", "无语", "坑", "慢死了", ":(", "😡"}
	positive := []string{"thanks", "great", "love", "谢谢", "满意", "好评", ":)", "👍"}
	for _, w := range negative {
		if r := l.Score(w); !r.Negative {
			t.Errorf("%q scored %.3f, want negative", w, r.Score)
		}
	}
	for _, w := range positive {
		if r := l.Score(w); r.Score <= 0.3 {
			t.Errorf("%q scored %.3f, want clearly positive", w, r.Score)
		}
	}
}

func TestParseLine(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		line string
		want entry
		err  string
	}{
		"term":        {line: "bad\t-0.6", want: entry{kind: kindTerm, weight: -0.6}},
		"neutral":     {line: "好几\t0", want: entry{}},
		"negator":     {line: "not\tneg", want: entry{kind: kindNegator}},
		"contrast":    {line: "but\tbut", want: entry{kind: kindContrast}},
		"intensifier": {line: "very\tint\t1.3", want: entry{kind: kindIntensifier, boost: 1.3}},
		"no value":    {line: "bad", err: "want term<TAB>value"},
		"too heavy":   {line: "bad\t-2", err: "bad weight"},
		"not number":  {line: "bad\tworse", err: "bad weight"},
		"no boost":    {line: "very\tint", err: "needs a boost"},
		"zero boost":  {line: "very\tint\t0", err: "bad boost"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, _, err := parseLine(tc.line)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("parseLine(%q) error %v, want %q", tc.line, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("parseLine(%q) = %+v, %v; want %+v", tc.line, got, err, tc.want)
			}
		})
	}
}
