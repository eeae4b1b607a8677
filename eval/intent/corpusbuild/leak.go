package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// leakThreshold is the similarity (Jaccard of character trigrams) from
// which two base messages count as the same message reworded: a held-out
// message that close to a training one would be recognised rather than
// judged, and the held-out figures would overstate the model.
const leakThreshold = 0.5

type pair struct {
	held, train base
	sim         float64
}

// nearDuplicates returns the held-out base messages that are within
// threshold of a training base message of the same language.
func nearDuplicates(bases []base, threshold float64) []pair {
	type shingled struct {
		b  base
		sh map[string]bool
	}
	var held, train []shingled
	for _, b := range bases {
		s := shingled{b, shingles(b.text)}
		if heldOut(b) {
			held = append(held, s)
		} else {
			train = append(train, s)
		}
	}
	var out []pair
	for _, h := range held {
		for _, t := range train {
			if h.b.lang != t.b.lang {
				continue
			}
			if sim := jaccard(h.sh, t.sh); sim >= threshold {
				out = append(out, pair{h.b, t.b, sim})
			}
		}
	}
	return out
}

// shingles are the character trigrams of the text with case, digits,
// placeholders and punctuation folded away.
func shingles(s string) map[string]bool {
	var rs []rune
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsLetter(r):
			rs = append(rs, r)
		case unicode.IsSpace(r) && len(rs) > 0 && rs[len(rs)-1] != ' ':
			rs = append(rs, ' ')
		}
	}
	out := map[string]bool{}
	for i := 0; i+3 <= len(rs); i++ {
		out[string(rs[i:i+3])] = true
	}
	if len(rs) < 3 {
		out[string(rs)] = true
	}
	return out
}

func jaccard(a, b map[string]bool) float64 {
	var both int
	for k := range a {
		if b[k] {
			both++
		}
	}
	union := len(a) + len(b) - both
	if union == 0 {
		return 1
	}
	return float64(both) / float64(union)
}

// chatterSet reads the small-talk files of dir (en.txt, zh.txt), which
// are measured only: no line is trained on or expanded. A line that is
// also a training base message, or within leakThreshold of one, or
// repeats an earlier line, is dropped so that the set measures messages
// the model has not seen.
func chatterSet(dir string, bases []base) ([]Entry, int, error) {
	known := map[string]bool{}
	train := map[string][]map[string]bool{}
	for _, b := range bases {
		known[fold(b.text)] = true
		if !heldOut(b) {
			train[b.lang] = append(train[b.lang], shingles(b.text))
		}
	}
	near := func(b base) bool {
		sh := shingles(b.text)
		for _, t := range train[b.lang] {
			if jaccard(sh, t) >= leakThreshold {
				return true
			}
		}
		return false
	}
	var out []Entry
	dropped := 0
	for _, lang := range []string{"en", "zh"} {
		bs, err := readSource(filepath.Join(dir, lang+".txt"), lang, "not")
		if err != nil {
			return nil, 0, err
		}
		for _, b := range bs {
			k := fold(b.text)
			if known[k] || near(b) {
				dropped++
				continue
			}
			known[k] = true
			out = append(out, Entry{Text: b.text, Lang: lang, Label: b.label, Domain: b.domain, Kind: b.kind, Group: fmt.Sprintf("%08x", baseHash(b))})
		}
	}
	if len(out) == 0 {
		return nil, 0, fmt.Errorf("%s: no chatter: %w", dir, os.ErrNotExist)
	}
	return out, dropped, nil
}

// fold is the text without case and end punctuation, for telling twins.
func fold(s string) string {
	return strings.TrimRight(strings.ToLower(strings.TrimSpace(s)), ".!?。！？ ")
}
