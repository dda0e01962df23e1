package harness

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// writeText writes one line per flow, the log of each failed flow (of every
// flow when verbose), and the summary line last.
func writeText(w io.Writer, sum Summary, verbose bool) {
	for _, c := range sum.Cases {
		status := "PASS"
		switch {
		case c.Failure != "":
			status = "FAIL"
		case c.Skipped:
			status = "SKIP"
		}
		fmt.Fprintf(w, "%s %s (%s)\n", status, c.Name, seconds(c.Duration))
		if (c.Failure != "" || verbose) && c.Log != "" {
			fmt.Fprintln(w, indent(c.Log))
		}
	}
	fmt.Fprintln(w, SummaryLine(sum))
}

// SummaryLine is the last line of a run's output: "N passed, N failed, N
// skipped". A skipped flow tested nothing, so it is never counted as passed.
func SummaryLine(sum Summary) string {
	return fmt.Sprintf("%d passed, %d failed, %d skipped", sum.Passed, sum.Failed, sum.Skipped)
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure"`
	Skipped   *junitMessage `xml:"skipped"`
	SystemOut *junitText    `xml:"system-out"`
}

type junitText struct {
	Text string `xml:",cdata"`
}

// junitMessage keeps the log in CDATA, so that CI pages show it as written.
type junitMessage struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",cdata"`
}

// JUnit renders the summary as JUnit XML: one testsuite "vsauth flows" with
// one testcase per flow; a failed flow's <failure> holds its redacted log, a
// skipped flow's <skipped> its reason (message) and log.
func JUnit(sum Summary) []byte {
	suite := junitSuite{Name: "vsauth flows", Tests: len(sum.Cases), Failures: sum.Failed}
	var total time.Duration
	for _, c := range sum.Cases {
		total += c.Duration
		jc := junitCase{Name: c.Name, Classname: "flows", Time: fmt.Sprintf("%.3f", c.Duration.Seconds())}
		switch {
		case c.Failure != "":
			jc.Failure = &junitMessage{Message: c.Failure, Text: c.Log}
		case c.Skipped:
			suite.Skipped++
			jc.Skipped = &junitMessage{Message: skipMessage(c), Text: c.Log}
		}
		suite.Cases = append(suite.Cases, jc)
	}
	suite.Time = fmt.Sprintf("%.3f", total.Seconds())
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSuite{suite}}); err != nil {
		// Only unsupported types make Encode fail; these are all strings and ints.
		panic(err)
	}
	b.WriteByte('\n')
	return b.Bytes()
}

// skipMessage is the message of a skipped flow's <skipped>: CI pages show
// it as the reason.
func skipMessage(c Case) string {
	if c.SkipReason == "" {
		return "skipped (the flow gave no reason)"
	}
	return "skipped: " + c.SkipReason
}

func writeJUnitFile(path string, sum Summary) error {
	if err := os.WriteFile(path, JUnit(sum), 0o644); err != nil {
		return fmt.Errorf("harness: write JUnit report: %w", err)
	}
	return nil
}
