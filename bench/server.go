package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// buildVsauth compiles the command of this module into dir.
func buildVsauth(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "vsauth")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/virtualspaces/vsauth/cmd/vsauth")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building vsauth (run the tool inside the module): %w", err)
	}
	return bin, nil
}

// serverProc is a running `vsauth server`.
type serverProc struct {
	cmd      *exec.Cmd
	URL      string // http://127.0.0.1:PORT
	PprofURL string // http://127.0.0.1:PORT/debug/pprof/, with -pprof
	done     chan struct{}
	waitErr  error
	log      *tailLog
}

// startServer runs bin server with args on a free loopback port and waits
// for its "ready" log line. The process is killed if it is not ready within
// the timeout, and by stop in every case.
func startServer(ctx context.Context, bin string, args []string, env []string, pprof bool, timeout time.Duration) (*serverProc, error) {
	args = append([]string{"server", "--addr", "127.0.0.1:0"}, args...)
	if pprof {
		args = append(args, "--pprof-addr", "127.0.0.1:0")
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = serverSysProcAttr()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting vsauth server: %w", err)
	}
	p := &serverProc{cmd: cmd, done: make(chan struct{}), log: &tailLog{max: 20}}
	urls := make(chan [2]string, 4)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.log.add(line)
			switch {
			case strings.Contains(line, `msg="vsauth server ready"`):
				urls <- [2]string{"api", logValue(line, "url")}
			case strings.Contains(line, `msg="pprof listening"`):
				urls <- [2]string{"pprof", logValue(line, "url")}
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for p.URL == "" || (pprof && p.PprofURL == "") {
		select {
		case u := <-urls:
			if u[0] == "api" {
				p.URL = u[1]
			} else {
				p.PprofURL = u[1]
			}
		case <-p.done:
			return nil, fmt.Errorf("vsauth server exited (%v):\n%s", p.waitErr, p.log)
		case <-deadline.C:
			p.stop()
			return nil, fmt.Errorf("vsauth server not ready after %s\n%s", timeout, p.log)
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		}
	}
	if !strings.HasPrefix(p.URL, "http://127.0.0.1:") {
		p.stop()
		return nil, fmt.Errorf("vsauth server listens on %q, not loopback", p.URL)
	}
	return p, nil
}

// logValue is the value of key in a log/slog text line.
func logValue(line, key string) string {
	_, rest, ok := strings.Cut(line, " "+key+"=")
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, " ")
	return v
}

func (p *serverProc) pid() int { return p.cmd.Process.Pid }

// stop asks the server to shut down and kills it if it has not after 5 s.
func (p *serverProc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// exited reports whether the server died before stop.
func (p *serverProc) exited() error {
	select {
	case <-p.done:
		return fmt.Errorf("vsauth server exited: %v\n%s", p.waitErr, p.log)
	default:
		return nil
	}
}

// tailLog keeps the last lines of the server's log for error messages.
type tailLog struct {
	mu    sync.Mutex
	max   int
	lines []string
}

func (t *tailLog) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, line)
	if len(t.lines) > t.max {
		t.lines = t.lines[len(t.lines)-t.max:]
	}
}

func (t *tailLog) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return "  " + strings.Join(t.lines, "\n  ")
}

var errSkipped = errors.New("skipped")
