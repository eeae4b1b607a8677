package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// quickstartWant is what each command of the README's second block must
// eventually print; the server works in the background, so a command is
// repeated until its output shows it (or the deadline passes).
var quickstartWant = map[int][]string{
	1: {"Shall I open a ticket?"},
	3: {"LOCAL-1"},
	6: {"LOCAL-1", "Refund issued, sorry!", "solved"},
}

// TestQuickStart runs the README's quick start as written, in a temporary
// directory: build, serve, then the second block. The only change is the
// address: a free port instead of 8080 (--listen for serve, --url for send).
func TestQuickStart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	serveBlock, talkBlock := readmeBlock(t, "quickstart:serve"), readmeBlock(t, "quickstart:talk")
	if len(serveBlock) != 2 || !strings.HasPrefix(serveBlock[0], "go build ") || !strings.HasPrefix(serveBlock[1], "./ticketbridge serve") {
		t.Fatalf("the serve block changed shape; update this test: %q", serveBlock)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	build := strings.Replace(serveBlock[0], "-o ticketbridge", "-o "+filepath.Join(dir, "ticketbridge"), 1)
	if out, err := shell(t.Context(), root, build); err != nil {
		t.Fatalf("%s: %v\n%s", build, err, out)
	}

	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(t.Context())
	serve := exec.CommandContext(ctx, "sh", "-c", "exec "+serveBlock[1]+" --listen "+addr)
	serve.Dir = dir
	stderr, _ := serve.StderrPipe()
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = serve.Wait() }()
	banner := waitForLine(t, stderr, "replies of source")
	// Keep reading, so that the server never blocks on a full pipe.
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	if !strings.Contains(banner, "chat inbox") {
		t.Errorf("serve does not say the replies go to the chat inbox: %q", banner)
	}

	for i, line := range talkBlock {
		if strings.HasPrefix(line, "./ticketbridge send") {
			line += " --url http://" + addr
		}
		deadline := time.Now().Add(60 * time.Second)
		for {
			out, err := shell(t.Context(), dir, line)
			missing := missingAll(out, quickstartWant[i])
			if err == nil && missing == "" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("step %d %q: err %v, output lacks %q:\n%s", i, line, err, missing, out)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// readmeBlock returns the commands of the sh block after <!-- name -->,
// without their comments.
func readmeBlock(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "<!-- "+name+" -->\n```sh\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatalf("README.md has no sh block marked %q", name)
	}
	comment := regexp.MustCompile(`\s+#\s.*$`)
	var cmds []string
	for l := range strings.SplitSeq(strings.TrimSpace(block), "\n") {
		cmds = append(cmds, comment.ReplaceAllString(l, ""))
	}
	return cmds
}

func shell(ctx context.Context, dir, line string) (string, error) {
	cmd := exec.CommandContext(ctx, "sh", "-c", line)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitForLine reads r until a line contains want and returns that line.
func waitForLine(t *testing.T, r interface{ Read([]byte) (int, error) }, want string) string {
	t.Helper()
	sc := bufio.NewScanner(r)
	var seen []string
	for sc.Scan() {
		if strings.Contains(sc.Text(), want) {
			return sc.Text()
		}
		seen = append(seen, sc.Text())
	}
	t.Fatalf("serve ended without a line containing %q:\n%s", want, strings.Join(seen, "\n"))
	return ""
}

func missingAll(out string, wants []string) string {
	for _, w := range wants {
		if !strings.Contains(out, w) {
			return w
		}
	}
	return ""
}
