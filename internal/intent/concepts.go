package intent

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// Concepts group words that mean the same thing for the question "does
// this need a ticket": "broken", "crashes", "坏了" and "闪退" are all a
// fault. With a few thousand training messages the model cannot learn
// every word on its own; concepts let what it learns of one word carry to
// the others, and concept pairs ("not" then a fault, a fault then "fixed
// now") carry negation and resolution across sentences it has not seen.
type concept uint8

const (
	cFault concept = iota + 1
	cMissing
	cMoney
	cNegator
	cResolved
	cThanks
	cQuestion
	cSelf
	cJoke
	cStill
	cRequest
	cAnger
	cGreeting
	cInfo
	cTime
	cAgain
	cAck
	cHypo
	cDoing
	numConcepts
)

// conceptWords: English words (matched whole, after dropping a plural or
// past-tense ending) and Chinese terms (matched as substrings).
var conceptWords = map[concept][]string{
	cFault: {"broken", "break", "broke", "crash", "freeze", "froze", "frozen", "stuck", "fail", "failure", "error", "bug",
		"declin", "lock", "block", "ban", "down", "outage", "hang", "lag", "buffer", "drop", "disconnect", "echo", "black",
		"blank", "wrong", "damag", "crack", "torn", "leak", "dead", "defective", "faulty", "scratch", "shatter", "smash",
		"empty", "spinner", "spinn", "loop", "reject", "invalid", "revok", "expir", "kick", "stutter", "blurry", "bounc",
		"duplicat", "doubl", "twice", "overdue", "overcharg", "unauthoriz", "hole", "smell", "thaw", "ruin", "soak", "useless", "garbage",
		"坏", "碎", "裂", "破", "漏", "闪退", "卡", "崩", "黑屏", "白屏", "失败", "报错", "错误", "异常", "故障", "断", "掉线",
		"冻结", "锁", "封", "被拒", "无效", "过期", "回声", "糊", "空白", "不对", "错了", "是错的", "没反应", "没声音", "打不开",
		"登不", "进不", "用不了", "不能用", "不行", "缓冲", "转圈", "循环", "踢", "延迟", "慢了", "重复", "两次", "乱", "划痕", "开胶", "味",
		"reset", "wiped", "deleted", "cut off", "cuts off", "cutting off", "stops", "stopped", "chipped", "stain", "peeled", "split", "snapped", "skips", "unreadable", "timeout", "timed out", "throttl", "offline", "mismatch", "lied", "poking", "spins",
		"失效", "截掉", "被截", "删了", "删掉", "清零", "超时", "限流", "重置", "离线", "吞了", "掉了", "脱落", "不同步", "两回事", "不符", "没动静", "加载不", "听不到", "看不到", "收不到", "泡烂", "绿屏", "花屏", "戳出", "没声", "停了", "就停", "自动退出", "不一样"},
	cMissing: {"missing", "never", "vanish", "disappear", "gone", "lost", "nothing", "nowhere", "without", "absent", "empty",
		"没收到", "没到", "未到", "不见", "没了", "丢", "少了", "少发", "缺", "没发", "没有发", "没给", "没送", "消失", "找不到", "没到账",
		"only", "short", "half", "lighter", "instead", "came and went", "still waiting", "still no", "still not", "still nothing",
		"只有", "只剩", "只发", "只到", "一半", "还没到", "没有脚", "没有耳", "还在等", "还没收", "还没退", "还没有", "等了"},
	cMoney: {"refund", "charg", "paid", "pay", "payment", "money", "fee", "bill", "invoice", "card", "transfer", "balance", "price", "cost", "withdrawal", "cashback", "credit", "debit", "gems", "coins",
		"退款", "钱", "扣", "付", "费", "账单", "发票", "转账", "余额", "价", "提现", "充", "返现", "金币", "钻石"},
	cNegator: {"not", "no", "didn", "didnt", "isn", "isnt", "wasn", "wasnt", "don", "dont", "doesn", "doesnt", "nothing", "none", "nor",
		"不是", "没有", "没什么", "不用", "不想", "不需要", "别", "并没", "无需"},
	cResolved: {"matches", "correct", "showed up", "went through", "crisp", "now", "after all", "fixed", "fine", "resolved", "solved", "sorted", "work", "working", "arrived", "found", "cleared", "unlocked", "matches", "smooth", "back", "came", "through", "gone",
		"appeared", "showed", "landed", "anymore", "figured", "turns out", "turned out", "all good", "we're good", "back in", "loads now", "is there", "was in", "went away", "stopped happening", "sorted",
		"fixed it", "sorted it", "unfroze", "added me back", "picked it up", "shows in", "turned up", "dropped off", "came back", "runs", "opened", "tucked", "settled", "cleared",
		"works fine", "is fine", "are fine", "no longer",
		"好了", "正常", "解决", "找到", "搞定", "可以了", "能用", "收到了", "到了", "到账了", "恢复", "没事", "成功", "对上", "流畅", "解锁", "登进去", "没再",
		"回来了", "出来了", "不卡了", "有声音了", "又好了", "就好了", "能进了", "退回去了", "原来", "搞明白", "弄好了",
		"就没了", "又能", "入账了", "显示在", "加入了", "解锁了", "难怪", "已经好", "不再", "没问题了", "结清", "放行"},
	cThanks: {"thanks", "thank", "thx", "ty", "cheers", "appreciat", "great", "love", "brilliant", "perfect", "awesome", "rock", "helpful", "nice", "fan",
		"谢", "感谢", "辛苦", "给力", "点赞", "棒", "喜欢", "好看", "铁粉"},
	cQuestion: {"how", "what", "when", "where", "which", "can", "could", "does", "do", "is", "are", "any", "way",
		"吗", "么", "怎么", "如何", "什么时候", "几", "多久", "多少", "哪", "能不能", "可以"},
	cSelf: {"my bad", "my mistake", "on me", "my fault", "misread", "oops", "ignore", "nvm", "never mind", "mistyped", "typo", "our side", "my side", "my end", "didn't notice", "wrong account", "mistake", "unrelated",
		"old account", "already paid", "forgot", "by accident", "accidentally", "myself", "was me", "scratch that", "false alarm", "my husband", "my wife", "my son", "my daughter",
		"was my", "my own", "on my side", "on our side", "our end", "our proxy", "my cable", "my wifi", "my vpn", "embarrassing",
		"我的问题", "是我", "我看错", "我搞错", "我自己", "忽略", "算了", "打扰了", "不小心", "忘了", "搞混", "选错", "填错", "输错", "看错", "虚惊",
		"我的锅", "我们这边", "我这边的", "不怪你们", "尴尬", "是我老公", "是我儿子", "是我女儿"},
	cJoke: {"lol", "haha", "jk", "joke", "kidding", "funny", "hilarious", "diet", "therapist", "pizza", "coffee", "weather", "cat", "dog",
		"哈哈", "开玩笑", "玩笑", "好笑", "减肥", "咖啡", "天气", "猫", "狗", "披萨"},
	cStill: {"still", "yet", "again", "anymore", "since", "keeps", "keep", "every", "always", "third", "times",
		"还是", "还没", "仍然", "一直", "又", "老是", "总是", "每次", "第三次", "依然", "到现在"},
	cRequest: {"please", "pls", "need", "want", "refund me", "fix", "escalate", "ticket", "restore", "unban", "freeze", "cancel", "dispute", "reverse", "check", "help", "arrange", "replace", "exchange",
		"帮我", "帮忙", "麻烦", "请", "我要", "要求", "申请", "工单", "加急", "处理", "退货", "换货", "解封", "恢复", "撤回", "查一下", "补发"},
	cAnger: {"ridiculous", "unbelievable", "joke", "useless", "garbage", "worst", "theft", "scam", "manager", "done", "enough", "seriously", "unacceptable", "frustrat", "angry",
		"离谱", "垃圾", "受够", "破", "偷", "经理", "投诉", "12315", "气", "烦", "差劲", "太差", "说法"},
	cGreeting: {"hi", "hello", "hey", "morning", "evening", "afternoon", "hiya", "yo", "你好", "您好", "在吗", "早", "哈喽", "嗨", "晚上好", "下午好"},
	cInfo: {"fyi", "letting", "heads up", "just wanted", "curious", "wondering", "suggestion", "idea", "feature", "planning", "exploring", "demo", "blog", "talk", "thesis", "test",
		"说一声", "了解一下", "好奇", "建议", "功能", "打算", "演示", "文章", "分享", "论文", "测试", "顺便"},
	cTime: {"days", "day", "week", "weeks", "month", "hours", "hour", "minutes", "yesterday", "today", "tonight", "since",
		"天", "周", "星期", "礼拜", "个月", "小时", "分钟", "昨天", "今天", "今晚"},
	cAgain: {"again", "another", "same", "repeated", "再", "同样", "一样", "又"},
	cAck: {"got it", "understood", "makes sense", "clear", "i see", "fair enough", "ok so", "right", "noted", "good to know", "ah", "oh", "ahh", "okay", "ok", "alright", "fine", "sure", "perfect",
		"明白", "懂了", "了解", "知道了", "原来", "好吧", "有道理", "好的", "行", "哦", "嗯", "收到"},
	// Hypotheticals and purposes: the words of a problem said about a
	// test, a plan, a talk or a policy question, not about trouble now.
	cHypo: {"test", "testing", "sandbox", "simulate", "in case", "if", "before i", "before we", "policy", "planning", "designing", "building", "writing",
		"tutorial", "book", "talk", "webinar", "hackathon", "automatically", "what happens", "would", "suppose", "example", "guide", "design", "prevent",
		"avoid", "recommend", "best practice", "practices", "reading", "movie", "song", "novel", "game where", "called", "titled", "named",
		"以防", "万一", "如果", "假如", "模拟", "测试", "沙箱", "教程", "设计", "演讲", "文章", "预防", "避免", "推荐", "一般", "怎么处理", "政策", "规则", "叫", "题目", "电影", "小说", "歌"},
	// Doing or about to do something, waiting, handing over: the small
	// talk of a chat in progress ("attaching the screenshot", "give me a
	// minute", "I'll forward this"), not a report of trouble.
	cDoing: {"attaching", "attached", "uploading", "sending", "pasting", "forwarding", "forward", "reading", "typing", "writing", "checking", "grabbing", "pulling",
		"let me", "give me", "one sec", "one moment", "hang on", "hold on", "brb", "be right back", "back in", "will reach out", "i'll", "we'll", "gonna", "going to", "about to", "in a sec", "in a minute", "shortly", "right now",
		"稍等", "等我", "等一下", "等会", "我去", "我先", "马上", "一会儿", "我看看", "我找", "我翻", "我问问", "我转给", "发给你", "发过来", "在弄", "正在", "我来"},
}

// idioms are Chinese set phrases that contain a concept's characters
// without its meaning: 好久不见 ("long time no see") is not 不见
// ("missing"), 没想到 ("didn't expect") not a negation of anything. Their
// characters give no concept.
var idioms = []string{"好久不见", "不见不散", "还没想好", "没想到", "不客气", "不好意思", "没关系", "不错", "不得不说", "忍不住", "舍不得", "来不及了吧"}

// conceptIndex finds concepts quickly: English words in a map, Chinese
// terms by their first character.
type conceptIndex struct {
	words   map[string][]concept
	phrases map[string][]phrase // first word → phrases of several words
	han     map[rune][]phrase
	idioms  map[rune][][]byte
}

type phrase struct {
	text []byte
	c    concept
}

func buildConcepts() *conceptIndex {
	ix := &conceptIndex{words: map[string][]concept{}, phrases: map[string][]phrase{}, han: map[rune][]phrase{}, idioms: map[rune][][]byte{}}
	for _, w := range idioms {
		r, _ := utf8.DecodeRuneInString(w)
		ix.idioms[r] = append(ix.idioms[r], []byte(w))
	}
	// In concept order, not map order: the order of a word's concepts
	// makes the pair features, which must be the same on every run.
	for c := concept(1); c < numConcepts; c++ {
		for _, w := range conceptWords[c] {
			r, _ := utf8.DecodeRuneInString(w)
			switch {
			case r >= utf8.RuneSelf:
				ix.han[r] = append(ix.han[r], phrase{[]byte(w), c})
			case strings.Contains(w, " "):
				first, _, _ := strings.Cut(w, " ")
				ix.phrases[first] = append(ix.phrases[first], phrase{[]byte(w), c})
			default:
				ix.words[w] = append(ix.words[w], c)
			}
		}
	}
	return ix
}

var concepts = buildConcepts()

// stems returns the word and the word without a plural, past or -ing
// ending, the forms conceptWords lists.
func stems(w []byte) (a, b []byte) {
	for _, suf := range []string{"ing", "ed", "es", "s", "e"} {
		if len(w) > len(suf)+2 && string(w[len(w)-len(suf):]) == suf {
			return w, w[:len(w)-len(suf)]
		}
	}
	return w, nil
}

// conceptsOf appends to out the concepts of the tokens of s, in order.
func (ix *conceptIndex) conceptsOf(s []byte, toks []tok, out []concept) []concept {
	skip := 0 // the end of an idiom: characters before it give no concept
	for _, t := range toks {
		w := s[t.start:t.end]
		if t.han {
			if t.start < skip {
				continue
			}
			r, _ := utf8.DecodeRune(w)
			idiom := false
			for _, id := range ix.idioms[r] {
				if bytes.HasPrefix(s[t.start:], id) {
					skip, idiom = t.start+len(id), true
					break
				}
			}
			if idiom {
				continue
			}
			for _, p := range ix.han[r] {
				if bytes.HasPrefix(s[t.start:], p.text) {
					out = append(out, p.c)
				}
			}
			continue
		}
		if bytes.HasSuffix(w, []byte("n't")) {
			out = append(out, cNegator)
		}
		a, b := stems(w)
		out = append(out, ix.words[string(a)]...)
		if b != nil {
			out = append(out, ix.words[string(b)]...)
		}
		for _, p := range ix.phrases[string(w)] {
			if bytes.HasPrefix(s[t.start:], p.text) {
				out = append(out, p.c)
			}
		}
	}
	return out
}
