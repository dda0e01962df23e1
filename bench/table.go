package main

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// formatTable renders rows (the first is the header) as a Markdown table
// with padded columns, so it reads in a terminal and pastes into the README.
// Columns after the first are right-aligned: they hold numbers.
func formatTable(rows [][]string) string {
	if len(rows) == 0 {
		return ""
	}
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for i := range width {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			if i == 0 {
				b.WriteString(" " + c + pad + " |")
			} else {
				b.WriteString(" " + pad + c + " |")
			}
		}
		b.WriteString("\n")
	}
	line(rows[0])
	sep := make([]string, len(width))
	for i, w := range width {
		if i == 0 {
			sep[i] = strings.Repeat("-", w)
		} else {
			sep[i] = strings.Repeat("-", w-1) + ":"
		}
	}
	b.WriteString("|")
	for _, s := range sep {
		b.WriteString(" " + s + " |")
	}
	b.WriteString("\n")
	for _, r := range rows[1:] {
		line(r)
	}
	return b.String()
}

// fmtRate is requests per second, grouped by thousands.
func fmtRate(v float64) string {
	if v < 100 {
		return fmt.Sprintf("%.1f", v)
	}
	s := fmt.Sprintf("%.0f", v)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// fmtDur is a latency in milliseconds with about three significant digits.
func fmtDur(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case d <= 0:
		return "–"
	case ms < 10:
		return fmt.Sprintf("%.2f ms", ms)
	case ms < 100:
		return fmt.Sprintf("%.1f ms", ms)
	case ms < 10_000:
		return fmt.Sprintf("%.0f ms", ms)
	}
	return fmt.Sprintf("%.1f s", ms/1000)
}

func fmtRatio(v, of float64) string {
	if of <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", v/of)
}

func fmtMiB(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// pbkdf2Ceiling is how many PBKDF2-SHA256 hashes of Django's shape (32-byte
// key, 12-byte salt) workers goroutines complete per second: the most logins
// per second the cores can give, measured in-process with the same
// crypto/pbkdf2 the server uses.
func pbkdf2Ceiling(iterations, workers int, d time.Duration) float64 {
	var done atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for range workers {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				if _, err := pbkdf2.Key(sha256.New, "correct horse", []byte("abcdefghijkl"), iterations, sha256.Size); err != nil {
					panic(err) // only for parameters FIPS mode forbids; these are fixed
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	return float64(done.Load()) / time.Since(start).Seconds()
}
