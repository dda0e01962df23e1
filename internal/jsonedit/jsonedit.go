// Package jsonedit re-encodes a JSON document with some of its values
// replaced, keeping its key order: what the client's trace and the
// harness's comparison show of a body.
package jsonedit

import (
	"bytes"
	"encoding/json"
	"io"
)

// Rewrite returns body re-encoded compactly, in its own key order, with each
// string, number (a json.Number), bool and null replaced by what value
// returns for it, encoded as JSON without HTML escaping. path has one entry
// per enclosing container, outermost first: the key for an object member,
// "" for an array element; inArray reports whether the value itself is an
// array element; value must not keep path. ok is false when body is not
// exactly one JSON document.
func Rewrite(body []byte, value func(path []string, inArray bool, v any) any) (out string, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var b bytes.Buffer
	r := rewriter{dec: dec, out: &b, enc: json.NewEncoder(&b), value: value}
	r.enc.SetEscapeHTML(false)
	if err := r.copy(nil, false); err != nil {
		return "", false
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", false
	}
	return b.String(), true
}

type rewriter struct {
	dec   *json.Decoder
	out   *bytes.Buffer
	enc   *json.Encoder // writes to out
	value func(path []string, inArray bool, v any) any
}

func (r *rewriter) copy(path []string, inArray bool) error {
	t, err := r.dec.Token()
	if err != nil {
		return err
	}
	open, ok := t.(json.Delim)
	if !ok {
		return r.write(r.value(path, inArray, t))
	}
	closing := byte('}')
	if open == '[' {
		closing = ']'
	}
	r.out.WriteByte(byte(open))
	for i := 0; r.dec.More(); i++ {
		if i > 0 {
			r.out.WriteByte(',')
		}
		key := ""
		if open == '{' {
			k, err := r.dec.Token()
			if err != nil {
				return err
			}
			key, _ = k.(string)
			if err := r.write(key); err != nil {
				return err
			}
			r.out.WriteByte(':')
		}
		if err := r.copy(append(path, key), open == '['); err != nil {
			return err
		}
	}
	r.out.WriteByte(closing)
	_, err = r.dec.Token()
	return err
}

func (r *rewriter) write(v any) error {
	if err := r.enc.Encode(v); err != nil {
		return err
	}
	r.out.Truncate(r.out.Len() - 1) // Encode's newline
	return nil
}
