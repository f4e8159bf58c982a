package memory

import (
	"strings"
	"time"
)

// ParseDate reads a date bound given by a client: a date (YYYY-MM-DD, the
// start of that day in the server's time zone) or an RFC 3339 time (or one
// without a zone, in the server's). Empty is the zero time; anything else
// is an EInvalid error naming the field.
func ParseDate(name, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, time.Local); err == nil {
		return t, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", time.DateTime, "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, Errorf(EInvalid, "%s must be a date like 2025-03-01 or an RFC 3339 time like 2025-03-01T10:00:00Z, got %q", name, Clip(s, 40))
}
