package server

import (
	"net/http"
	"strconv"
)

// metaField is one serializer field as DRF 3.9's SimpleMetadata.get_field_info
// describes it.
type metaField struct {
	name, typ, label   string
	required, readOnly bool
	maxLength          int         // 0: the field has none
	children           []metaField // a nested serializer's fields
}

// metaActions is an OPTIONS "actions" member: the one write method of the
// view that DRF describes (PUT or POST; no view here has both) and its
// serializer's fields.
type metaActions struct {
	method string
	fields []metaField
}

// appendFields writes fields as a JSON object in declaration order, each
// with get_field_info's keys in its order: type, required, read_only,
// label, max_length (when set), children (for a nested serializer).
func appendFields(b []byte, fields []metaField) []byte {
	b = append(b, '{')
	for i, m := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, m.name)
		b = append(b, `:{"type":`...)
		b = strconv.AppendQuote(b, m.typ)
		b = append(b, `,"required":`...)
		b = strconv.AppendBool(b, m.required)
		b = append(b, `,"read_only":`...)
		b = strconv.AppendBool(b, m.readOnly)
		b = append(b, `,"label":`...)
		b = strconv.AppendQuote(b, m.label)
		if m.maxLength > 0 {
			b = append(b, `,"max_length":`...)
			b = strconv.AppendInt(b, int64(m.maxLength), 10)
		}
		if m.children != nil {
			b = append(b, `,"children":`...)
			b = appendFields(b, m.children)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

func (a *metaActions) MarshalJSON() ([]byte, error) {
	b := append([]byte{'{'}, strconv.Quote(a.method)...)
	b = append(b, ':')
	b = appendFields(b, a.fields)
	return append(b, '}'), nil
}

// options is DRF 3.9's SimpleMetadata answer. determine_actions checks the
// view's permissions again on a clone of the request, but none of the
// original's permissions depend on the method and they have already passed
// here, so a view with a serializer always lists its actions.
func (s *Server) options(v *view) response {
	body := struct {
		Name        string       `json:"name"`
		Description string       `json:"description"`
		Renders     []string     `json:"renders"`
		Parses      []string     `json:"parses"`
		Actions     *metaActions `json:"actions,omitempty"`
	}{
		Name: v.name, Description: v.description,
		Renders: []string{"application/json", "text/html"},
		Parses:  []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"},
		Actions: v.actions,
	}
	return jsonResponse(http.StatusOK, body)
}

// Field descriptions shared by several views.
var (
	// metaID is a model's AutoField primary key: read-only, labelled by its
	// verbose_name "ID".
	metaID = metaField{name: "id", typ: "integer", label: "ID", readOnly: true}
	// metaCurrentPassword is djoser's CurrentPasswordSerializer field.
	metaCurrentPassword = metaField{name: "current_password", typ: "string", label: "Current password", required: true}
	// metaNewPassword is djoser's PasswordSerializer field.
	metaNewPassword = metaField{name: "new_password", typ: "string", label: "New password", required: true}
)

// postActions describes a POST-only view's serializer.
func postActions(fields ...metaField) *metaActions {
	return &metaActions{method: "POST", fields: fields}
}
