package config

import (
	"net/netip"
	"strings"
	"testing"
)

// kitchenSink is a connector struct using every kind the decoder handles.
type kitchenSink struct {
	Common `yaml:",inline"`
	Small  int8           `yaml:"small"`
	Count  uint16         `yaml:"count"`
	Ratio  float64        `yaml:"ratio"`
	Enable *bool          `yaml:"enable"`
	Addr   netip.Addr     `yaml:"addr"` // a TextUnmarshaler
	Extra  map[string]any `yaml:"extra"`
	Any    any            `yaml:"any"`
	Nested *struct {
		Name string `yaml:"name"`
	} `yaml:"nested"`
	Lower string // no tag: goccy's rule, the lowercased name
}

type Common struct {
	Region string `yaml:"region"`
}

func decodeEntry(t *testing.T, entry string) (kitchenSink, error) {
	t.Helper()
	yaml := "sinks:\n  - id: k\n    type: x\n" + entry
	c, err := Parse("k.yaml", []byte(yaml), envOf(map[string]string{"RATIO": "0.25"}))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	var v kitchenSink
	err = c.Sinks[0].Decode(&v)
	return v, err
}

func TestDecodeKinds(t *testing.T) {
	t.Parallel()
	v, err := decodeEntry(t, `    region: eu
    small: -5
    count: 0x10
    ratio: ${RATIO}
    enable: false
    addr: 10.0.0.1
    extra: {a: 1, b: [x, y]}
    any: 3
    nested: {name: n}
    lower: low
`)
	if err != nil {
		t.Fatal(err)
	}
	if v.Region != "eu" || v.Small != -5 || v.Count != 16 || v.Ratio != 0.25 ||
		v.Enable == nil || *v.Enable || v.Addr.String() != "10.0.0.1" ||
		v.Nested == nil || v.Nested.Name != "n" || v.Lower != "low" {
		t.Errorf("decoded %+v", v)
	}
	if b, ok := v.Extra["b"].([]any); !ok || len(b) != 2 || v.Extra["a"] != uint64(1) {
		t.Errorf("extra = %#v", v.Extra)
	}
	if v.Any != uint64(3) {
		t.Errorf("any = %#v", v.Any)
	}
}

func TestDecodeKindErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]struct{ entry, want string }{
		"int8 overflow":  {"    small: 300\n", `k.yaml:4: sinks[0].small: "300" is out of range`},
		"negative uint":  {"    count: -1\n", `k.yaml:4: sinks[0].count: "-1" is out of range`},
		"float":          {"    ratio: half\n", `k.yaml:4: sinks[0].ratio: expected a number, got "half"`},
		"bool pointer":   {"    enable: 2\n", `k.yaml:4: sinks[0].enable: expected true or false, got "2"`},
		"text unmarshal": {"    addr: not-an-ip\n", `k.yaml:4: sinks[0].addr: ParseAddr("not-an-ip")`},
		"map expected":   {"    extra: [1]\n", "k.yaml:4: sinks[0].extra: expected a mapping, got a list"},
		"string wanted":  {"    region: {a: b}\n", "k.yaml:4: sinks[0].region: expected a string, got a mapping"},
		"nested unknown": {"    nested: {name: n, nam: m}\n", `k.yaml:4: sinks[0].nested.nam: unknown field (did you mean "name"?)`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := decodeEntry(t, tt.entry)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %v, want one problem starting %q", err, tt.want)
			}
		})
	}
}

func TestDecodeNullKeepsZero(t *testing.T) {
	t.Parallel()
	v, err := decodeEntry(t, "    enable:\n    nested: ~\n    region: null\n")
	if err != nil || v.Enable != nil || v.Nested != nil || v.Region != "" {
		t.Errorf("nulls: %+v, %v", v, err)
	}
}
