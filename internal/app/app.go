// Package app wires ticketbridge together from a Config: storage, the job
// queue, connectors, rules, ingress and the admin API. Nothing here is
// global; tests and the demo run several apps in one process.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/api"
	"github.com/ticketbridge/ticketbridge/internal/blob"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/ingress"
	"github.com/ticketbridge/ticketbridge/internal/jobs"
	"github.com/ticketbridge/ticketbridge/internal/judge"
	"github.com/ticketbridge/ticketbridge/internal/metrics"
	"github.com/ticketbridge/ticketbridge/internal/netguard"
	"github.com/ticketbridge/ticketbridge/internal/rules"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/local"
	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// Options are what the caller provides beside the config.
type Options struct {
	Log  *slog.Logger
	Now  func() time.Time
	HTTP *http.Client
	// Store, when set, is used instead of opening cfg.Storage (tests run
	// the same app on fresh SQLite and PostgreSQL stores); Close leaves
	// it open.
	Store store.Store
	// WrapSink, when set, wraps every sink (tests inject faults with it).
	WrapSink func(sink.Sink) sink.Sink
	// JobTime, when set, is the job queue's clock: tests that move Now
	// forward move it too, so that jobs scheduled for a deadline (SLA
	// timers) come due without waiting.
	JobTime rivertype.TimeGenerator
}

// App is one running ticketbridge.
type App struct {
	Config  *config.Config
	Store   store.Store
	Queue   store.Queue
	Metrics *metrics.Metrics
	Deps    *jobs.Deps
	Writer  *ingress.Writer
	Desk    *local.Desk
	Links   *blob.Links
	Handler http.Handler
	// Backpressure refuses chat events while processing lags.
	Backpressure *ingress.Backpressure
	stopWatch    context.CancelFunc
	watching     sync.WaitGroup
	// Replies says, per source id, where the bot's messages go (for the
	// start-up banner; only sources that can tell are listed).
	Replies map[string]string
	log     *slog.Logger
	// ownStore is false when the caller passed the store in.
	ownStore bool
	// stopHealth ends the health sampler (nil when none runs).
	stopHealth context.CancelFunc
	// reloading orders config reloads; liveRoutes are the routes in force
	// (the config file's as last loaded).
	reloading  sync.Mutex
	liveRoutes []config.Route
}

// Check builds everything a config describes that can be built without
// opening storage and returns every problem found, with its line.
func Check(cfg *config.Config) config.Problems {
	opts := Options{Now: time.Now, HTTP: http.DefaultClient, Log: slog.New(slog.DiscardHandler)}
	_, _, _, problems := build(cfg, nil, opts)
	_, more := fallbacks(cfg, opts)
	return problems.Merge(more)
}

func build(cfg *config.Config, st store.Store, opts Options) (*rules.Engine, map[string]source.Source, map[string]sink.Sink, config.Problems) {
	var problems config.Problems
	engine, ferrs := rules.Compile(cfg.Routes)
	for _, fe := range ferrs {
		problems = append(problems, cfg.Problem(fe.Field, fe.Message))
	}
	sources := map[string]source.Source{}
	reg := Sources(st)
	for _, c := range cfg.Sources {
		if !slices.Contains(reg.Types(), c.Type) {
			problems = append(problems, c.Problem("type", fmt.Sprintf("unknown source type %q (known: %s)", c.Type, strings.Join(reg.Types(), ", "))))
			continue
		}
		s, err := reg.Build(c, source.Deps{HTTP: opts.HTTP, Now: opts.Now, Log: opts.Log.With("source", c.ID)})
		if err != nil {
			problems = append(problems, connectorProblems(cfg, c, err)...)
			continue
		}
		sources[c.ID] = s
	}
	sinks := map[string]sink.Sink{}
	sreg := Sinks(st)
	for _, c := range cfg.Sinks {
		if !slices.Contains(sreg.Types(), c.Type) {
			problems = append(problems, c.Problem("type", fmt.Sprintf("unknown sink type %q (known: %s)", c.Type, strings.Join(sreg.Types(), ", "))))
			continue
		}
		s, err := sreg.Build(c, sink.Deps{HTTP: opts.HTTP, Now: opts.Now, Log: opts.Log.With("sink", c.ID),
			PublicURL: cfg.Server.PublicURL})
		if err != nil {
			problems = append(problems, connectorProblems(cfg, c, err)...)
			continue
		}
		sinks[c.ID] = s
	}
	return engine, sources, sinks, problems
}

// connectorProblems keeps a connector's own located problems and places
// any other error at the connector's entry.
func connectorProblems(cfg *config.Config, c config.Connector, err error) config.Problems {
	var ps config.Problems
	if errors.As(err, &ps) {
		return ps
	}
	var p config.Problem
	if errors.As(err, &p) {
		return config.Problems{p}
	}
	// "url: must be …" from a connector names its key: place it there, so
	// that it lands on the key's line and a loader problem at the same key
	// (an unset ${VAR}) is not repeated by a complaint about the stand-in.
	if m := keyedMessage.FindStringSubmatch(err.Error()); m != nil {
		return config.Problems{cfg.Problem(c.Field()+"."+m[1], m[2])}
	}
	return config.Problems{cfg.Problem(c.Field(), err.Error())}
}

// keyedMessage is a connector error that starts with its settings key.
var keyedMessage = regexp.MustCompile(`^([a-z_][a-z0-9_]*(?:\[[0-9]+\])?(?:\.[a-z_][a-z0-9_]*(?:\[[0-9]+\])?)*): (.+)$`)

// New opens storage and builds the app; Start runs its workers.
func New(ctx context.Context, cfg *config.Config, opts Options) (*App, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	guarded := opts.HTTP == nil
	if guarded {
		allow, err := netguard.ParsePrefixes(cfg.Security.AllowOutbound)
		if err != nil {
			return nil, fmt.Errorf("security.allow_outbound: %w", err)
		}
		opts.HTTP = netguard.Client(allow, 30*time.Second)
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	ps := Check(cfg)
	if guarded {
		ps = ps.Merge(outboundProblems(cfg))
	}
	if len(ps) > 0 {
		return nil, ps
	}
	st, own := opts.Store, false
	if st == nil {
		var err error
		if st, err = OpenStore(ctx, cfg.Storage, opts.Log, WithEncryption(cfg.Security.Encryption)); err != nil {
			return nil, err
		}
		own = true
	}
	a, err := assemble(ctx, cfg, st, opts)
	if err != nil {
		if own {
			st.Close()
		}
		return nil, err
	}
	a.ownStore = own
	return a, nil
}

func assemble(ctx context.Context, cfg *config.Config, st store.Store, opts Options) (*App, error) {
	engine, sources, sinks, problems := build(cfg, st, opts)
	if len(problems) > 0 {
		return nil, problems
	}
	// A mapping the ticket system would refuse is a config problem now,
	// not a failed job later.
	problems, warnings := CheckMappings(ctx, cfg, sinks)
	for _, w := range warnings {
		opts.Log.Warn(w)
	}
	if len(problems) > 0 {
		return nil, problems
	}
	a := &App{Config: cfg, Store: st, log: opts.Log, Replies: map[string]string{}}
	for id, s := range sources {
		if r, ok := s.(interface{ Replies() string }); ok {
			a.Replies[id] = r.Replies()
		}
	}
	a.Metrics = metrics.New(a.deadLetters)
	routes := map[string]config.Route{}
	for _, r := range cfg.Routes {
		routes[r.Name] = r
	}
	for id, s := range sinks {
		if d, ok := s.(*local.Desk); ok && a.Desk == nil {
			a.Desk = d
		}
		if rl, ok := s.(sink.RateLimited); ok {
			s = sink.Limit(s, rl.RequestsPerMinute(), opts.Now)
		}
		paused := a.Metrics.SinkPaused.WithLabelValues(id)
		s = sink.Breaker(s, *cfg.Jobs.PauseAfter, cfg.Jobs.ProbeEvery, opts.Now, func(open bool) {
			if open {
				paused.Set(1)
				opts.Log.Warn("sink paused after repeated failures; probing", "sink", id, "probe_every", cfg.Jobs.ProbeEvery)
				return
			}
			paused.Set(0)
			opts.Log.Info("sink resumed", "sink", id)
		})
		if opts.WrapSink != nil {
			s = opts.WrapSink(s)
		}
		sinks[id] = sink.Instrument(s, a.Metrics.SinkDuration, opts.Now)
	}
	blobs, links, err := blobStore(ctx, cfg.Blob, cfg.Server.PublicURL, opts)
	if err != nil {
		return nil, err
	}
	a.Links = links
	red, err := Redactor(cfg.Security.Redact)
	if err != nil {
		return nil, err
	}
	fb, problems := fallbacks(cfg, opts)
	if len(problems) > 0 {
		return nil, problems
	}
	a.Deps = &jobs.Deps{Store: st, Rules: engine, Routes: routes, Sources: sources, Sinks: sinks, Metrics: a.Metrics, Log: opts.Log, Now: opts.Now,
		Blob: blobs, BlobLimits: blobLimits(cfg.Blob), Links: links, Scrub: scrubber(cfg, red),
		Retention: jobs.RetentionPolicy(cfg.Security.Retention), Fallback: fb, JobTimeout: cfg.Jobs.JobTimeout,
		Partitions: cfg.Jobs.Partitions,
		Judges: judge.NewSet(cfg.Routes, judge.Options{HTTP: opts.HTTP, Redactor: red, Policy: RedactPolicy(cfg), Now: opts.Now, Log: opts.Log,
			Requests: a.Metrics.JudgeRequests, Duration: a.Metrics.JudgeDuration})}
	rc := jobs.RiverConfig(cfg.Jobs, a.Deps)
	rc.Test.Time = opts.JobTime
	q, err := st.Queue(rc)
	if err != nil {
		return nil, fmt.Errorf("build job queue: %w", err)
	}
	a.Queue, a.Deps.Queue = q, q
	a.Writer = ingress.NewWriter(st, nil, ingress.WriterOptions{
		Decide: func(ctx context.Context, r store.StateReader, fresh []core.StoredEvent) (ingress.Decision, error) {
			d, err := a.Deps.Decide(ctx, r, fresh)
			return ingress.Decision(d), err
		},
		Observe:       func(n int) { a.Metrics.IngestBatch.Observe(float64(n)) },
		CommitDelay:   commitDelay(cfg.Storage.Driver),
		DelayAfter:    ingress.DefaultDelayAfter,
		DelayPerEvent: ingress.DefaultDelayPerEvent,
	})
	a.Backpressure = &ingress.Backpressure{MaxLag: cfg.Jobs.MaxLag}
	a.liveRoutes = cfg.Routes
	if err := a.RefreshOverrides(ctx); err != nil {
		return nil, fmt.Errorf("read route overrides: %w", err)
	}
	a.Handler = a.routes(sources, sinks, opts)
	return a, nil
}

// commitDelay is the group-commit writer's wait after a large commit:
// on SQLite it cut the server's CPU per event by a tenth under a flood;
// on PostgreSQL, where a commit is a round trip that already gathers
// larger batches, it lowered throughput by about as much, so it is off
// there (BENCHMARKS.md, "Processing core, session 13"). On SQLite the
// wait scales with the last commit (ingress.DefaultDelayPerEvent).
func commitDelay(driver string) time.Duration {
	if driver == "sqlite" {
		return ingress.DefaultCommitDelay
	}
	return 0
}

func (a *App) routes(sources map[string]source.Source, sinks map[string]sink.Sink, opts Options) http.Handler {
	mux := http.NewServeMux()
	allow := map[string][]netip.Prefix{}
	for path, list := range a.Config.Security.Allow {
		allow[path], _ = netguard.ParsePrefixes(list) // validated with the config
	}
	trusted, _ := netguard.ParsePrefixes(a.Config.Security.TrustedProxies)
	(&ingress.Handler{
		Allow: allow, Trusted: trusted,
		Sources: sources, Sinks: sinks, Writer: a.Writer, Store: a.Store,
		TicketDecide: a.Deps.DecideTicketEvents,
		MaxBody:      a.Config.Server.MaxBodyBytes, Metrics: a.Metrics, Log: opts.Log,
		Backpressure: a.Backpressure,
		Bodies:       ingress.NewBodyLimiter(a.Config.Server.MaxConcurrentBodies),
	}).Register(mux)
	known := map[string]bool{}
	for id := range sources {
		known[id] = true
	}
	tokens := api.NewTokens(a.Config.Admin.Tokens, trusted)
	(&api.API{
		Tokens: tokens, Store: a.Store, Queue: a.Queue, Writer: a.Writer,
		Rules: a.Deps.Rules, Desk: a.Desk, Sources: known, Now: opts.Now, Log: opts.Log,
		Reloader: a,
	}).Register(mux)
	a.registerConsole(mux, tokens, opts)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", a.ready)
	mux.Handle("GET /files/{key...}", a.Links)
	mux.Handle("GET /metrics", a.Metrics.Handler())
	return ingress.RequestID(opts.Log, mux)
}

// ready answers 200 when the store and the job queue answer.
func (a *App) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.Store.Ping(ctx); err != nil {
		http.Error(w, "store: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	if _, err := jobs.DeadLetters(ctx, a.Queue, 1); err != nil {
		http.Error(w, "queue: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ready\n"))
}

func (a *App) deadLetters() float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, err := jobs.CountDeadLetters(ctx, a.Queue, 100000)
	if err != nil {
		a.log.Warn("count dead letters", "error", err)
	}
	return float64(n)
}

// lagSampleEvery is how often the processing lag is measured; one cheap
// query on River's fetch index.
const lagSampleEvery = 250 * time.Millisecond

// Start starts the job workers and the processing lag watch.
func (a *App) Start(ctx context.Context) error {
	// The queue's own writes and its jobs' are internal: they need not
	// wait for the disk (store.Internal).
	if err := a.Queue.Start(store.Internal(ctx)); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	var queues []string
	for p := range max(a.Config.Jobs.Partitions, 1) {
		queues = append(queues, jobs.PartitionQueue(p))
	}
	watch, stop := context.WithCancel(context.WithoutCancel(ctx))
	a.stopWatch = stop
	a.watching.Go(func() {
		a.Backpressure.Watch(watch, lagSampleEvery, func(ctx context.Context) (time.Duration, error) {
			return a.Store.QueueLag(ctx, queues)
		}, func(lag time.Duration) { a.Metrics.ProcessingLag.Set(lag.Seconds()) })
	})
	a.watching.Go(func() { a.watchOverrides(watch) })
	a.startHealth()
	return nil
}

// Serve answers HTTP on ln until ctx ends, then shuts down gracefully.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	if t := a.Config.Server.TLS; t.Cert != "" {
		certs, err := newCertReloader(t.Cert, t.Key)
		if err != nil {
			return err
		}
		srv.TLSConfig = certs.config()
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shut)
}

// Close stops the workers (letting running jobs finish briefly), the
// writer and the store.
func (a *App) Close(ctx context.Context) error {
	stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if a.stopWatch != nil {
		a.stopWatch()
		a.watching.Wait()
	}
	if a.stopHealth != nil {
		a.stopHealth()
	}
	qerr := a.Queue.Stop(stop)
	a.Writer.Close()
	if !a.ownStore {
		return qerr
	}
	return errors.Join(qerr, a.Store.Close())
}
