package s3

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/blob"
)

// TestBigFileStreams pushes 200 MB through Put and Open and checks that
// the process's resident memory grows by less than 64 MB: the file is
// never held whole. It takes several seconds, so it runs only with
// TICKETBRIDGE_BIG=1.
func TestBigFileStreams(t *testing.T) {
	if os.Getenv("TICKETBRIDGE_BIG") != "1" {
		t.Skip("set TICKETBRIDGE_BIG=1 to stream a 200 MB file")
	}
	const size = 200 << 20
	const budget = 64 << 20
	ct := &countingTransport{base: http.DefaultTransport}
	st := newStore(t, func(s *Settings) { s.Transport = ct }) // default 16 MiB parts
	ctx := context.Background()

	runtime.GC()
	base := vmRSS(t)
	peak := watchRSS(t)

	start := time.Now()
	info, err := st.Put(ctx, "big/video.mp4", "video.mp4", &pattern{head: pngHead, n: size}, blob.Limits{MaxBytes: size})
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	putTook := time.Since(start)
	want := patternSum(pngHead, size)
	if info.Size != size || info.SHA256 != want {
		t.Fatalf("Put info = %+v, want size %d sha256 %s", info, size, want)
	}
	wantParts := (size + DefaultPartSize - 1) / DefaultPartSize
	if got := ct.Parts(); got != wantParts {
		t.Fatalf("uploaded %d parts, want %d", got, wantParts)
	}

	start = time.Now()
	rc, got, err := st.Open(ctx, "big/video.mp4")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	h := sha256.New()
	n, err := io.Copy(h, rc)
	rc.Close()
	if err != nil || n != size || hex.EncodeToString(h.Sum(nil)) != want || got != info {
		t.Fatalf("read back %d bytes (%v), info %+v", n, err, got)
	}
	openTook := time.Since(start)

	grew := peak() - base
	t.Logf("200 MB: Put %v, Open+read %v, %d parts; RSS %d MB at start, peak growth %.1f MB",
		putTook.Round(time.Millisecond), openTook.Round(time.Millisecond), ct.Parts(), base>>20, float64(grew)/(1<<20))
	if grew >= budget {
		t.Fatalf("RSS grew by %d MB, want < %d MB", grew>>20, budget>>20)
	}
}

func vmRSS(t testing.TB) int64 {
	t.Helper()
	v, err := readRSS()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// readRSS reads the resident set size in bytes from /proc/self/status.
func readRSS() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parse VmRSS %q: %w", rest, err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("no VmRSS in /proc/self/status")
}

// watchRSS samples VmRSS every 5 ms until the test ends; the returned
// func stops sampling and gives the highest value seen.
func watchRSS(t testing.TB) func() int64 {
	var max atomic.Int64
	max.Store(vmRSS(t))
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if v, err := readRSS(); err == nil && v > max.Load() {
					max.Store(v)
				}
			}
		}
	}()
	var once sync.Once
	stop := func() int64 {
		once.Do(func() { close(done); wg.Wait() })
		return max.Load()
	}
	t.Cleanup(func() { stop() })
	return stop
}
