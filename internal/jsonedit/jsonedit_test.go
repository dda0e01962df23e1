package jsonedit

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestRewritePaths shows each value with the path and array flag it was
// given, and that the document keeps its key order, loses its spaces and
// is not HTML-escaped.
func TestRewritePaths(t *testing.T) {
	got, ok := Rewrite([]byte(` {"b":[1,{"c":"<&>"}], "a":{"d":true,"e":null},"f":[],"g":{}} `), func(path []string, inArray bool, v any) any {
		return fmt.Sprintf("%s|%v|%v", strings.Join(path, "."), inArray, v)
	})
	want := `{"b":["b.|true|1",{"c":"b..c|false|<&>"}],"a":{"d":"a.d|false|true","e":"a.e|false|<nil>"},"f":[],"g":{}}`
	if !ok || got != want {
		t.Fatalf("Rewrite = %q, %v; want %q, true", got, ok, want)
	}
}

func TestRewriteKeepsValues(t *testing.T) {
	in := `{"n":1.50,"big":12345678901234567890,"s":"\u00e9\n","x":[false]}`
	got, ok := Rewrite([]byte(in), func(_ []string, _ bool, v any) any {
		switch v.(type) {
		case json.Number, string, bool, nil:
		default:
			t.Errorf("value of type %T", v)
		}
		return v
	})
	if want := `{"n":1.50,"big":12345678901234567890,"s":"é\n","x":[false]}`; !ok || got != want {
		t.Fatalf("Rewrite = %q, %v; want %q, true", got, ok, want)
	}
}

func TestRewriteRejects(t *testing.T) {
	for _, in := range []string{``, `{`, `{"a":1}{}`, `[1,]`, `{"a" 1}`, `nul`, `"a" "b"`} {
		if got, ok := Rewrite([]byte(in), func(_ []string, _ bool, v any) any { return v }); ok || got != "" {
			t.Errorf("Rewrite(%q) = %q, %v; want \"\", false", in, got, ok)
		}
	}
}
