package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"runtime/trace"
	"sort"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/ticketbridge/ticketbridge/internal/app"
)

func serveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the service (with no --config: SQLite under ./data, the local desk, one generic source)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if pct, ok := serveGCPercent(os.LookupEnv); ok {
				debug.SetGCPercent(pct)
			}
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			if listen, _ := cmd.Flags().GetString("listen"); listen != "" {
				// The public URL defaulted to the configured address;
				// follow the override unless it was set on its own.
				if cfg.Server.PublicURL == "http://"+cfg.Server.Listen {
					cfg.Server.PublicURL = "http://" + listen
				}
				cfg.Server.Listen = listen
			}
			unsafe, _ := cmd.Flags().GetBool("allow-dev-secrets")
			if cfg.File == "" && !unsafe && !loopback(cfg.Server.Listen) {
				return fmt.Errorf("refusing to listen on %s with the development secret and admin token of the embedded default: "+
					"anyone who can reach it could post events and run admin commands; listen on 127.0.0.1 (--listen 127.0.0.1:8080), "+
					"write a configuration with your own secrets (ticketbridge init), or pass --allow-dev-secrets", cfg.Server.Listen)
			}
			log, err := newLogger(cfg, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			for _, w := range cfg.Warnings() {
				log.Warn(w)
			}
			// Problems in the file first, then the bind: a bad config or a
			// busy port is found before the database is touched.
			if ps := app.Check(cfg); len(ps) > 0 {
				return problemsToStderr(cmd, ps)
			}
			ln, err := net.Listen("tcp", cfg.Server.Listen)
			if err != nil {
				return listenError(cfg.Server.Listen, err)
			}
			a, err := app.New(ctx, cfg, app.Options{Log: log})
			if err != nil {
				ln.Close()
				return problemsToStderr(cmd, err)
			}
			if err := a.Start(ctx); err != nil {
				ln.Close()
				a.Close(ctx)
				return err
			}
			if cfg.File == "" {
				printDevBanner(cmd, cfg, ln.Addr().String())
			}
			printReplies(cmd, a.Replies)
			hup := make(chan os.Signal, 1)
			signal.Notify(hup, syscall.SIGHUP)
			defer signal.Stop(hup)
			go reloadOnSignal(ctx, hup, a, log, nil)
			for flag, start := range map[string]func(string) (func(), error){"cpuprofile": startCPUProfile, "trace": startTrace} {
				if path, _ := cmd.Flags().GetString(flag); path != "" {
					stop, err := start(path)
					if err != nil {
						ln.Close()
						a.Close(ctx)
						return err
					}
					defer stop()
				}
			}
			if path, _ := cmd.Flags().GetString("memprofile"); path != "" {
				defer writeAllocProfile(path, log)
			}
			log.Info("ticketbridge listening", "addr", ln.Addr().String(), "storage", cfg.Storage.Driver)
			serveErr := a.Serve(ctx, ln)
			return joinErr(serveErr, a.Close(cmd.Context()))
		},
	}
	addConfigFlag(cmd)
	cmd.Flags().String("listen", "", "address to listen on, e.g. 127.0.0.1:0 for any free port (overrides server.listen)")
	cmd.Flags().Bool("allow-dev-secrets", false, "let the embedded default (development secret and admin token) listen on a non-loopback address")
	cmd.Flags().String("cpuprofile", "", "write a CPU profile of the whole run to this file (for benchmarks: go tool pprof BINARY FILE)")
	cmd.Flags().String("memprofile", "", "write the run's allocations to this file on exit (for benchmarks: go tool pprof -sample_index=alloc_space BINARY FILE)")
	cmd.Flags().String("trace", "", "write an execution trace of the whole run to this file (for benchmarks: the group-commit writer's time, scripts/writertrace)")
	return cmd
}

// defaultGCPercent is the collector's setting for serve. The live heap is
// small (tens of MB) and churns once per event, so at Go's default of 100
// the collector ran so often that it took 10–15 % of the CPU under load;
// at 200 a closed-loop ingest handles 1–16 % more events per second and
// the peak RSS with 100,000 conversations stays near 50–75 MB
// (BENCHMARKS.md, "Processing core, session 8").
const defaultGCPercent = 200

// serveGCPercent is the GC percent to set, unless GOGC already says.
func serveGCPercent(lookup func(string) (string, bool)) (int, bool) {
	if _, set := lookup("GOGC"); set {
		return 0, false
	}
	return defaultGCPercent, true
}

// startCPUProfile profiles the process until the returned stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	return record(path, "cpu profile", pprof.StartCPUProfile, pprof.StopCPUProfile)
}

// startTrace writes an execution trace until the returned stop is called.
// A profile tells where the CPU goes; a trace also tells how long the
// group-commit writer, the ingest path's one serial step, waits for the
// disk and for a processor.
func startTrace(path string) (stop func(), err error) {
	return record(path, "trace", trace.Start, trace.Stop)
}

// record runs start on a new file at path; the returned stop ends the
// recording and closes the file.
func record(path, what string, start func(io.Writer) error, end func()) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", what, err)
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", what, err)
	}
	return func() { end(); f.Close() }, nil
}

// writeAllocProfile writes the heap profile, whose alloc_space and
// alloc_objects samples are taken from every allocation since start: the
// garbage a load makes, which the collector's share of the CPU follows.
func writeAllocProfile(path string, log *slog.Logger) {
	f, err := os.Create(path)
	if err != nil {
		log.Error("create memory profile", "err", err)
		return
	}
	defer f.Close()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		log.Error("write memory profile", "err", err)
	}
}

// loopback is true when addr only accepts connections from this machine.
// An empty host means every interface.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// listenError says what to do about a failed bind.
func listenError(addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("listen on %s: the address is already in use (is another ticketbridge running?); "+
			"stop it or choose another address with --listen, e.g. --listen 127.0.0.1:0 for any free port: %w", addr, err)
	}
	if errors.Is(err, syscall.EACCES) {
		return fmt.Errorf("listen on %s: permission denied (ports below 1024 need privileges); choose another with --listen: %w", addr, err)
	}
	return fmt.Errorf("listen on %s: %w (set server.listen or --listen to host:port)", addr, err)
}

// printReplies says where each source's replies go, so that a missing
// reply_url is seen at start, not as dead letters later.
func printReplies(cmd *cobra.Command, replies map[string]string) {
	ids := make([]string, 0, len(replies))
	for id := range replies {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		fmt.Fprintf(cmd.ErrOrStderr(), "  replies of source %q go to %s\n", id, replies[id])
	}
}
