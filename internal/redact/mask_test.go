package redact

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func goldenCustom() []Custom {
	return []Custom{
		{Name: "order", Pattern: `\bORD-[0-9]{6}\b`},
		{Name: "employee-id", Pattern: `\bE[0-9]{6}\b`},
	}
}

// TestMaskGolden masks every line of testdata/mask.txt in each mode; the
// golden file shows the three results under the input.
func TestMaskGolden(t *testing.T) {
	t.Parallel()
	r := newTest(t, goldenCustom()...)
	in, err := os.ReadFile(filepath.Join("testdata", "mask.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	sc := bufio.NewScanner(strings.NewReader(string(in)))
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintf(&b, "in:      %s\n", line)
		for _, m := range []Mode{Partial, Full, Drop} {
			fmt.Fprintf(&b, "%-8s %s\n", m+":", r.Mask(line, Policy{Default: m}))
		}
		b.WriteString("\n")
	}
	checkGolden(t, filepath.Join("testdata", "mask.golden"), b.String())
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update after checking):\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

// TestMask pins the masks the golden file could drift on.
func TestMask(t *testing.T) {
	t.Parallel()
	r := newTest(t, goldenCustom()...)
	tests := map[string]struct {
		in   string
		mode Mode
		want string
	}{
		"mobile partial":          {"13812345678", Partial, "138****5678"},
		"mobile spaced partial":   {"138 1234 5678", Partial, "138 **** 5678"},
		"mobile +86 partial":      {"+86-138-1234-5678", Partial, "+86-138-****-5678"},
		"mobile full":             {"我的手机号是13812345678谢谢", Full, "我的手机号是[PHONE]谢谢"},
		"mobile drop":             {"我的手机号是13812345678谢谢", Drop, "我的手机号是谢谢"},
		"card partial":            {"6222 0202 0000 1235", Partial, "6222 **** **** 1235"},
		"card together partial":   {"6222020200001235", Partial, "6222********1235"},
		"card full":               {"card 6222020200001235.", Full, "card [BANK_CARD]."},
		"id partial":              {"110101199003071233", Partial, "110101********1233"},
		"id X partial":            {"11010519491231002X", Partial, "110105********002X"},
		"id 15 partial":           {"110101900307123", Partial, "110101******123"},
		"id full":                 {"110101199003071233", Full, "[ID_CARD]"},
		"email partial":           {"zhang.san@example.com", Partial, "z***@example.com"},
		"email full":              {"zhang.san@example.com", Full, "[EMAIL]"},
		"landline partial":        {"010-12345678", Partial, "010-****5678"},
		"landline 4-digit area":   {"(0755)2345678", Partial, "(0755)***5678"},
		"landline extension":      {"010-62345678-801", Partial, "010-****5678-801"},
		"landline full":           {"010-12345678", Full, "[LANDLINE]"},
		"intl partial":            {"+44 20 7946 0958", Partial, "+44 ** **** 0958"},
		"intl full":               {"+44 20 7946 0958", Full, "[INTL_PHONE]"},
		"custom full":             {"ORD-123456", Full, "[ORDER]"},
		"custom dashed name full": {"E123456", Full, "[EMPLOYEE_ID]"},
		"custom partial short":    {"E123456", Partial, "*******"},
		"custom partial long":     {"ORD-123456", Partial, "******3456"},
		"nothing to mask":         {"order 20261128123456789", Full, "order 20261128123456789"},
		"drop several":            {"a 13812345678 b zs@x.cn c", Drop, "a  b  c"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := r.Mask(tt.in, Policy{Default: tt.mode}); got != tt.want {
				t.Errorf("Mask(%q, %s) = %q, want %q", tt.in, tt.mode, got, tt.want)
			}
		})
	}
}

func TestPolicy(t *testing.T) {
	t.Parallel()
	r := newTest(t, goldenCustom()...)
	in := "13812345678 zs@x.cn ORD-123456 E123456"
	tests := map[string]struct {
		p    Policy
		want string
	}{
		"empty policy is full": {Policy{}, "[PHONE] [EMAIL] [ORDER] [EMPLOYEE_ID]"},
		"per kind": {
			Policy{Default: Full, PerKind: map[Kind]Mode{Phone: Partial, Email: Drop}},
			"138****5678  [ORDER] [EMPLOYEE_ID]",
		},
		"all custom": {
			Policy{Default: Partial, PerKind: map[Kind]Mode{"custom": Drop}},
			"138****5678 z***@x.cn  ",
		},
		"one custom over all custom": {
			Policy{Default: Partial, PerKind: map[Kind]Mode{"custom": Drop, CustomKind("order"): Full}},
			"138****5678 z***@x.cn [ORDER] ",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := r.Mask(in, tt.p); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseMode(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"partial", "full", "drop"} {
		if m, err := ParseMode(s); err != nil || string(m) != s {
			t.Errorf("ParseMode(%q) = %q, %v", s, m, err)
		}
	}
	for _, s := range []string{"", "Full", "mask"} {
		if _, err := ParseMode(s); err == nil {
			t.Errorf("ParseMode(%q): no error", s)
		}
	}
}
