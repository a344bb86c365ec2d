// Package catalog holds the German and English texts of every reason code
// an error can carry (akte.Error.Reason), for the clients to show: the CLI
// and the API's English message read them here, the web app imports the
// same JSON files when it is built. The server and the client core never
// write sentences for people; they name a reason and its parameters.
//
// A text is a template: {name} is replaced by the parameter name;
// {name:bytes} formats a byte count (1,5 GB / 1.5 GB), {name:date} an
// RFC 3339 time or YYYY-MM-DD date in the language's style, and
// {name:duration} a number of seconds in words (8 Sekunden / 8 seconds,
// in minutes from 121 seconds on), and {name:reason} another reason's
// text without its full stop. The web app renders the same files with the
// same rules (web/src/catalog.js).
package catalog

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

//go:embed de.json
var deJSON []byte

//go:embed en.json
var enJSON []byte

// Languages are the languages of the product, German first.
var Languages = []string{"de", "en"}

var texts = map[string]map[string]string{"de": mustParse(deJSON), "en": mustParse(enJSON)}

func mustParse(b []byte) map[string]string {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		panic("catalog: " + err.Error()) // the files are embedded: a build defect
	}
	return m
}

// Lang returns a supported language for a language tag or locale name
// ("de_DE.UTF-8", "de-AT", "en"): German for de*, English otherwise.
func Lang(tag string) string {
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(tag)), "de") {
		return "de"
	}
	return "en"
}

// LangFromEnv picks the language of a command-line client: AKTE_LANG, then
// LC_ALL, LC_MESSAGES and LANG, as POSIX orders them; German for de*,
// English otherwise (also when nothing is set).
func LangFromEnv(getenv func(string) string) string {
	for _, v := range []string{"AKTE_LANG", "LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := getenv(v); s != "" {
			return Lang(s)
		}
	}
	return "en"
}

// Has reports whether the language has a text for the reason.
func Has(lang, reason string) bool {
	_, ok := texts[Lang(lang)][reason]
	return ok
}

// Reasons lists the reasons that have a text in the language, sorted.
func Reasons(lang string) []string {
	var rs []string
	for r := range texts[Lang(lang)] {
		rs = append(rs, r)
	}
	sort.Strings(rs)
	return rs
}

// Text renders the reason in the language with its parameters. An unknown
// reason falls back to the generic text of "internal"; a missing parameter
// is left as its placeholder, so a defect shows instead of hiding.
func Text(lang, reason string, params map[string]any) string {
	lang = Lang(lang)
	t, ok := texts[lang][reason]
	if !ok {
		t = texts[lang]["internal"]
	}
	return render(lang, t, params)
}

// render fills the placeholders of the template t.
func render(lang, t string, params map[string]any) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(t, '{')
		j := strings.IndexByte(t[i+1:], '}')
		if i < 0 || j < 0 {
			b.WriteString(t)
			return b.String()
		}
		b.WriteString(t[:i])
		name, format, _ := strings.Cut(t[i+1:i+1+j], ":")
		if v, ok := params[name]; ok {
			b.WriteString(formatValue(lang, v, format))
		} else {
			b.WriteString(t[i : i+2+j])
		}
		t = t[i+2+j:]
	}
}

func formatValue(lang string, v any, format string) string {
	switch format {
	case "bytes":
		if f, ok := number(v); ok {
			return Bytes(lang, int64(f))
		}
	case "date":
		if s, ok := v.(string); ok {
			return Date(lang, s)
		}
	case "duration":
		if f, ok := number(v); ok {
			return Duration(lang, int64(f))
		}
	case "reason":
		// Another reason's text, without its final full stop: an error
		// that says where a finer one happened (an operator's flag).
		if r, ok := v.(string); ok && Has(lang, r) {
			return strings.TrimSuffix(Text(lang, r, nil), ".")
		}
	}
	if f, ok := number(v); ok && f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return fmt.Sprintf("%d", int64(f))
	}
	return fmt.Sprint(v)
}

// number accepts what a parameter can be after a JSON round trip (float64)
// or before it (Go integers).
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint32:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// Bytes formats a byte count with decimal units, in the language's style
// (German decimal comma).
func Bytes(lang string, n int64) string {
	units := []string{"B", "KB", "MB", "GB", "TB"}
	v, i := float64(n), 0
	for v >= 1000 && i < len(units)-1 {
		v /= 1000
		i++
	}
	// Rounded half away from zero, as the web app's Math.round does.
	s := fmt.Sprintf("%.0f", math.Round(v))
	if i > 0 {
		s = strings.TrimSuffix(fmt.Sprintf("%.1f", math.Round(v*10)/10), ".0")
	}
	if Lang(lang) == "de" {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s + " " + units[i]
}

// Date formats an RFC 3339 time or a YYYY-MM-DD date: 01.04.2026 in
// German, 2026-04-01 in English (ISO, unambiguous across English locales).
func Date(lang, s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		if t, err = time.Parse("2006-01-02", s); err != nil {
			return s
		}
	}
	if Lang(lang) == "de" {
		return t.Format("02.01.2006")
	}
	return t.Format("2006-01-02")
}

// Duration says a wait of secs seconds in words: in seconds up to two
// minutes, in minutes (rounded up) beyond.
func Duration(lang string, secs int64) string {
	n, one, many := secs, "Sekunde", "Sekunden"
	if Lang(lang) == "en" {
		one, many = "second", "seconds"
	}
	if secs > 120 {
		n, one, many = (secs+59)/60, "Minute", "Minuten"
		if Lang(lang) == "en" {
			one, many = "minute", "minutes"
		}
	}
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
