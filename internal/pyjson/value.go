// Package pyjson is CPython 3.7's json module as the original backend runs it:
// json.loads with the C scanner's exact JSONDecodeError messages and positions,
// Python value kinds (ints of any size kept as their digits, floats rounded as
// CPython does, dicts in insertion order with the last duplicate key winning),
// and json.dumps's string encoding. DRF's request bodies and PyJWT's token
// segments are both decoded here.
package pyjson

import (
	"math"
	"math/big"
	"strconv"

	"github.com/virtualspaces/vsauth/internal/pyconv"
)

// Kind is the Python type of a Value.
type Kind uint8

// The kinds json.loads produces, plus Invalid for the zero Value.
const (
	Invalid Kind = iota // the zero Value: no value at all
	Null                // None
	Bool
	Int
	Float
	Str
	List
	Dict
)

var typeNames = [...]string{
	Null:  "NoneType",
	Bool:  "bool",
	Int:   "int",
	Float: "float",
	Str:   "str",
	List:  "list",
	Dict:  "dict",
}

// TypeName is type(v).__name__ for a value of kind k; "" for Invalid.
func (k Kind) TypeName() string {
	if int(k) < len(typeNames) {
		return typeNames[k]
	}
	return ""
}

// Value is a Python object produced by json.loads. The zero Value has kind
// Invalid and stands for no value at all. Values are read-only.
//
// A decoded Value is its source text: a str is decoded, a list's items and
// a dict's members are found, each time a caller asks. Reading a big
// container costs in proportion to its text, so callers ask once per field.
type Value struct {
	kind Kind
	// literal is true for a decoded value, whose src is its source text
	// within the document; false for one made by StrValue or NullValue,
	// whose src is a str's own text.
	literal bool
	src     string
}

// StrValue is the Python str s, for callers that mix form data with JSON.
func StrValue(s string) Value { return Value{kind: Str, src: s} }

// NullValue is None.
func NullValue() Value { return Value{kind: Null} }

// Kind is v's Python type.
func (v Value) Kind() Kind { return v.kind }

// Bool is a bool's value; false for other kinds.
func (v Value) Bool() bool { return v.kind == Bool && v.src == "true" }

// Str is a str's text; "" for other kinds. A lone surrogate, which a Python
// str can hold and a Go string cannot, is U+FFFD (still one code point).
func (v Value) Str() string {
	if v.kind != Str {
		return ""
	}
	if !v.literal {
		return v.src
	}
	if text, ok := plainStr(v.src); ok {
		return text
	}
	return string(appendStr(make([]byte, 0, len(v.src)), v.src))
}

// IntText is str(v) for an int: its decimal digits, at any size; "" for other
// kinds.
func (v Value) IntText() string {
	if v.kind != Int {
		return ""
	}
	// A JSON integer literal is canonical except for negative zero.
	if v.src == "-0" {
		return "0"
	}
	return v.src
}

// Int is an int's value; nil for other kinds.
func (v Value) Int() *big.Int {
	if v.kind != Int {
		return nil
	}
	n, _ := new(big.Int).SetString(v.src, 10) // always a valid literal
	return n
}

// Float is a float's value (±Inf for a literal out of range, as CPython's
// float() gives); 0 for other kinds.
func (v Value) Float() float64 {
	if v.kind != Float {
		return 0
	}
	// ParseFloat rounds correctly like CPython's dtoa, reads NaN and the
	// infinities by the names JSON gives them, and turns an out-of-range
	// literal into ±Inf (CPython's float('1e400') is inf): the range error
	// is deliberately ignored.
	f, _ := strconv.ParseFloat(v.src, 64)
	return f
}

// List is a list's items; nil for other kinds. Each call builds the slice
// anew.
func (v Value) List() []Value {
	if v.kind != List {
		return nil
	}
	items := []Value{}
	_, _ = rescan(v.src).parseArray(1, 0, func(x Value) { items = append(items, x) })
	return items
}

// Len is len(v) for a list or dict; 0 for other kinds.
func (v Value) Len() int {
	switch v.kind {
	case List:
		n := 0
		_, _ = rescan(v.src).parseArray(1, 0, func(Value) { n++ })
		return n
	case Dict:
		return len(v.Keys())
	}
	return 0
}

// isEmpty reports whether a list or dict has no items.
func (v Value) isEmpty() bool {
	return rescan(v.src).skipWS(1) == len(v.src)-1
}

// members calls visit with each member of a dict in document order: the
// key's string literal and the value.
func (v Value) members(visit func(keyLit string, x Value)) {
	_, _ = rescan(v.src).parseObject(1, 0, visit)
}

// Get is a dict's v.get(key); ok is false when key is absent or v is not a
// dict. A repeated key takes its last value, as in a Python dict.
func (v Value) Get(key string) (val Value, ok bool) {
	keys := [1]string{key}
	var vals [1]Value
	var oks [1]bool
	v.GetEach(keys[:], vals[:], oks[:])
	return vals[0], oks[0]
}

// GetEach is Get of each of keys in one pass over the dict: vals[i] and
// oks[i] are what Get(keys[i]) returns. vals and oks are as long as keys.
func (v Value) GetEach(keys []string, vals []Value, oks []bool) {
	clear(vals)
	clear(oks)
	if v.kind != Dict {
		return
	}
	var buf []byte // for keys with escapes, reused
	v.members(func(keyLit string, x Value) {
		text, plain := plainStr(keyLit)
		if !plain {
			buf = appendStr(buf[:0], keyLit)
		}
		for i, key := range keys {
			if (plain && text == key) || (!plain && string(buf) == key) {
				vals[i], oks[i] = x, true
			}
		}
	})
}

// Keys is a dict's keys in insertion order, a repeated key at its first
// position; nil for other kinds and for an empty dict.
func (v Value) Keys() []string {
	if v.kind != Dict {
		return nil
	}
	var keys []string
	seen := map[string]bool{}
	v.members(func(keyLit string, _ Value) {
		k, plain := plainStr(keyLit)
		if !plain {
			k = string(appendStr(nil, keyLit))
		}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	})
	return keys
}

// Raw is the source text of a decoded value, exactly as it stood in the
// document; "" for values not made by decoding.
func (v Value) Raw() string {
	if !v.literal {
		return ""
	}
	return v.src
}

// Truth is Python's bool(v).
func (v Value) Truth() bool {
	switch v.kind {
	case Bool:
		return v.Bool()
	case Int:
		return v.IntText() != "0"
	case Float:
		return v.Float() != 0 // NaN is true in Python too
	case Str:
		if v.literal {
			return len(v.src) > len(`""`) // any text between the quotes decodes to some
		}
		return v.src != ""
	case List, Dict:
		return !v.isEmpty()
	}
	return false
}

// PyInt is Python's int(v): bools are 0 or 1, floats are truncated toward
// zero, strs are parsed as int(s) does (pyconv.ParseInt). ok is false where
// Python raises (ValueError for NaN or a bad str, OverflowError for an
// infinity, TypeError for None, lists and dicts).
func (v Value) PyInt() (n *big.Int, ok bool) {
	switch v.kind {
	case Bool:
		if v.Bool() {
			return big.NewInt(1), true
		}
		return big.NewInt(0), true
	case Int:
		return v.Int(), true
	case Float:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, false
		}
		n, _ := big.NewFloat(f).Int(nil) // truncates toward zero, like int()
		return n, true
	case Str:
		return pyconv.ParseInt(v.Str(), 10)
	}
	return nil, false
}
