package rules

import "testing"

func TestSmallTalk(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"ok thanks, one sec 🙏", true},
		{"Hi there! How's it going?", true},
		{"Thank you so much, have a nice weekend :)", true},
		{"I'm good, and you?", true}, // "i'm" is normalized to "i am"
		{"got it, will do", true},
		{"好的，稍等一下哈", true},
		{"客服你好，在吗？", true},
		{"谢谢啦，辛苦了 👍", true},
		{"ok谢谢", true},
		// Anything else is the model's to judge.
		{"", false},
		{"🙏", false},
		{"still waiting", false},               // a follow-up, not small talk
		{"thanks for nothing", false},          // "nothing" is not in the lists
		{"hi, order 4417", false},              // a number may be what the message is about
		{"hello, my card was declined", false}, // trouble after a greeting
		{"还在等", false},
		{"好的，又扣了一次", false},
		{"你好，东西坏了", false},
		// Longer than small talk gets: left to the model.
		{"ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok", false},
	} {
		if got := SmallTalk(tc.text); got != tc.want {
			t.Errorf("SmallTalk(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

// TestSmallTalkPhrasesIndexed checks that every phrase can be found: a
// phrase with a character forUnits drops (a digit, a hyphen) would never
// match and give a false sense of coverage.
func TestSmallTalkPhrasesIndexed(t *testing.T) {
	for _, p := range smallTalkPhrases {
		if !smallTalk(normalize(p)) {
			t.Errorf("phrase %q is not small talk on its own", p)
		}
	}
}

// BenchmarkSmallTalk is the guard's cost, paid only on messages the
// model would propose.
func BenchmarkSmallTalk(b *testing.B) {
	texts := []string{normalize("ok thanks, one sec 🙏"), normalize("好的，稍等一下哈"), normalize("The live stream freezes for viewers after about ten minutes")}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		smallTalk(texts[i%len(texts)])
	}
}
