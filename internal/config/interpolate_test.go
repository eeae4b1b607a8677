package config

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	t.Parallel()
	in := interpolator{
		lookupEnv: envOf(map[string]string{"HOST": "db.local", "EMPTY": "", "PORT": "5432"}),
		readFile: func(path string) ([]byte, error) {
			switch path {
			case "/run/secrets/pw":
				return []byte("p@ss: #word\n\n"), nil
			case "conf/rel":
				return []byte("relative"), nil
			}
			return nil, fs.ErrNotExist
		},
		dir: "conf",
	}
	tests := map[string]struct {
		in, want string
		problem  string // substring of the one expected message; "" for none
	}{
		"no reference":            {in: "plain $ text", want: "plain $ text"},
		"variable":                {in: "${HOST}", want: "db.local"},
		"embedded":                {in: "postgres://${HOST}:${PORT}/x", want: "postgres://db.local:5432/x"},
		"default when unset":      {in: "${NOPE:-fallback}", want: "fallback"},
		"default when empty":      {in: "${EMPTY:-fallback}", want: "fallback"},
		"set value beats default": {in: "${HOST:-other}", want: "db.local"},
		"empty default":           {in: "a${NOPE:-}b", want: "ab"},
		"empty without default":   {in: "[${EMPTY}]", want: "[]"},
		"escaped":                 {in: "$${HOST} costs $5", want: "${HOST} costs $5"},
		"file absolute":           {in: "${file:/run/secrets/pw}", want: "p@ss: #word"},
		"file relative":           {in: "${file:rel}", want: "relative"},
		"unset":                   {in: "x${NOPE}y", want: "x${NOPE}y", problem: "environment variable NOPE is not set"},
		"missing file":            {in: "${file:/nope}", want: "${file:/nope}", problem: "cannot read secret file"},
		"bad name":                {in: "${A-B}", want: "${A-B}", problem: `invalid reference "${A-B}"`},
		"unterminated":            {in: "${HOST", want: "${HOST", problem: "unterminated reference"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, msgs := in.expand(tt.in)
			if got != tt.want {
				t.Errorf("expand(%q) = %q, want %q", tt.in, got, tt.want)
			}
			switch {
			case tt.problem == "" && len(msgs) != 0:
				t.Errorf("unexpected problems %q", msgs)
			case tt.problem != "" && (len(msgs) != 1 || !strings.Contains(msgs[0], tt.problem)):
				t.Errorf("problems %q, want one containing %q", msgs, tt.problem)
			}
		})
	}
}

// TestInterpolationKeepsYAMLIntact feeds secrets that would break the YAML
// if they were pasted into the text, and checks they arrive verbatim while
// later problems keep their lines.
func TestInterpolationKeepsYAMLIntact(t *testing.T) {
	t.Parallel()
	secret := "a: b # not a comment\n- [x] {y} \"q\" 'r' &anchor *alias ${NOT_AGAIN}"
	env := map[string]string{"SECRET": secret, "WORKERS": "7", "CONFIRM": "true", "TIMEOUT": "90s"}
	yaml := `jobs:
  workers: ${WORKERS}
admin:
  tokens:
    - name: t
      token: ${SECRET}
      scopes: [read]
    - name: q
      token: "${SECRET}"
      scopes: [read]
routes:
  - name: r
    sources: [s]
    sink: k
    trigger:
      confirm: ${CONFIRM}
      confirm_timeout: ${TIMEOUT}
      command: ${MISSING}
sources: [{id: s, type: generic}]
sinks: [{id: k, type: local}]
log:
  level: loud
`
	_, err := Parse("i.yaml", []byte(yaml), envOf(env))
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v, want Problems", err)
	}
	want := "i.yaml:18: routes[0].trigger.command: environment variable MISSING is not set\n" +
		`i.yaml:22: log.level: "loud" is not one of debug, info, warn, error`
	if err.Error() != want {
		t.Fatalf("problems:\n%s\nwant:\n%s", err, want)
	}

	// Without the two mistakes the same file loads, and the secret is
	// byte for byte what the environment held (not expanded again).
	yaml = strings.Replace(yaml, "${MISSING}", "ticket", 1)
	yaml = strings.Replace(yaml, "loud", "warn", 1)
	c, err := Parse("i.yaml", []byte(yaml), envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	for i, tok := range c.Admin.Tokens {
		if tok.Token != secret {
			t.Errorf("tokens[%d] = %q, want %q", i, tok.Token, secret)
		}
	}
	tr := c.Routes[0].Trigger
	if c.Jobs.Workers != 7 || !tr.Confirm || tr.ConfirmTimeout.String() != "1m30s" {
		t.Errorf("typed values from env: workers %d confirm %v timeout %v", c.Jobs.Workers, tr.Confirm, tr.ConfirmTimeout)
	}
}
