package tagjson

import (
	"errors"
	"fmt"
	"time"
)

// Flask writes datetimes with Werkzeug's http_date: "Tue, 02 Jan 2024 03:04:05 GMT",
// always 29 bytes, UTC, seconds truncated, the year with at least four digits.

const httpDateLen = len("Mon, 02 Jan 2006 15:04:05 GMT")

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

var errHTTPDate = errors.New(`payload is not a date like "Tue, 02 Jan 2024 03:04:05 GMT"`)

// parseHTTPDate reads exactly what appendHTTPDate writes, weekday included,
// and returns the time in UTC. Like Python's email.utils, which Flask uses,
// it reads the years 0001-0099 as two-digit years: 00-68 → 2000-2068,
// 69-99 → 1969-1999.
func parseHTTPDate(s string) (time.Time, error) {
	if len(s) != httpDateLen || s[3:5] != ", " || s[7] != ' ' || s[11] != ' ' ||
		s[16] != ' ' || s[19] != ':' || s[22] != ':' || s[25:] != " GMT" {
		return time.Time{}, errHTTPDate
	}
	day, ok1 := digits2(s[5:7])
	hi, ok2 := digits2(s[12:14])
	lo, ok3 := digits2(s[14:16])
	hour, ok4 := digits2(s[17:19])
	minute, ok5 := digits2(s[20:22])
	sec, ok6 := digits2(s[23:25])
	month := 0
	for i, name := range monthNames {
		if s[8:11] == name {
			month = i + 1
		}
	}
	year := hi*100 + lo
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month == 0 || year == 0 ||
		hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, errHTTPDate
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC)
	if t.Day() != day || weekdayNames[t.Weekday()] != s[:3] { // 31 Feb, or a wrong weekday
		return time.Time{}, errHTTPDate
	}
	if year < 100 {
		if year > 68 {
			year += 1900
		} else {
			year += 2000
		}
		t = time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC)
	}
	return t, nil
}

func digits2(s string) (int, bool) {
	a, b := s[0]-'0', s[1]-'0'
	if a > 9 || b > 9 {
		return 0, false
	}
	return int(a)*10 + int(b), true
}
