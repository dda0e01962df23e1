package store

import (
	"errors"
	"testing"
	"time"
)

func TestFormatDjangoTime(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2019, 1, 2, 3, 4, 5, 678901000, time.UTC), "2019-01-02 03:04:05.678901"},
		{time.Date(2019, 1, 2, 3, 4, 5, 0, time.UTC), "2019-01-02 03:04:05"},
		{time.Date(2019, 1, 2, 3, 4, 5, 1000, time.UTC), "2019-01-02 03:04:05.000001"},
		{time.Date(2019, 1, 2, 3, 4, 5, 999, time.UTC), "2019-01-02 03:04:05"},              // below a microsecond
		{time.Date(2019, 1, 2, 3, 4, 5, 678901999, time.UTC), "2019-01-02 03:04:05.678901"}, // truncated, not rounded
		{time.Date(2019, 1, 2, 5, 4, 5, 0, time.FixedZone("x", 2*3600)), "2019-01-02 03:04:05"},
	}
	for _, tt := range tests {
		if got := formatDjangoTime(tt.in); got != tt.want {
			t.Errorf("formatDjangoTime(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseDjangoTime(t *testing.T) {
	want := time.Date(2019, 1, 2, 3, 4, 5, 678901000, time.UTC)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2019-01-02 03:04:05.678901", want},
		{"2019-01-02T03:04:05.678901", want},
		{"2019-01-02 03:04:05.678901+00:00", want},
		{"2019-01-02T05:04:05.678901+02:00", want},
		{"2019-01-02 03:04:05.6789019", want},
		{"2019-01-02 03:04:05", time.Date(2019, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"2019-01-02 03:04:05.5", time.Date(2019, 1, 2, 3, 4, 5, 500000000, time.UTC)},
	}
	for _, tt := range tests {
		got, err := parseDjangoTime(tt.in)
		if err != nil || !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("parseDjangoTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "2019-01-02", "yesterday", "2019-13-02 03:04:05"} {
		if _, err := parseDjangoTime(bad); err == nil {
			t.Errorf("parseDjangoTime(%q) succeeded, want an error", bad)
		}
	}
}

func TestUUIDConversions(t *testing.T) {
	db, err := uuidToDB("23823473-72BE-4f0e-aad9-2059bca32fde")
	if err != nil || db != "2382347372be4f0eaad92059bca32fde" {
		t.Errorf("uuidToDB = %q, %v", db, err)
	}
	for _, stored := range []string{"2382347372be4f0eaad92059bca32fde", "2382347372BE4F0EAAD92059BCA32FDE", "23823473-72be-4f0e-aad9-2059bca32fde"} {
		got, err := uuidFromDB(stored)
		if err != nil || got != "23823473-72be-4f0e-aad9-2059bca32fde" {
			t.Errorf("uuidFromDB(%q) = %q, %v", stored, got, err)
		}
	}
	for _, bad := range []string{"", "2382347372be4f0eaad92059bca32fde", "23823473-72be-4f0e-aad9-2059bca32fdz", "23823473472be-4f0e-aad9-2059bca32fde", "{23823473-72be-4f0e-aad9-2059bca32fd}"} {
		if _, err := uuidToDB(bad); !errors.Is(err, errBadUUID) {
			t.Errorf("uuidToDB(%q) error = %v, want errBadUUID", bad, err)
		}
	}
	for _, bad := range []string{"", "2382347372be4f0eaad92059bca32fd", "2382347372be4f0eaad92059bca32fdg", "23823473-72be-4f0e-aad9_2059bca32fde"} {
		if _, err := uuidFromDB(bad); !errors.Is(err, errBadUUID) {
			t.Errorf("uuidFromDB(%q) error = %v, want errBadUUID", bad, err)
		}
	}
}
