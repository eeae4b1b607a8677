package sentiment

import (
	"math"
	"slices"
	"testing"
)

// norm is the normalisation Score applies to the weighted sum.
func norm(sum float64) float64 { return sum / math.Sqrt(sum*sum+alpha) }

// hitNames lists hits as terms, negated ones prefixed with "!".
func hitNames(hs []Hit) []string {
	var out []string
	for _, h := range hs {
		if h.Negated {
			out = append(out, "!"+h.Term)
		} else {
			out = append(out, h.Term)
		}
	}
	return out
}

// TestScoreMechanics pins the arithmetic: every expected value is written
// as the sum the rules in score.go must produce, so a change to a weight
// or a rule fails here with the case that shows it.
func TestScoreMechanics(t *testing.T) {
	t.Parallel()
	l := NewLexicon(Options{}) // shared: the subtests also check concurrent use
	tests := map[string]struct {
		text string
		sum  float64
		hits []string
	}{
		"empty":                  {"", 0, nil},
		"neutral":                {"where is my order?", 0, nil},
		"plain":                  {"bad", -0.6, []string{"bad"}},
		"not bad":                {"not bad", -0.6 * negatedNegative, []string{"!bad"}},
		"not happy":              {"I am not happy", 0.65 * negatedPositive, []string{"!happy"}},
		"contraction":            {"I don't like it", 0.2 * negatedPositive, []string{"!like"}},
		"bare contraction":       {"I dont like it", 0.2 * negatedPositive, []string{"!like"}},
		"negated intensified":    {"not very good", 0.5 * 1.3 * negatedPositive, []string{"!good"}},
		"double negation":        {"not never happy", 0.65, []string{"happy"}},
		"negator out of window":  {"not that it was bad", -0.6, []string{"bad"}},
		"comma ends negation":    {"not, bad", -0.6, []string{"bad"}},
		"term ends negation":     {"not great terrible", 0.7*negatedPositive - 0.85, []string{"!great", "terrible"}},
		"intensifier":            {"very bad", -0.6 * 1.3, []string{"bad"}},
		"two intensifiers":       {"very very bad", -0.6 * 1.3 * 1.3, []string{"bad"}},
		"softener":               {"a bit slow", -0.4 * 0.7, []string{"slow"}},
		"caps":                   {"this is BAD", -0.6 * capsBoost, []string{"bad"}},
		"one exclamation":        {"bad!", -0.6 * 1.2, []string{"bad"}},
		"three exclamations":     {"bad!!!", -0.6 * 1.6, []string{"bad"}},
		"exclamations capped":    {"bad!!!!!!", -0.6 * 1.6, []string{"bad"}},
		"caps and exclamations":  {"TERRIBLE!!!", -0.85 * 1.5 * 1.6, []string{"terrible"}},
		"exclamation per clause": {"thanks. bad!!!", 0.6 - 0.6*1.6, []string{"thanks", "bad"}},
		"but":                    {"good but slow", 0.5*beforeBut - 0.4*afterBut, []string{"good", "slow"}},
		"phrase":                 {"refund now", -0.7, []string{"refund now"}},
		"phrase over word":       {"what a waste of time", -0.75, []string{"waste of time"}},
		"no problem":             {"no problem", -0.3 * negatedNegative, []string{"!problem"}},
		"emoticons":              {"ok :( 😡", 0.15 - 0.5 - 0.8, []string{"ok", ":(", "😡"}},
		"zh entry with 不":        {"不满意", -0.7, []string{"不满意"}},
		"zh 不是很好":                {"不是很好", 0.6 * negatedPositive, []string{"!很好"}},
		"zh 没有问题":                {"没有问题", -0.3 * negatedNegative, []string{"!问题"}},
		"zh intensifier":         {"非常慢", -0.4 * 1.4, []string{"慢"}},
		"zh longest match":       {"太差", -0.8, []string{"太差"}},
		"zh 好 alone is a term":   {"好", 0.45, []string{"好"}},
		"zh 好 intensifies":       {"好难用", -0.7 * 1.3, []string{"难用"}},
		"zh neutral compound":    {"好几次", 0, nil},
		"zh full-width bangs":    {"特别失望！！！", -0.7 * 1.35 * 1.6, []string{"失望"}},
		"zh but":                 {"东西不错，但是客服太差了", 0.5*beforeBut - 0.85*afterBut, []string{"不错", "太差了"}},
		"zh negated negative":    {"不太差", -0.5 * negatedNegative, []string{"!差"}},
		"mixed languages":        {"谢谢 thanks", 0.6 + 0.6, []string{"谢谢", "thanks"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := l.Score(tc.text)
			if want := norm(tc.sum); math.Abs(r.Score-want) > 1e-9 {
				t.Errorf("Score(%q) = %.6f, want %.6f (sum %.4f); hits %+v", tc.text, r.Score, want, tc.sum, r.Hits)
			}
			if got := hitNames(r.Hits); !slices.Equal(got, tc.hits) {
				t.Errorf("Score(%q) hits %q, want %q", tc.text, got, tc.hits)
			}
			if r.Negative != (r.Score <= DefaultThreshold) {
				t.Errorf("Score(%q) Negative %v with score %.3f", tc.text, r.Negative, r.Score)
			}
			if r.Score < -1 || r.Score > 1 {
				t.Errorf("Score(%q) = %v, outside [-1, 1]", tc.text, r.Score)
			}
		})
	}
}

func TestScoreBounded(t *testing.T) {
	t.Parallel()
	l := NewLexicon(Options{})
	r := l.Score("TERRIBLE!!! USELESS!!! SCAM!!! 垃圾！！！ 骗子！！！ 😡😡😡😡")
	if r.Score <= -1 || r.Score > -0.99 {
		t.Errorf("a torrent of abuse scored %v, want just above -1", r.Score)
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		opts     Options
		text     string
		sum      float64
		negative bool
	}{
		"default threshold":         {Options{}, "bad", -0.6, true},
		"stricter threshold":        {Options{Threshold: -0.6}, "bad", -0.6, false},
		"looser threshold":          {Options{Threshold: -0.1}, "issue", -0.25, true},
		"extra english word":        {Options{Extra: map[string]float64{"Kaboom": -0.9}}, "total kaboom", -0.9, true},
		"extra english phrase":      {Options{Extra: map[string]float64{"going elsewhere": -0.5}}, "I'm going elsewhere", -0.5, true},
		"extra phrase contraction":  {Options{Extra: map[string]float64{"can't believe": -0.5}}, "I cannot believe this", -0.5, true},
		"extra chinese":             {Options{Extra: map[string]float64{"拉胯": -0.7}}, "这服务真拉胯", -0.7 * 1.3, true},
		"extra overrides built-in":  {Options{Extra: map[string]float64{"slow": -0.9}}, "slow", -0.9, true},
		"extra zero makes neutral":  {Options{Extra: map[string]float64{"refund": 0}}, "refund", 0, false},
		"extra keeps modifier role": {Options{Extra: map[string]float64{"very": 0.1}}, "very bad", -0.6 * 1.3, true},
		"extra emoji":               {Options{Extra: map[string]float64{"🐌": -0.4}}, "🐌🐌", -0.8, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := NewLexicon(tc.opts).Score(tc.text)
			if want := norm(tc.sum); math.Abs(r.Score-want) > 1e-9 || r.Negative != tc.negative {
				t.Errorf("Score(%q) = %.4f negative %v, want %.4f negative %v; hits %+v",
					tc.text, r.Score, r.Negative, want, tc.negative, r.Hits)
			}
		})
	}
}

// TestScoreLiterals pins a few scores as plain numbers, so retuning a
// constant in score.go (which TestScoreMechanics follows) is still noticed.
func TestScoreLiterals(t *testing.T) {
	t.Parallel()
	l := NewLexicon(Options{})
	tests := map[string]float64{
		"not bad":             0.287348,
		"I am not happy":      -0.461353,
		"This is TERRIBLE!!!": -0.897921,
		"不是很好":                -0.432731,
		"没有问题":                0.148340,
	}
	for text, want := range tests {
		if got := l.Score(text).Score; math.Abs(got-want) > 1e-6 {
			t.Errorf("Score(%q) = %.6f, want %.6f", text, got, want)
		}
	}
}
