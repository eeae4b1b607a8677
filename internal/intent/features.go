package intent

import (
	"unicode"
	"unicode/utf8"
)

// Features are hashed into Dims buckets: words and word pairs, Chinese
// characters with their neighbours (Chinese has no spaces, so adjacent
// characters stand in for words), and the three-letter pieces of English
// words, which carry a word's meaning across "crash", "crashes" and
// "crashed" and across typos. The same code hashes for training and for
// scoring, so the two cannot drift apart.
const (
	// 2^19: 17 bits served session 19's 16,530 training lines, but with
	// the 34,000 after corpus batches 25–26 the features collided enough
	// that 18 and 19 bits each raised cross-validation's average
	// precision; 20 bits gained nothing more (BENCHMARKS.md, "Deciding,
	// session 20").
	dimBits = 19
	// Dims is the number of weights.
	Dims = 1 << dimBits
)

// Feature kinds, mixed into the hash so that a word and a character
// trigram with the same bytes land in different buckets.
const (
	kindUnigram  = 'u'
	kindBigram   = 'b'
	kindTrigram  = 't'
	kindPiece    = 'c'
	kindEvidence = 'e'
	kindConcept  = 'k'
	kindClause   = 'f'
	kindLength   = 'l'
)

// tok is one token of normalized text: a span of it, and whether it is a
// Chinese character.
type tok struct {
	start, end int
	han        bool
	// first and last say the token opens or closes a clause (text
	// between punctuation): "how do I …", "…, my mistake".
	first, last bool
}

// normalize lower-cases, folds full-width ASCII to half-width and turns
// every digit into 0 so that order numbers and amounts share features.
func normalize(s string, buf []byte) []byte {
	buf = buf[:0]
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == '\u2019' || r == '\u2018':
			r = '\''
		}
		switch {
		case r >= '0' && r <= '9':
			r = '0'
		case r < utf8.RuneSelf:
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
		default:
			r = unicode.ToLower(r)
		}
		buf = utf8.AppendRune(buf, r)
	}
	return buf
}

// tokenize splits normalized text into words (letters, digits and inner
// apostrophes), single Chinese characters, and single other symbols
// ("?", "!", emoji); white space and the remaining punctuation only
// separate.
func tokenize(s []byte, toks []tok) []tok {
	toks = toks[:0]
	clause := true
	mark := func(t tok) {
		t.first = clause
		clause = false
		toks = append(toks, t)
	}
	endClause := func() {
		if len(toks) > 0 {
			toks[len(toks)-1].last = true
		}
		clause = true
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRune(s[i:])
		switch {
		case isWord(r):
			j := i + n
			for j < len(s) {
				r2, n2 := utf8.DecodeRune(s[j:])
				if !isWord(r2) && r2 != '\'' {
					break
				}
				j += n2
			}
			mark(tok{start: i, end: j})
			i = j
		case unicode.Is(unicode.Han, r):
			mark(tok{start: i, end: i + n, han: true})
			i += n
		case r == '?' || r == '!' || r == '？' || r == '！':
			endClause()
			toks = append(toks, tok{start: i, end: i + n})
			i += n
		case unicode.Is(unicode.So, r):
			toks = append(toks, tok{start: i, end: i + n})
			i += n
		default:
			if isClauseBreak(r) {
				endClause()
			}
			i += n
		}
	}
	endClause()
	return toks
}

func isClauseBreak(r rune) bool {
	switch r {
	case ',', '.', ';', ':', '，', '。', '；', '：', '、', '~', '～', '\n':
		return true
	}
	return false
}

func isWord(r rune) bool {
	return r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9') ||
		r >= utf8.RuneSelf && unicode.IsLetter(r) && !unicode.Is(unicode.Han, r)
}

// FNV-1a, inlined so that hashing a feature allocates nothing.
const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

func hashStart(kind byte) uint32 { return (fnvOffset ^ uint32(kind)) * fnvPrime }

func hashBytes(h uint32, b []byte) uint32 {
	for _, c := range b {
		h = (h ^ uint32(c)) * fnvPrime
	}
	return h
}

func hashSep(h uint32) uint32 { return (h ^ 0xff) * fnvPrime }

// features appends the bucket of every feature of text to out.
func features(text string, evidence []string, f *scratch) []uint32 {
	f.norm = normalize(text, f.norm)
	f.toks = tokenize(f.norm, f.toks)
	s, toks, out := f.norm, f.toks, f.out[:0]
	for i, t := range toks {
		h := hashBytes(hashStart(kindUnigram), s[t.start:t.end])
		out = append(out, h)
		if i > 0 {
			p := toks[i-1]
			h = hashBytes(hashSep(hashBytes(hashStart(kindBigram), s[p.start:p.end])), s[t.start:t.end])
			out = append(out, h)
			if t.han && p.han && i > 1 && toks[i-2].han {
				q := toks[i-2]
				out = append(out, hashBytes(hashStart(kindTrigram), s[q.start:t.end]))
			}
		}
		if t.first {
			// A clause's opening word, and its first two words (or
			// characters): questions, acknowledgements and reports
			// open differently.
			out = append(out, hashBytes(hashStart(kindClause), s[t.start:t.end]))
			if i+1 < len(toks) && !t.last {
				n := toks[i+1]
				out = append(out, hashBytes(hashSep(hashBytes(hashStart(kindClause), s[t.start:t.end])), s[n.start:n.end]))
			}
		}
		if t.last {
			out = append(out, hashSep(hashBytes(hashStart(kindClause), s[t.start:t.end])))
		}
		if !t.han && t.end-t.start >= 4 {
			// Pieces of the word padded with a space at both ends.
			w := s[t.start:t.end]
			out = append(out, hashBytes(hashBytes(hashStart(kindPiece), []byte{' '}), w[:2]))
			for j := 0; j+3 <= len(w); j++ {
				out = append(out, hashBytes(hashStart(kindPiece), w[j:j+3]))
			}
			out = append(out, hashSep(hashBytes(hashStart(kindPiece), w[len(w)-2:])))
		}
	}
	// How long the message is: short ones are mostly chatter.
	f.from = len(out)
	out = append(out, (hashStart(kindLength)^uint32(min(len(toks), 12)/3))*fnvPrime)
	f.cons = concepts.conceptsOf(s, toks, f.cons[:0])
	out = conceptFeatures(f.cons, out)
	out = conceptSetFeatures(f.cons, out)
	// The words again, marked with the context that can turn them: a
	// solved problem or the customer's own mistake, a plan, test or joke.
	// "Missing" after "turned up" is learnt apart from "missing" alone.
	var ctx uint32
	for _, c := range f.cons {
		switch c {
		case cResolved, cSelf:
			ctx |= 1
		case cHypo, cJoke:
			ctx |= 2
		}
	}
	f.ctxFrom = len(out)
	if ctx != 0 {
		for _, t := range toks {
			h := hashBytes((hashStart(kindUnigram)^(0x800|ctx))*fnvPrime, s[t.start:t.end])
			out = append(out, h)
		}
	}
	f.ctxTo = len(out)
	// Trouble (Assessment.Trouble). A repetition alone ("still",
	// "again", "又") names none: "still the best app", "又下雪了".
	f.trouble = false
	for _, c := range f.cons {
		switch c {
		case cFault, cMissing, cMoney, cAnger, cNegator, cRequest:
			f.trouble = true
		}
	}
	// The concepts of the last clause on their own: how a message ends
	// ("…, works now", "…, may I quote you?") often reverses its start.
	last := len(toks)
	for last > 0 && !toks[last-1].first {
		last--
	}
	if last > 0 && last-1 > 0 {
		f.cons = concepts.conceptsOf(s, toks[last-1:], f.cons[:0])
		h0 := hashStart(kindConcept) ^ 0x600
		for _, c := range f.cons {
			out = append(out, (h0^uint32(c))*fnvPrime)
		}
	}
	for _, e := range evidence {
		h := hashStart(kindEvidence)
		for i := 0; i < len(e); i++ {
			h = (h ^ uint32(e[i])) * fnvPrime
		}
		out = append(out, h)
	}
	for i := range out {
		out[i] &= Dims - 1
	}
	f.out = out
	return out
}

// conceptsOnly returns the features of the last call to features that a
// hidden layer over concepts only sees.
func (f *scratch) conceptsOnly() []uint32 {
	f.sub = append(append(f.sub[:0], f.out[f.from:f.ctxFrom]...), f.out[f.ctxTo:]...)
	return f.sub
}

// scratch holds the buffers of one scoring, reused through a pool.
type scratch struct {
	norm []byte
	toks []tok
	cons []concept
	out  []uint32
	acc  []float32 // the hidden layer's sums, when the model has one
	// out[from:ctxFrom] and out[ctxTo:] are the message's length,
	// concepts and evidence: what a hidden layer over concepts only sees.
	from, ctxFrom, ctxTo int
	sub                  []uint32
	// trouble: the text has a concept that names trouble (Assessment).
	trouble bool
}

// conceptFeatures appends each concept, each pair of neighbouring
// concepts and of concepts one apart, and the first and the last concept.
func conceptFeatures(cs []concept, out []uint32) []uint32 {
	h0 := hashStart(kindConcept)
	for i, c := range cs {
		out = append(out, (h0^uint32(c))*fnvPrime)
		if i > 0 {
			out = append(out, (((h0^0x100)*fnvPrime^uint32(cs[i-1]))*fnvPrime^uint32(c))*fnvPrime)
		}
		if i > 1 {
			out = append(out, (((h0^0x200)*fnvPrime^uint32(cs[i-2]))*fnvPrime^uint32(c))*fnvPrime)
		}
	}
	if len(cs) > 0 {
		out = append(out, ((h0^0x300)*fnvPrime^uint32(cs[0]))*fnvPrime, ((h0^0x400)*fnvPrime^uint32(cs[len(cs)-1]))*fnvPrime)
	} else {
		out = append(out, (h0^0x500)*fnvPrime)
	}
	return out
}

// conceptSetFeatures appends each pair of distinct concepts found anywhere
// in the message, however far apart: "missing" with "turned up" three
// clauses later is a solved problem, "declined" with "sandbox" a test.
func conceptSetFeatures(cs []concept, out []uint32) []uint32 {
	var set uint64
	for _, c := range cs {
		set |= 1 << c
	}
	h0 := (hashStart(kindConcept) ^ 0x700) * fnvPrime
	for a := concept(1); a < numConcepts; a++ {
		if set&(1<<a) == 0 {
			continue
		}
		for b := a + 1; b < numConcepts; b++ {
			if set&(1<<b) != 0 {
				out = append(out, ((h0^uint32(a))*fnvPrime^uint32(b))*fnvPrime)
			}
		}
	}
	return out
}
