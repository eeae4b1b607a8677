package app_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// Attachments travel chat → blob store → ticket. The local desk takes no
// uploads, so it gets a signed, expiring link that serves the same bytes;
// a file over the limit or of a refused type is named on the ticket and
// left in the chat.
func TestAttachmentsReachTheTicket(t *testing.T) {
	t.Run("fs", func(t *testing.T) {
		testAttachments(t, func(cfg *config.Config) { cfg.Blob.Dir = t.TempDir() })
	})
	t.Run("s3", func(t *testing.T) {
		endpoint := os.Getenv("TICKETBRIDGE_TEST_S3")
		if endpoint == "" {
			t.Fatal(`TICKETBRIDGE_TEST_S3 is not set: start the local S3 server with eval "$(.ci/s3.sh)" (bash .ci/run does)`)
		}
		testAttachments(t, func(cfg *config.Config) {
			cfg.Blob.Driver = "s3"
			cfg.Blob.S3 = config.BlobS3{Endpoint: endpoint, Bucket: os.Getenv("TICKETBRIDGE_TEST_S3_BUCKET"),
				Region: os.Getenv("TICKETBRIDGE_TEST_S3_REGION"), AccessKey: os.Getenv("TICKETBRIDGE_TEST_S3_ACCESS_KEY"),
				SecretKey: os.Getenv("TICKETBRIDGE_TEST_S3_SECRET_KEY"), Prefix: "app-test/" + strings.ReplaceAll(t.Name(), "/", "_") + "/" + time.Now().Format("150405.000000")}
		})
	})
}

func testAttachments(t *testing.T, blobCfg func(cfg *config.Config)) {
	shot := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte("pixels"), 500)...)
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/shot.png":
			w.Write(shot)
		case "/big.png":
			w.Write(append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 20000)...))
		case "/tool.exe":
			w.Write(append([]byte("MZ\x90\x00"), make([]byte, 100)...))
		default:
			http.NotFound(w, r)
		}
	}))
	defer files.Close()
	h := start(t, teststore.SQLite(t), func(cfg *config.Config, _ *app.Options) {
		blobCfg(cfg)
		cfg.Blob.MaxBytes = 1 << 20
		cfg.Routes[0].MaxAttachmentBytes = 10000 // the route's own, lower limit
	})
	h.app.Links.BaseURL = h.srv.URL

	ev := customerEvent("f1", "/ticket the checkout page shows this error")
	ev.Attachments = []core.Attachment{{ID: "a1", Name: "shot.png", URL: files.URL + "/shot.png"}}
	h.send("f1", ev)
	h.replies(1)
	follow := customerEvent("f1", "and these")
	follow.Attachments = []core.Attachment{
		{ID: "a2", Name: "big.png", URL: files.URL + "/big.png"},
		{ID: "a3", Name: "tool.exe", URL: files.URL + "/tool.exe"},
	}
	h.send("f1", follow)

	key := h.tickets()[0].Key
	var body string
	h.eventually("three attachment notes on the ticket", func() bool {
		body = allComments(t, h, key)
		return strings.Count(body, "Attachment ") == 3
	})
	link := regexp.MustCompile(`http://[^\s]+/files/[^\s]+`).FindString(body)
	if link == "" {
		t.Fatalf("no download link in:\n%s", body)
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, shot) || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("link served %d, %d bytes, %q", resp.StatusCode, len(got), resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{`"big.png" was not copied to the ticket: it is over the`, `"tool.exe" was not copied to the ticket: its type is not allowed`} {
		if !strings.Contains(body, want) {
			t.Errorf("ticket lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "big.png\" (") {
		t.Errorf("the oversized file got a link:\n%s", body)
	}
}
