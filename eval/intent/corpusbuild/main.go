// Command corpusbuild expands the hand-written base messages of
// eval/intent/source into the labelled corpus: each base message gives
// several messages (bare, framed by a greeting or a sign-off, typed
// carelessly), and the split into training and held-out parts is made per
// base message, so no held-out message shares its substance with a
// training one.
//
//	go run ./eval/intent/corpusbuild
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// Entry is one labelled message.
type Entry struct {
	Text   string `json:"text"`
	Lang   string `json:"lang"`
	Label  string `json:"label"`
	Domain string `json:"domain"`
	Kind   string `json:"kind"`
	// Group names the base message, so that cross-validation on the
	// training part can keep a base message's variants in one fold.
	Group string `json:"group"`
}

type base struct {
	text, lang, label, domain, kind string
	// file is the source file's place in the list: the later of two
	// near-duplicates is the newer message.
	file int
}

func main() {
	dir := flag.String("dir", "eval/intent", "corpus folder (holds source/)")
	flag.Parse()
	var bases []base
	for i, f := range sourceFiles() {
		bs, err := readSource(filepath.Join(*dir, "source", f.name), f.lang, f.label)
		if err != nil {
			log.Fatal(err)
		}
		for j := range bs {
			bs[j].file = i
		}
		bases = append(bases, bs...)
	}
	rng := rand.New(rand.NewPCG(15, 2026))
	var train, held []Entry
	seen := map[string]bool{}
	for _, b := range bases {
		for _, text := range variants(rng, b) {
			if seen[text] {
				continue
			}
			seen[text] = true
			e := Entry{Text: text, Lang: b.lang, Label: b.label, Domain: b.domain, Kind: b.kind, Group: fmt.Sprintf("%08x", baseHash(b))}
			if heldOut(b) {
				held = append(held, e)
			} else {
				train = append(train, e)
			}
		}
	}
	if pairs := nearDuplicates(bases, leakThreshold); len(pairs) > 0 {
		// Only the newer message of each pair is printed: the one to
		// reword or drop. Printing the other would show held-out text to
		// whoever writes the next batch.
		for _, p := range pairs {
			newer, side := p.held, "held out"
			if p.train.file > p.held.file {
				newer, side = p.train, "training"
			}
			fmt.Fprintf(os.Stderr, "near-duplicate across the split (%.2f): %q (%s, the newer of the pair)\n", p.sim, newer.text, side)
		}
		log.Fatalf("%d held-out base messages are near-duplicates of training ones: reword or drop one of each pair", len(pairs))
	}
	chatter, dropped, err := chatterSet(filepath.Join(*dir, "chatter"), bases)
	if err != nil {
		log.Fatal(err)
	}
	for name, es := range map[string][]Entry{"train.jsonl": train, "heldout.jsonl": held, "chatter.jsonl": chatter} {
		if err := write(filepath.Join(*dir, name), es); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("%d base messages, %d training and %d held-out messages; %d chatter messages (%d dropped as a base message's twin)\n",
		len(bases), len(train), len(held), len(chatter), dropped)
}

// heldOut puts a fifth of the base messages aside: FNV-1a of the language
// and the base text, modulo 5, equal to 0.
func heldOut(b base) bool { return baseHash(b)%5 == 0 }

func baseHash(b base) uint32 {
	h := fnv.New32a()
	h.Write([]byte(b.lang + "\x00" + b.text))
	return h.Sum32()
}

func readSource(path, lang, label string) ([]base, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []base
	domain, kind := "", ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "@"):
			fs := strings.Fields(line[1:])
			if len(fs) != 2 {
				return nil, fmt.Errorf("%s:%d: want \"@ domain kind\"", path, n)
			}
			domain, kind = fs[0], fs[1]
			if domain == "any" {
				domain = "general"
			}
		case domain == "":
			return nil, fmt.Errorf("%s:%d: message before the first section", path, n)
		default:
			out = append(out, base{text: line, lang: lang, label: label, domain: domain, kind: kind})
		}
	}
	return out, sc.Err()
}

// sourceFile is one file of source/: its messages share a language and a
// label.
type sourceFile struct{ name, lang, label string }

// sourceFiles lists source/ in the order the corpus is built from. The
// order fixes the random framing of every message and which of two
// near-duplicates is the newer, so a new file goes at the end.
func sourceFiles() []sourceFile {
	files := []sourceFile{
		{"en_problem_more.txt", "en", "problem"}, {"en_not_more.txt", "en", "not"},
		{"zh_problem_more.txt", "zh", "problem"}, {"zh_not_more.txt", "zh", "not"},
		{"en_problem_3.txt", "en", "problem"}, {"en_not_3.txt", "en", "not"},
		{"zh_problem_3.txt", "zh", "problem"}, {"zh_not_3.txt", "zh", "not"},
		{"en_problem_4.txt", "en", "problem"}, {"en_not_4.txt", "en", "not"},
		{"zh_problem_4.txt", "zh", "problem"}, {"zh_not_4.txt", "zh", "not"},
		{"en_problem_5.txt", "en", "problem"}, {"en_not_5.txt", "en", "not"},
		{"zh_problem_5.txt", "zh", "problem"}, {"zh_not_5.txt", "zh", "not"},
		{"en_problem.txt", "en", "problem"}, {"en_not.txt", "en", "not"},
		{"zh_problem.txt", "zh", "problem"}, {"zh_not.txt", "zh", "not"},
		{"en_problem_6.txt", "en", "problem"}, {"en_not_6.txt", "en", "not"},
		{"zh_problem_6.txt", "zh", "problem"}, {"zh_not_6.txt", "zh", "not"},
		{"en_problem_7.txt", "en", "problem"}, {"en_not_7.txt", "en", "not"},
		{"zh_problem_7.txt", "zh", "problem"}, {"zh_not_7.txt", "zh", "not"},
		{"en_problem_8.txt", "en", "problem"}, {"en_not_8.txt", "en", "not"},
		{"zh_problem_8.txt", "zh", "problem"}, {"zh_not_8.txt", "zh", "not"},
		{"en_problem_9.txt", "en", "problem"}, {"en_not_9.txt", "en", "not"},
		{"zh_problem_9.txt", "zh", "problem"}, {"zh_not_9.txt", "zh", "not"},
		{"en_problem_10.txt", "en", "problem"}, {"en_not_10.txt", "en", "not"},
		{"zh_problem_10.txt", "zh", "problem"}, {"zh_not_10.txt", "zh", "not"},
		{"en_not_11.txt", "en", "not"}, {"zh_not_11.txt", "zh", "not"},
		{"en_not_12.txt", "en", "not"}, {"zh_not_12.txt", "zh", "not"},
		{"en_problem_13.txt", "en", "problem"}, {"en_not_13.txt", "en", "not"},
		{"zh_problem_13.txt", "zh", "problem"}, {"zh_not_13.txt", "zh", "not"},
		{"en_problem_14.txt", "en", "problem"}, {"en_not_14.txt", "en", "not"},
		{"zh_problem_14.txt", "zh", "problem"}, {"zh_not_14.txt", "zh", "not"},
		{"en_problem_15.txt", "en", "problem"}, {"en_not_15.txt", "en", "not"},
		{"zh_problem_15.txt", "zh", "problem"}, {"zh_not_15.txt", "zh", "not"},
		{"en_problem_16.txt", "en", "problem"}, {"en_not_16.txt", "en", "not"},
		{"zh_problem_16.txt", "zh", "problem"}, {"zh_not_16.txt", "zh", "not"},
		{"en_problem_17.txt", "en", "problem"}, {"en_not_17.txt", "en", "not"},
		{"zh_problem_17.txt", "zh", "problem"}, {"zh_not_17.txt", "zh", "not"},
		{"en_problem_18.txt", "en", "problem"}, {"en_not_18.txt", "en", "not"},
		{"zh_problem_18.txt", "zh", "problem"}, {"zh_not_18.txt", "zh", "not"},
		{"en_not_19.txt", "en", "not"}, {"zh_not_19.txt", "zh", "not"},
		{"en_problem_19.txt", "en", "problem"}, {"zh_problem_19.txt", "zh", "problem"},
	}
	for _, b := range []struct {
		n     int
		langs []string
	}{
		{21, []string{"en", "zh"}}, {22, []string{"en", "zh"}}, {24, []string{"zh"}},
		{25, []string{"en", "zh"}}, {26, []string{"en", "zh"}}, {27, []string{"en", "zh"}},
		{28, []string{"en", "zh"}}, {29, []string{"en", "zh"}}, {30, []string{"en", "zh"}},
		{31, []string{"en", "zh"}}, {32, []string{"en", "zh"}}, {33, []string{"zh"}},
		{34, []string{"en", "zh"}}, {35, []string{"en", "zh"}}, {36, []string{"en", "zh"}},
		{37, []string{"en", "zh"}},
	} {
		files = append(files, batchFiles(b.n, b.langs...)...)
	}
	return files
}

// batchFiles lists a numbered batch's files in the order batches since 21
// use: by language, problems first.
func batchFiles(n int, langs ...string) []sourceFile {
	var out []sourceFile
	for _, lang := range langs {
		for _, label := range []string{"problem", "not"} {
			out = append(out, sourceFile{fmt.Sprintf("%s_%s_%d.txt", lang, label, n), lang, label})
		}
	}
	return out
}

// Framing shared by both labels, so that a greeting or a sign-off says
// nothing about the label.
var (
	openers = map[string][]string{
		"en": {"hi,", "hello", "hey team,", "Hi there.", "good afternoon,", "so", "quick one:", "hey -", "Hello support,", "morning,", "um", "hi again,"},
		"zh": {"你好，", "您好，", "在吗？", "客服你好，", "早上好，", "那个，", "问一下，", "hello，", "亲，", "麻烦问下，", "嗨，", "我想说一下，"},
	}
	closers = map[string][]string{
		"en": {"thanks", "please", "order {order}", "cheers", "thx", "let me know", "ref {order}", "from my phone, sorry for typos", "regards, Sam", "ok?"},
		"zh": {"谢谢", "麻烦了", "订单号{order}", "辛苦", "谢谢啦", "回复一下", "单号{order}", "手机打字见谅", "急", "好吗"},
	}
	problemClosers = map[string][]string{
		"en": {"please help", "can you check?", "what's going on?", "this needs fixing today", "I'm really frustrated", "please advise", "I need this sorted", "any idea why?"},
		"zh": {"帮忙看看", "怎么回事", "今天必须解决", "真的很烦", "请尽快处理", "给个说法", "到底怎么搞的", "能查一下吗"},
	}
	notClosers = map[string][]string{
		"en": {"just wondering", "no rush", "have a good day", ":)", "all good", "nothing urgent"},
		"zh": {"随便问问", "不急", "祝好", "：）", "没事", "有空回我就行"},
	}
)

// variants returns the messages one base message gives: the bare text,
// one framed by an opener and a closer, one typed carelessly, and for
// negatives (which are shorter and fewer) one more framing.
func variants(rng *rand.Rand, b base) []string {
	bare := fill(rng, b.lang, b.text)
	out := []string{bare, frame(rng, b, fill(rng, b.lang, b.text)), careless(rng, b.lang, fill(rng, b.lang, b.text))}
	if b.label == "not" {
		out = append(out, frame(rng, b, fill(rng, b.lang, b.text)))
	}
	return out
}

func pick(rng *rand.Rand, xs []string) string { return xs[rng.IntN(len(xs))] }

func frame(rng *rand.Rand, b base, text string) string {
	open, close := "", ""
	if rng.IntN(3) > 0 {
		open = pick(rng, openers[b.lang])
	}
	switch rng.IntN(4) {
	case 0, 1:
		close = pick(rng, closers[b.lang])
	case 2:
		if b.label == "problem" {
			close = pick(rng, problemClosers[b.lang])
		} else {
			close = pick(rng, notClosers[b.lang])
		}
	}
	if open == "" && close == "" {
		open = pick(rng, openers[b.lang])
	}
	close = fill(rng, b.lang, close)
	if b.lang == "zh" {
		s := open + text
		if close != "" {
			s = strings.TrimRight(s, "。！？!?") + "，" + close
		}
		return s
	}
	s := text
	if open != "" {
		s = open + " " + lowerFirst(text)
	}
	if close != "" {
		s = strings.TrimRight(s, ".!? ") + ". " + upperFirst(close)
	}
	return s
}

// careless drops or doubles punctuation, lower-cases, and for Chinese adds
// a sentence particle or an emoji, the way people type in chat.
func careless(rng *rand.Rand, lang, text string) string {
	s := strings.TrimRight(text, ".!?。！？")
	switch rng.IntN(4) {
	case 0:
		if lang == "en" {
			s = strings.ToLower(s)
		} else {
			s += pick(rng, []string{"啊", "呀", "哦", "吧", "了啦"})
		}
	case 1:
		s += pick(rng, []string{"!!", "...", "??", "!"})
	case 2:
		s += pick(rng, []string{" 🙂", " 😡", " 😅", " 🙏"})
	default:
		if lang == "en" {
			s = strings.NewReplacer(" you ", " u ", "please", "pls", " are ", " r ", "thanks", "thx").Replace(strings.ToLower(s))
		} else {
			s = strings.ReplaceAll(s, "，", " ")
		}
	}
	return s
}

func fill(rng *rand.Rand, lang, s string) string {
	amount := fmt.Sprintf("$%d", 5+rng.IntN(900))
	if lang == "zh" {
		amount = fmt.Sprintf("%d元", 5+rng.IntN(3000))
	}
	return strings.NewReplacer(
		"{order}", fmt.Sprintf("%d", 100000+rng.IntN(8999999)),
		"{amount}", amount,
		"{n}", fmt.Sprintf("%d", 2+rng.IntN(8)),
	).Replace(s)
}

func lowerFirst(s string) string {
	r := []rune(s)
	if len(r) > 1 && unicode.IsUpper(r[0]) && !unicode.IsUpper(r[1]) && !strings.HasPrefix(s, "I ") && !strings.HasPrefix(s, "I'") {
		r[0] = unicode.ToLower(r[0])
	}
	return string(r)
}

func upperFirst(s string) string {
	r := []rune(s)
	if len(r) > 0 {
		r[0] = unicode.ToUpper(r[0])
	}
	return string(r)
}

func write(path string, es []Entry) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, e := range es {
		if err := enc.Encode(e); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
