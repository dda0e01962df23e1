package drf

import (
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// hostileBodies are bodies of a few MiB shaped to make a parser allocate
// per value rather than per byte. Each is about 2.5 MB except the long
// strings, which are 3 MiB as in a client's one long field.
func hostileBodies() []struct{ name, contentType, body string } {
	const size = 2_500_000
	var obj strings.Builder
	obj.WriteString("{")
	for i := 0; obj.Len() < size; i++ {
		if i > 0 {
			obj.WriteString(",")
		}
		obj.WriteString(`"k` + strconv.Itoa(i) + `":0`)
	}
	obj.WriteString("}")
	var deep strings.Builder
	deep.WriteString("[")
	for deep.Len() < size {
		deep.WriteString(strings.Repeat("[", 800) + strings.Repeat("]", 800) + ",")
	}
	deep.WriteString("0]")
	long := strings.Repeat("a", 3<<20)
	return []struct{ name, contentType, body string }{
		{"array", "application/json", "[" + strings.Repeat("0,", size/2) + "0]"},
		{"object", "application/json", obj.String()},
		{"nested", "application/json", deep.String()},
		{"string", "application/json", `{"email":"` + long + `","password":"x"}`},
		{"escapes", "application/json", `{"email":"` + strings.Repeat(`\u00e9`, size/6) + `","password":"x"}`},
		{"form", "application/x-www-form-urlencoded", "email=" + long + "&password=x"},
	}
}

// BenchmarkParseHostile parses each hostile body and validates it the way
// the login view does (two required strings). Besides -benchmem's B/op it
// reports B/body-B: bytes allocated per byte of body, the bound that keeps
// a few concurrent hostile requests from exhausting memory.
//
//	go test -run '^$' -bench ParseHostile -benchmem ./internal/drf/
func BenchmarkParseHostile(b *testing.B) {
	for _, tt := range hostileBodies() {
		b.Run(tt.name, func(b *testing.B) {
			body := []byte(tt.body)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for b.Loop() {
				d, perr := Parse(tt.contentType, true, body)
				if perr != nil {
					b.Fatalf("parse: %s", perr.Body)
				}
				obj, oerr := d.Object(false)
				if oerr != nil {
					continue // a list: DRF's "Expected a dictionary"
				}
				var errs Errors
				obj.Char("email", CharField{Required: true}, &errs)
				obj.Char("password", CharField{Required: true}, &errs)
			}
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/float64(len(body)), "B/body-B")
		})
	}
}
