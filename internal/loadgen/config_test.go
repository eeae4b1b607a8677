package loadgen

import (
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
)

func TestConfigYAMLLoadsAndBuilds(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		params ConfigParams
		want   []string
	}{
		"generic defaults": {ConfigParams{}, []string{
			`type: generic`, `secret: "` + DefaultSecret + `"`, `reply_url: "http://127.0.0.1:9091/replies"`,
			`url: "http://127.0.0.1:9090"`, `dsn: "./data-loadgen/ticketbridge.db"`, `listen: "127.0.0.1:8080"`,
			`allow_outbound: ["127.0.0.1/32"]`,
		}},
		"slack": {ConfigParams{Format: FormatSlack, ChatURL: "http://127.0.0.1:7001"}, []string{
			`type: slack`, `signing_secret: "` + DefaultSlackSecret + `"`, `api_url: "http://127.0.0.1:7001/api"`,
			`allow_outbound: ["127.0.0.1/32"]`,
		}},
		"localhost and v6 fakes": {ConfigParams{SinkURL: "http://localhost:9090", ChatURL: "http://[::1]:9091"}, []string{
			`allow_outbound: ["127.0.0.1/32", "::1/128"]`, `reply_url: "http://[::1]:9091/replies"`,
		}},
		"postgres and own secrets": {ConfigParams{DSN: "postgres://postgres@127.0.0.1:5432/test", Source: "im", SinkID: "fake",
			Secret: "whsec_c2VjcmV0LXNvdXJjZQ==", SinkSecret: "whsec_c2VjcmV0LXNpbms="}, []string{
			`driver: postgres`, `- id: "im"`, `sink: "fake"`, `secret: "whsec_c2VjcmV0LXNpbms="`,
		}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := ConfigYAML(tc.params)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(data), w) {
					t.Errorf("config lacks %q:\n%s", w, data)
				}
			}
			cfg, err := config.Parse("lg.yaml", data, func(string) (string, bool) { return "", false })
			if err != nil {
				t.Fatalf("parse: %v\n%s", err, data)
			}
			if problems := app.Check(cfg); len(problems) > 0 {
				t.Fatalf("check: %v\n%s", problems, data)
			}
		})
	}
}

func TestConfigYAMLRefusesUnknownFormat(t *testing.T) {
	t.Parallel()
	if _, err := ConfigYAML(ConfigParams{Format: "irc"}); err == nil {
		t.Fatal("format irc accepted")
	}
}
