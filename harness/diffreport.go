package harness

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// writeDiffText writes one line per flow (SAME, KNOWN, DIFF or SKIP), a
// line per known defect it shows, the first unknown difference in full and
// the counts last.
func writeDiffText(w io.Writer, sum DiffSummary, verbose bool) {
	fmt.Fprintf(w, "A = %s, B = %s\n", sum.A, sum.B)
	for _, f := range sum.Flows {
		if f.Outcome == DiffSkip {
			fmt.Fprintf(w, "%-5s %s: %s\n", f.Outcome, f.Name, f.Skip)
			continue
		}
		fmt.Fprintf(w, "%-5s %s\n", f.Outcome, f.Name)
		for _, k := range f.Known {
			fmt.Fprintf(w, "      %s: %s [exchange %d; %d in all]\n", k.Defect, k.What, k.Exchange.Index, k.Count)
			if verbose {
				writeExchangeDiff(w, "          ", k.Exchange)
			}
		}
		if f.Unknown != nil {
			writeExchangeDiff(w, "      ", *f.Unknown)
			for _, side := range []struct{ name, failure string }{{"A", f.FailA}, {"B", f.FailB}} {
				if side.failure != "" {
					fmt.Fprintf(w, "      the flow failed on %s: %s\n", side.name, firstLine(side.failure))
				}
			}
		}
	}
	fmt.Fprintln(w, DiffSummaryLine(sum))
}

func writeExchangeDiff(w io.Writer, indent string, d ExchangeDiff) {
	if d.Method != "" {
		fmt.Fprintf(w, "%sexchange %d: %s %s: A %s, B %s\n", indent, d.Index, d.Method, d.Path, d.StatusA, d.StatusB)
	}
	if d.Note != "" {
		fmt.Fprintf(w, "%s%s\n", indent, d.Note)
	}
	for _, h := range d.Headers {
		fmt.Fprintf(w, "%s%s\n", indent, h)
	}
	if len(d.Request) > 0 {
		fmt.Fprintf(w, "%srequest body:\n", indent)
		for _, l := range d.Request {
			fmt.Fprintf(w, "%s  %s\n", indent, l)
		}
	}
	if len(d.Body) > 0 {
		fmt.Fprintf(w, "%sbody:\n", indent)
		for _, l := range d.Body {
			fmt.Fprintf(w, "%s  %s\n", indent, l)
		}
	}
}

// DiffSummaryLine is the last line of a diff's output: the count of each
// outcome, with the known defects seen.
func DiffSummaryLine(sum DiffSummary) string {
	var ids []string
	for _, f := range sum.Flows {
		for _, k := range f.Known {
			if !slices.Contains(ids, k.Defect) {
				ids = append(ids, k.Defect)
			}
		}
	}
	slices.SortFunc(ids, compareDefects)
	known := fmt.Sprintf("%d with known differences", sum.Known)
	if len(ids) > 0 {
		known += " (" + strings.Join(ids, ", ") + ")"
	}
	return fmt.Sprintf("%d same, %s, %d with unknown differences, %d skipped", sum.Same, known, sum.Unknown, sum.Skipped)
}

// compareDefects orders D-numbers numerically: D4 before D11.
func compareDefects(a, b string) int {
	var x, y int
	fmt.Sscanf(a, "D%d", &x)
	fmt.Sscanf(b, "D%d", &y)
	return x - y
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// diffJUnit renders the diff as JUnit XML: a testcase per flow, failed when
// it shows an unknown difference, skipped when skipped; the known defects
// go to the testcase's system-out.
func diffJUnit(sum DiffSummary) []byte {
	suite := junitSuite{Name: "vsauth harness diff", Tests: len(sum.Flows), Time: "0"}
	for _, f := range sum.Flows {
		jc := junitCase{Name: f.Name, Classname: "diff", Time: "0"}
		var detail bytes.Buffer
		for _, k := range f.Known {
			fmt.Fprintf(&detail, "%s: %s\n", k.Defect, k.What)
			writeExchangeDiff(&detail, "    ", k.Exchange)
		}
		switch f.Outcome {
		case DiffUnknown:
			suite.Failures++
			var b bytes.Buffer
			writeExchangeDiff(&b, "", *f.Unknown)
			msg := firstLine(b.String())
			for _, fail := range []string{f.FailA, f.FailB} {
				if fail != "" {
					fmt.Fprintf(&b, "the flow failed: %s\n", firstLine(fail))
				}
			}
			jc.Failure = &junitMessage{Message: msg, Text: b.String()}
		case DiffSkip:
			suite.Skipped++
			jc.Skipped = &junitMessage{Message: f.Skip}
		}
		if detail.Len() > 0 {
			jc.SystemOut = &junitText{Text: detail.String()}
		}
		suite.Cases = append(suite.Cases, jc)
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSuite{suite}}); err != nil {
		panic(err) // only strings and ints
	}
	b.WriteByte('\n')
	return b.Bytes()
}

// diffJSON is the whole summary, with both normalized transcripts of every
// flow: a CI artefact to look at what each server answered.
func diffJSON(sum DiffSummary) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // placeholders such as <code> stay readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(sum); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeFile(path string, b []byte, what string) error {
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("harness: write %s: %w", what, err)
	}
	return nil
}
