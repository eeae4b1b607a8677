package csat

import "testing"

func TestAnswer(t *testing.T) {
	tests := map[string]struct {
		text    string
		score   int
		comment string
		ok      bool
	}{
		"bare score":              {"4", 4, "", true},
		"score and comment":       {"5 thanks, quick fix!", 5, "thanks, quick fix!", true},
		"out of five":             {"3/5 slow but fine", 3, "slow but fine", true},
		"chinese points":          {"2分 太慢了", 2, "太慢了", true},
		"full-width digit":        {"５", 5, "", true},
		"punctuation after":       {"1. never again", 1, "never again", true},
		"surrounding space":       {"  4  ", 4, "", true},
		"zero":                    {"0", 0, "", false},
		"six":                     {"6", 0, "", false},
		"two digits":              {"15 minutes late", 0, "", false},
		"a word starting with it": {"2nd time this week", 0, "", false},
		"text":                    {"thanks", 0, "", false},
		"empty":                   {"", 0, "", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			score, comment, ok := Answer(tc.text)
			if score != tc.score || comment != tc.comment || ok != tc.ok {
				t.Errorf("Answer(%q) = %d, %q, %v; want %d, %q, %v", tc.text, score, comment, ok, tc.score, tc.comment, tc.ok)
			}
		})
	}
}

func TestNote(t *testing.T) {
	if got, want := Note(4, "quick"), "Customer satisfaction: 4/5 ★★★★☆\nComment: quick"; got != want {
		t.Errorf("Note = %q, want %q", got, want)
	}
	if got, want := Note(1, ""), "Customer satisfaction: 1/5 ★☆☆☆☆"; got != want {
		t.Errorf("Note = %q, want %q", got, want)
	}
}
