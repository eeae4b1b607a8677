package rules

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// GuardSmallTalk is the Decision.Reason of a message the model would
// have proposed but that is made only of greetings, thanks,
// acknowledgements and waiting words.
const GuardSmallTalk = "small talk"

// smallTalkPhrases are what a message may be made of, whole, for the
// small-talk guard: greetings, thanks, acknowledgements, waiting and
// sign-offs, with the particles chat adds. The lists are deliberately
// closed: a word that can carry trouble ("still", "again", "waiting" on
// its own, "还", "又", "没") is not in them, so "still waiting" or "还在等"
// never count as small talk. English phrases are in normalized form
// (lower case, contractions expanded: "i am", "that is").
var smallTalkPhrases = []string{
	// greetings
	"hi", "hello", "hey", "hiya", "heya", "howdy", "yo", "morning", "good morning", "afternoon", "good afternoon",
	"evening", "good evening", "good day", "there", "all", "everyone", "everybody", "team", "guys", "folks", "support",
	"hi again", "hello again", "anyone there", "is anyone there", "are you there", "you there",
	"how are you", "how are you doing", "how is it going", "how's it going", "hope you are well", "hope you are doing well",
	"i am good", "i am fine", "i am well", "doing well", "very well", "all well", "and you", "you too", "same to you",
	// thanks
	"thanks", "thank you", "thank u", "thx", "thnx", "ty", "tysm", "cheers", "many thanks", "thanks a lot", "thanks so much",
	"thank you so much", "thank you very much", "thanks very much", "thanks again", "thank you again", "much appreciated",
	"appreciate it", "appreciated", "for your help", "for the help", "for that", "for the quick reply", "for the quick answer",
	"for getting back to me", "for your time", "you rock", "you are the best", "you are a star", "legend", "lifesaver",
	// acknowledgements
	"ok", "okay", "okey", "k", "kk", "okie", "ok cool", "cool", "great", "sure", "alright", "all right", "right",
	"got it", "gotcha", "understood", "noted", "makes sense", "that makes sense", "i see", "ah", "oh", "ahh", "ohh", "aha",
	"yes", "yeah", "yep", "yup", "ya", "no worries", "np", "sounds good", "sounds great", "perfect", "awesome", "nice",
	"brilliant", "lovely", "excellent", "wonderful", "will do", "fair enough", "fine", "that is fine", "good", "very good",
	"good to know", "i understand", "that helps", "that helped", "super", "amazing", "great stuff", "so", "um", "well",
	"and", "then", "just", "a lot",
	// waiting and handing over
	"one sec", "one second", "a sec", "just a sec", "one moment", "a moment", "just a moment", "one minute", "a minute",
	"give me a sec", "give me a second", "give me a minute", "give me a moment", "hang on", "hold on", "bear with me",
	"brb", "be right back", "i will wait", "i can wait", "no rush", "take your time", "i will wait for your reply",
	// sign-offs
	"bye", "goodbye", "bye bye", "see you", "see ya", "later", "talk soon", "speak soon", "talk later", "take care",
	"have a good day", "have a nice day", "have a great day", "have a good one", "have a good weekend", "have a nice weekend",
	"good night", "night", "regards", "best", "best regards", "kind regards",
	// Chinese: greetings, thanks, acknowledgements, waiting, sign-offs
	"你好", "您好", "你们好", "大家好", "嗨", "哈喽", "哈啰", "在吗", "在不在", "有人吗", "有人在吗", "客服", "亲", "早",
	"早上好", "早安", "上午好", "中午好", "下午好", "晚上好", "晚安", "最近好吗", "你好吗",
	"谢谢", "谢谢你", "谢谢您", "谢谢你们", "谢了", "谢啦", "多谢", "感谢", "非常感谢", "太感谢了", "十分感谢", "万分感谢",
	"辛苦了", "辛苦", "辛苦啦", "麻烦了", "麻烦你了", "麻烦您了", "你们真好", "太好了", "给力",
	"好的", "好", "好滴", "好嘞", "好咧", "好吧", "嗯", "嗯嗯", "哦", "哦哦", "噢", "喔", "行", "可以", "没问题", "收到",
	"明白", "明白了", "懂了", "了解", "了解了", "知道了", "清楚了", "原来如此", "这样啊", "好的收到", "ok",
	"稍等", "稍等一下", "等一下", "等等", "请稍等", "我等你", "我等着", "等你消息", "不急", "不着急", "慢慢来",
	"再见", "拜拜", "回头聊", "祝好", "周末愉快", "祝你愉快", "一切顺利",
	"啊", "呀", "吧", "啦", "呢", "哈", "哈哈", "嘛", "哟", "哒", "的", "了", "呐",
}

// smallTalkIndex maps the first unit of each phrase (a word, or a Han
// character) to the phrases, as unit lists, that start with it.
var smallTalkIndex = func() map[string][][]string {
	ix := map[string][][]string{}
	for _, p := range smallTalkPhrases {
		var us []string
		forUnits(p, func(u string) bool { us = append(us, u); return true })
		ix[us[0]] = append(ix[us[0]], us)
	}
	return ix
}()

// maxSmallTalkUnits bounds the guard's work: small talk is short, and a
// longer message is left to the model.
const maxSmallTalkUnits = 16

// forUnits calls f with each unit of a normalized text: a run of Latin
// letters and apostrophes, or one Han character; punctuation, emoji and
// spaces separate them. It stops, returning false, when f does, or at a
// digit or a letter of another script (an order number, a name in
// another alphabet: not small talk).
func forUnits(s string, f func(string) bool) bool {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '\''):
			j := i + n
			for j < len(s) && (s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] == '\'') {
				j++
			}
			if !f(strings.Trim(s[i:j], "'")) {
				return false
			}
			i = j
			continue
		case unicode.Is(unicode.Han, r):
			if !f(s[i : i+n]) {
				return false
			}
		case unicode.IsDigit(r) || unicode.IsLetter(r):
			return false
		}
		i += n
	}
	return true
}

// smallTalk reports whether the normalized text is made only of the
// phrases of smallTalkPhrases (at least one), so that a message like
// "ok thanks, one sec 🙏" or "好的，稍等一下哈" never proposes a ticket
// whatever the model scores: a linear model over single words can add up
// enough weight from "thanks" and a stray token to cross the threshold,
// and no reading of such a message asks for help.
func smallTalk(norm string) bool {
	var buf [maxSmallTalkUnits]string
	units := buf[:0]
	if !forUnits(norm, func(u string) bool {
		if len(units) == maxSmallTalkUnits {
			return false
		}
		units = append(units, u)
		return true
	}) || len(units) == 0 {
		return false
	}
	// ok[i]: units[i:] is a sequence of phrases.
	var ok [maxSmallTalkUnits + 1]bool
	ok[len(units)] = true
	for i := len(units) - 1; i >= 0; i-- {
		for _, p := range smallTalkIndex[units[i]] {
			if i+len(p) <= len(units) && ok[i+len(p)] && equalUnits(units[i:i+len(p)], p) {
				ok[i] = true
				break
			}
		}
	}
	return ok[0]
}

func equalUnits(a, b []string) bool {
	for i := range b {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// SmallTalk reports whether text is made only of greetings, thanks,
// acknowledgements and waiting words (the guard the engine applies to
// the model's decisions), for the trainer's cross-validation.
func SmallTalk(text string) bool { return smallTalk(normalize(text)) }
