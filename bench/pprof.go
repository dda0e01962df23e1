package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// profiler reads the server's net/http/pprof (its hidden --pprof-addr).
type profiler struct {
	base string // http://127.0.0.1:PORT/debug/pprof/
	dir  string
}

func (p profiler) on() bool { return p.base != "" && p.dir != "" }

// serverMem is the part of runtime.MemStats that the heap profile's debug
// text reports.
type serverMem struct{ Mallocs, TotalAlloc uint64 }

func (p profiler) memStats(ctx context.Context) (serverMem, error) {
	if !p.on() {
		return serverMem{}, nil
	}
	body, err := p.get(ctx, "allocs?debug=1", 10*time.Second)
	if err != nil {
		return serverMem{}, err
	}
	return parseMemStats(strings.NewReader(string(body)))
}

func parseMemStats(r io.Reader) (serverMem, error) {
	var m serverMem
	found := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var dst *uint64
		name, val, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "# "), " = ")
		switch name {
		case "Mallocs":
			dst = &m.Mallocs
		case "TotalAlloc":
			dst = &m.TotalAlloc
		}
		if !ok || dst == nil {
			continue
		}
		n, err := strconv.ParseUint(val, 10, 64)
		if err != nil {
			return serverMem{}, fmt.Errorf("heap profile: %s: %w", name, err)
		}
		*dst = n
		found++
	}
	if found != 2 {
		return serverMem{}, fmt.Errorf("heap profile: no Mallocs/TotalAlloc")
	}
	return m, sc.Err()
}

// cpuAndAllocs starts a CPU profile over most of a row of duration d and
// takes the allocation profile before; the returned function waits for the
// CPU profile and takes the allocations after (compare with -base).
func (p profiler) cpuAndAllocs(ctx context.Context, name string, d time.Duration) func() error {
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return func() error { return err }
	}
	baseErr := p.save(ctx, "allocs", name+"-allocs-base.pprof", 10*time.Second)
	secs := max(int(d/time.Second)-1, 1)
	done := make(chan error, 1)
	go func() {
		done <- p.save(ctx, "profile?seconds="+strconv.Itoa(secs), name+"-cpu.pprof", d+30*time.Second)
	}()
	return func() error {
		cpuErr := <-done
		allocErr := p.save(ctx, "allocs", name+"-allocs.pprof", 10*time.Second)
		for _, err := range []error{baseErr, cpuErr, allocErr} {
			if err != nil {
				return err
			}
		}
		return nil
	}
}

func (p profiler) save(ctx context.Context, path, file string, timeout time.Duration) error {
	b, err := p.get(ctx, path, timeout)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(p.dir, file), b, 0o644)
}

func (p profiler) get(ctx context.Context, path string, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", p.base+path, nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 256<<20))
	if err == nil && res.StatusCode != 200 {
		err = fmt.Errorf("pprof %s: status %d", path, res.StatusCode)
	}
	return b, err
}
