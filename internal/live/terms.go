package live

import (
	"strings"
	"unicode"
)

// builtinTerms are the complaints viewers type when a stream misbehaves.
// Chinese terms match as substrings (there are no word boundaries to lean
// on); English terms match on word boundaries so "lag" does not fire on
// "flag".
var builtinTerms = []string{
	// Chinese: picture
	"卡", "卡顿", "卡住", "卡死", "黑屏", "花屏", "白屏", "绿屏", "马赛克", "糊了", "模糊",
	"定格", "转圈", "加载不出来", "刷不出来", "看不了", "看不到", "看不见", "进不去", "播放失败", "闪退",
	// Chinese: sound and sync
	"没声音", "没有声音", "无声", "听不到", "听不见", "声音断断续续", "音画不同步", "不同步", "延迟", "有延迟",
	// Chinese: connection
	"掉线", "断了", "断流", "断开", "连不上",
	// English
	"lag", "lags", "lagging", "laggy", "buffering", "buffer", "frozen", "freezing", "freezes", "froze",
	"black screen", "blank screen", "no sound", "no audio", "no picture", "no video", "can't hear", "cannot hear",
	"can't see", "cannot see", "stuttering", "stutters", "choppy", "out of sync", "audio delay", "pixelated",
	"blurry", "not loading", "won't load", "keeps dropping", "disconnected", "stream died", "stream is down",
}

// benignCompounds contain a complaint character without being a complaint
// ("信用卡" is a credit card, "打卡" is checking in); the compound is blanked
// out before matching.
var benignCompounds = []string{
	"信用卡", "银行卡", "会员卡", "打卡", "卡片", "卡通", "卡拉", "购物卡", "礼品卡", "卡券", "刷卡", "卡号",
}

// zhNegators cancel a Chinese term they stand close before ("不卡了",
// "没有卡顿"). "别" is left out: "别卡了" pleads with a stream that is lagging.
var zhNegators = []string{"不", "没", "无", "未"}

// zhNegationReach is how many runes before a Chinese term a negator may
// sit: "一点都不卡", "不怎么卡".
const zhNegationReach = 3

// enNegators cancel an English term among the two words before it
// ("no lag now", "is not lagging any more").
var enNegators = map[string]bool{"no": true, "not": true, "never": true, "zero": true, "without": true, "none": true}

// resolvedMarkers say the problem is over ("卡了一下，好了", "fixed now"):
// such a comment reports recovery, not a complaint.
var resolvedMarkers = []string{"恢复了", "恢复正常", "正常了", "好了", "没事了", "fixed", "resolved", "works now", "working now", "is back", "back now", "gone now"}

type term struct {
	canon string // as configured, returned to the caller
	norm  string // normalized form that is searched for
	cjk   bool
}

// matcher holds the normalized term list; build it once per Detect.
type matcher struct {
	terms    []term
	resolved []string
}

func newMatcher(extra []string) *matcher {
	m := &matcher{}
	seen := map[string]bool{}
	add := func(s string) {
		n := normalize(s)
		if n == "" || seen[n] {
			return
		}
		seen[n] = true
		m.terms = append(m.terms, term{canon: s, norm: n, cjk: hasHan(n)})
	}
	for _, s := range builtinTerms {
		add(s)
	}
	for _, s := range extra {
		add(strings.TrimSpace(s))
	}
	for _, s := range resolvedMarkers {
		m.resolved = append(m.resolved, normalize(s))
	}
	return m
}

// IsComplaint reports whether one comment complains about playback, and
// the term that matched (as listed, the earliest and then longest one in
// the text). Negated mentions ("不卡了", "no lag now") do not count.
func IsComplaint(text string, extra []string) (bool, string) {
	return newMatcher(extra).match(text)
}

func (m *matcher) match(text string) (bool, string) {
	s := normalize(text)
	if s == "" {
		return false, ""
	}
	for _, b := range benignCompounds {
		if strings.Contains(s, b) {
			s = strings.ReplaceAll(s, b, strings.Repeat("_", len([]rune(b))))
		}
	}
	for _, r := range m.resolved {
		if r != "" && containsWord(s, r, hasHan(r)) && !asked(s, r) {
			return false, ""
		}
	}
	bestPos, bestLen, best := -1, 0, ""
	for _, t := range m.terms {
		for from := 0; from < len(s); {
			i := strings.Index(s[from:], t.norm)
			if i < 0 {
				break
			}
			i += from
			from = i + len(t.norm)
			if !t.cjk && !onWordBoundary(s, i, i+len(t.norm)) {
				continue
			}
			if negated(s, i, t.cjk) {
				continue
			}
			if bestPos < 0 || i < bestPos || (i == bestPos && len(t.norm) > bestLen) {
				bestPos, bestLen, best = i, len(t.norm), t.canon
			}
			break
		}
	}
	return bestPos >= 0, best
}

// negated looks just before a match at byte offset i for a negator.
func negated(s string, i int, cjk bool) bool {
	if cjk {
		before := []rune(s[:i])
		for k := 1; k <= zhNegationReach && k <= len(before); k++ {
			r := before[len(before)-k]
			if isClauseBreak(r) {
				return false
			}
			for _, n := range zhNegators {
				if string(r) == n {
					return true
				}
			}
		}
		return false
	}
	words := strings.FieldsFunc(s[:i], func(r rune) bool { return !isWordRune(r) })
	for k := 1; k <= 2 && k <= len(words); k++ {
		if enNegators[words[len(words)-k]] {
			return true
		}
	}
	return false
}

// asked tells "好了吗" (is it fixed yet?), which still complains, from "好了".
func asked(s, marker string) bool {
	i := strings.Index(s, marker)
	rest := []rune(s[i+len(marker):])
	return len(rest) > 0 && strings.ContainsRune("吗没么?", rest[0])
}

func containsWord(s, w string, cjk bool) bool {
	for from := 0; from < len(s); {
		i := strings.Index(s[from:], w)
		if i < 0 {
			return false
		}
		i += from
		if cjk || onWordBoundary(s, i, i+len(w)) {
			return true
		}
		from = i + len(w)
	}
	return false
}

func onWordBoundary(s string, start, end int) bool {
	if start > 0 {
		r := lastRune(s[:start])
		if isWordRune(r) {
			return false
		}
	}
	if end < len(s) {
		r := []rune(s[end:min(end+4, len(s))])
		if len(r) > 0 && isWordRune(r[0]) {
			return false
		}
	}
	return true
}

func lastRune(s string) rune {
	r := []rune(s[max(0, len(s)-4):])
	return r[len(r)-1]
}

// isWordRune treats Latin letters and digits as word characters; Han
// characters are not, so "卡lag" still finds "lag".
func isWordRune(r rune) bool {
	return r == '\'' || r < 0x3000 && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

func isClauseBreak(r rune) bool {
	return strings.ContainsRune(",.;!?，。；！？、 \n", r)
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// normalize folds full-width ASCII, case and curly apostrophes, and spells
// "can't" and friends with "not" so that one listed form matches them all.
func normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == '\u2019' || r == '\u2018':
			r = '\''
		}
		b.WriteRune(unicode.ToLower(r))
	}
	out := b.String()
	for _, c := range contractions {
		if strings.Contains(out, c[0]) {
			out = strings.ReplaceAll(out, c[0], c[1])
		}
	}
	return strings.TrimSpace(out)
}

// contractions are replaced in order; "can't" before "n't".
var contractions = [][2]string{
	{"can't", "can not"}, {"cannot", "can not"}, {"won't", "will not"}, {"n't", " not"},
}
