package faults

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/loadgen"
)

// serverConfig is what one child server needs beyond loadgen's defaults.
type serverConfig struct {
	Addr    string
	DataDir string // SQLite, when DSN is empty
	DSN     string
	Schema  string
	SinkURL string
	ChatURL string
	// JobTimeout and RescueAfter are short so that jobs a killed process
	// left running are rescued within seconds, not River's default hour.
	JobTimeout  time.Duration
	RescueAfter time.Duration
	// LocalDesk sends the route's tickets to the built-in local desk
	// instead of the fake ticket system.
	LocalDesk bool
}

// writeConfig renders loadgen's configuration and adds what it does not
// write: the PostgreSQL schema and the job timings.
func writeConfig(t *testing.T, c serverConfig) string {
	t.Helper()
	y, err := loadgen.ConfigYAML(loadgen.ConfigParams{
		Listen: c.Addr, DataDir: c.DataDir, DSN: c.DSN, SinkURL: c.SinkURL, ChatURL: c.ChatURL,
	})
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	s := string(y)
	if c.Schema != "" {
		const anchor = "  driver: postgres\n"
		if !strings.Contains(s, anchor) {
			t.Fatal("config: no postgres storage block to add the schema to")
		}
		s = strings.Replace(s, anchor, anchor+"  schema: "+strconv.Quote(c.Schema)+"\n", 1)
	}
	// The mixed scenario's confirm conversations: a keyword proposes and
	// a yes opens the ticket; "/ticket" still opens one at once.
	const trigger = "    trigger:\n      command: ticket\n"
	if !strings.Contains(s, trigger) {
		t.Fatal("config: no command trigger to add the keyword to")
	}
	s = strings.Replace(s, trigger, trigger+"      keywords: [refund]\n      confirm: true\n", 1)
	if c.LocalDesk {
		// The route's is the only sink line indented as a route field.
		route := regexp.MustCompile(`(?m)^    sink: .*$`)
		if len(route.FindAllString(s, -1)) != 1 {
			t.Fatal("config: not one route sink to replace with the local desk")
		}
		s = route.ReplaceAllString(s, "    sink: desk")
		s = strings.Replace(s, "sinks:\n", "sinks:\n  - id: desk\n    type: local\n", 1)
	}
	if c.JobTimeout == 0 {
		c.JobTimeout = 2 * time.Second
	}
	if c.RescueAfter == 0 {
		c.RescueAfter = 3 * time.Second
	}
	s += fmt.Sprintf("jobs:\n  job_timeout: %s\n  rescue_after: %s\n", c.JobTimeout, c.RescueAfter)
	path := filepath.Join(t.TempDir(), "ticketbridge.yaml")
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatalf("write config: %v", err)
	}
	return path
}

// server is one ticketbridge child process that can be killed and
// started again on the same configuration (and so the same database).
type server struct {
	t      *testing.T
	name   string
	bin    string
	config string
	addr   string
	log    *os.File

	cmd    *exec.Cmd
	exited chan struct{}
	starts int
}

func newServer(t *testing.T, name, bin, config, addr string) *server {
	t.Helper()
	log, err := os.Create(filepath.Join(t.TempDir(), name+".log"))
	if err != nil {
		t.Fatalf("server log: %v", err)
	}
	s := &server{t: t, name: name, bin: bin, config: config, addr: addr, log: log}
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			s.dumpLog()
		}
		log.Close()
	})
	return s
}

// URL is the server's base URL.
func (s *server) URL() string { return "http://" + s.addr }

// start runs the binary and waits until /readyz answers 200.
func (s *server) start() error {
	s.starts++
	fmt.Fprintf(s.log, "=== start %d at %s\n", s.starts, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(s.bin, "serve", "--config", s.config)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.name, err)
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	done := s.exited
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	return s.waitReady(30 * time.Second)
}

func (s *server) waitReady(limit time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("%s exited before it was ready: %s", s.name, s.cmd.ProcessState)
		default:
		}
		resp, err := client.Get(s.URL() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready within %s", s.name, limit)
}

// alive says whether the current process is still running.
func (s *server) alive() bool {
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() {
	if !s.alive() {
		return
	}
	fmt.Fprintf(s.log, "=== kill -9 at %s\n", time.Now().Format(time.RFC3339Nano))
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
}

// stop asks for a graceful shutdown and kills after ten seconds.
func (s *server) stop() {
	if !s.alive() {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.kill()
	}
}

// dumpLog prints the end of the child's log into the test output.
func (s *server) dumpLog() {
	b, err := os.ReadFile(s.log.Name())
	if err != nil {
		return
	}
	if len(b) > 8000 {
		b = b[len(b)-8000:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	s.t.Logf("--- %s log (tail) ---\n%s", s.name, b)
}

// freeAddr returns a loopback address nothing listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
