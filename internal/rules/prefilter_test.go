package rules

import (
	"bufio"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"testing"
)

// TestPrefilterChangesNothing: with the prefilter and without it (every
// literal taken as present) the pack gives the same result and the same
// evidence on every line of both corpora.
func TestPrefilterChangesNothing(t *testing.T) {
	t.Parallel()
	p := defaultPack()
	var texts []string
	for _, l := range readCorpus(t) {
		texts = append(texts, l.Text)
	}
	for _, path := range []string{"../../eval/intent/train.jsonl", "../../eval/intent/heldout.jsonl"} {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var l LabelledLine
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatal(err)
			}
			texts = append(texts, l.Text)
		}
		f.Close()
	}
	for _, text := range texts {
		fast := p.text(normalize(text))
		slow := *fast
		slow.lits = make(litSet, len(fast.lits))
		for i := range slow.lits {
			slow.lits[i] = ^uint64(0)
		}
		slow.slots = make(litSet, len(fast.slots))
		for i := range slow.slots {
			slow.slots[i] = ^uint64(0)
		}
		fs, ss := p.score(fast), p.score(&slow)
		fr, sr := p.decide(fast, fs), p.decide(&slow, ss)
		if !reflect.DeepEqual(fr, sr) {
			t.Errorf("%q: prefiltered %+v, unfiltered %+v", text, fr, sr)
		}
		if fe, se := p.evidence(fast, fs, fr, nil), p.evidence(&slow, ss, sr, nil); !reflect.DeepEqual(fe, se) {
			t.Errorf("%q: prefiltered evidence %v, unfiltered %v", text, fe, se)
		}
	}
}

// TestPrefilterLiterals pins how literals are found in patterns.
func TestPrefilterLiterals(t *testing.T) {
	t.Parallel()
	tests := map[string][]string{
		`\bstill (?:being )?charged\b`: {"still charged", "still being charged"},
		`(?:扣|收)了?两次`:                  {"扣两次", "扣了两次", "收两次", "收了两次"},
		`\b(?:a|b)c`:                   {"ac", "bc"},
		`x*`:                           nil,
		`(?:foo|\w+)bar`:               {"bar"},
		`\bde(?:ad|fective)\b`:         {"dead", "defective"},
		`stop(?:ped|s)?\s+working`:     {"working"},
	}
	for expr, want := range tests {
		pf := newPrefilter()
		ids := pf.add(expr)
		var got []string
		for _, id := range ids {
			got = append(got, pf.lits[id])
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: literals %q, want %q", expr, got, want)
		}
	}
	p := defaultPack()
	for _, c := range p.cats {
		for _, pt := range c.patterns {
			if slices.Contains(p.pf.always, pt.slot) {
				t.Logf("pattern %q always runs", pt.name)
			}
		}
	}
	t.Logf("%d of the pack's patterns and guards have no required literal", len(p.pf.always))
}

func TestLitSetAnyIn(t *testing.T) {
	t.Parallel()
	s := make(litSet, 3)
	for _, id := range []int32{5, 63, 64, 130} {
		s.add(id)
	}
	tests := []struct {
		lo, hi int32
		want   bool
	}{
		{0, 5, false}, {0, 6, true}, {6, 63, false}, {6, 64, true},
		{64, 65, true}, {65, 130, false}, {65, 131, true}, {131, 192, false},
		{5, 5, false}, {0, 192, true}, {66, 128, false},
	}
	for _, tt := range tests {
		if got := s.anyIn(tt.lo, tt.hi); got != tt.want {
			t.Errorf("anyIn(%d, %d) = %v, want %v", tt.lo, tt.hi, got, tt.want)
		}
	}
}
