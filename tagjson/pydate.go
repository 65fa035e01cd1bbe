package tagjson

import (
	"errors"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"
)

// Flask reads a " d" payload with Werkzeug's parse_date, that is Python's
// email.utils.parsedate_to_datetime: lenient RFC 2822 parsing (weekday
// optional and unchecked, two-digit years, numeric and a few named zones,
// "." as a time separator, ...), None where it cannot parse or the date
// does not exist, and an exception (HTTP 500) where a number overflows.
// pyParseDate follows email/_parseaddr.py of Python 3.11 step by step.

var (
	pyMonthNames = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
		"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}
	pyDayNames  = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
	pyTimezones = map[string]int64{"UT": 0, "UTC": 0, "GMT": 0, "Z": 0,
		"AST": -400, "ADT": -300, "EST": -500, "EDT": -400, "CST": -600, "CDT": -500,
		"MST": -700, "MDT": -600, "PST": -800, "PDT": -700}

	errDateOverflow = errors.New(`payload is a date whose numbers overflow (Python raises OverflowError)`)
)

// pyParseDate returns what Werkzeug's parse_date returns for s: a time
// (in UTC, or in a fixed zone with the offset s names), ok false for None,
// or an error where Python raises.
func pyParseDate(s string) (t time.Time, ok bool, err error) {
	data := pySplit(s)
	if len(data) == 0 {
		return t, false, nil
	}
	if strings.HasSuffix(data[0], ",") || indexFold(data[0], pyDayNames, pyLowerASCII) >= 0 {
		data = data[1:]
	} else if i := strings.LastIndexByte(data[0], ','); i >= 0 {
		data[0] = data[0][i+1:]
	}
	if len(data) == 3 { // RFC 850
		if stuff := strings.Split(data[0], "-"); len(stuff) == 3 {
			data = append(stuff, data[1:]...)
		}
	}
	if len(data) == 4 {
		s := data[3]
		i := strings.IndexByte(s, '+')
		if i == -1 {
			i = strings.IndexByte(s, '-')
		}
		if i > 0 {
			data = append(data[:3:3], s[:i], s[i:])
		} else {
			data = append(data, "") // no zone
		}
	}
	if len(data) < 5 {
		return t, false, nil
	}
	dd, mm, yy, tm, tz := data[0], data[1], data[2], data[3], data[4]
	if dd == "" || mm == "" || yy == "" {
		return t, false, nil
	}
	month := indexFold(mm, pyMonthNames, pyLowerASCII)
	if month < 0 {
		dd, mm = mm, dd
		if month = indexFold(mm, pyMonthNames, pyLowerASCII); month < 0 {
			return t, false, nil
		}
	}
	month = month%12 + 1
	dd = strings.TrimSuffix(dd, ",")
	if i := strings.IndexByte(yy, ':'); i > 0 {
		yy, tm = tm, yy
	}
	if strings.HasSuffix(yy, ",") {
		if yy = yy[:len(yy)-1]; yy == "" {
			return t, false, nil
		}
	}
	if r, _ := utf8.DecodeRuneInString(yy); !pyIsDigit(r) {
		yy, tz = tz, yy
	}
	tm = strings.TrimSuffix(tm, ",")
	var thh, tmm, tss string
	switch parts := strings.Split(tm, ":"); {
	case len(parts) == 2:
		thh, tmm, tss = parts[0], parts[1], "0"
	case len(parts) == 3:
		thh, tmm, tss = parts[0], parts[1], parts[2]
	case len(parts) == 1 && strings.Contains(tm, "."):
		switch parts = strings.Split(tm, "."); len(parts) {
		case 2:
			thh, tmm, tss = parts[0], parts[1], "0"
		case 3:
			thh, tmm, tss = parts[0], parts[1], parts[2]
		default:
			return t, false, nil
		}
	default:
		return t, false, nil
	}
	var n [5]*big.Int // year, day, hour, minute, second
	for i, f := range []string{yy, dd, thh, tmm, tss} {
		if n[i], ok = pyInt(f, 10); !ok {
			return t, false, nil
		}
	}
	year := n[0]
	if year.Cmp(big.NewInt(100)) < 0 {
		if year.Cmp(big.NewInt(68)) > 0 {
			year.Add(year, big.NewInt(1900))
		} else {
			year.Add(year, big.NewInt(2000))
		}
	}

	// The zone: a name, else a number (-0000 means "unknown": UTC).
	var offset *big.Int
	if up, isASCII := pyUpperASCII(tz); isASCII {
		if o, named := pyTimezones[up]; named {
			offset = big.NewInt(o)
		}
	}
	if offset == nil {
		if o, isInt := pyInt(tz, 10); isInt && !(o.Sign() == 0 && strings.HasPrefix(tz, "-")) {
			offset = o
		}
	}
	loc := time.UTC
	if offset != nil && offset.Sign() != 0 {
		// sign * ((|o| // 100) * 3600 + (|o| % 100) * 60) seconds
		abs := new(big.Int).Abs(offset)
		hundreds, rest := new(big.Int).QuoRem(abs, big.NewInt(100), new(big.Int))
		secs := hundreds.Mul(hundreds, big.NewInt(3600))
		secs.Add(secs, rest.Mul(rest, big.NewInt(60)))
		if offset.Sign() < 0 {
			secs.Neg(secs)
		}
		// timedelta(seconds=secs) overflows beyond 999999999 days
		// (OverflowError); timezone() wants less than a day (ValueError).
		days := new(big.Int).Div(secs, big.NewInt(86400)) // floor, as Python's //
		if days.CmpAbs(big.NewInt(999999999)) > 0 {
			return t, false, errDateOverflow
		}
		if secs.CmpAbs(big.NewInt(86400)) >= 0 {
			return t, false, nil
		}
		if s := secs.Int64(); s != 0 {
			loc = time.FixedZone("", int(s))
		}
	}

	// datetime(): arguments beyond a C int overflow; out-of-range fields
	// are a ValueError.
	var f [6]int64
	for i, b := range []*big.Int{year, big.NewInt(int64(month)), n[1], n[2], n[3], n[4]} {
		if !b.IsInt64() || b.Int64() < -1<<31 || b.Int64() > 1<<31-1 {
			return t, false, errDateOverflow
		}
		f[i] = b.Int64()
	}
	if f[0] < 1 || f[0] > 9999 || f[2] < 1 || f[3] < 0 || f[3] > 23 || f[4] < 0 || f[4] > 59 || f[5] < 0 || f[5] > 59 {
		return t, false, nil
	}
	t = time.Date(int(f[0]), time.Month(f[1]), int(f[2]), int(f[3]), int(f[4]), int(f[5]), 0, loc)
	if t.Day() != int(f[2]) { // 31 February
		return time.Time{}, false, nil
	}
	return t, true, nil
}

// indexFold returns the index of the first of names that fold(s) equals,
// or -1.
func indexFold(s string, names []string, fold func(string) (string, bool)) int {
	f, ok := fold(s)
	if !ok {
		return -1
	}
	for i, n := range names {
		if f == n {
			return i
		}
	}
	return -1
}

// pyLowerASCII is s.lower() where the result is ASCII (ok false
// otherwise): ASCII letters, and the Kelvin sign, which lowers to 'k'.
func pyLowerASCII(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case 'A' <= r && r <= 'Z':
			b = append(b, byte(r+'a'-'A'))
		case r < utf8.RuneSelf:
			b = append(b, byte(r))
		case r == 'K':
			b = append(b, 'k')
		default:
			return "", false
		}
	}
	return string(b), true
}

// pyUpperASCII is s.upper() where the result is ASCII (ok false
// otherwise): ASCII letters, and the few characters whose upper case is
// ASCII (dotless i, long s, sharp s, Latin ligatures).
func pyUpperASCII(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case 'a' <= r && r <= 'z':
			b = append(b, byte(r-('a'-'A')))
		case r < utf8.RuneSelf:
			b = append(b, byte(r))
		default:
			up, ok := pyUpperSpecial[r]
			if !ok {
				return "", false
			}
			b = append(b, up...)
		}
	}
	return string(b), true
}

var pyUpperSpecial = map[rune]string{
	'ı': "I", 'ſ': "S", 'ß': "SS", 'ﬀ': "FF", 'ﬁ': "FI", 'ﬂ': "FL", 'ﬃ': "FFI", 'ﬄ': "FFL", 'ﬅ': "ST", 'ﬆ': "ST",
}
