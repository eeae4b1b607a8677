package metrics

import (
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
)

func TestBuildInfo(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	New(nil).Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	var line string
	for l := range strings.SplitSeq(rec.Body.String(), "\n") {
		if strings.HasPrefix(l, "ticketbridge_build_info{") {
			line = l
		}
	}
	if !strings.HasSuffix(line, "} 1") || !strings.Contains(line, `go_version="`+runtime.Version()+`"`) ||
		!strings.Contains(line, `commit="`) || !strings.Contains(line, `version="`) {
		t.Fatalf("build info line = %q", line)
	}
}
