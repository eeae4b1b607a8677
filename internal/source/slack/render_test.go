package slack

import "testing"

func TestRenderText(t *testing.T) {
	t.Parallel()
	tests := map[string]struct{ in, bot, want string }{
		"plain":              {"hello", "", "hello"},
		"escapes":            {"a &lt;b&gt; &amp;amp;", "", "a <b> &amp;"},
		"user mention":       {"ask <@U1>", "", "ask @U1"},
		"user with label":    {"ask <@U1|ann>", "", "ask @ann"},
		"channel":            {"see <#C1|general> and <#C2>", "", "see #general and #C2"},
		"specials":           {"<!here> <!channel> <!everyone>", "", "@here @channel @everyone"},
		"subteam":            {"<!subteam^S1|@billing> help", "", "@billing help"},
		"date":               {"on <!date^1392734382^{date}|Feb 18>", "", "on Feb 18"},
		"link":               {"<https://x.example/a?b=1&amp;c=2>", "", "https://x.example/a?b=1&c=2"},
		"link with label":    {"<https://x.example|docs>", "", "docs (https://x.example)"},
		"auto link":          {"<https://x.example|x.example>", "", "x.example"},
		"mailto":             {"<mailto:a@b.example|a@b.example>", "", "a@b.example"},
		"bot mention leads":  {"<@UB> /ticket vpn", "UB", "/ticket vpn"},
		"labelled bot":       {"  <@UB|tb>  hi", "UB", "hi"},
		"bot mention inside": {"hi <@UB>", "UB", "hi @UB"},
		"other leads":        {"<@UX> hi", "UB", "@UX hi"},
		"unclosed":           {"a <@U1 b", "", "a <@U1 b"},
		"empty token":        {"<>", "", ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := renderText(tt.in, tt.bot); got != tt.want {
				t.Fatalf("renderText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTSTime(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in   string
		unix int64
		ns   int
	}{
		"full":     {"1531431954.000073", 1531431954, 73000},
		"seconds":  {"1531431954", 1531431954, 0},
		"short":    {"1531431954.5", 1531431954, 500000000},
		"garbage":  {"soon", 0, 0},
		"negative": {"-5.1", 0, 0},
		"bad frac": {"1.-5", 0, 0},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := tsTime(tt.in)
			if tt.unix == 0 {
				if !got.IsZero() {
					t.Fatalf("tsTime(%q) = %v", tt.in, got)
				}
				return
			}
			if got.Unix() != tt.unix || got.Nanosecond() != tt.ns {
				t.Fatalf("tsTime(%q) = %v", tt.in, got)
			}
		})
	}
}
