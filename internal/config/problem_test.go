package config

import (
	"errors"
	"testing"
)

func TestProblemString(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		p    Problem
		want string
	}{
		"full":        {Problem{"a.yaml", 12, "routes[1].trigger.confirm_timeout", "must be positive"}, "a.yaml:12: routes[1].trigger.confirm_timeout: must be positive"},
		"no field":    {Problem{"a.yaml", 3, "", "bad indent"}, "a.yaml:3: bad indent"},
		"no file":     {Problem{"", 0, "sources[0].secret", "is required"}, "sources[0].secret: is required"},
		"no line yet": {Problem{"a.yaml", 0, "log", "x"}, "a.yaml: log: x"},
	}
	for name, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%s: %q, want %q", name, got, tt.want)
		}
		if tt.p.Error() != tt.want {
			t.Errorf("%s: Error() differs from String()", name)
		}
	}
}

func TestProblemsErr(t *testing.T) {
	t.Parallel()
	if err := Problems(nil).err(); err != nil {
		t.Fatalf("no problems gave %v", err)
	}
	ps := Problems{{"f", 9, "b", "late"}, {"f", 2, "a", "early"}, {"f", 9, "c", "late too"}}
	err := ps.err()
	want := "f:2: a: early\nf:9: b: late\nf:9: c: late too"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %q, want %q", err, want)
	}
	var got Problems
	if !errors.As(err, &got) || len(got) != 3 {
		t.Errorf("errors.As Problems: %v", got)
	}
}

func TestConfigProblemLine(t *testing.T) {
	t.Parallel()
	c, err := parseFile(t, "testdata/full.yaml", fullEnv)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		field string
		line  int
	}{
		{"server", 14},
		{"server.public_url", 18},
		{"admin.tokens[1]", 39},
		{"admin.tokens[1].scopes[0]", 41},
		{"sinks[1].api_token", 81},
		{"routes[0].trigger.confirm_timeout", 106},
		{"routes[0].mapping.priority.rules[1]", 131},
		{"routes[0].mapping.priority.rules[1].priority", 132},
		{`routes[0].status_map.Waiting for customer`, 145},
		// Missing fields fall back to their nearest parent in the file.
		{"routes[0].mapping.title.extra", 116},
		{"routes[1].mapping.title", 155},
		{"routes[7].name", 84},
		{"nothing.at.all", 1},
	}
	for _, tt := range tests {
		p := c.Problem(tt.field, "m")
		if p.Line != tt.line || p.File != "testdata/full.yaml" || p.Field != tt.field {
			t.Errorf("Problem(%q) = %+v, want line %d", tt.field, p, tt.line)
		}
	}
	if p := Default("").Problem("routes[0].mapping.title", "m"); p.Line != 0 || p.File != "" {
		t.Errorf("default config problem = %+v, want no file and line 0", p)
	}
}

func TestParentPath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"a.b[2].c": "a.b[2]", "a.b[2]": "a.b", "a.b": "a", "a": "", "": "",
	} {
		if got := parentPath(in); got != want {
			t.Errorf("parentPath(%q) = %q, want %q", in, got, want)
		}
	}
}
