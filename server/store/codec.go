package store

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Django (USE_TZ=True) stores datetimes on SQLite as naive UTC text, Python's
// str(datetime): the fraction is written only when the microseconds are non-zero.
const (
	djangoTimeLayout      = "2006-01-02 15:04:05"
	djangoTimeMicroLayout = "2006-01-02 15:04:05.000000"
)

// formatDjangoTime is t in Django's on-disk form, truncated to microseconds.
func formatDjangoTime(t time.Time) string {
	t = t.UTC().Truncate(time.Microsecond)
	if t.Nanosecond() == 0 {
		return t.Format(djangoTimeLayout)
	}
	return t.Format(djangoTimeMicroLayout)
}

// parseDjangoTime reads a stored datetime as UTC with microsecond precision. It
// accepts Django's form and the ISO 8601 variants Django's own parse_datetime
// accepts (a 'T' separator, an offset).
func parseDjangoTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range [...]string{
		"2006-01-02 15:04:05.999999999",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02T15:04:05.999999999Z07:00",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Truncate(time.Microsecond), nil
		}
	}
	return time.Time{}, fmt.Errorf("unrecognized datetime %q", s)
}

// nullTime scans a nullable datetime column. The driver hands DATETIME columns
// over already parsed when it recognizes the text, and as a string otherwise.
type nullTime struct {
	Time  time.Time
	Valid bool
}

// Scan implements sql.Scanner.
func (n *nullTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n = nullTime{}
		return nil
	case time.Time:
		*n = nullTime{Time: v.UTC().Truncate(time.Microsecond), Valid: true}
		return nil
	case string:
		return n.parse(v)
	case []byte:
		return n.parse(string(v))
	default:
		return fmt.Errorf("cannot read %T as a datetime", src)
	}
}

func (n *nullTime) parse(s string) error {
	t, err := parseDjangoTime(s)
	if err != nil {
		return err
	}
	*n = nullTime{Time: t, Valid: true}
	return nil
}

// ptr is the time as an optional value.
func (n nullTime) ptr() *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time
	return &t
}

// errBadUUID is returned for a jwt_secret that is not a UUID. It never quotes the
// value: it is a signing key.
var errBadUUID = errors.New("not a UUID")

// uuidToDB converts a UUID in hyphenated form (the form store.User carries) to
// the 32 lower-case hex digits Django's UUIDField stores on SQLite.
func uuidToDB(s string) (string, error) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return "", errBadUUID
	}
	hex := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	if !isHex(hex) {
		return "", errBadUUID
	}
	return strings.ToLower(hex), nil
}

// uuidFromDB converts a stored UUID (32 hex digits; the hyphenated form is
// tolerated) to the lower-case hyphenated form.
func uuidFromDB(s string) (string, error) {
	hex := s
	if len(s) == 36 {
		var err error
		if hex, err = uuidToDB(s); err != nil {
			return "", err
		}
	}
	if len(hex) != 32 || !isHex(hex) {
		return "", errBadUUID
	}
	hex = strings.ToLower(hex)
	return hex[0:8] + "-" + hex[8:12] + "-" + hex[12:16] + "-" + hex[16:20] + "-" + hex[20:32], nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
