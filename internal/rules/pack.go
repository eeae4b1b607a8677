package rules

import (
	"regexp"
	"sync"
)

// The default rule pack recognises five kinds of support request in
// English and Chinese: complaint, return, refund, billing and fault.
//
// How it decides, so a support lead can predict it:
//   - Text is normalized first (lower case, full-width folded, "don't" →
//     "do not"), so every pattern is written once.
//   - Each category has weighted patterns. Weight 3 is a concrete statement
//     that on its own justifies a ticket ("charged me twice", "用了一天就坏了");
//     2 is a strong hint; 1 is a topic word ("refund"). A category fires at a
//     score of 3, so topic words alone never open a ticket.
//   - Guards veto: a negation of the category's intent ("no need to refund",
//     "我不是要投诉") removes that category; a resolved issue ("works again",
//     "问题已经解决了") removes all, unless a contrast ("but", "还是", "还没")
//     follows it; thanks or praise removes all unless the message also has a
//     weight-3 statement or a contrast after the thanks ("thanks, but …");
//     a general policy question ("what is your refund policy?", "可以退货吗？",
//     "how do I request a refund?") removes all unless it comes with a
//     weight-3 statement outside the question itself ("my shoes arrived
//     torn, can I return them?"). A resolved phrase that is part of a
//     statement ("package arrived" in "the package arrived smashed") does
//     not count as a resolution.
//   - Ties go to the more specific category in this order: billing, refund,
//     return, fault, complaint. Goods that arrive damaged, wrong or
//     incomplete are "return"; things that stop working are "fault".
//
// To extend it, add a patternSpec to a category (or a guardSpec) and a line
// to testdata/pack.jsonl; the corpus test requires every line to pass.

// Guard kinds, also used as the Decision.Reason of a vetoed event.
const (
	GuardNegated  = "negated"
	GuardThanks   = "thanks"
	GuardResolved = "resolved"
	GuardPolicy   = "policy question"
)

// PackThreshold is the score a category needs to fire.
const PackThreshold = 3

type patternSpec struct {
	name   string
	weight int
	expr   string
}

type categorySpec struct {
	name     string
	patterns []patternSpec
}

type guardSpec struct {
	kind string
	// category is the category a negation removes; "" removes all.
	category string
	name     string
	expr     string
	// unless, when it matches, cancels the guard ("not working again"
	// is not "working again").
	unless string
}

// Categories of the default pack, in tie-break order.
var packCategories = []string{"billing", "refund", "return", "fault", "complaint"}

// Shared fragments.
const (
	times   = `(?:twice|two times|2 times|2x|three times|3 times|double|multiple times|more than once|again)`
	stopEnd = `[^.?!。？！]`
)

func defaultPackSpec() ([]categorySpec, []guardSpec, string) {
	cats := []categorySpec{
		{"billing", []patternSpec{
			{"charged twice", 3, `\b(?:charged|billed|debited|deducted|took|taken|withdrew|withdrawn|paid|charging|billing|charge)\b` + stopEnd + `{0,40}?\b` + times + `\b`},
			{"double charge", 3, `\b(?:double|duplicate|duplicated|repeat(?:ed)?|extra)[- ]?(?:charges?|charged|billing|billed|payments?|transactions?|deductions?)\b`},
			{"wrong charge", 3, `\b(?:wrong|incorrect|unexpected|unauthori[sz]ed|unknown|unrecogni[sz]ed|hidden|mystery|fraudulent|strange)\s+(?:charges?|amount|fees?|bills?|invoices?|transactions?|payments?|debits?)\b`},
			{"overcharged", 3, `\bover-?(?:charged|billed|charging|billing)\b|\bcharged (?:me )?(?:more than|too much|the full price)\b`},
			{"charged after cancelling", 3, `\b(?:charged|billed|renewed|charging|billing)\b` + stopEnd + `{0,30}\b(?:after|although|even though|despite|though)\b` + stopEnd + `{0,20}\bcancel`},
			{"still charged", 3, `\bstill (?:being |getting )?(?:charged|billed)\b`},
			{"wrong invoice", 3, `\b(?:invoice|bill|charge|receipt|statement|price)\s+(?:is|was|looks)\s+(?:wrong|incorrect|too high|off)\b`},
			{"billing word", 1, `\b(?:billing|invoice|charges?|charged|payment|subscription)\b`},
			{"扣了两次", 3, `(?:扣|收|付|划|刷|交)了?(?:我)?(?:的)?(?:两|2|二|三|3|好几|多)次`},
			{"重复扣款", 3, `重复(?:扣|收|付|支付|计费|缴)|多扣|多收|乱扣|乱收费|莫名(?:其妙)?(?:地|的)?(?:被)?(?:扣|收)`},
			{"账单不对", 3, `(?:账单|发票|金额|费用|价格|扣款)(?:不对|有误|错了|不正确|算错)`},
			{"为什么扣钱", 3, `为什么(?:要|又|还)?(?:扣|收)(?:我)?(?:的)?(?:钱|费)`},
			{"取消了还扣", 3, `取消` + stopEnd + `{0,8}(?:还|仍然|又|依然)(?:在)?(?:扣|收)`},
			{"被扣费", 2, `被扣(?:了)?(?:钱|费|款)`},
			{"账单词", 1, `扣款|扣费|账单|收费|发票|计费`},
		}},
		{"refund", []patternSpec{
			{"asks for a refund", 3, `\b(?:want|need|would like|request(?:ing)?|demand(?:ing)?|ask(?:ing)? for|expect|give me|get|issue|process)\s+(?:a |my |the |an? )?(?:full )?refund\b`},
			{"refund me", 3, `\bplease\s+refund\b|\brefund (?:me|my|the|this|it|us)\b`},
			{"money back", 3, `\b(?:want|need|give me|get|return|send|expect)\b` + stopEnd + `{0,20}\bmoney back\b|\breturn (?:my|the) money\b`},
			{"my money back", 2, `\b(?:my|the|our) money back\b`},
			{"refund not received", 3, `\b(?:have not|has not|did not|do not|never|not yet|yet to|still not)\s+(?:got|get|gotten|receive|received|see|seen|been given|been paid)\b` + stopEnd + `{0,15}\b(?:money|refund|payment|reimbursement)\b`},
			{"waiting for refund", 3, `\b(?:where is|waiting for|waiting on|still waiting for)\s+(?:my|the)\s+(?:refund|money)\b`},
			{"refund has not arrived", 3, `\brefund\b` + stopEnd + `{0,25}\b(?:has not|have not|did not|not|never|still not)\s+(?:arrived|come|been (?:processed|paid|issued|credited)|received|showed up|shown up|appeared)\b`},
			{"refund word", 1, `\brefund(?:s|ed|ing)?\b|\breimburse(?:ment|d)?\b`},
			{"要退款", 3, `(?:我要|我想|想要|要求|申请|请|麻烦|帮我|给我|赶紧|尽快|马上)(?:给我)?(?:办理)?(?:全额)?退(?:款|钱)`},
			{"把钱退给我", 3, `把钱退|退钱给我|退我钱|钱退给我|退还(?:给我|我的)`},
			{"钱还没退", 3, `(?:钱|退款|费用|货款)` + stopEnd + `{0,4}?(?:还|一直|仍然|都)(?:没|没有|未)(?:有)?(?:退|到账|收到|到|返还|回来)`},
			{"没收到退款", 3, `(?:没|没有|未|还没)(?:有)?收到(?:退款|退的钱|钱)`},
			{"退款词", 1, `退款|退钱`},
		}},
		{"return", []patternSpec{
			{"wants to return", 3, `\b(?:want|would like|need|going|trying|wish|planning)\s+to\s+(?:return|send (?:it |this |them )?back|exchange|swap)\b`},
			{"return it", 2, `\b(?:return|send back|exchange)\s+(?:it|this|these|them|my|the (?:item|order|product|package|parcel))\b`},
			{"send it back", 3, `\bsend (?:it|this|them|these) back\b`},
			{"wrong item", 3, `\b(?:wrong|different|incorrect)\s+(?:item|size|colou?r|product|order|model|parcel|package|thing|book|shoes|one)\b|\bnot what i (?:ordered|bought|paid for)\b|\bsent (?:me )?the wrong\b`},
			{"arrived damaged", 3, `\b(?:arrived|came|delivered|received|showed up|got here)\b` + stopEnd + `{0,30}?\b(?:smashed|damaged|broken|crushed|cracked|torn|ripped|dented|shattered|leaking|squashed|in pieces)\b`},
			{"package damaged", 3, `\b(?:package|parcel|box|item|order|delivery|product|bottle|glass|vase|mug)\b` + stopEnd + `{0,20}?\b(?:is|was|were|are|got|came)\s+(?:\w+\s+)?(?:smashed|damaged|crushed|shattered|dented|torn|ripped|squashed)\b`},
			{"missing parts", 3, `\b(?:missing|without)\s+(?:parts?|items?|pieces?|accessories|the charger|the cable)\b|\b(?:item|items|part|parts|piece|pieces)\s+(?:is|are|was|were)\s+missing\b`},
			{"does not fit", 2, `\b(?:does not|did not|do not)\s+fit\b|\btoo (?:small|big|large|tight|short|long)\b`},
			{"return word", 1, `\b(?:returns?|returning|exchange|return label|rma)\b`},
			{"要退货", 3, `(?:我要|我想|想要|要求|申请|帮我|给我|需要|打算|准备)(?:办理)?(?:退货|退换|换货|退掉|退回|换一个|换个|换一件|寄回)`},
			{"收到是坏的", 3, `收到(?:的|了)?` + stopEnd + `{0,8}?(?:是)?(?:坏的|破的|碎的|烂的|破损|损坏|压坏|摔坏|裂了|碎了|破了|坏了|有裂|漏)`},
			{"包裹破损", 3, `(?:包裹|快递|箱子|包装|外包装|商品|货物|杯子|瓶子|盒子)` + stopEnd + `{0,4}?(?:破了|碎了|压坏|摔坏|破损|损坏|压扁|烂了)`},
			{"发错货", 3, `发错|寄错|送错|(?:颜色|尺码|尺寸|型号|款式|货|东西)(?:不对|发错|错了)|不是我(?:买|订|要|下单)的`},
			{"少发", 3, `少发|漏发|少了(?:一|个|件|配件)|缺(?:少)?(?:配件|零件|东西)`},
			{"尺码不合适", 2, `(?:尺码|尺寸|大小)不(?:合适|对)|(?:太大|太小)了`},
			{"退货词", 1, `退货|换货|退换`},
		}},
		{"fault", []patternSpec{
			{"stopped working", 3, `\b(?:stopped|stops|stop|quit|quits)\s+(?:working|charging|responding|loading|turning on|syncing|printing)\b`},
			{"does not work", 3, `\b(?:does not|did not|will not|would not|is not|are not|not|no longer|never)\s+(?:work|works|working|turn on|turning on|start|starting|charge|charging|load|loading|boot|booting|respond|responding|print|printing|sync|syncing|connect|connecting)\b`},
			{"will not open", 3, `\b(?:app|page|site|website|link|file|program|application|game|door|lid)\s+(?:will not|does not|is not|can not|would not)\s+open\b`},
			{"keeps crashing", 3, `\b(?:keeps|kept|keep|always|constantly)\s+(?:crashing|freezing|failing|restarting|rebooting|disconnecting|dropping|logging me out|shutting down|turning off|hanging|lagging|buffering|timing out|crash|crashes|freezes)\b`},
			{"can not log in", 3, `\b(?:can not|could not|unable to|not able to|impossible to|fail(?:s|ed)? to|no way to|will not let me)\s+(?:log ?in|sign ?in|login|signin|access|connect|load|pay|check ?out|upload|download|reset|place (?:an|my) order|install|update|use|send|print)\b`},
			{"is broken", 3, `\b(?:is|are|was|got|seems|went)\s+(?:\w+\s+)?(?:broken|dead|defective|faulty|bricked)\b`},
			{"site is down", 3, `\b(?:site|website|app|server|service|system|page|portal|api|network|internet|wifi)\s+(?:is|was|seems|goes|went)\s+(?:\w+\s+)?down\b`},
			{"it broke", 3, `\b(?:it|phone|device|laptop|printer|machine|screen|charger|product|item|unit|thing|app|battery)\s+(?:broke|died|failed)\b`},
			{"shows an error", 3, `\b(?:getting|get|got|shows?|showing|throws?|throwing|see|seeing|gives?|giving)\s+(?:me\s+)?(?:an?\s+)?(?:error|blank (?:page|screen)|white screen|black screen|500|404)\b|\b(?:blank|black|white) screen\b|\bnot responding\b`},
			{"stuck loading", 3, `\b(?:loading forever|keeps loading|spinning forever)\b|\bstuck (?:on|at) (?:the )?(?:loading|login|checkout|payment|splash)\b`},
			{"broke after", 3, `\b(?:broke|died|stopped working|failed|cracked)\s+(?:after|within)\b`},
			{"crashes when", 3, `\b(?:crash(?:es|ed|ing)?|freez(?:es|ing)|froze)\s+(?:when|whenever|every time|each time|after|on|as soon as)\b`},
			{"on fire", 2, `\bon fire\b|\bsmoking\b|\bsparks\b`},
			{"error message", 2, `\berror (?:message|code)\b`},
			{"fault word", 1, `\b(?:crash|crashes|crashed|crashing|bug|bugs|error|errors|glitch|broken|faulty|defective|outage|freeze|freezes|freezing|frozen)\b`},
			{"用了就坏", 3, `(?:用了|才用|刚买|买了|刚用|没用)` + stopEnd + `{0,6}?(?:就|又)?(?:坏了|坏掉|不能用|用不了|不工作|没反应|开不了机|不亮|不转|不动了|罢工)`},
			{"一直打不开", 3, `(?:一直|总是|老是|经常|频繁|动不动就|又)(?:打不开|闪退|卡顿|卡死|崩溃|报错|转圈|登不上|登录不了|加载不出|黑屏|白屏|掉线|断线|重启|死机|卡住|失败)`},
			{"打不开", 3, `打不开|登(?:录|陆)?不(?:上|了|进去)|无法(?:登录|登陆|打开|使用|连接|支付|付款|下单|加载|访问|启动|开机|充电)|闪退|黑屏|白屏|死机|卡死|连不上|开不了机|充不进电|不能用了|用不了了|没法用|失灵|出故障|故障了|罢工了`},
			{"东西坏了", 3, `(?:手机|电脑|机器|打印机|屏幕|设备|耳机|充电器|东西|产品|灯|键盘|鼠标|空调|冰箱|洗衣机|电视|手表|app|软件|系统|网站|页面|鞋子?|衣服|包)` + stopEnd + `{0,4}?(?:坏了|坏掉了|不能用|用不了|没反应|不工作|失灵)|我(?:的|买的)` + stopEnd + `{0,6}?坏了`},
			{"页面挂了", 3, `(?:页面|网页|网站|app|软件|系统|服务器)` + stopEnd + `{0,4}?(?:挂了|崩了|进不去|加载不出来|出问题了|有问题)`},
			{"提示错误", 3, `(?:显示|提示|出现|弹出)` + stopEnd + `{0,6}?(?:错误|报错|异常|失败)`},
			{"坏了", 2, `坏了|报错|出错|故障|崩溃|卡顿|异常`},
		}},
		{"complaint", []patternSpec{
			{"wants to complain", 3, `\b(?:want|would like|need|going|wish|have)\s+to\s+(?:make\s+|file\s+|lodge\s+|raise\s+|submit\s+|register\s+)?(?:a\s+)?complain(?:t)?\b|\bthis is (?:a|my) (?:formal )?complaint\b|\b(?:formal|official) complaint\b|\bi am (?:complaining|filing a complaint|making a complaint|reporting you)\b`},
			{"complaint word", 2, `\bcomplain(?:t|ts|ed|ing)?\b`},
			{"rude staff", 3, `\b(?:support|service|staff|agent|employee|rep|representative|driver|courier|delivery (?:guy|man|person|driver)|technician|seller|operator|manager|team|he|she|they)\b` + stopEnd + `{0,30}?\b(?:rude|terrible|awful|horrible|unprofessional|useless|disrespectful|the worst|incompetent|unhelpful|hung up on me|yelled|shouted|ignored me|insulted)\b`},
			{"bad service", 3, `\b(?:terrible|awful|horrible|appalling|bad|poor|worst|disgraceful|pathetic|lousy|shocking)\s+(?:customer )?(?:service|experience|support|attitude|treatment|communication|company)\b`},
			{"outrage", 2, `\b(?:unacceptable|disgusting|ridiculous|outrageous|scam|scammers?|ripoff|rip-off|rip off|fraud|shameful|disgraceful)\b`},
			{"wants a manager", 3, `\b(?:speak|talk)\s+(?:to|with)\s+(?:a|your|the)\s+(?:manager|supervisor|boss|someone in charge)\b|\bescalate\b`},
			{"upset", 3, `\b(?:i am|i feel|we are|really|so|very|extremely|totally|completely)\s+(?:very |so |really |extremely |totally |completely )?(?:disappointed|unhappy|upset|angry|furious|frustrated|fed up|dissatisfied|annoyed)\b`},
			{"nobody answers", 3, `\b(?:nobody|no one|noone|no-one)\s+(?:has\s+)?(?:replied|answered|responded|helped|called|got back|gets back|is helping|cares)\b|\bno (?:reply|response|answer)\s+(?:for|in|after|since)\b`},
			{"long wait", 2, `\b(?:waited|waiting|been waiting)\s+(?:for\s+)?(?:\d+|two|three|four|five|several|many)\s+(?:hours|days|weeks|months)\b`},
			{"bad review", 3, `\bnever (?:buying|ordering|using|shopping)\b` + stopEnd + `{0,20}\bagain\b|\b(?:leave|leaving|write|writing|give|giving) (?:a |you a )?(?:bad|negative|1-star|one-star|one star|1 star) review\b`},
			{"要投诉", 3, `(?:我要|我想|我必须|必须|要)投诉|投诉(?:你们|他|她|这个|客服|快递)`},
			{"投诉词", 2, `投诉`},
			{"态度差", 3, `(?:态度|服务)` + stopEnd + `{0,2}?(?:太|很|非常|特别|极其|真|好)?(?:差|恶劣|不好|糟糕|冷淡|敷衍|恶心)`},
			{"客服不理人", 3, `(?:客服|服务员|工作人员|快递员|骑手|司机|店员|售后|你们)` + stopEnd + `{0,6}?(?:太差|很差|不理人|没人理|骂人|敷衍|不专业|爱答不理|不回复|不回消息|推卸|踢皮球)`},
			{"不满意", 3, `不满意|很不满|非常不满|太失望|很失望|非常失望|失望透顶|忍无可忍`},
			{"太差了", 2, `太(?:差|烂|坑|过分|离谱)了|垃圾|什么破|坑人|骗人|欺骗|黑心|恶心|无语|气死`},
			{"没人回复", 3, `没(?:有)?人(?:回复|理|管|处理|回|联系)|等了` + stopEnd + `{0,6}?(?:天|小时|个星期|周|个月)` + stopEnd + `{0,8}?(?:没人|还没|都没|没有)`},
			{"差评", 3, `差评|找你们(?:的)?(?:经理|领导|主管|老板)|(?:叫|让)(?:你们)?(?:的)?(?:经理|领导|主管)(?:来|出来)|12315|消协`},
		}},
	}

	guards := []guardSpec{
		// Negations of one category's intent.
		{GuardNegated, "refund", "no refund wanted", `\b(?:no|not any|there is no)\s+need\s+(?:to|for)\s+(?:a\s+|any\s+)?(?:\w+\s+)?refund|\b(?:do not|did not|does not|never)\s+(?:want|need|wish|expect|mean|ask for|asked for|request|requested)\s+(?:to\s+(?:get\s+)?)?(?:a\s+|any\s+|the\s+|my\s+)?(?:refund|money back)|\bdo not\s+refund\b|\bnot\s+(?:asking|looking)\s+for\s+a\s+refund\b|\bno refund (?:needed|necessary|required)\b`, ""},
		{GuardNegated, "refund", "不用退款", `不(?:用|需要|要|必|想)(?:了)?(?:给我)?退(?:款|钱)|退款` + stopEnd + `{0,2}不(?:用|需要|必)|不是(?:要|想)?退(?:款|钱)|无需退款|不退了|别退`, ""},
		{GuardNegated, "return", "no return wanted", `\b(?:no|not any)\s+need\s+to\s+(?:return|exchange|send (?:it|them) back)|\b(?:do not|did not|does not|never)\s+(?:want|need|wish|mean)\s+to\s+(?:return|exchange|send (?:it|them) back)\b|\bnot\s+(?:returning|asking for a return)\b`, ""},
		{GuardNegated, "return", "不用退货", `不(?:用|需要|要|必|想)(?:了)?(?:退货|换货|退换|退了|退回|换了)|不是(?:要|想)?退货|无需退货`, ""},
		// A message sent to the wrong chat or person ("发错群了", "刚才那条
		// 发错了，不好意思") is the customer's own slip, not a wrong
		// shipment ("你们发错货了", "给我发错了颜色"): goods, the courier
		// or an order in the message cancel the guard.
		{GuardNegated, "return", "消息发错了", `发错(?:了)?群|(?:^|[^给帮替])我(?:刚才|刚刚)?发错|(?:消息|信息|那条|这条|上一条)(?:是)?发错|^发错(?:了)?(?:人|对象)|发错(?:了)?[，,\s]*(?:不好意思|抱歉|sorry|sry)|(?:不好意思|抱歉|sorry|sry)[，,\s]*(?:刚才|刚刚)?(?:那条|这条|上一条)?(?:消息|信息)?发错`,
			`发错(?:了)?(?:货|颜色|尺码|码|款|型号|东西|商品|地址)|快递|包裹|物流|商品|订单|货`},
		{GuardNegated, "complaint", "not a complaint", `\b(?:do not|did not|does not|never)\s+(?:want|mean|wish|intend|plan|need)\s+to\s+(?:make\s+a\s+|file\s+a\s+|be\s+)?complain|\bnot\s+(?:a|any|an official|making a|filing a)\s+complaint|\bnot\s+complaining\b|\bno complaints?\b|\bnot to complain\b`, ""},
		{GuardNegated, "complaint", "不是投诉", `不是(?:要|想|在)?投诉|不(?:想|用|要|需要|打算)投诉|没(?:有)?(?:要|想)?投诉|不投诉|无意投诉|不算投诉|不是抱怨`, ""},
		{GuardNegated, "billing", "not charged twice", `\b(?:was|were|have|has) not (?:been )?(?:charged|billed) (?:twice|double|again)\b|\b(?:there (?:was|is) no|no|not a)\s+(?:double|duplicate|extra)\s+(?:charge|payment|billing)|\bnot (?:charged|billed) twice\b`, ""},
		{GuardNegated, "billing", "没有重复扣款", `没(?:有)?(?:被)?(?:重复|多)(?:扣|收)|没(?:有)?(?:被)?(?:扣|收)(?:了)?(?:两|2|二)次`, ""},
		{GuardNegated, "complaint", "not rude", `\b(?:not|never)\s+(?:\w+\s+)?(?:rude|unprofessional|unhelpful|useless)\b|\bnot (?:bad|terrible|awful)\b`, ""},
		{GuardNegated, "", "nothing wrong", `\bnothing (?:is|was|got|seems)?\s*(?:wrong|broken|damaged|missing)\b|\b(?:is|was|are|were) not (?:broken|damaged|defective|faulty)\b|\bno (?:damage|problems?|issues?)\b`, ""},
		{GuardNegated, "", "no need", `\bno need\b|\bnot an? (?:issue|problem)\b|\bno problem\b|不用(?:麻烦|处理)了?|不需要(?:处理|帮忙)`, ""},

		// Resolved issues; a contrast after them ("but … again") lifts the veto.
		{GuardResolved, "", "works again", `\b(?:works|working|work|fine|ok|okay)\s+(?:again|now)\b|\b(?:it|that|this|problem|issue|everything)\s+(?:is|was|has been|got)\s+(?:now\s+)?(?:fixed|resolved|solved|sorted|sorted out|working)\b|\b(?:never ?mind|nvm|all good|all sorted|problem solved|issue resolved|figured it out)\b`,
			`\b(?:not|never|no longer)\s+(?:\w+\s+)?(?:working|work|works|fixed|resolved|solved|sorted)\b|\bstop(?:ped|s)?\s+working\b`},
		{GuardResolved, "", "refund arrived", `\b(?:refund|money|payment|package|parcel|order|replacement)\s+(?:has\s+)?(?:arrived|came|came through|went through|showed up|is here|was received|has been received)\b|\b(?:got|received)\s+(?:my|the)\s+(?:refund|money back|money|replacement)\b|\bthanks? (?:you )?for (?:fixing|sorting|resolving|refunding|handling|the (?:quick |fast )?(?:refund|fix|help|replacement))`,
			`\b(?:not|never|no longer)\s+(?:\w+\s+)?(?:arrived|received|came|got)\b`},
		{GuardResolved, "", "已经解决了", `(?:已经|已)?(?:解决|修好|处理好|搞定|恢复)了|(?:已经|已)(?:退款|退了|到账|收到|退回|解决|恢复)|(?:退款|钱)` + stopEnd + `{0,2}(?:已经|已)(?:到账|收到|退回)|收到(?:了)?退款|退款(?:已经)?到账了|没事了|没问题了|(?:可以|能)(?:用|登录|打开|登上|正常使用)了|正常了|算了`,
			`(?:没|未|不)(?:有)?(?:解决|修好|到账|收到|恢复|处理好)`},

		// The customer's own mistake, found by themselves.
		{GuardResolved, "", "my mistake", `\b(?:my (?:mistake|bad|fault|error)|(?:that is|it is|it was|that was|this is) on me|i misread|ignore my (?:last|previous) message)\b`,
			`\bmy (?:mistake|error) (?:was|is)\b`},
		{GuardResolved, "", "我看错了", `我看错了?|是我(?:看错|搞错|弄错)|我搞错了|我弄错了|忽略我(?:的)?上一条`, ""},

		// Thanks and praise; a weight-3 statement or a following contrast
		// lifts the veto ("thanks in advance, my app keeps crashing").
		{GuardThanks, "", "thanks", `\b(?:thanks|thank you|thx|ty|cheers|much appreciated|appreciate it|appreciate your help|great job|well done|love it|awesome|amazing|excellent|perfect|great service|great support|you are the best|works great|works perfectly)\b|谢谢|感谢|多谢|辛苦了|太棒了|很棒|真棒|给力|好评|点赞|好用`, ""},

		// General policy questions; a weight-3 statement lifts the veto.
		{GuardPolicy, "", "policy question", `\bpolic(?:y|ies)\b|\bhow (?:do|does|can|would|will) (?:i|we|you|one|returns?|refunds?|exchanges?)\b` + stopEnd + `{0,30}\b(?:return|refund|exchange|work|process|request)|\bhow (?:long|many days) (?:does|do|will|would|is|can)\b|\b(?:do|does|can) (?:you|your (?:shop|store|company))\s+(?:offer|accept|allow|do|give|provide)\s+(?:\w+\s+)?(?:refunds?|returns?|exchanges?)\b|\b(?:is it possible|am i able|are you able) to (?:return|refund|exchange|get a refund)\b|\bwhat (?:is|are) (?:the|your) (?:\w+\s+)?(?:policy|terms|rules|window|process|procedure)\b|\b(?:return|refund) (?:window|period|process|procedure|terms)\b|\bcan (?:i|we) (?:still )?(?:return|exchange|refund|get a refund|send (?:it|them) back)\b`, ""},
		{GuardPolicy, "", "政策问题", `政策|规定|流程|规则|怎么(?:退|申请|办理|操作)|如何(?:退|申请|办理)|(?:可以|能|能不能|可不可以|支持|是否支持|是否可以)(?:七天无理由)?(?:退货|退款|换货|退换)(?:吗|么|嘛)?[?？]?$|几天(?:内)?(?:可以|能)?(?:退|到账)|多久(?:能|可以)?(?:到账|退|处理)|七天无理由`, ""},
	}

	contrast := `\b(?:but|however|still|yet|though|although|unfortunately|again)\b|但是|但|可是|不过|还是|仍然|依然|还没|却|然而|可惜|又`
	return cats, guards, contrast
}

// pack is a compiled rule pack.
type pack struct {
	pf       *prefilter
	cats     []packCategory
	guards   []packGuard
	contrast *regexp.Regexp
	noScores []catScore // all zero, shared by every text that matches nothing
	// texts recycles the ntexts of decided messages (release): every
	// message decided makes one, and its allocation was 8 % of a "both"
	// decision's CPU.
	texts sync.Pool
}

type packCategory struct {
	name     string
	patterns []packPattern
	// lo and hi bound the patterns' slots, which are consecutive: a
	// message with no candidate slot in the range skips the category.
	lo, hi int32
}

type packPattern struct {
	slot    int32 // its bit in ntext.slots (prefilter.go)
	name    string
	feature string // "p:" + name, the model's evidence
	weight  int
	re      *regexp.Regexp
	// han says the pattern needs Chinese text, latin that it needs ASCII
	// letters; skipping the rest halves the work on one-language text.
	han, latin bool
}

type packGuard struct {
	slot                 int32 // its bit in ntext.slots (prefilter.go)
	kind, category, name string
	feature              string // "g:" + name, the model's evidence
	re, unless           *regexp.Regexp
	han, latin           bool
}

// applies reports whether the guard can match the text: its script and
// its literals are there.
func (g packGuard) applies(t *ntext) bool {
	return !(g.han && !t.han) && !(g.latin && !t.latin) && t.slots.has(g.slot)
}

// ntext is normalized text with what the pack's prefilter found in it.
type ntext struct {
	s          string
	lits       litSet
	slots      litSet // the patterns and guards that may match (prefilter.go)
	han, latin bool
	// guards caches whether each guard's expression matched: 0 not
	// tried, 1 yes, -1 no.
	guards []int8
	// guardBuf holds guards when the pack has few enough (the default
	// pack has 20), and words the two sets when they fit: every message
	// decided makes an ntext, and this makes it one allocation, not four.
	guardBuf [32]int8
	words    [32]uint64
}

func (p *pack) text(norm string) *ntext {
	t, _ := p.texts.Get().(*ntext)
	if t == nil {
		t = new(ntext)
	}
	*t = ntext{s: norm, han: hasHan(norm), latin: hasLatinWord(norm)}
	lw, sw := p.pf.litWords(), p.pf.slotWords()
	words := t.words[:0]
	if lw+sw > len(t.words) {
		words = make([]uint64, 0, lw+sw)
	}
	words = words[:lw+sw]
	t.lits = p.pf.scan(norm, words[:lw:lw])
	t.slots = p.pf.candidates(t.lits, words[lw:])
	if n := len(p.guards); n <= len(t.guardBuf) {
		t.guards = t.guardBuf[:n]
	} else {
		t.guards = make([]int8, n)
	}
	return t
}

// release gives t back for a later text; nothing may use it after.
func (p *pack) release(t *ntext) { p.texts.Put(t) }

// negates reports whether guard i is a negation that matches the text
// and its "unless" exception does not.
func (p *pack) negates(t *ntext, i int) bool {
	g := p.guards[i]
	return g.kind == GuardNegated && p.guardMatch(t, i) && (g.unless == nil || !g.unless.MatchString(t.s))
}

// guardMatch reports whether guard i's expression matches the text,
// running it at most once per text.
func (p *pack) guardMatch(t *ntext, i int) bool {
	g := p.guards[i]
	if !g.applies(t) {
		return false
	}
	if t.guards[i] == 0 {
		t.guards[i] = -1
		if g.re.MatchString(t.s) {
			t.guards[i] = 1
		}
	}
	return t.guards[i] > 0
}

// defaultPack is compiled once; it is never changed after that.
var defaultPack = sync.OnceValue(func() *pack {
	cats, guards, contrast := defaultPackSpec()
	p := &pack{contrast: regexp.MustCompile(contrast), pf: newPrefilter()}
	for _, c := range cats {
		pc := packCategory{name: c.name, lo: p.pf.slots}
		for _, ps := range c.patterns {
			pc.patterns = append(pc.patterns, packPattern{slot: p.pf.slot(ps.expr), name: ps.name, feature: "p:" + ps.name, weight: ps.weight,
				re: regexp.MustCompile(ps.expr), han: hasHan(ps.expr), latin: !hasHan(ps.expr) && hasLatinWord(ps.expr)})
		}
		pc.hi = p.pf.slots
		p.cats = append(p.cats, pc)
	}
	p.noScores = make([]catScore, len(p.cats))
	for _, g := range guards {
		pg := packGuard{slot: p.pf.slot(g.expr), kind: g.kind, category: g.category, name: g.name, feature: "g:" + g.name, re: regexp.MustCompile(g.expr),
			han: hasHan(g.expr), latin: !hasHan(g.expr) && hasLatinWord(g.expr)}
		if g.unless != "" {
			pg.unless = regexp.MustCompile(g.unless)
		}
		p.guards = append(p.guards, pg)
	}
	return p
})

// PackResult explains what the default pack made of a text.
type PackResult struct {
	// Category is the category that fired, "" when none did.
	Category string `json:"category,omitempty"`
	Score    int    `json:"score"`
	// Matched names the patterns behind Category (or behind the best
	// candidate when a guard vetoed it).
	Matched []string `json:"matched,omitempty"`
	// Guard is the kind of guard that vetoed (GuardNegated, …) and
	// GuardName the guard itself.
	Guard     string `json:"guard,omitempty"`
	GuardName string `json:"guard_name,omitempty"`
}

// ClassifyDefault runs the default rule pack on a text.
func ClassifyDefault(text string) PackResult {
	p := defaultPack()
	return p.classify(p.text(normalize(text)))
}

type catScore struct {
	score    int
	evidence []string // the features of the matched patterns
	strong   [][]int  // where each weight-3 pattern matched
	matched  []string
}

// classify scores normalized text and applies the guards.
func (p *pack) classify(t *ntext) PackResult { return p.decide(t, p.score(t)) }

// score runs every category's patterns over normalized text. The scores
// are read-only: a text that matches no pattern, as most chat does, gets
// the pack's shared zero scores instead of an allocation.
func (p *pack) score(t *ntext) []catScore {
	han, latin := t.han, t.latin
	var scores []catScore
	for i, c := range p.cats {
		if !t.slots.anyIn(c.lo, c.hi) {
			continue
		}
		// Two passes put the strongest names first, so the first name
		// explains the decision.
		for _, strongPass := range []bool{true, false} {
			for _, pt := range c.patterns {
				if (pt.weight >= PackThreshold) != strongPass || (pt.han && !han) || (pt.latin && !latin) || !t.slots.has(pt.slot) || !pt.re.MatchString(t.s) {
					continue
				}
				if scores == nil {
					scores = make([]catScore, len(p.cats))
				}
				scores[i].score += pt.weight
				scores[i].matched = append(scores[i].matched, pt.name)
				scores[i].evidence = append(scores[i].evidence, pt.feature)
				if strongPass {
					scores[i].strong = append(scores[i].strong, pt.re.FindStringIndex(t.s))
				}
			}
		}
	}
	if scores == nil {
		return p.noScores
	}
	return scores
}

// decide applies the guards to the scores of normalized text.
func (p *pack) decide(t *ntext, scores []catScore) PackResult {
	negated := map[string]string{}
	for i, g := range p.guards {
		if p.negates(t, i) {
			if g.category == "" {
				for _, c := range p.cats {
					negated[c.name] = g.name
				}
			} else if _, ok := negated[g.category]; !ok {
				negated[g.category] = g.name
			}
		}
	}

	best, vetoedBy := -1, -1
	for i, c := range p.cats {
		if scores[i].score < PackThreshold {
			continue
		}
		if _, ok := negated[c.name]; ok {
			if vetoedBy < 0 || scores[i].score > scores[vetoedBy].score {
				vetoedBy = i
			}
			continue
		}
		if best < 0 || scores[i].score > scores[best].score {
			best = i
		}
	}
	if best < 0 {
		if vetoedBy >= 0 {
			c := p.cats[vetoedBy].name
			return PackResult{Score: scores[vetoedBy].score, Matched: scores[vetoedBy].matched, Guard: GuardNegated, GuardName: negated[c]}
		}
		return p.weak(t, scores, negated)
	}

	res := PackResult{Category: p.cats[best].name, Score: scores[best].score, Matched: scores[best].matched}
	// Every category's statements count against a resolution: in "my
	// parcel arrived broken, I want a refund" refund wins, and "parcel
	// arrived" belongs to the return category's "arrived broken".
	var strong [][]int
	for i, c := range p.cats {
		if _, ok := negated[c.name]; !ok {
			strong = append(strong, scores[i].strong...)
		}
	}
	if g, ok := p.veto(t, strong); ok {
		res.Category, res.Guard, res.GuardName = "", g.kind, g.name
	}
	return res
}

// weak explains a text whose best category stayed under the threshold:
// when a guard would have vetoed it anyway, saying so ("thanks",
// "resolved") is a better reason than "no match".
func (p *pack) weak(t *ntext, scores []catScore, negated map[string]string) PackResult {
	top := -1
	for i := range p.cats {
		if scores[i].score > 0 && (top < 0 || scores[i].score > scores[top].score) {
			top = i
		}
	}
	if top < 0 {
		return PackResult{}
	}
	res := PackResult{Score: scores[top].score, Matched: scores[top].matched}
	if name, ok := negated[p.cats[top].name]; ok {
		res.Guard, res.GuardName = GuardNegated, name
	} else if g, ok := p.veto(t, scores[top].strong); ok {
		res.Guard, res.GuardName = g.kind, g.name
	}
	return res
}

// veto applies the resolved, thanks and policy guards to a candidate;
// strong holds where its weight-3 statements matched, if any.
func (p *pack) veto(t *ntext, strong [][]int) (packGuard, bool) {
	for i, g := range p.guards {
		if !p.guardMatch(t, i) {
			continue
		}
		switch g.kind {
		case GuardResolved:
			if p.guardHolds(g, t, strong) {
				return g, true
			}
		case GuardThanks:
			if len(strong) == 0 && p.guardHolds(g, t, nil) {
				return g, true
			}
		case GuardPolicy:
			if locs := g.re.FindAllStringIndex(t.s, -1); locs != nil && allInside(strong, locs) {
				return g, true
			}
		}
	}
	return packGuard{}, false
}

// allInside reports whether every statement overlaps a policy question:
// "how do I request a refund?" asks how, it does not request.
func allInside(stmts, questions [][]int) bool {
	for _, s := range stmts {
		in := false
		for _, q := range questions {
			if s[0] < q[1] && q[0] < s[1] {
				in = true
				break
			}
		}
		if !in {
			return false
		}
	}
	return true
}

// guardHolds reports whether a resolved or thanks guard matches with no
// contrast after its last match and no "unless" exception. Matches that
// overlap a statement are part of it, not a resolution: in "the package
// arrived smashed", "package arrived" is the problem.
func (p *pack) guardHolds(g packGuard, t *ntext, strong [][]int) bool {
	var locs [][]int
	for _, l := range g.re.FindAllStringIndex(t.s, -1) {
		if !allInside([][]int{l}, strong) || len(strong) == 0 {
			locs = append(locs, l)
		}
	}
	if locs == nil {
		return false
	}
	if g.unless != nil && g.unless.MatchString(t.s) {
		return false
	}
	return !p.contrast.MatchString(t.s[locs[len(locs)-1][1]:])
}

// guardFor reports the built-in guard that vetoes a keyword match: any
// negation (keywords have no category to scope it to), then the resolved,
// thanks and policy guards as for a weak pack hit.
func (p *pack) guardFor(t *ntext) (packGuard, bool) {
	for i, g := range p.guards {
		if p.negates(t, i) {
			return g, true
		}
	}
	return p.veto(t, nil)
}
