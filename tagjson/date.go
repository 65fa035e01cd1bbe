package tagjson

import (
	"fmt"
	"time"
)

// Flask writes datetimes with Werkzeug's http_date: "Tue, 02 Jan 2024 03:04:05 GMT",
// always 29 bytes, UTC, seconds truncated, the year with at least four digits.
// It reads them back with parse_date, which reads much more (pydate.go).

var (
	weekdayNames = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	monthNames   = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// appendHTTPDate appends t as http_date writes it. Years before 100 are
// refused: Python writes them ("0001") but reads them back as two-digit
// years (2001), so the value would not survive; years after 9999 do not
// exist in Python.
func appendHTTPDate(dst []byte, t time.Time) ([]byte, error) {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 100 || year > 9999 {
		return dst, fmt.Errorf("tagjson: time.Time in year %d: Flask reads back only years 100 to 9999: %w", year, ErrUnsupportedType)
	}
	hour, minute, sec := t.Clock()
	dst = append(dst, weekdayNames[t.Weekday()]...)
	dst = append(dst, ", "...)
	dst = append2(dst, day)
	dst = append(dst, ' ')
	dst = append(dst, monthNames[month-1]...)
	dst = append(dst, ' ')
	dst = append2(dst, year/100)
	dst = append2(dst, year%100)
	dst = append(dst, ' ')
	dst = append2(dst, hour)
	dst = append(dst, ':')
	dst = append2(dst, minute)
	dst = append(dst, ':')
	dst = append2(dst, sec)
	return append(dst, " GMT"...), nil
}

func append2(dst []byte, n int) []byte {
	return append(dst, byte('0'+n/10), byte('0'+n%10))
}
