package intent

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"
)

type labelled struct {
	Text, Lang, Label, Domain, Kind string
}

func readLabelled(t testing.TB, path string) []labelled {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l labelled
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

func TestHeldOutModelOnly(t *testing.T) {
	ls := readLabelled(t, "../../eval/intent/heldout.jsonl")
	m := Default()
	for _, th := range []float64{0.3, 0.4, 0.5, 0.6, 0.7, 0.8} {
		for _, lang := range []string{"en", "zh"} {
			var tp, fp, fn int
			for _, l := range ls {
				if l.Lang != lang {
					continue
				}
				p := m.Score(l.Text) >= th
				switch {
				case p && l.Label == "problem":
					tp++
				case p:
					fp++
					if th == 0.5 {
						t.Logf("FP %.2f %s", m.Score(l.Text), l.Text)
					}
				case l.Label == "problem":
					fn++
					if th == 0.5 {
						t.Logf("FN %.2f %s", m.Score(l.Text), l.Text)
					}
				}
			}
			pr, rc := float64(tp)/float64(tp+fp), float64(tp)/float64(tp+fn)
			t.Logf("th=%.1f %s P=%.3f R=%.3f F1=%.3f", th, lang, pr, rc, 2*pr*rc/(pr+rc))
		}
	}
}
