package pyjson

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

// loadsCases pairs documents with str() of the exception json.loads raises
// on them ("" when the document parses). The expected texts were produced by
// CPython 3.7's json module (C scanner). They also seed FuzzLoads.
var loadsCases = []struct {
	doc, want string
}{
	{"{\"email\": \"x\"", "Expecting ',' delimiter: line 1 column 14 (char 13)"},
	{"{bad", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"},
	{"\"\\x\"", "Invalid \\escape: line 1 column 2 (char 1)"},
	{"\"\\u12\"", "Invalid \\uXXXX escape: line 1 column 3 (char 2)"},
	{"\"\\u12x4\"", "Invalid \\uXXXX escape: line 1 column 3 (char 2)"},
	{"\"\\u1234", "Invalid \\uXXXX escape: line 1 column 3 (char 2)"},
	{"\"\\ud800\\u12x4\"", "Invalid \\uXXXX escape: line 1 column 9 (char 8)"},
	{"\"\\ud800\\u1234", "Invalid \\uXXXX escape: line 1 column 9 (char 8)"},
	{"\"a\nb\"", "Invalid control character at: line 1 column 3 (char 2)"},
	{"\"\t\"", "Invalid control character at: line 1 column 2 (char 1)"},
	{"\"abc", "Unterminated string starting at: line 1 column 1 (char 0)"},
	{"\"\\", "Unterminated string starting at: line 1 column 1 (char 0)"},
	{"{\"a\" 1}", "Expecting ':' delimiter: line 1 column 6 (char 5)"},
	{"{\"a\":}", "Expecting value: line 1 column 6 (char 5)"},
	{"[1,]", "Expecting value: line 1 column 4 (char 3)"},
	{"{\"a\":1,}", "Expecting property name enclosed in double quotes: line 1 column 8 (char 7)"},
	{"[1 2]", "Expecting ',' delimiter: line 1 column 4 (char 3)"},
	{"1 2", "Extra data: line 1 column 3 (char 2)"},
	{" ", "Expecting value: line 1 column 2 (char 1)"},
	{"{\"a\":1}x", "Extra data: line 1 column 8 (char 7)"},
	{"-", "Expecting value: line 1 column 1 (char 0)"},
	{"-x", "Expecting value: line 1 column 1 (char 0)"},
	{"01", "Extra data: line 1 column 2 (char 1)"},
	{"1.", "Extra data: line 1 column 2 (char 1)"},
	{"1e+", "Extra data: line 1 column 2 (char 1)"},
	{"[1e+]", "Expecting ',' delimiter: line 1 column 3 (char 2)"},
	{"{\n\"a\":\n  tru}", "Expecting value: line 3 column 3 (char 9)"},
	{"nul", "Expecting value: line 1 column 1 (char 0)"},
	{"[", "Expecting value: line 1 column 2 (char 1)"},
	{"{", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"},
	{"{\"a\"", "Expecting ':' delimiter: line 1 column 5 (char 4)"},
	{"{\"a\":", "Expecting value: line 1 column 6 (char 5)"},
	{"{\"a\":1", "Expecting ',' delimiter: line 1 column 7 (char 6)"},
	{"[1,\n2,\n\n x]", "Expecting value: line 4 column 2 (char 9)"},
	{"\"é\\q\"", "Invalid \\escape: line 1 column 3 (char 2)"},
	{"{\"é\": 1, \"b\" 2}", "Expecting ':' delimiter: line 1 column 14 (char 13)"},
	{"[-]", "Expecting value: line 1 column 2 (char 1)"},
	{"{\"a\":1 , \"b\":2 ,}", "Expecting property name enclosed in double quotes: line 1 column 17 (char 16)"},
	{"[1.5e]", "Expecting ',' delimiter: line 1 column 5 (char 4)"},
	{"\r\n\t{\"a\"}", "Expecting ':' delimiter: line 2 column 6 (char 7)"},
	{"{\"a\":1}\n\n]", "Extra data: line 3 column 1 (char 9)"},
	{"\"\x7f\x1f\"", "Invalid control character at: line 1 column 3 (char 2)"},
	{"{\"𝄞\":\"x\" \"y\"}", "Expecting ',' delimiter: line 1 column 10 (char 9)"},
	{"{\"a\":[1,{\"b\":}]}", "Expecting value: line 1 column 14 (char 13)"},
	{"\ufeff{}", "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)"},
	// Non-ASCII text where the scanner counts code points: positions are
	// in code points, and a \u escape cut by one fails at its 'u'.
	{"\"\\ud800\\u12é\"", "Invalid \\uXXXX escape: line 1 column 9 (char 8)"},
	{"\"\\u12é", "Invalid \\uXXXX escape: line 1 column 3 (char 2)"},
	{"\"\\ué\"", "Invalid \\uXXXX escape: line 1 column 3 (char 2)"},
	{"\"\\ud800\\udc0é\"", "Invalid \\uXXXX escape: line 1 column 9 (char 8)"},
	{"\"é\\ud800\\u1", "Invalid \\uXXXX escape: line 1 column 10 (char 9)"},
	{"[\"é\", \"𝄞\" x]", "Expecting ',' delimiter: line 1 column 11 (char 10)"},
	{"\"€\\ud800\\ud800\" x", "Extra data: line 1 column 17 (char 16)"},
	{"{\"é\\u00e9\": [1, 2,]}", "Expecting value: line 1 column 19 (char 18)"},
	{"\"\\ud800\\u12345\"", ""},
	{"1", ""},
	{" [1.5e300, -0, 1e400, \"\\ud834\\udd1e\", {\"a\": [true, false, null]}] ", ""},
}

func TestLoadsErrors(t *testing.T) {
	for _, tt := range loadsCases {
		_, err := Loads(tt.doc)
		got := ""
		if err != nil {
			got = err.Error()
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Errorf("Loads(%q): %T, want *SyntaxError", tt.doc, err)
			}
		}
		if got != tt.want {
			t.Errorf("Loads(%q):\n got %q\nwant %q", tt.doc, got, tt.want)
		}
	}
}

func TestSyntaxErrorFields(t *testing.T) {
	_, err := Loads("[1,\n2,\n\n x]")
	var se *SyntaxError
	if !errors.As(err, &se) || *se != (SyntaxError{Msg: "Expecting value", Pos: 9, Line: 4, Col: 2}) {
		t.Errorf("got %#v", err)
	}
}

func TestParseConstant(t *testing.T) {
	// json.loads's default: the constants are floats.
	for _, tt := range []struct {
		doc  string
		want float64
	}{
		{"NaN", math.NaN()},
		{"Infinity", math.Inf(1)},
		{" -Infinity ", math.Inf(-1)},
	} {
		v, err := Loads(tt.doc)
		if err != nil || v.Kind() != Float || !(v.Float() == tt.want || math.IsNaN(tt.want) && math.IsNaN(v.Float())) {
			t.Errorf("Loads(%q) = %v %v, %v", tt.doc, v.Kind(), v.Float(), err)
		}
	}
	for _, doc := range []string{"-Inf", "nan", "Infinit", "-NaN"} {
		if _, err := Loads(doc); err == nil {
			t.Errorf("Loads(%q) accepted", doc)
		}
	}
	// A refusing parse_constant's error comes back as it is.
	errRefused := errors.New("refused")
	var seen []string
	d := Decoder{ParseConstant: func(name string) error {
		seen = append(seen, name)
		return errRefused
	}}
	for _, tt := range []struct{ doc, name string }{
		{"NaN", "NaN"},
		{"[1, Infinity]", "Infinity"},
		{`{"a": -Infinity}`, "-Infinity"},
	} {
		seen = nil
		if _, err := d.Loads(tt.doc); err != errRefused || !reflect.DeepEqual(seen, []string{tt.name}) {
			t.Errorf("%q: err %v, constants %q", tt.doc, err, seen)
		}
	}
}

func TestMaxDepth(t *testing.T) {
	nest := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	for _, tt := range []struct {
		d    Decoder
		doc  string
		want string
	}{
		{Decoder{}, nest(DefaultMaxDepth), ""},
		{Decoder{}, nest(DefaultMaxDepth + 1), "maximum recursion depth exceeded while decoding a JSON array from a unicode string"},
		{Decoder{MaxDepth: 3}, nest(3), ""},
		{Decoder{MaxDepth: 3}, `{"a":[{"b":1}]}`, ""},
		{Decoder{MaxDepth: 3}, nest(4), "maximum recursion depth exceeded while decoding a JSON array from a unicode string"},
		{Decoder{MaxDepth: 3}, `[[[{}]]]`, "maximum recursion depth exceeded while decoding a JSON object from a unicode string"},
		{Decoder{MaxDepth: 3}, strings.Repeat(`{"a":`, 4), "maximum recursion depth exceeded while decoding a JSON object from a unicode string"},
	} {
		_, err := tt.d.Loads(tt.doc)
		got := ""
		if err != nil {
			got = err.Error()
			var re *RecursionError
			if !errors.As(err, &re) {
				t.Errorf("%.20q: %T, want *RecursionError", tt.doc, err)
			}
		}
		if got != tt.want {
			t.Errorf("MaxDepth %d, %.20q: got %q, want %q", tt.d.MaxDepth, tt.doc, got, tt.want)
		}
	}
}

func mustLoad(t *testing.T, doc string) Value {
	t.Helper()
	v, err := Loads(doc)
	if err != nil {
		t.Fatalf("Loads(%q): %v", doc, err)
	}
	return v
}

func TestValues(t *testing.T) {
	v := mustLoad(t, ` {"b": 1, "a": [true, null, "x" ], "b":-0, "big": -123456789012345678901234567890,
		"f": 1e400, "s": "\ud83d\ude00\ud83d\u00e9\/", "o": {}} `)
	if v.Kind() != Dict || v.Len() != 6 || v.Raw() != strings.TrimSpace(v.Raw()) {
		t.Fatalf("top: kind %v len %d raw %q", v.Kind(), v.Len(), v.Raw())
	}
	// A repeated key keeps its first position and takes the last value.
	if got, want := v.Keys(), []string{"b", "a", "big", "f", "s", "o"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Keys = %q, want %q", got, want)
	}
	get := func(k string) Value {
		t.Helper()
		x, ok := v.Get(k)
		if !ok {
			t.Fatalf("Get(%q) missing", k)
		}
		return x
	}
	if b := get("b"); b.Kind() != Int || b.IntText() != "0" || b.Raw() != "-0" || b.Int().Sign() != 0 {
		t.Errorf("b = %v %q %q", b.Kind(), b.IntText(), b.Raw())
	}
	a := get("a")
	if a.Kind() != List || a.Len() != 3 || a.Raw() != `[true, null, "x" ]` {
		t.Errorf("a = %v %d %q", a.Kind(), a.Len(), a.Raw())
	}
	items := a.List()
	if items[0].Kind() != Bool || !items[0].Bool() || items[1].Kind() != Null || items[2].Str() != "x" || items[2].Raw() != `"x"` {
		t.Errorf("a items = %+v", items)
	}
	if big := get("big"); big.IntText() != "-123456789012345678901234567890" || big.Int().String() != big.IntText() {
		t.Errorf("big = %q", big.IntText())
	}
	if f := get("f"); f.Kind() != Float || !math.IsInf(f.Float(), 1) || f.Raw() != "1e400" {
		t.Errorf("f = %v %v", f.Kind(), f.Float())
	}
	if s := get("s"); s.Str() != "\U0001F600\uFFFDé/" || s.Raw() != `"\ud83d\ude00\ud83d\u00e9\/"` {
		t.Errorf("s = %q raw %q", s.Str(), s.Raw())
	}
	if o := get("o"); o.Kind() != Dict || o.Len() != 0 || o.Keys() != nil {
		t.Errorf("o = %v %d %q", o.Kind(), o.Len(), o.Keys())
	}
	if _, ok := v.Get("missing"); ok {
		t.Error("Get(missing) ok")
	}
	if _, ok := a.Get("a"); ok {
		t.Error("Get on a list ok")
	}
	// Accessors of the wrong kind give zero values.
	if x := get("a"); x.Str() != "" || x.IntText() != "" || x.Int() != nil || x.Keys() != nil {
		t.Error("list read as another kind")
	}
	var zero Value
	if zero.Kind() != Invalid || zero.Len() != 0 || zero.Raw() != "" || zero.Kind().TypeName() != "" {
		t.Error("zero Value")
	}
	if StrValue("x").Str() != "x" || NullValue().Kind() != Null || StrValue("x").Raw() != "" {
		t.Error("constructors")
	}
}

func TestTypeName(t *testing.T) {
	for doc, want := range map[string]string{
		`null`: "NoneType", `true`: "bool", `1`: "int", `1.0`: "float", `"1"`: "str", `[1]`: "list", `{}`: "dict",
	} {
		if got := mustLoad(t, doc).Kind().TypeName(); got != want {
			t.Errorf("type(%s).__name__ = %q, want %q", doc, got, want)
		}
	}
}

func TestTruth(t *testing.T) {
	for doc, want := range map[string]bool{
		`null`: false, `false`: false, `true`: true, `0`: false, `-0`: false, `7`: true,
		`0.0`: false, `-0.0`: false, `0.5`: true, `NaN`: true, `""`: false, `" "`: true,
		`[]`: false, `[0]`: true, `{}`: false, `{"a":null}`: true,
	} {
		if got := mustLoad(t, doc).Truth(); got != want {
			t.Errorf("bool(%s) = %v, want %v", doc, got, want)
		}
	}
	if (Value{}).Truth() {
		t.Error("zero Value is true")
	}
}

func TestPyInt(t *testing.T) {
	for _, tt := range []struct {
		doc  string
		want string // "" = int() raises
	}{
		{`true`, "1"},
		{`false`, "0"},
		{`-0`, "0"},
		{`18446744073709551617`, "18446744073709551617"},
		{`1.9`, "1"},
		{`-1.9`, "-1"},
		{`1e30`, "1000000000000000019884624838656"},
		{`NaN`, ""},
		{`Infinity`, ""},
		{`-Infinity`, ""},
		{`" +12 "`, "12"},
		{`"1.0"`, ""},
		{`"abc"`, ""},
		{`null`, ""},
		{`[1]`, ""},
		{`{}`, ""},
	} {
		n, ok := mustLoad(t, tt.doc).PyInt()
		got := ""
		if ok {
			got = n.String()
		}
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("int(%s) = %q, %v; want %q", tt.doc, got, ok, tt.want)
		}
	}
}

func TestFloatRepr(t *testing.T) {
	for _, tt := range []struct{ lit, want string }{
		{"1.5", "1.5"},
		{"1.0", "1.0"},
		{"1e16", "1e+16"},
		{"1E16", "1e+16"},
		{"1e15", "1000000000000000.0"},
		{"123456789012345678.0", "1.2345678901234568e+17"},
		{"1e-05", "1e-05"},
		{"0.0001", "0.0001"},
		{"0.00001", "1e-05"},
		{"1e400", "inf"},
		{"-1e400", "-inf"},
		{"-0.0", "-0.0"},
		{"-0e0", "-0.0"},
		{"1.5e300", "1.5e+300"},
		{"0.1", "0.1"},
		{"2.5e-7", "2.5e-07"},
		{"1e22", "1e+22"},
		{"9007199254740993.0", "9007199254740992.0"},
		{"5e-324", "5e-324"},
		{"1e-400", "0.0"},
		{"1.7976931348623157e308", "1.7976931348623157e+308"},
		{"12345.678", "12345.678"},
		{"100.0e-2", "1.0"},
		{"3.14159265358979323846", "3.141592653589793"},
		{"0e5", "0.0"},
		{"-12.5E+3", "-12500.0"},
		{"1234567890123456.7", "1234567890123456.8"},
		{"12345678901234567.0", "1.2345678901234568e+16"},
	} {
		v, err := Loads(tt.lit)
		if err != nil || v.Kind() != Float {
			t.Fatalf("Loads(%q) = %+v, %v", tt.lit, v, err)
		}
		if got := FloatRepr(v.Float()); got != tt.want {
			t.Errorf("repr(%s) = %q, want %q", tt.lit, got, tt.want)
		}
	}
}

func TestAppendString(t *testing.T) {
	for _, tt := range []struct {
		in, ascii, unicode string
	}{
		// Expected values from CPython's json.dumps(s) and
		// json.dumps(s, ensure_ascii=False).
		{"", `""`, `""`},
		{"j\u00fcrgen<&>\"\\/\x7f\t\x01@ex\U0001F600.com", `"j\u00fcrgen<&>\"\\/\u007f\t\u0001@ex\ud83d\ude00.com"`, "\"j\u00fcrgen<&>\\\"\\\\/\x7f\\t\\u0001@ex\U0001F600.com\""},
		{"\b\f\n\r\x00\x1f ~", `"\b\f\n\r\u0000\u001f ~"`, `"\b\f\n\r\u0000\u001f ~"`},
		{"\u2028\uffff\U00010000", `"\u2028\uffff\ud800\udc00"`, "\"\u2028\uffff\U00010000\""},
		// Not a Python str: invalid UTF-8 reads as U+FFFD.
		{"a\xffb", `"a\ufffdb"`, "\"a\uFFFDb\""},
	} {
		if got := string(AppendString([]byte("x"), tt.in, true)); got != "x"+tt.ascii {
			t.Errorf("ensure_ascii %q: got %s, want %s", tt.in, got, tt.ascii)
		}
		if got := string(AppendString(nil, tt.in, false)); got != tt.unicode {
			t.Errorf("ensure_ascii=False %q: got %s, want %s", tt.in, got, tt.unicode)
		}
	}
}

func TestGetDecodesKeys(t *testing.T) {
	v := mustLoad(t, `{"a\u00e9": 1, "x": {"y": [1]}, "aé": 2, "\ud800": 3}`)
	if got, want := v.Keys(), []string{"aé", "x", "\uFFFD"}; !reflect.DeepEqual(got, want) || v.Len() != 3 {
		t.Errorf("Keys = %q, Len %d; want %q", got, v.Len(), want)
	}
	if x, ok := v.Get("aé"); !ok || x.IntText() != "2" {
		t.Errorf(`Get("aé") = %q, %v; want the last value, 2`, x.Raw(), ok)
	}
	if x, ok := v.Get("\uFFFD"); !ok || x.IntText() != "3" {
		t.Errorf("a lone surrogate key reads as U+FFFD: %q, %v", x.Raw(), ok)
	}
	x, _ := v.Get("x")
	if y, ok := x.Get("y"); !ok || y.Raw() != "[1]" {
		t.Errorf("x.y = %q, %v", y.Raw(), ok)
	}
}

func TestGetEach(t *testing.T) {
	v := mustLoad(t, `{"a\u00e9": 1, "x": {"y": [1]}, "aé": 2, "\ud800": 3, "b": null}`)
	keys := []string{"aé", "missing", "b", "x", "aé", "\uFFFD", "y"}
	vals, oks := make([]Value, len(keys)), make([]bool, len(keys))
	vals[1], oks[1] = v, true // overwritten: absent
	v.GetEach(keys, vals, oks)
	var got []string
	for i := range keys {
		got = append(got, fmt.Sprintf("%s %v", vals[i].Raw(), oks[i]))
	}
	if want := []string{"2 true", " false", "null true", `{"y": [1]} true`, "2 true", "3 true", " false"}; !reflect.DeepEqual(got, want) {
		t.Errorf("GetEach = %q, want %q", got, want)
	}
	mustLoad(t, `[1]`).GetEach(keys[:1], vals[:1], oks[:1])
	if oks[0] {
		t.Error("GetEach on a list found a key")
	}
}

// TestLoadsBuildsNothing pins what bounds a request's memory: checking a
// document allocates nothing however many values it holds, and reading one
// member of a big object allocates nothing either.
func TestLoadsBuildsNothing(t *testing.T) {
	array := "[" + strings.Repeat(`0, "x", {"a": [null]}, `, 10000) + "1]"
	var obj strings.Builder
	obj.WriteString("{")
	for i := range 10000 {
		fmt.Fprintf(&obj, `"k%d": [%d], "\u006b": "s", `, i, i)
	}
	obj.WriteString(`"email": "a@b.c"}`)
	for _, doc := range []string{array, obj.String()} {
		if n := testing.AllocsPerRun(3, func() {
			if _, err := Loads(doc); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("Loads of %d bytes: %v allocations, want 0", len(doc), n)
		}
	}
	v := mustLoad(t, obj.String())
	if n := testing.AllocsPerRun(3, func() {
		if e, _ := v.Get("email"); e.Str() != "a@b.c" {
			t.Fatal("email not found")
		}
	}); n > 1 {
		t.Errorf("Get on a %d-byte object: %v allocations, want at most 1 (the buffer for keys with escapes)", len(v.Raw()), n)
	}
}
