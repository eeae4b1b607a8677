package intent_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/intent"
	"github.com/ticketbridge/ticketbridge/internal/rules"
)

type labelled struct {
	Text, Lang, Label, Kind string
}

func readLabelled(t testing.TB, path string) []labelled {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l labelled
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

// TestEmbeddedModelIsCurrent retrains the two models from the training
// part exactly as `go generate` does and wants the embedded ones to score
// like them: a changed corpus, feature or pack rule without regenerated
// models fails here.
func TestEmbeddedModelIsCurrent(t *testing.T) {
	t.Parallel()
	train := readLabelled(t, "../../eval/intent/train.jsonl")
	heldout := readLabelled(t, "../../eval/intent/heldout.jsonl")
	// The small-talk model is trained against the small-talk kinds, as
	// the go:generate line of intent.go says.
	for _, tc := range []struct {
		name     string
		keep     func(labelled) bool
		embedded *intent.Model
	}{
		{"model.bin", func(labelled) bool { return true }, intent.Default()},
		{"smalltalk.bin", func(l labelled) bool { return l.Label == "problem" || rules.ChatterKind(l.Kind) }, intent.SmallTalk()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var examples []intent.Example
			for _, l := range train {
				if tc.keep(l) {
					examples = append(examples, intent.Example{Text: l.Text, Evidence: rules.Evidence(l.Text), Problem: l.Label == "problem"})
				}
			}
			fresh := intent.Train(examples, intent.TrainOptions{})
			for _, l := range heldout {
				ev := rules.Evidence(l.Text)
				if a, b := fresh.Score(l.Text, ev...), tc.embedded.Score(l.Text, ev...); math.Abs(a-b) > 0.01 {
					t.Fatalf("%q: retrained model scores %.3f, embedded %s %.3f: run go generate ./internal/intent", l.Text, a, tc.name, b)
				}
			}
		})
	}
}

// TestEncodeDecode: a model, linear or with a hidden layer, survives its
// file format, up to the int16 quantization of its weights.
func TestEncodeDecode(t *testing.T) {
	t.Parallel()
	examples := []intent.Example{
		{Text: "my order arrived broken", Problem: true},
		{Text: "the app crashes on start", Problem: true},
		{Text: "thanks, have a nice day"},
		{Text: "what time do you open?"},
	}
	for name, opt := range map[string]intent.TrainOptions{
		"linear":                {Epochs: 5},
		"hidden":                {Epochs: 5, Hidden: 8},
		"hidden, concepts only": {Epochs: 5, Hidden: 8, ConceptsOnly: true},
		"hidden, Adam, dropout": {Epochs: 5, Hidden: 8, Adam: true, HiddenRate: 0.01, Dropout: 0.3},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := intent.Train(examples, opt)
			enc := m.Encode()
			back, err := intent.Decode(enc)
			if err != nil {
				t.Fatal(err)
			}
			for _, text := range []string{"my order arrived broken", "thanks", "", "退款还没到账"} {
				if a, b := m.Score(text), back.Score(text); math.Abs(a-b) > 1e-3 {
					t.Errorf("%q: %.5f before encoding, %.5f after", text, a, b)
				}
			}
			for name, b := range map[string][]byte{
				"empty":     nil,
				"not magic": []byte("XXXX\x01........"),
				"version":   append([]byte("TBIM\x09"), make([]byte, 8)...),
				"truncated": enc[:100],
				"too long":  append(append([]byte(nil), enc...), 0),
			} {
				if _, err := intent.Decode(b); err == nil {
					t.Errorf("%s: decoded without error", name)
				}
			}
		})
	}
}

// TestHiddenTrainingIsDeterministic: the same examples and options give
// the same hidden model, byte for byte.
func TestHiddenTrainingIsDeterministic(t *testing.T) {
	t.Parallel()
	examples := []intent.Example{
		{Text: "my order arrived broken", Problem: true},
		{Text: "thanks, have a nice day"},
	}
	opt := intent.TrainOptions{Epochs: 3, Hidden: 4, Dropout: 0.3}
	a, b := intent.Train(examples, opt).Encode(), intent.Train(examples, opt).Encode()
	if string(a) != string(b) {
		t.Error("two trainings with the same seed differ")
	}
}

// TestScoreAllocatesNothing: scoring reuses pooled buffers.
func TestScoreAllocatesNothing(t *testing.T) {
	m := intent.Default()
	ev := []string{"p:refund word", "fires"}
	m.Score("warm up the pool", ev...)
	if n := testing.AllocsPerRun(100, func() { m.Score("my parcel arrived broken, I want a refund 😡", ev...) }); n > 0 {
		t.Errorf("Score allocates %.0f times per call", n)
	}
}

func BenchmarkScore(b *testing.B) {
	texts := []string{"my parcel arrived broken, I want a refund", "好的，谢谢", "直播十分钟左右观众那边就卡住不动了", "hello, when do you open tomorrow?"}
	bench := func(b *testing.B, m *intent.Model) {
		b.ReportAllocs()
		m.Score("warm up the pool")
		for i := 0; b.Loop(); i++ {
			m.Score(texts[i%len(texts)])
		}
	}
	b.Run("embedded", func(b *testing.B) { bench(b, intent.Default()) })
	// A hidden layer's cost per message grows with its units: each
	// feature adds its vector to the units' sums.
	for _, units := range []int{16, 32, 64} {
		m := intent.Train([]intent.Example{{Text: "broken", Problem: true}, {Text: "thanks"}}, intent.TrainOptions{Epochs: 1, Hidden: units})
		b.Run(fmt.Sprintf("hidden%d", units), func(b *testing.B) { bench(b, m) })
	}
}

// TestAssessTrouble: the words that name trouble, in both languages, and
// small talk that names none.
func TestAssessTrouble(t *testing.T) {
	t.Parallel()
	m := intent.Default()
	tests := map[string]bool{
		"the parcel is broken":               true,
		"I was charged twice":                true,
		"still waiting for my order":         true,
		"still the best app for this":        false, // a repetition alone is not trouble
		"又下雪了，连着三天了":                         false,
		"please help me with this":           true,
		"my phone number hasn't changed":     true, // a negation: not small talk by words alone
		"see you at the meetup on Friday":    false,
		"give me a few minutes to read this": false,
		"快递是坏的":                              true,
		"退款还没到":                              true,
		"给我几分钟看一下":                           false,
		"好的，谢谢":                              false,
	}
	for text, want := range tests {
		if got := m.Assess(text).Trouble; got != want {
			t.Errorf("%q: Trouble = %v, want %v", text, got, want)
		}
	}
}
