package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/virtualspaces/vsauth/server"
)

// DiffSide is one of the two servers `harness diff` compares: an external
// one (ServerURL, with MailDir for its mail) or, without ServerURL, a fresh
// in-process server of Profile per flow.
type DiffSide struct {
	// Name is how reports call the side: "compat", "hardened", the URL.
	Name      string
	ServerURL string
	MailDir   string
	// Profile is the in-process server's profile, and what the [hardened]
	// condition reports (also with ServerURL).
	Profile server.Profile
	// wrap wraps the in-process server's handler (tests).
	wrap func(http.Handler) http.Handler
}

// DiffOptions configure DiffFlows.
type DiffOptions struct {
	A, B DiffSide
	Run  *regexp.Regexp
	// Parallel bounds how many flows of each side run at once; 0 means
	// GOMAXPROCS.
	Parallel int
	// Out receives the text report; Verbose adds the exchanges of the
	// known differences.
	Out     io.Writer
	Verbose bool
	// JUnit and JSON, when set, are the files the JUnit XML report and the
	// JSON report (with both normalized transcripts of every flow) go to.
	JUnit, JSON string
	// IgnoreHeaders are response headers left out of the comparison, on
	// top of Date, Server, Connection, Keep-Alive, Content-Length and
	// Transfer-Encoding (e.g. what a proxy in front of one server adds).
	IgnoreHeaders []string
	CLI           CLIFunc
	MaxWait       time.Duration
}

// Outcomes of a flow in a diff.
const (
	DiffSame    = "SAME"  // every exchange the same after normalization
	DiffKnown   = "KNOWN" // differences, all of them defects API.md §7 lists
	DiffUnknown = "DIFF"  // a difference no known defect explains
	DiffSkip    = "SKIP"  // skipped on one side or both
)

// FlowDiff is the comparison of one flow's exchanges on both sides.
type FlowDiff struct {
	Name    string `json:"name"`
	File    string `json:"file"`
	Outcome string `json:"outcome"`
	// Known are the known defects the flow shows, each with the first
	// exchange that shows it, in order of appearance.
	Known []KnownDiff `json:"known,omitempty"`
	// Unknown is the first exchange no known defect explains; the
	// comparison stops there.
	Unknown *ExchangeDiff `json:"unknown,omitempty"`
	// Skip is why the flow was skipped; FailA and FailB are its redacted
	// failure on each side, "" when it passed there.
	Skip  string `json:"skip,omitempty"`
	FailA string `json:"failure_a,omitempty"`
	FailB string `json:"failure_b,omitempty"`
	// A and B are the normalized transcripts (the JSON report only).
	A []normExchange `json:"a"`
	B []normExchange `json:"b"`
}

// KnownDiff is a difference API.md §7 lists as a defect of the original.
type KnownDiff struct {
	Defect string `json:"defect"` // "D4"
	// What says which side shows the defect and how: "compat answers 201
	// with the secret to GET /api/totp/create/, hardened 409".
	What     string       `json:"what"`
	Exchange ExchangeDiff `json:"exchange"`
	// Count is how many exchanges of the flow show it.
	Count int `json:"count"`
}

// ExchangeDiff is how one exchange differs between the sides.
type ExchangeDiff struct {
	Index   int    `json:"index"` // 1-based, in the flow's exchanges
	Method  string `json:"method"`
	Path    string `json:"path"`
	StatusA string `json:"status_a"`
	StatusB string `json:"status_b"`
	// Headers are "Name: A-value | B-value" for each header that differs
	// (<none> when a side lacks it).
	Headers []string `json:"headers,omitempty"`
	// Body is a line diff of the bodies, "- " for A and "+ " for B; Request
	// the same for the request bodies.
	Body    []string `json:"body,omitempty"`
	Request []string `json:"request,omitempty"`
	// Note explains a difference in the sequence (one side stopped, or
	// asked something else).
	Note string `json:"note,omitempty"`
	// diverged: the sides made different requests, or one made more.
	diverged bool
}

// DiffSummary is the outcome of DiffFlows; Flows are in file order.
type DiffSummary struct {
	A       string     `json:"a"`
	B       string     `json:"b"`
	Same    int        `json:"same"`
	Known   int        `json:"known"`
	Unknown int        `json:"unknown"`
	Skipped int        `json:"skipped"`
	Flows   []FlowDiff `json:"flows"`
}

// DiffFlows runs every flow found in paths against both sides, recording
// each HTTP exchange the CLI makes, and compares the two transcripts of
// each flow after normalization. It writes the reports and returns the
// summary; the error is about the run itself.
func DiffFlows(ctx context.Context, paths []string, opts DiffOptions) (DiffSummary, error) {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	sides := [2]DiffSide{opts.A, opts.B}
	var (
		sums  [2]Summary
		flows [2][]*flow
		errs  [2]error
		wg    sync.WaitGroup
	)
	for i, s := range sides {
		wg.Go(func() {
			sums[i], flows[i], errs[i] = runFlows(ctx, paths, Options{
				ServerURL: s.ServerURL, MailDir: s.MailDir, Profile: s.Profile, Run: opts.Run,
				Parallel: opts.Parallel, CLI: opts.CLI, MaxWait: opts.MaxWait, record: true, wrap: s.wrap,
			})
		})
	}
	wg.Wait()
	if err := errors.Join(errs[0], errs[1]); err != nil {
		return DiffSummary{}, err
	}
	sum := DiffSummary{A: opts.A.Name, B: opts.B.Name}
	for i, ca := range sums[0].Cases {
		cb := sums[1].Cases[i]
		fd := diffFlow(opts, ca, cb, flows[0][i], flows[1][i])
		switch fd.Outcome {
		case DiffSame:
			sum.Same++
		case DiffKnown:
			sum.Known++
		case DiffUnknown:
			sum.Unknown++
		case DiffSkip:
			sum.Skipped++
		}
		sum.Flows = append(sum.Flows, fd)
	}
	writeDiffText(opts.Out, sum, opts.Verbose)
	if opts.JUnit != "" {
		if err := writeFile(opts.JUnit, diffJUnit(sum), "JUnit report"); err != nil {
			return sum, err
		}
	}
	if opts.JSON != "" {
		b, err := diffJSON(sum)
		if err == nil {
			err = writeFile(opts.JSON, b, "JSON report")
		}
		if err != nil {
			return sum, err
		}
	}
	return sum, nil
}

// transcript normalizes the exchanges of a flow on one side.
func transcript(f *flow, ignore []string) []normExchange {
	if f == nil {
		return nil
	}
	xs := f.rec.all()
	n := newNormalizer(f.unique, xs, ignore)
	red := f.redactor()
	out := make([]normExchange, len(xs))
	for i, x := range xs {
		e := n.exchange(x)
		// The flow's own secrets too, in every printed form (belt and
		// braces: normalization already replaced what it knows).
		e.Path, e.Auth, e.Request, e.Body, e.Error = red.Replace(e.Path), red.Replace(e.Auth), red.Replace(e.Request), red.Replace(e.Body), red.Replace(e.Error)
		for k, v := range e.Headers {
			e.Headers[k] = red.Replace(v)
		}
		out[i] = e
	}
	return out
}

func diffFlow(opts DiffOptions, ca, cb Case, fa, fb *flow) FlowDiff {
	fd := FlowDiff{Name: ca.Name, File: ca.File, FailA: ca.Failure, FailB: cb.Failure,
		A: transcript(fa, opts.IgnoreHeaders), B: transcript(fb, opts.IgnoreHeaders)}
	if ca.Skipped || cb.Skipped {
		fd.Outcome = DiffSkip
		switch {
		case ca.Skipped && cb.Skipped:
			fd.Skip = "skipped on both sides: " + ca.SkipReason
		case ca.Skipped:
			fd.Skip = "skipped on " + opts.A.Name + ": " + ca.SkipReason
		default:
			fd.Skip = "skipped on " + opts.B.Name + ": " + cb.SkipReason
		}
		return fd
	}
	fd.Known, fd.Unknown = compareTranscripts(opts.A.Name, opts.B.Name, fd.A, fd.B)
	if u := fd.Unknown; u != nil && u.diverged && len(fd.Known) > 0 && (ca.Failure == "") != (cb.Failure == "") {
		// A known defect changed an answer the flow relies on, so it
		// failed on one side and stopped there, or the CLI went another
		// way: the consequence of that defect, not a difference of its own.
		k := &fd.Known[len(fd.Known)-1]
		k.What += fmt.Sprintf("; the flow then went on differently (exchange %d: %s)", u.Index, u.Note)
		fd.Unknown = nil
	}
	if fd.Unknown == nil && (ca.Failure == "") != (cb.Failure == "") {
		// The same exchanges, yet the flow passed on one side only: what
		// differs is outside HTTP (mail, a flow assertion on the clock).
		fd.Unknown = &ExchangeDiff{Index: len(fd.A), Note: "the exchanges are the same, but the flow failed on one side only"}
	}
	switch {
	case fd.Unknown != nil:
		fd.Outcome = DiffUnknown
	case len(fd.Known) > 0:
		fd.Outcome = DiffKnown
	default:
		fd.Outcome = DiffSame
	}
	return fd
}

// compareTranscripts walks both transcripts in step. A difference a known
// defect explains is counted and the walk goes on; the first other one
// ends it.
func compareTranscripts(nameA, nameB string, a, b []normExchange) ([]KnownDiff, *ExchangeDiff) {
	var known []KnownDiff
	for i := 0; i < max(len(a), len(b)); i++ {
		if i >= len(a) || i >= len(b) {
			d := &ExchangeDiff{Index: i + 1}
			only, name, other := a, nameA, nameB
			if i >= len(a) {
				only, name, other = b, nameB, nameA
			}
			d.Method, d.Path = only[i].Method, only[i].Path
			d.StatusA, d.StatusB = "-", "-"
			if i < len(a) {
				d.StatusA = statusText(a[i])
			} else {
				d.StatusB = statusText(b[i])
			}
			d.Note = fmt.Sprintf("only %s made this request (%s stopped after %d exchanges)", name, other, i)
			d.diverged = true
			return known, d
		}
		if sameExchange(a[i], b[i]) {
			continue
		}
		d := describe(i, a[i], b[i])
		if a[i].Method != b[i].Method || a[i].Path != b[i].Path {
			d.Note = fmt.Sprintf("the flows diverged: %s sent %s %s, %s sent %s %s", nameA, a[i].Method, a[i].Path, nameB, b[i].Method, b[i].Path)
			d.diverged = true
			return known, d
		}
		id, what, ok := classify(nameA, nameB, a[:i+1], b[:i+1])
		if !ok {
			return known, d
		}
		if k := knownIndex(known, id); k >= 0 {
			known[k].Count++
			continue
		}
		known = append(known, KnownDiff{Defect: id, What: what, Exchange: *d, Count: 1})
	}
	return known, nil
}

func knownIndex(ks []KnownDiff, id string) int {
	for i, k := range ks {
		if k.Defect == id {
			return i
		}
	}
	return -1
}

func describe(i int, a, b normExchange) *ExchangeDiff {
	d := &ExchangeDiff{Index: i + 1, Method: a.Method, Path: a.Path, StatusA: statusText(a), StatusB: statusText(b)}
	for _, h := range headerDiff(a.Headers, b.Headers) {
		d.Headers = append(d.Headers, fmt.Sprintf("%s: %s | %s", h, headerValue(a.Headers, h), headerValue(b.Headers, h)))
	}
	if authPresent(a) != authPresent(b) {
		d.Headers = append(d.Headers, fmt.Sprintf("(request) Authorization: %s | %s", a.Auth, b.Auth))
	}
	d.Body = lineDiff(a.Body+errorLine(a), b.Body+errorLine(b))
	d.Request = lineDiff(a.Request, b.Request)
	return d
}

func errorLine(e normExchange) string {
	if e.Error == "" {
		return ""
	}
	return "(request failed: " + e.Error + ")"
}

func headerValue(h map[string]string, name string) string {
	if v, ok := h[name]; ok {
		return v
	}
	return "<none>"
}

// maxDiffLines bounds a body diff: a debug page runs to hundreds of lines.
const maxDiffLines = 12

// maxDiffLine bounds one line of a body diff.
const maxDiffLine = 300

// lineDiff shows two bodies that differ: the lines from the first one
// that differs, "- " for A and "+ " for B; nil when they are equal.
func lineDiff(a, b string) []string {
	if a == b {
		return nil
	}
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	start := 0
	for start < len(la) && start < len(lb) && la[start] == lb[start] {
		start++
	}
	var out []string
	add := func(prefix string, lines []string) {
		for i, l := range lines[min(start, len(lines)):] {
			if i == maxDiffLines/2 {
				out = append(out, prefix+"…")
				break
			}
			if r := []rune(l); len(r) > maxDiffLine {
				l = string(r[:maxDiffLine]) + "…"
			}
			out = append(out, prefix+l)
		}
	}
	if start > 0 {
		out = append(out, fmt.Sprintf("  (%d equal lines)", start))
	}
	if a == "" {
		out = append(out, "- <empty>")
	} else {
		add("- ", la)
	}
	if b == "" {
		out = append(out, "+ <empty>")
	} else {
		add("+ ", lb)
	}
	return out
}
