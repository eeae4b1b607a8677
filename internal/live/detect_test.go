package live

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

var t0 = time.Date(2024, 5, 6, 20, 0, 0, 0, time.UTC)

var (
	chatter    = []string{"666", "主播好美", "哈哈哈哈", "来了来了", "hello from Berlin", "这个多少钱", "gg", "上车", "love this", "关注了"}
	complaints = []string{"卡", "好卡啊", "黑屏了", "没声音", "又卡顿了", "lag", "buffering again", "听不到", "花屏", "延迟好高"}
)

// stream builds n comments from `viewers` viewers spread evenly over span
// from start; the first complainers viewers each send one complaint among
// them, the rest is chatter. ids continue from firstID.
func stream(rng *rand.Rand, start time.Time, span time.Duration, n, viewers, complainers int, firstID int64) []Comment {
	out := make([]Comment, n)
	complainAt := map[int]int{} // comment index → complaining viewer
	for v := 0; v < complainers; v++ {
		for {
			i := rng.IntN(n)
			if _, taken := complainAt[i]; !taken {
				complainAt[i] = v
				break
			}
		}
	}
	for i := range out {
		c := Comment{ID: firstID + int64(i), Time: start.Add(span * time.Duration(i) / time.Duration(n))}
		if v, ok := complainAt[i]; ok {
			c.Viewer = fmt.Sprintf("v%d", v)
			c.Text = complaints[rng.IntN(len(complaints))]
		} else {
			c.Viewer = fmt.Sprintf("v%d", complainers+rng.IntN(viewers-complainers))
			c.Text = chatter[rng.IntN(len(chatter))]
		}
		out[i] = c
	}
	return out
}

func TestDetectBurstsAndCooldown(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	first := stream(rng, t0, time.Minute, 500, 80, 30, 1)
	// Two quiet minutes of chatter only, then a second burst: within the
	// five-minute cooldown of the first.
	quiet := stream(rng, t0.Add(90*time.Second), 2*time.Minute, 300, 80, 0, 1001)
	second := stream(rng, t0.Add(4*time.Minute), time.Minute, 200, 80, 8, 2001)
	// Ten minutes later: a new incident.
	third := stream(rng, t0.Add(17*time.Minute), time.Minute, 200, 80, 6, 3001)
	all := append(append(append(append([]Comment{}, first...), quiet...), second...), third...)

	got := Detect(Config{}, all)
	if len(got) != 3 {
		t.Fatalf("got %d bursts, want 3: %+v", len(got), got)
	}
	want := []struct {
		viewers   int
		continues bool
		within    []Comment
	}{{30, false, first}, {8, true, second}, {6, false, third}}
	for i, w := range want {
		b := got[i]
		if b.Viewers != w.viewers || b.Complaints != w.viewers || b.Continues != w.continues {
			t.Errorf("burst %d: viewers %d complaints %d continues %v; want %d, %d, %v",
				i, b.Viewers, b.Complaints, b.Continues, w.viewers, w.viewers, w.continues)
		}
		checkBurst(t, i, b, w.within)
	}
}

// checkBurst checks a burst's summary against the comments it came from.
func checkBurst(t *testing.T, n int, b Burst, cs []Comment) {
	t.Helper()
	var firstC, lastC *Comment
	for i := range cs {
		if ok, _ := IsComplaint(cs[i].Text, nil); ok {
			if firstC == nil {
				firstC = &cs[i]
			}
			lastC = &cs[i]
		}
	}
	if b.FirstID != firstC.ID || b.LastID != lastC.ID || !b.Start.Equal(firstC.Time) || !b.End.Equal(lastC.Time) {
		t.Errorf("burst %d spans %d..%d (%v..%v), want %d..%d", n, b.FirstID, b.LastID, b.Start, b.End, firstC.ID, lastC.ID)
	}
	if want := int(lastC.ID-firstC.ID) + 1; b.Total != want {
		t.Errorf("burst %d total %d, want %d", n, b.Total, want)
	}
	sum := 0
	for _, c := range b.Terms {
		sum += c
	}
	if sum != b.Complaints {
		t.Errorf("burst %d terms %v add up to %d, want %d", n, b.Terms, sum, b.Complaints)
	}
	seen := map[string]bool{}
	for _, s := range b.Samples {
		if seen[s] {
			t.Errorf("burst %d repeats sample %q", n, s)
		}
		seen[s] = true
	}
	if len(b.Samples) == 0 || len(b.Samples) > maxSamples {
		t.Errorf("burst %d has %d samples", n, len(b.Samples))
	}
}

func TestDetectNoBurst(t *testing.T) {
	t.Parallel()
	at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	var spam, few, negated, trickle []Comment
	for i := range 200 {
		spam = append(spam, Comment{ID: int64(i), Viewer: "troll", Text: "卡卡卡卡 lag", Time: at(i / 4)})
	}
	for i := range 40 {
		few = append(few, Comment{ID: int64(i), Viewer: fmt.Sprintf("v%d", i%4), Text: "黑屏", Time: at(i)})
	}
	for i := range 30 {
		texts := []string{"不卡了", "现在没有卡顿", "no lag now", "一点都不卡", "not buffering anymore", "刚才黑屏，现在好了"}
		negated = append(negated, Comment{ID: int64(i), Viewer: fmt.Sprintf("v%d", i), Text: texts[i%len(texts)], Time: at(i)})
	}
	// One new viewer complaining every 30 s for ten minutes: at most three
	// in any minute.
	for i := range 20 {
		trickle = append(trickle, Comment{ID: int64(i), Viewer: fmt.Sprintf("v%d", i), Text: "好卡", Time: at(30 * i)})
	}
	anon := make([]Comment, 20)
	for i := range anon {
		anon[i] = Comment{ID: int64(i), Text: "卡", Time: at(i)}
	}
	tests := map[string][]Comment{"one spammer": spam, "four viewers": few, "negated": negated, "slow trickle": trickle, "no viewer ids": anon, "nothing": nil}
	for name, cs := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := Detect(Config{}, cs); len(got) != 0 {
				t.Errorf("got %d bursts, want none: %+v", len(got), got)
			}
		})
	}
}

func TestDetectWindowEdges(t *testing.T) {
	t.Parallel()
	five := func(step time.Duration) []Comment {
		var cs []Comment
		for i := range 5 {
			cs = append(cs, Comment{ID: int64(i + 1), Viewer: fmt.Sprintf("v%d", i), Text: "卡顿", Time: t0.Add(time.Duration(i) * step)})
		}
		return cs
	}
	tests := map[string]struct {
		cfg  Config
		cs   []Comment
		want int
	}{
		"five in exactly the window":  {Config{}, five(15 * time.Second), 1},
		"five over a second too long": {Config{}, five(15*time.Second + 250*time.Millisecond), 0},
		"custom min viewers":          {Config{MinViewers: 6}, five(time.Second), 0},
		"custom window":               {Config{Window: 10 * time.Second}, five(3 * time.Second), 0},
		"custom extra term": {Config{MinViewers: 2, Extra: []string{"撕裂"}}, []Comment{
			{ID: 1, Viewer: "a", Text: "画面撕裂", Time: t0}, {ID: 2, Viewer: "b", Text: "撕裂了", Time: t0.Add(time.Second)}}, 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := Detect(tc.cfg, tc.cs); len(got) != tc.want {
				t.Errorf("got %d bursts, want %d: %+v", len(got), tc.want, got)
			}
		})
	}
}

// A burst that dies down and flares again must not count the complaints
// still in the window twice.
func TestDetectSplitBurstsDoNotOverlap(t *testing.T) {
	t.Parallel()
	var cs []Comment
	add := func(sec int, viewer string) {
		cs = append(cs, Comment{ID: int64(len(cs) + 1), Viewer: viewer, Text: "卡", Time: t0.Add(time.Duration(sec) * time.Second)})
	}
	for i := range 5 {
		add(i, fmt.Sprintf("a%d", i)) // burst at 0–4 s
	}
	add(62, "b0") // window 2–62 holds a2..a4 and b0: four viewers, the burst closes
	for i := 1; i < 5; i++ {
		add(62+i, fmt.Sprintf("b%d", i)) // flares again
	}
	got := Detect(Config{Cooldown: time.Second}, cs)
	if len(got) != 2 {
		t.Fatalf("got %d bursts, want 2: %+v", len(got), got)
	}
	if got[0].LastID != 5 || got[1].FirstID != 6 || got[1].Complaints != 5 || got[1].Continues {
		t.Errorf("bursts overlap or misreport: %+v", got)
	}
}

func TestDetectDeterministic(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	cs := stream(rng, t0, time.Minute, 500, 80, 20, 1)
	cs = append(cs, stream(rng, t0.Add(3*time.Minute), time.Minute, 500, 80, 20, 501)...)
	want := Detect(Config{}, cs)
	shuffled := append([]Comment{}, cs...)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	before := append([]Comment{}, shuffled...)
	got := Detect(Config{}, shuffled)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("shuffled input gave different bursts:\n got %+v\nwant %+v", got, want)
	}
	if !reflect.DeepEqual(shuffled, before) {
		t.Error("Detect reordered the caller's slice")
	}
	if len(want) != 2 || !want[1].Continues {
		t.Errorf("want two bursts, the second continuing: %+v", want)
	}
}

func BenchmarkDetect10k(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	var cs []Comment
	for i := range 20 {
		cs = append(cs, stream(rng, t0.Add(time.Duration(i)*time.Minute), time.Minute, 500, 200, 10, int64(i*500))...)
	}
	b.ReportAllocs()
	for b.Loop() {
		Detect(Config{}, cs)
	}
}
