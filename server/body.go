package server

import (
	"io"
	"net/http"
	"strconv"

	"github.com/virtualspaces/vsauth/internal/drf"
)

// object reads and parses the body the way DRF's request.data and
// Serializer.is_valid do, returning the error response when that fails. Only
// views that read their body call it: the others ignore even a malformed one.
func (r *request) object() (drf.Object, *response) {
	return r.parse(false)
}

// parse is object with the serializer's partial flag (PATCH).
func (r *request) parse(partial bool) (drf.Object, *response) {
	if r.ContentLength > r.maxBody {
		// The original read any JSON or form body; this cap only keeps
		// memory bounded, far above what its clients send.
		resp := detail(http.StatusRequestEntityTooLarge, "Request body too large: the limit is "+strconv.FormatInt(r.maxBody, 10)+" bytes.")
		return drf.Object{}, &resp
	}
	var body []byte
	// DRF reads CONTENT_LENGTH and parses nothing when it is absent or 0
	// (API.md §1.2): a chunked body, whose length Go reports as -1, reads
	// as empty data however much it holds.
	if r.ContentLength > 0 {
		var err error
		if body, err = readBody(r.Body, r.ContentLength); err != nil {
			resp := badRequestPage()
			return drf.Object{}, &resp
		}
	}
	ct, hasCT := r.Header["Content-Type"]
	ctValue := ""
	if hasCT && len(ct) > 0 {
		ctValue = ct[0]
	}
	data, perr := drf.Parse(ctValue, hasCT, body)
	if perr != nil {
		resp := drfError(perr)
		return drf.Object{}, &resp
	}
	obj, oerr := data.Object(partial)
	if oerr != nil {
		resp := drfError(oerr)
		return drf.Object{}, &resp
	}
	return obj, nil
}

// readBody reads a body of n bytes, as announced by Content-Length. The
// buffer doubles as data arrives instead of taking n at once, so a client
// announcing a large body and sending little of it holds little memory.
func readBody(body io.Reader, n int64) ([]byte, error) {
	buf := make([]byte, 0, min(n, 64<<10))
	for int64(len(buf)) < n {
		if len(buf) == cap(buf) {
			buf = append(make([]byte, 0, min(2*int64(cap(buf)), n)), buf...)
		}
		m, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err != nil && int64(len(buf)) < n {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	return buf, nil
}

// badRequestPage is Django's bare 400 page, for a body that ends before its
// Content-Length (the client is usually gone by then).
func badRequestPage() response {
	return response{status: http.StatusBadRequest, body: []byte(`<h1>Bad Request (400)</h1>`), headers: map[string]string{"Content-Type": "text/html"}, page: true}
}

func drfError(e *drf.Error) response {
	// DRF's own errors are JSON; an HTML one is Django's 400 page.
	return response{status: e.Status, body: e.Body, headers: map[string]string{"Content-Type": e.ContentType}, page: e.ContentType != "application/json"}
}

func fieldErrors(e *drf.Errors) response {
	return rawJSON(http.StatusBadRequest, encodeJSON(e))
}
