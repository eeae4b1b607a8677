package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	in, err := os.ReadFile(filepath.Join("testdata", "redact", "input.txt"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		// A line the output must have, in case the golden file is
		// rewritten carelessly.
		must string
	}{
		{"partial", nil, "我的手机号是138****5678谢谢"},
		{"full", []string{"--mode", "full"}, "call [PHONE], mail [EMAIL]"},
		{"drop", []string{"--mode", "drop"}, "身份证  卡号 "},
		{"pattern", []string{"--mode", "full", "--pattern", `order=\bORD-[0-9]{6}\b`}, "ticket [ORDER] bad id 110101199003071234"},
		{"json", []string{"--json"}, `{"text":"office 010-****5678 <ops> & abroad +44 ** **** 0958","spans":[{"kind":"landline","start":7,"end":19,"text":"010-62345678"},{"kind":"intl_phone","start":35,"end":51,"text":"+44 20 7946 0958"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, string(in), append([]string{"redact"}, tt.args...)...)
			if r.err != nil {
				t.Fatalf("redact: %v\nstderr: %s", r.err, r.stderr)
			}
			inLines := strings.Split(strings.TrimSuffix(string(in), "\n"), "\n")
			outLines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
			if len(outLines) != len(inLines) {
				t.Fatalf("%d input lines, %d output lines:\n%s", len(inLines), len(outLines), r.stdout)
			}
			found := false
			for _, l := range outLines {
				found = found || l == tt.must
			}
			if !found {
				t.Errorf("output has no line %q:\n%s", tt.must, r.stdout)
			}
			golden(t, filepath.Join("testdata", "redact", tt.name+".golden"), r.stdout)
		})
	}
}

// TestRedactJSONSpans: every span's offsets point at its text in the input
// line, and a line without findings has an empty list, not null.
func TestRedactJSONSpans(t *testing.T) {
	t.Parallel()
	in, err := os.ReadFile(filepath.Join("testdata", "redact", "input.txt"))
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, string(in), "redact", "--json", "--mode", "full")
	if r.err != nil {
		t.Fatal(r.err)
	}
	inLines := strings.Split(strings.TrimSuffix(string(in), "\n"), "\n")
	outLines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	total := 0
	for i, l := range outLines {
		if strings.Contains(l, `"spans":null`) {
			t.Errorf("line %d: spans is null", i+1)
		}
		var got struct {
			Text  string `json:"text"`
			Spans []struct {
				Kind       string
				Start, End int
				Text       string
			} `json:"spans"`
		}
		if err := json.Unmarshal([]byte(l), &got); err != nil {
			t.Fatalf("line %d %q: %v", i+1, l, err)
		}
		for _, sp := range got.Spans {
			if inLines[i][sp.Start:sp.End] != sp.Text || strings.Contains(got.Text, sp.Text) {
				t.Errorf("line %d: span %+v does not match the input, or survives in %q", i+1, sp, got.Text)
			}
			total++
		}
	}
	if total != 7 {
		t.Errorf("%d spans in all, want 7", total)
	}
}

func TestRedactLineEndings(t *testing.T) {
	t.Parallel()
	in, err := os.ReadFile(filepath.Join("testdata", "redact", "crlf.txt"))
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, string(in), "redact", "--mode", "full")
	if r.err != nil {
		t.Fatal(r.err)
	}
	if want := "crlf [PHONE]\nno newline [PHONE]\n"; r.stdout != want {
		t.Errorf("got %q, want %q", r.stdout, want)
	}
	if r := run(t, "", "redact"); r.err != nil || r.stdout != "" {
		t.Errorf("empty input: %q, %v", r.stdout, r.err)
	}
}

func TestRedactErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad mode", []string{"--mode", "blur"}, `unknown redaction mode "blur"`},
		{"pattern without name", []string{"--pattern", `E\d+`}, "want NAME=REGEXP"},
		{"bad regexp", []string{"--pattern", `emp=E(\d+`}, `custom pattern "emp"`},
		{"argument", []string{"file.txt"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, "13812345678\n", append([]string{"redact"}, tt.args...)...)
			if r.err == nil || !strings.Contains(r.err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", r.err, tt.want)
			}
			if r.stdout != "" {
				t.Errorf("wrote %q despite the error", r.stdout)
			}
		})
	}
}
