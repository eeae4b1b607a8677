package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/rules"
)

func TestRulesEval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		input  string // under testdata/rules, .jsonl; the golden is .golden
		config string // under testdata/rules, or none for the default pack
		// The decision each input line must get, in order: the golden
		// file pins the rest, this pins what matters if it is rewritten.
		decisions []string
	}{
		{
			name:  "default pack",
			input: "default",
			decisions: []string{
				"propose", // complaint
				"none",    // thanks
				"create",  // "yes" in the same conversation
				"append",  // follow-up
				"none",    // negation
				"create",  // /ticket command
				"propose", // Chinese complaint
				"none",    // "yes" with nothing proposed
				"",        // malformed line: an error line, and the stream goes on
			},
		},
		{
			name:   "keywords without confirmation",
			input:  "keywords",
			config: "keywords.yaml",
			decisions: []string{
				"create", // keyword: created at once
				"append", // follow-up
				"create", // Chinese keyword
				"none",   // negation
				"none",   // complaint, but this route has no rule pack
				"none",   // the keyword only inside a longer word
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in, err := os.ReadFile(filepath.Join("testdata", "rules", tt.input+".jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			args := []string{"rules", "eval"}
			if tt.config != "" {
				args = append(args, "--config", filepath.Join("testdata", "rules", tt.config))
			}
			r := run(t, string(in), args...)
			if r.err != nil {
				t.Fatalf("rules eval: %v\nstderr: %s", r.err, r.stderr)
			}
			inLines := strings.Split(strings.TrimSuffix(string(in), "\n"), "\n")
			outLines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
			if len(outLines) != len(inLines) || len(inLines) != len(tt.decisions) {
				t.Fatalf("%d input lines, %d output lines, %d expected decisions", len(inLines), len(outLines), len(tt.decisions))
			}
			for i, line := range outLines {
				var got struct {
					Decision string  `json:"decision"`
					Route    *string `json:"route"`
					Rule     *string `json:"rule"`
					Error    string  `json:"error"`
				}
				if err := json.Unmarshal([]byte(line), &got); err != nil {
					t.Fatalf("line %d: %q is not JSON: %v", i+1, line, err)
				}
				if tt.decisions[i] == "" {
					if got.Error == "" {
						t.Errorf("line %d: %s, want an error", i+1, line)
					}
					continue
				}
				if got.Decision != tt.decisions[i] || got.Route == nil || *got.Route == "" || got.Rule == nil {
					t.Errorf("line %d: %s, want decision %q with route and rule", i+1, line, tt.decisions[i])
				}
			}
			golden(t, filepath.Join("testdata", "rules", tt.input+".golden"), r.stdout)
		})
	}
}

func TestRulesEvalBadConfig(t *testing.T) {
	t.Parallel()
	r := run(t, `{"text":"hi","conversation":"c1","sender":"u1"}`+"\n",
		"rules", "eval", "--config", filepath.Join("testdata", "config", "several.yaml"))
	if r.err == nil {
		t.Fatal("rules eval with a broken config succeeded")
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want no decisions", r.stdout)
	}
	if !strings.Contains(r.stderr, "several.yaml:20: routes[0].sink: no sink has id \"jria\"") {
		t.Errorf("stderr does not list the problems:\n%s", r.stderr)
	}
}

func TestRulesEvalTemplateProblem(t *testing.T) {
	t.Parallel()
	// The template error is found when the rules compile, not when the
	// file loads; it must still be reported at its line.
	r := run(t, "", "rules", "eval", "--config", filepath.Join("testdata", "config", "template.yaml"))
	if r.err == nil {
		t.Fatal("rules eval with a broken template succeeded")
	}
	if r.stdout != "" || !strings.Contains(r.stderr, "template.yaml:14: routes[0].mapping.title:") {
		t.Errorf("the problem is not reported at its line:\nstdout: %s\nstderr: %s", r.stdout, r.stderr)
	}
}

// With --preview each create carries the ticket it would open, mapped by
// the route's templates; other decisions carry none.
func TestRulesEvalPreview(t *testing.T) {
	t.Parallel()
	in := `{"text":"there is an outage in eu-west","conversation":"k1","sender":"u1","name":"Ann"}
{"text":"still down after ten minutes","conversation":"k1","sender":"u1"}
`
	r := run(t, in, "rules", "eval", "--preview", "--config", filepath.Join("testdata", "rules", "keywords.yaml"))
	if r.err != nil {
		t.Fatalf("rules eval: %v\nstderr: %s", r.err, r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("output: %q", r.stdout)
	}
	var first, second struct {
		Decision string            `json:"decision"`
		Ticket   *core.TicketDraft `json:"ticket"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &second); err != nil {
		t.Fatal(err)
	}
	if first.Decision != "create" || first.Ticket == nil {
		t.Fatalf("first line %s, want a create with its ticket", lines[0])
	}
	tk := first.Ticket
	if tk.Title != "there is an outage in eu-west" || tk.Priority != "normal" || tk.Requester.Name != "Ann" ||
		tk.ExternalID != rules.PreviewExternalID || !strings.Contains(tk.Description, "Rule: keyword") ||
		!strings.Contains(tk.Description, "Ann: there is an outage in eu-west") {
		t.Fatalf("previewed ticket = %+v", tk)
	}
	if second.Decision != "append" || second.Ticket != nil {
		t.Fatalf("second line %s, want an append without a ticket", lines[1])
	}
}
