package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/app/apptest"
	"github.com/ticketbridge/ticketbridge/internal/health"
	"github.com/ticketbridge/ticketbridge/internal/jobs"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// screenshots is where the browser tests leave a PNG of every page they
// visit, per language (git-ignored).
const screenshots = "testdata/screenshots"

// newChrome starts a headless chromium for the test. A machine without it
// fails: `bash .ci/chromium.sh` installs it.
func newChrome(t *testing.T, lang string) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed; run `bash .ci/chromium.sh`")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1100, 760), chromedp.Flag("lang", lang),
		chromedp.Flag("accept-lang", lang), chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

func run(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// value runs one action that answers something.
func value[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func shot(t *testing.T, ctx context.Context, lang, name string) {
	t.Helper()
	png := value(t, ctx, "screenshot "+name, chromedp.CaptureScreenshot())
	dir := filepath.Join(screenshots, lang)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return value(t, ctx, "read "+sel, chromedp.Text(chromedp.CSS(sel)))
}

// textNow reads sel once, "" while the page is (re)loading.
func textNow(ctx context.Context, sel string) string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	return s
}

// TestBrowser drives the console in chromium, in English and Chinese: sign
// in from the chat's link, reply and note, a CSRF attempt from another
// site, a dead letter replayed, a rule tested.
func TestBrowser(t *testing.T) {
	for _, lang := range []string{"en", "zh-CN"} {
		t.Run(lang, func(t *testing.T) { browse(t, lang) })
	}
}

func browse(t *testing.T, lang string) {
	short := lang[:2]
	br := startBridge(t)
	br.Say("c1", "/ticket the printer is on fire")
	notice := br.Replies(1)[0]
	link := publicURL + "/console/desk/LOCAL-1"
	if !strings.Contains(notice, link) {
		t.Fatalf("chat notice %q lacks %s", notice, link)
	}
	ctx := newChrome(t, lang)

	// The chat's link, opened signed out, shows the sign-in page only.
	run(t, ctx, "open the chat link", chromedp.Navigate(br.Srv.URL+strings.TrimPrefix(link, publicURL)),
		chromedp.WaitVisible(chromedp.CSS("#token")))
	html := value(t, ctx, "read sign-in", chromedp.OuterHTML(chromedp.CSS("html")))
	if strings.Contains(html, "printer") {
		t.Fatal("the sign-in page shows ticket data")
	}
	wantSignIn := map[string]string{"en": "Sign in", "zh": "登录"}[short]
	if h := text(t, ctx, "h1"); h != wantSignIn {
		t.Fatalf("sign-in title %q, want %q", h, wantSignIn)
	}
	shot(t, ctx, short, "signin")
	run(t, ctx, "sign in", chromedp.SendKeys(chromedp.CSS("#token"), agentToken), chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#timeline")))
	if !strings.Contains(text(t, ctx, "#timeline"), "the printer is on fire") {
		t.Fatal("the ticket page lacks the customer's message")
	}

	// Reply publicly: it reaches the chat. Then an internal note: it does not.
	run(t, ctx, "reply", chromedp.SendKeys(chromedp.CSS("#body"), "A technician is on the way."),
		chromedp.Click(chromedp.CSS("#reply")), chromedp.WaitVisible(chromedp.CSS("#timeline")))
	if got := br.Replies(2)[1]; !strings.Contains(got, "A technician is on the way.") {
		t.Fatalf("chat got %q", got)
	}
	run(t, ctx, "note", chromedp.SendKeys(chromedp.CSS("#body"), "VIP customer."),
		chromedp.Click(chromedp.CSS("#note")), chromedp.WaitVisible(chromedp.CSS("#timeline")))
	waitFor(t, "the note on the page", func() bool { return strings.Contains(textNow(ctx, "#timeline"), "VIP customer.") })
	br.Quiet(2)

	// The customer writes again; the open page, listening to the
	// server's event stream, shows it without a click.
	if got := value(t, ctx, "update mode", chromedp.Evaluate[string](`document.querySelector("[data-poll]").getAttribute("data-updates")`)); got != "sse" {
		t.Fatalf("the ticket page listens by %q, want sse", got)
	}
	br.Say("c1", "smoke everywhere now")
	waitFor(t, "the page to show the new message", func() bool {
		return strings.Contains(textNow(ctx, "#timeline"), "smoke everywhere now")
	})
	shot(t, ctx, short, "ticket")
	run(t, ctx, "desk list", chromedp.Navigate(br.Srv.URL+"/console/desk"), chromedp.WaitVisible(chromedp.CSS("table.list")))
	shot(t, ctx, short, "desk")

	// On a phone the ticket page fits the screen's width.
	run(t, ctx, "phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
		chromedp.Navigate(br.Srv.URL+"/console/desk/LOCAL-1"), chromedp.WaitVisible(chromedp.CSS("#reply")))
	if w := value(t, ctx, "page width", chromedp.Evaluate[int]("document.documentElement.scrollWidth")); w > 390 {
		t.Errorf("on a 390 px phone the ticket page is %d px wide", w)
	}
	shot(t, ctx, short, "ticket-phone")
	run(t, ctx, "laptop", chromedp.ResetViewport())

	// A page on another site posts a form at the console: refused.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<form id="f" method="post" action="%s/console/desk/LOCAL-1/status">
			<input name="status" value="closed"></form><script>document.getElementById("f").submit()</script>`, br.Srv.URL)
	}))
	defer evil.Close()
	run(t, ctx, "CSRF attempt", chromedp.Navigate(evil.URL))
	waitFor(t, "the refusal", func() bool { return textNow(ctx, "p.error") != "" })
	if tk, err := br.App.Store.DeskGet(t.Context(), "LOCAL-1"); err != nil || tk.Status == "closed" {
		t.Fatalf("the cross-site form changed the ticket: %+v %v", tk.Status, err)
	}
	shot(t, ctx, short, "csrf-refused")

	// A lead: sign out, sign in again, replay a dead letter, test a rule.
	run(t, ctx, "back", chromedp.Navigate(br.Srv.URL+"/console/desk"), chromedp.WaitVisible(chromedp.CSS("#signout")),
		chromedp.Click(chromedp.CSS("#signout")), chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), leadToken), chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("table.list")))
	ids := deadLetters(t, br, 1)
	run(t, ctx, "dead letters", chromedp.Navigate(br.Srv.URL+"/console/ops/dead-letters"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="id"]`)))
	shot(t, ctx, short, "dead-letters")
	run(t, ctx, "replay", chromedp.Click(chromedp.CSS(`input[value="`+ids[0]+`"]`)),
		chromedp.Click(chromedp.CSS("#replay")), chromedp.WaitVisible(chromedp.CSS("#result")))
	if got := text(t, ctx, "#result"); !strings.Contains(got, "replayed 1 of 1") {
		t.Fatalf("replay result %q", got)
	}
	if left, err := jobs.DeadLetters(t.Context(), br.App.Queue, 10); err != nil || len(left) != 0 {
		t.Fatalf("dead letters left after replay: %d %v", len(left), err)
	}
	run(t, ctx, "rule bench", chromedp.Navigate(br.Srv.URL+"/console/ops/rules"), chromedp.WaitVisible(chromedp.CSS("#bench-input")),
		chromedp.SendKeys(chromedp.CSS("#bench-input"), "/ticket I was charged twice"),
		chromedp.Click(chromedp.CSS("#evaluate")), chromedp.WaitVisible(chromedp.CSS("#bench-results")))
	if got := text(t, ctx, "#bench-results td.decision"); got != "create" {
		t.Fatalf("bench decision %q, want create", got)
	}
	if got := text(t, ctx, "#bench-results dd.preview-title"); !strings.Contains(got, "I was charged twice") {
		t.Fatalf("bench ticket preview title %q", got)
	}
	shot(t, ctx, short, "rules")
	hs := br.App.Store.(store.Health)
	for i := range 120 {
		at := time.Now().Add(-time.Duration(i) * time.Minute)
		rows := []store.HealthRow{{Series: health.SeriesCreate, Sum: float64(95 + i%6), Count: 100},
			{Series: health.SeriesEventToTicket, Sum: 0.2 + float64(i%7)/20, Count: 1},
			{Series: health.SeriesTicketToChat, Sum: 0.1 + float64(i%5)/30, Count: 1},
			{Series: health.SeriesSinkErrors, Sum: float64(i % 4), Count: 50},
			{Series: health.SeriesQueueDepth, Sum: float64(i % 30), Count: 1}}
		if err := hs.HealthAdd(t.Context(), at, rows); err != nil {
			t.Fatal(err)
		}
	}
	run(t, ctx, "health", chromedp.Navigate(br.Srv.URL+"/console/ops/health"), chromedp.WaitVisible(chromedp.CSS("svg polyline")))
	shot(t, ctx, short, "health")
	run(t, ctx, "conversations", chromedp.Navigate(br.Srv.URL+"/console/ops/conversations?q=LOCAL-1"),
		chromedp.WaitVisible(chromedp.CSS("ol.timeline")))
	shot(t, ctx, short, "conversations")

	// The lead takes the route to 25 % on a dry run: in force at once,
	// stored, audited, and shown as changed here rather than by the file.
	run(t, ctx, "routes", chromedp.Navigate(br.Srv.URL+"/console/ops/routes"), chromedp.WaitVisible(chromedp.CSS("#rollout-support")),
		chromedp.SetValue(chromedp.CSS("#rollout-support"), "25"), chromedp.SetValue(chromedp.CSS("#mode-support"), "dry_run"),
		chromedp.Click(chromedp.CSS("#save-support")), chromedp.WaitVisible(chromedp.CSS("#result")))
	if got := text(t, ctx, "#route-support td.from"); !strings.Contains(got, "lee-lead") || !strings.Contains(got, "100 %, live") {
		t.Fatalf("route row says %q, want the override by lee-lead beside the file's 100 %%, live", got)
	}
	if r, _ := br.App.Deps.Rules.Route("support"); r.Rollout() != 25 || !r.DryRun() {
		t.Fatalf("engine route: rollout %d dry %v, want 25 dry_run", r.Rollout(), r.DryRun())
	}
	shot(t, ctx, short, "routes")

	// An admin reloads a config file with a mistake: refused with file,
	// line and field on the page, the running routes kept.
	bad := "routes:\n  - name: support\n    sources: [chat]\n    sink: desk2\n    rollout: 250\n"
	if err := os.WriteFile(br.App.Config.File, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "admin", chromedp.Click(chromedp.CSS("#signout")), chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), adminToken), chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("table.list")),
		chromedp.Navigate(br.Srv.URL+"/console/ops/routes"), chromedp.WaitVisible(chromedp.CSS("#reload")),
		chromedp.Click(chromedp.CSS("#reload")), chromedp.WaitVisible(chromedp.CSS("#reload-problems")))
	want := br.App.Config.File + ":5: routes[0].rollout: must be between 0 and 100"
	if got := text(t, ctx, "#reload-problems"); !strings.Contains(got, want) {
		t.Fatalf("reload problems %q, want %q", got, want)
	}
	if r, _ := br.App.Deps.Rules.Route("support"); r.Rollout() != 25 {
		t.Fatalf("after the refused reload the route's rollout is %d, want 25", r.Rollout())
	}
	shot(t, ctx, short, "reload-refused")
}

// TestBrowserPollFallback runs the ticket page's script where the event
// stream is refused (as past the server's stream limit): it polls the
// version instead and reloads the page when the version changes.
func TestBrowserPollFallback(t *testing.T) {
	script, err := os.ReadFile("static/console.js")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu                    sync.Mutex
		loads, streams, polls int
	)
	count := func(n *int) int { mu.Lock(); defer mu.Unlock(); *n++; return *n }
	read := func(n *int) int { mu.Lock(); defer mu.Unlock(); return *n }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/events":
			count(&streams)
			http.Error(w, "too many open streams; poll", http.StatusServiceUnavailable)
		case "/version":
			// The ticket changes after the page has polled twice.
			if count(&polls) >= 2 {
				fmt.Fprint(w, "v2")
				return
			}
			fmt.Fprint(w, "v1")
		case "/console.js":
			w.Header().Set("Content-Type", "text/javascript")
			w.Write(script)
		default:
			n := count(&loads)
			fmt.Fprintf(w, `<!doctype html><div data-poll="/version" data-version="v%d" data-events="/events"></div>
				<p id="updated-banner" hidden></p><textarea id="body"></textarea><script src="/console.js"></script>`, min(n, 2))
		}
	}))
	defer srv.Close()
	ctx := newChrome(t, "en")
	run(t, ctx, "open", chromedp.Navigate(srv.URL+"/ticket"))
	waitFor(t, "the page to poll and reload on the change", func() bool { return read(&loads) >= 2 })
	if read(&streams) == 0 {
		t.Fatal("the page never tried the event stream")
	}
	waitFor(t, "the reloaded page to poll after its refused stream", func() bool {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("[data-poll]").getAttribute("data-updates")`))
		return got == "poll"
	})
}

// TestBrowserRiverUI opens River's own UI from the console's operations
// navigation as a lead, sees the jobs list render with a scheduled job,
// and checks that another site's script cannot cancel that job through
// River UI's API.
func TestBrowserRiverUI(t *testing.T) {
	br := startBridge(t)
	res, err := br.App.Queue.Insert(t.Context(), jobs.ProcessArgs{}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(res.Job.ID, 10)
	ctx := newChrome(t, "en")
	run(t, ctx, "sign in as a lead", chromedp.Navigate(br.Srv.URL+"/console/desk"), chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), leadToken), chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#nav-river")))
	run(t, ctx, "open River UI from the navigation", chromedp.Click(chromedp.CSS("#nav-river")),
		chromedp.WaitVisible(chromedp.CSS(`#root a[href^="/console/river/"]`)))
	if u := value(t, ctx, "River UI's address", chromedp.Location()); !strings.HasPrefix(u, br.Srv.URL+"/console/river/") {
		t.Fatalf("the navigation led to %s", u)
	}
	jobLink := `#root a[href="/console/river/jobs/` + id + `"]`
	run(t, ctx, "scheduled jobs", chromedp.Navigate(br.Srv.URL+"/console/river/jobs?state=scheduled"),
		chromedp.WaitVisible(chromedp.CSS(jobLink)))
	if got := text(t, ctx, jobLink); !strings.Contains(got, jobs.KindProcess) {
		t.Fatalf("the job's row says %q, want its kind %s", got, jobs.KindProcess)
	}
	shot(t, ctx, "en", "river-jobs")
	run(t, ctx, "job detail", chromedp.Click(chromedp.CSS(jobLink)), chromedp.WaitVisible(chromedp.CSS(`#root h1, #root h2`)))
	shot(t, ctx, "en", "river-job")

	// Another site's script posts a cancel with the lead's cookie: refused.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>evil</title><script>
			fetch(%q, {method: "POST", mode: "no-cors", credentials: "include",
				headers: {"Content-Type": "text/plain"}, body: JSON.stringify({ids: [%q]})})
			.finally(() => { document.title = "sent" })</script>`, br.Srv.URL+"/console/river/api/jobs/cancel", id)
	}))
	defer evil.Close()
	run(t, ctx, "cross-site cancel", chromedp.Navigate(evil.URL))
	waitFor(t, "the cross-site request", func() bool {
		got, _ := chromedp.Run(ctx, chromedp.Title())
		return got == "sent"
	})
	job, err := br.App.Queue.JobGet(t.Context(), res.Job.ID)
	if err != nil || job.State != rivertype.JobStateScheduled {
		t.Fatalf("after the cross-site request the job is %v (%v), want scheduled", job.State, err)
	}

	// The lead cancels it with River UI's own button: done and audited.
	run(t, ctx, "cancel in River UI", chromedp.Navigate(br.Srv.URL+"/console/river/jobs/"+id),
		chromedp.WaitVisible(chromedp.Search(`//button[normalize-space(.)="Cancel"]`)),
		chromedp.Click(chromedp.Search(`//button[normalize-space(.)="Cancel"]`)))
	waitFor(t, "the job to be cancelled", func() bool {
		job, err := br.App.Queue.JobGet(t.Context(), res.Job.ID)
		return err == nil && job.State == rivertype.JobStateCancelled
	})
	// The audit is written once River UI's handler has returned, so after
	// the cancel is visible in the queue: wait for it too.
	var entries []store.AuditEntry
	waitFor(t, "the cancel's audit entry", func() bool {
		entries, err = br.App.Store.AuditList(t.Context(), store.AuditFilter{Action: "console.river.job_cancel"})
		return err == nil && len(entries) > 0
	})
	if len(entries) != 1 || entries[0].Actor != "lee-lead" || entries[0].Target != "job/"+id {
		t.Fatalf("audit of the cancel: %+v", entries)
	}
	shot(t, ctx, "en", "river-cancelled")
}

var _ = apptest.Start // the bridge comes from flow_test.go's startBridge
