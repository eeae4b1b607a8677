package ingress

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/source"
)

// writeCounts acknowledges a webhook whose events are stored (or were
// already). The platforms read only the status: Slack, Feishu/Lark and
// Standard Webhooks senders ignore the body. So the answer is a bare 200,
// which their HTTP clients finish without reading a body (an answer with
// one cost the sender and us about 3 % of a chatter event's throughput;
// BENCHMARKS.md, "Processing core, session 16"). A caller that asks for
// JSON in Accept, such as `ticketbridge send`, gets the counts, and so
// does a platform that wants a JSON body (source.JSONAcker).
func writeCounts(w http.ResponseWriter, inJSON bool, accepted, duplicates int) {
	if !inJSON {
		w.WriteHeader(http.StatusOK)
		return
	}
	b := make([]byte, 0, 48)
	b = append(b, `{"accepted":`...)
	b = strconv.AppendInt(b, int64(accepted), 10)
	b = append(b, `,"duplicates":`...)
	b = strconv.AppendInt(b, int64(duplicates), 10)
	b = append(b, "}\n"...)
	// Set would allocate the value's slice on every answer; net/http
	// copies the header map when the status is written, so sharing one
	// read-only slice is safe.
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// acceptsJSON tells whether an Accept header names application/json
// itself; a wildcard (curl's */*) does not ask for a body.
func acceptsJSON(accept []string) bool {
	for _, v := range accept {
		for part := range strings.SplitSeq(v, ",") {
			mt, _, err := mime.ParseMediaType(part)
			if err == nil && mt == "application/json" {
				return true
			}
		}
	}
	return false
}

var jsonContentType = []string{"application/json"}

// acksInJSON tells whether src's platform wants a JSON body in every
// acknowledgement.
func acksInJSON(src source.Source) bool {
	j, ok := src.(source.JSONAcker)
	return ok && j.AcksInJSON()
}
