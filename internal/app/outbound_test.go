package app_test

import (
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// serve (app.New with the outbound guard) and `config check`
// (app.CheckRemote) refuse the same URL the guard would always refuse;
// allow_outbound lifts it for both.
func TestOutboundGuardedURLsRefusedByServeAndCheck(t *testing.T) {
	for name, tt := range map[string]struct {
		allow []string
		want  string
	}{
		"internal address":   {nil, "sources[0].reply_url: 10.1.2.3 is an internal address"},
		"allowed explicitly": {[]string{"10.0.0.0/8"}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := config.Default(t.TempDir())
			cfg.Sources[0].Set("secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
			cfg.Sources[0].Set("reply_url", "http://10.1.2.3/replies")
			cfg.Security.AllowOutbound = tt.allow
			ps, _ := app.CheckRemote(t.Context(), cfg)
			a, err := app.New(t.Context(), cfg, app.Options{Store: teststore.SQLite(t)})
			if err == nil {
				defer a.Close(t.Context())
			}
			for what, got := range map[string]string{"config check": ps.Error(), "serve": errString(err)} {
				if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
					t.Errorf("%s: %q, want %q", what, got, tt.want)
				}
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
