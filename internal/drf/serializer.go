package drf

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/virtualspaces/vsauth/internal/pyjson"
	"github.com/virtualspaces/vsauth/internal/pystr"
)

// DRF's field error messages.
const (
	msgRequired      = "This field is required."
	msgNull          = "This field may not be null."
	msgBlank         = "This field may not be blank."
	msgInvalidString = "Not a valid string."
	msgNullChars     = "Null characters are not allowed."
	msgNoData        = "No data provided"
	msgNotAFile      = "The submitted data was not a file. Check the encoding type on the form."
)

func invalidDataMsg(k pyjson.Kind) string {
	return "Invalid data. Expected a dictionary, but got " + k.TypeName() + "."
}

// Object is the input of a serializer whose data is a dict: the whole body,
// or a nested serializer's value.
type Object struct {
	dict pyjson.Value // JSON object; zero for form data or an empty body
	form *multiDict   // form or multipart fields ("HTML input")
	// partial is the root serializer's partial flag (PATCH): absent
	// fields are skipped, required or not.
	partial bool
}

// Object is Serializer.is_valid's first step: the data must be a dict.
// A JSON null body gives DRF's {"non_field_errors":["No data provided"]},
// any other non-object JSON {"non_field_errors":["Invalid data. Expected
// a dictionary, but got <type>."]}. partial is the serializer's partial
// flag (true for PATCH).
func (d Data) Object(partial bool) (Object, *Error) {
	if d.form != nil {
		return Object{form: d.form, partial: partial}, nil
	}
	var errs Errors
	switch d.json.Kind() {
	case pyjson.Invalid: // the zero Data: nothing was parsed
		return Object{partial: partial}, nil
	case pyjson.Dict:
		return Object{dict: d.json, partial: partial}, nil
	case pyjson.Null:
		errs.Add(NonFieldErrors, msgNoData)
	default:
		errs.Add(NonFieldErrors, invalidDataMsg(d.json.Kind()))
	}
	return Object{}, errs.Response()
}

// CharField configures a DRF CharField (trim_whitespace=True).
type CharField struct {
	Required   bool
	AllowBlank bool
	AllowNull  bool
	// MaxLength is the limit in code points; 0 means none.
	MaxLength int
	// Invalid is the message for a value that is no string, number or
	// plain field; "" means CharField's own. A subclass's
	// default_error_messages replace its parent's under the same key, so
	// an EmailField says "Enter a valid email address." here.
	Invalid string
	// Before holds validators DRF runs ahead of the field's own
	// (a model field's UniqueValidator); After those it runs behind them
	// (EmailField's EmailValidator). Each returns its messages, if any.
	Before, After func(string) []string
}

// CharValue is a string field that passed validation.
type CharValue struct {
	// Value is the stripped string.
	Value string
	// Present is false when the field is skipped: absent and not required,
	// or absent under partial.
	Present bool
	// Null is true when the client sent null to a field allowing it.
	Null bool
}

// Char is DRF's CharField.run_validation for the field name. On failure it
// records the messages under name in errs and returns ok false.
func (o Object) Char(name string, f CharField, errs *Errors) (v CharValue, ok bool) {
	v, msgs := f.run(o.charInput(name, f), o.partial)
	if msgs == nil {
		return v, true
	}
	errs.Add(name, msgs...)
	return CharValue{}, false
}

// input is what a field is given: a Python value, the zero input when the
// field is absent (DRF's `empty`), or an uploaded file, of which CharField
// sees only the name.
type input struct {
	v    pyjson.Value // a str holding the name for a file
	file bool
}

// charInput is Field.get_value: a plain lookup for JSON; for form data, the
// last value, with an empty string read as null or as absent for fields
// that allow it.
func (o Object) charInput(name string, f CharField) input {
	if o.form == nil {
		v, _ := o.dict.Get(name)
		return input{v: v}
	}
	fv, ok := o.form.last(name)
	switch {
	case !ok:
		return input{}
	case fv.file:
		return input{v: pyjson.StrValue(fv.s), file: true}
	case fv.s == "" && f.AllowNull:
		if f.AllowBlank {
			return input{v: pyjson.StrValue("")}
		}
		return input{v: pyjson.NullValue()}
	case fv.s == "" && !f.Required:
		if f.AllowBlank {
			return input{v: pyjson.StrValue("")}
		}
		return input{}
	}
	return input{v: pyjson.StrValue(fv.s)}
}

// run validates data in DRF 3.9.0's order: CharField's blank test first
// (on str(data), so only strings and file names can be blank), then
// validate_empty_values (absent, null), to_internal_value (type and
// str()), strip, and every validator, whose messages are all collected.
// Messages are nil exactly on success.
func (f CharField) run(in input, partial bool) (CharValue, []string) {
	data := in.v
	str := data.Str() // decoded once: a JSON str is decoded on every call
	if data.Kind() == pyjson.Str && pystr.Strip(str) == "" {
		if !f.AllowBlank {
			return CharValue{}, []string{msgBlank}
		}
		return CharValue{Present: true}, nil
	}
	if in.file {
		return CharValue{}, []string{f.invalid()}
	}
	var text string
	switch data.Kind() {
	case pyjson.Invalid:
		if !partial && f.Required {
			return CharValue{}, []string{msgRequired}
		}
		return CharValue{}, nil
	case pyjson.Null:
		if !f.AllowNull {
			return CharValue{}, []string{msgNull}
		}
		return CharValue{Present: true, Null: true}, nil
	case pyjson.Str:
		text = str
	case pyjson.Int:
		text = data.IntText()
	case pyjson.Float:
		text = pyjson.FloatRepr(data.Float())
	default:
		return CharValue{}, []string{f.invalid()}
	}
	text = pystr.Strip(text)
	var msgs []string
	if f.Before != nil {
		msgs = append(msgs, f.Before(text)...)
	}
	if f.MaxLength > 0 && utf8.RuneCountInString(text) > f.MaxLength {
		msgs = append(msgs, "Ensure this field has no more than "+strconv.Itoa(f.MaxLength)+" characters.")
	}
	if strings.ContainsRune(text, 0) {
		msgs = append(msgs, msgNullChars)
	}
	if f.After != nil {
		msgs = append(msgs, f.After(text)...)
	}
	if len(msgs) > 0 {
		return CharValue{}, msgs
	}
	return CharValue{Value: text, Present: true}, nil
}

func (f CharField) invalid() string {
	if f.Invalid != "" {
		return f.Invalid
	}
	return msgInvalidString
}

// OptionalFile is DRF's FileField (or ImageField) for a model field with
// null=True and blank=True: not required, null allowed. Absent, null and,
// in form data, an empty value pass with upload false; an uploaded file
// passes with upload true and is not looked into (its size, name length
// and image content are the caller's). Any other value fails with
// FileField's 'invalid' message, recorded under name in errs.
func (o Object) OptionalFile(name string, errs *Errors) (upload, ok bool) {
	if o.form != nil {
		fv, present := o.form.last(name)
		switch {
		case !present || fv.s == "" && !fv.file:
			return false, true
		case fv.file:
			return true, true
		}
	} else if v, _ := o.dict.Get(name); v.Kind() == pyjson.Invalid || v.Kind() == pyjson.Null {
		return false, true
	}
	errs.Add(name, msgNotAFile)
	return false, false
}

// Nested is a nested serializer field (allow_null=False). It returns the
// nested object, or nil when the field is skipped (absent and not
// required, or absent under partial). On failure it records the error under
// name in errs — ["This field is required."], ["This field may not be
// null."] or {"non_field_errors":["Invalid data. Expected a dictionary, but
// got <type>."]} — and returns ok false. In form data the nested fields are
// the keys "name.<field>".
func (o Object) Nested(name string, required bool, errs *Errors) (sub *Object, ok bool) {
	data, form := o.nestedInput(name)
	if form != nil {
		return &Object{form: form, partial: o.partial}, true
	}
	switch data.Kind() {
	case pyjson.Invalid:
		if !o.partial && required {
			errs.Add(name, msgRequired)
			return nil, false
		}
		return nil, true
	case pyjson.Null:
		errs.Add(name, msgNull)
		return nil, false
	case pyjson.Dict:
		return &Object{dict: data, partial: o.partial}, true
	}
	var inner Errors
	inner.Add(NonFieldErrors, invalidDataMsg(data.Kind()))
	errs.AddNested(name, &inner)
	return nil, false
}

// nestedInput is Serializer.get_value: a plain lookup for JSON; for form
// data, DRF's parse_html_dict, which gathers the keys matching
// ^name\.(.+)$ and is absent when there are none; form is non-nil then.
// The zero Value is an absent field.
func (o Object) nestedInput(name string) (v pyjson.Value, form *multiDict) {
	if o.form == nil {
		v, _ = o.dict.Get(name)
		return v, nil
	}
	sub := newMultiDict()
	prefix := name + "."
	for _, k := range o.form.keys {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		// Python's `.` does not match a newline, and `$` also matches
		// before a final one.
		key := strings.TrimSuffix(rest, "\n")
		if key == "" || strings.Contains(key, "\n") {
			continue
		}
		if _, seen := sub.m[key]; !seen {
			sub.keys = append(sub.keys, key)
		}
		sub.m[key] = append([]formValue(nil), o.form.m[k]...)
	}
	if len(sub.keys) == 0 {
		return pyjson.Value{}, nil
	}
	return pyjson.Value{}, sub
}
