package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// hookSink is a connector's own settings, as a sink package would declare.
type hookSink struct {
	URL     string            `yaml:"url"`
	Timeout time.Duration     `yaml:"timeout"`
	Headers map[string]string `yaml:"headers"`
	Retry   struct {
		Attempts int           `yaml:"attempts"`
		Backoff  time.Duration `yaml:"backoff"`
	} `yaml:"retry"`
}

type chatSource struct {
	ID        string        `yaml:"id"`
	Secret    string        `yaml:"secret"`
	Tolerance time.Duration `yaml:"tolerance"`
}

func loadConnectors(t *testing.T) *Config {
	t.Helper()
	c, err := parseFile(t, "testdata/connectors.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConnectorDecode(t *testing.T) {
	t.Parallel()
	c := loadConnectors(t)

	var src chatSource
	if err := c.Sources[0].Decode(&src); err != nil {
		t.Fatalf("decode source: %v", err)
	}
	if src != (chatSource{ID: "chat", Secret: "whsec_abc", Tolerance: 5 * time.Minute}) {
		t.Errorf("source = %+v", src)
	}

	// id and type are allowed although hookSink has neither field; the
	// desk entry has nothing else, so it decodes into an empty struct.
	if err := c.Sinks[0].Decode(&struct{}{}); err != nil {
		t.Errorf("decode desk: %v", err)
	}

	var hook hookSink
	err := c.Sinks[1].Decode(&hook)
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v, want Problems", err)
	}
	want := strings.Join([]string{
		`testdata/connectors.yaml:11: sinks[1].url_typo: unknown field`,
		`testdata/connectors.yaml:12: sinks[1].timeout: expected a duration such as "90s" or "10m", got "soon"`,
		`testdata/connectors.yaml:17: sinks[1].retry.backof: unknown field (did you mean "backoff"?)`,
	}, "\n")
	if err.Error() != want {
		t.Errorf("problems:\n%s\nwant:\n%s", err, want)
	}
	// What could be read was read.
	if hook.Headers["X-Team"] != "support" || hook.Retry.Attempts != 3 {
		t.Errorf("hook = %+v", hook)
	}
}

func TestConnectorDecodeNeedsStructPointer(t *testing.T) {
	t.Parallel()
	c := loadConnectors(t)
	for _, v := range []any{chatSource{}, (*chatSource)(nil), new(string)} {
		err := c.Sources[0].Decode(v)
		var ps Problems
		if err == nil || errors.As(err, &ps) {
			t.Errorf("Decode(%T) = %v, want a plain error", v, err)
		}
	}
}

func TestConnectorSet(t *testing.T) {
	t.Parallel()
	c := loadConnectors(t)

	// A value given in Go wins over the file, and the file's other keys stay.
	src := c.Sources[0]
	src.Set("secret", "generated")
	var got chatSource
	if err := src.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.Secret != "generated" || got.Tolerance != 5*time.Minute {
		t.Errorf("after Set: %+v", got)
	}
	// The copy in the config did not change.
	got = chatSource{}
	if err := c.Sources[0].Decode(&got); err != nil || got.Secret != "whsec_abc" {
		t.Errorf("original after Set on a copy: %+v, %v", got, err)
	}

	// Setting over a bad file value replaces it, problem and all.
	hook := c.Sinks[1]
	hook.Set("timeout", 3*time.Second)
	hook.Set("url_typo", nil)
	var h hookSink
	err := hook.Decode(&h)
	if err == nil || strings.Contains(err.Error(), "timeout") || h.Timeout != 3*time.Second {
		t.Errorf("after Set: %+v, %v", h, err)
	}
	// A key set in Go that the struct does not know is still reported, at
	// the line the file gives that field.
	if !strings.Contains(err.Error(), "testdata/connectors.yaml:11: sinks[1].url_typo: unknown field") {
		t.Errorf("got %v", err)
	}
}

func TestConnectorBuiltInGo(t *testing.T) {
	t.Parallel()
	c := Default(t.TempDir())
	c.Sources[0].Set("secret", "whsec_generated")
	c.Sources[0].Set("tolerance", "2m")
	var src chatSource
	if err := c.Sources[0].Decode(&src); err != nil {
		t.Fatal(err)
	}
	if src != (chatSource{ID: "chat", Secret: "whsec_generated", Tolerance: 2 * time.Minute}) {
		t.Errorf("source = %+v", src)
	}

	c.Sinks[0].Set("colour", "blue")
	err := c.Sinks[0].Decode(&struct{}{})
	if err == nil || err.Error() != "sinks[0].colour: unknown field" {
		t.Errorf("err = %v", err)
	}

	// A connector made from nothing but NewConnector decodes too.
	bare := NewConnector("sources[4]", "x", "generic")
	if err := bare.Decode(&src); err != nil || src.ID != "x" {
		t.Errorf("bare: %+v, %v", src, err)
	}
}

func TestConnectorProblem(t *testing.T) {
	t.Parallel()
	c := loadConnectors(t)
	tests := []struct {
		conn Connector
		key  string
		want string
	}{
		{c.Sources[0], "secret", "testdata/connectors.yaml:4: sources[0].secret: bad"},
		{c.Sinks[1], "headers.X-Team", "testdata/connectors.yaml:14: sinks[1].headers.X-Team: bad"},
		// A missing key points at the entry.
		{c.Sinks[0], "token", "testdata/connectors.yaml:7: sinks[0].token: bad"},
		{c.Sinks[0], "", "testdata/connectors.yaml:7: sinks[0]: bad"},
		{Default("").Sources[0], "secret", "sources[0].secret: bad"},
	}
	for _, tt := range tests {
		if got := tt.conn.Problem(tt.key, "bad").String(); got != tt.want {
			t.Errorf("Problem(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
	if f := c.Sinks[1].Field(); f != "sinks[1]" {
		t.Errorf("Field() = %q", f)
	}
}
