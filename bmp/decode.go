package bmp

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/akte/akte"
	"golang.org/x/text/encoding/charmap"
)

// MaxCarrier bounds the input: a DataMatrix holds at most 1,556 bytes, a
// file of several pages with prolog and indentation a few times that.
const MaxCarrier = 64 << 10

var (
	doseRE     = regexp.MustCompile(`^(?:[1-9][0-9]{0,3}|[1-9][0-9],[0-9]|[0-9],[0-9]{1,2}|1/8|1/2|2/3|1/3|1/4|3/4)$`)
	guidRE     = regexp.MustCompile(`^[A-F0-9]{32}$`)
	birthRE    = regexp.MustCompile(`^[0-9]{4}(?:0[0-9]|1[0-2])(?:[0-2][0-9]|3[01])$`)
	printedRE  = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$`)
	digits9RE  = regexp.MustCompile(`^[0-9]{9}$`)
	digits7RE  = regexp.MustCompile(`^[0-9]{7}$`)
	pznRE      = regexp.MustCompile(`^[1-9][0-9]{0,7}$`)
	ifaFormRE  = regexp.MustCompile(`^[A-Z]{3}$`)
	formRE     = regexp.MustCompile(`^[a-zA-Z]{1,10}$`)
	decimal1RE = regexp.MustCompile(`^[0-9]{1,3}(?:[.,][0-9])?$`)
	decimal2RE = regexp.MustCompile(`^[0-9]{1,2}(?:[.,][0-9]{1,2})?$`)
)

// pos says where in the plan a problem is: 1-based section and line
// numbers (0 = not in a section or line), the element and attribute.
type pos struct {
	section, line      int
	element, attribute string
}

func (p pos) params() map[string]any {
	m := map[string]any{"element": p.element, "where": p.path(), "path": p.path()}
	if p.attribute != "" {
		m["attribute"] = p.attribute
	}
	if p.section > 0 {
		m["section"] = p.section
	}
	if p.line > 0 {
		m["line"] = p.line
	}
	return m
}

// path is the position as a language-neutral path into the plan, e.g.
// "MP/S[2]/M[3]@p" (the third line of the second section, its PZN).
func (p pos) path() string {
	w := p.element
	if p.line > 0 {
		w = fmt.Sprintf("%s[%d]", w, p.line)
	}
	if p.section > 0 && p.element != "S" {
		w = fmt.Sprintf("S[%d]/%s", p.section, w)
	} else if p.section > 0 {
		w = fmt.Sprintf("S[%d]", p.section)
	}
	if w != "MP" {
		w = "MP/" + w
	}
	if p.attribute != "" {
		w += "@" + p.attribute
	}
	return w
}

func (p pos) String() string {
	s := p.element
	if p.attribute != "" {
		s += "@" + p.attribute
	}
	if p.section > 0 {
		s += fmt.Sprintf(" (section %d", p.section)
		if p.line > 0 {
			s += fmt.Sprintf(", line %d", p.line)
		}
		s += ")"
	}
	return s
}

const op = "bmp.decode"

// invalid builds the error of a value that breaks the specification.
// Params and Message say where, never the value (health data).
func invalid(p pos, reason, what string) error {
	return akte.R(op, akte.KindInvalid, reason, p.params(), p.String()+": "+what)
}

// Decode reads one page of a medication plan from its UKF XML, as carried
// by the DataMatrix (ISO-8859-1, no prolog) or as a file (with an XML
// prolog naming its encoding, possibly a DOCTYPE and whitespace). It
// accepts BMP versions 2.5 to 2.8, ignores elements and attributes it does
// not know, and refuses input that is truncated, not a plan, or breaks the
// specification, with an *akte.Error (KindInvalid) whose Reason and Params
// say what is wrong and where: bmp_empty, bmp_too_large, bmp_truncated,
// bmp_xml_invalid, bmp_not_a_plan, bmp_version_unsupported,
// bmp_attribute_missing, bmp_attribute_invalid, bmp_attribute_conflict,
// bmp_code_unknown, pzn_check_digit, bmp_line_empty.
func Decode(data []byte) (*Plan, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, akte.R(op, akte.KindInvalid, "bmp_empty", nil, "the code contains no data")
	}
	if len(data) > MaxCarrier {
		return nil, akte.R(op, akte.KindTooLarge, "bmp_too_large", map[string]any{"max": MaxCarrier}, "the plan is too large")
	}
	text, err := toUTF8(data)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(strings.TrimSpace(text), "<") {
		return nil, akte.R(op, akte.KindInvalid, "bmp_not_a_plan", nil, "this code is not a medication plan (BMP)")
	}
	d := &decoder{tables: CodeTables()}
	p, err := d.plan(xml.NewDecoder(strings.NewReader(text)))
	if err != nil {
		return nil, err
	}
	if p.Raw, err = carrier(text); err != nil {
		return nil, err
	}
	return p, nil
}

// carrier writes well-formed plan XML in the form of the DataMatrix:
// ISO-8859-1, no prolog or DOCTYPE, no whitespace between elements, empty
// elements closed with "/>".
func carrier(text string) ([]byte, error) {
	var b strings.Builder
	xd := xml.NewDecoder(strings.NewReader(text))
	xd.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	open := false // a start tag waits for ">" or "/>"
	for {
		t, err := xd.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, syntaxError(err)
		}
		switch t := t.(type) {
		case xml.StartElement:
			if open {
				b.WriteByte('>')
			}
			b.WriteString("<" + t.Name.Local)
			for _, a := range t.Attr {
				b.WriteString(" " + a.Name.Local + `="`)
				xml.EscapeText(&b, []byte(a.Value))
				b.WriteByte('"')
			}
			open = true
		case xml.EndElement:
			if open {
				b.WriteString("/>")
			} else {
				b.WriteString("</" + t.Name.Local + ">")
			}
			open = false
		}
	}
	raw, err := charmap.ISO8859_1.NewEncoder().Bytes([]byte(b.String()))
	if err != nil {
		return nil, akte.R(op, akte.KindInvalid, "bmp_xml_invalid", nil, "the plan has characters outside ISO-8859-1")
	}
	return raw, nil
}

// toUTF8 returns the XML as UTF-8 without its prolog.
func toUTF8(data []byte) (string, error) {
	body := bytes.TrimLeft(data, " \t\r\n\ufeff")
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")) // UTF-8 byte order mark
	utf8Input := false
	if bytes.HasPrefix(body, []byte("<?xml")) {
		end := bytes.Index(body, []byte("?>"))
		if end < 0 {
			return "", akte.R(op, akte.KindInvalid, "bmp_truncated", nil, "the plan ends inside its XML declaration")
		}
		decl := strings.ToLower(string(body[:end]))
		utf8Input = strings.Contains(decl, `encoding="utf-8"`) || strings.Contains(decl, `encoding='utf-8'`)
		body = bytes.TrimLeft(body[end+2:], " \t\r\n")
	}
	if utf8Input {
		if !utf8.Valid(body) {
			return "", akte.R(op, akte.KindInvalid, "bmp_xml_invalid", nil, "the plan is not UTF-8 text as it declares")
		}
		return string(body), nil
	}
	b, err := charmap.ISO8859_1.NewDecoder().Bytes(body)
	if err != nil {
		return "", akte.R(op, akte.KindInvalid, "bmp_xml_invalid", nil, "the plan is not ISO-8859-1 text")
	}
	return string(b), nil
}

type decoder struct {
	tables Tables
	xd     *xml.Decoder
}

func syntaxError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "unexpected EOF") {
		return akte.R(op, akte.KindInvalid, "bmp_truncated", nil, "the plan is cut off: the code was not read completely")
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return &akte.Error{Op: op, Kind: akte.KindInvalid, Reason: "bmp_xml_invalid", Params: map[string]any{"xml_line": se.Line},
			Message: fmt.Sprintf("the plan is not well-formed XML (line %d)", se.Line), Err: err}
	}
	return &akte.Error{Op: op, Kind: akte.KindInvalid, Reason: "bmp_xml_invalid", Message: "the plan is not well-formed XML", Err: err}
}

// next returns the next start or end element, skipping everything else.
func (d *decoder) next() (xml.Token, error) {
	for {
		t, err := d.xd.Token()
		if err != nil {
			return nil, syntaxError(err)
		}
		switch t := t.(type) {
		case xml.StartElement:
			return t.Copy(), nil
		case xml.EndElement:
			return t, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, akte.R(op, akte.KindInvalid, "bmp_xml_invalid", nil, "the plan has text outside attributes")
			}
		}
	}
}

// attrs reads an element's attributes: "~" becomes a line break.
type attrs struct {
	m   map[string]string
	pos pos
}

func newAttrs(se xml.StartElement, p pos) attrs {
	m := map[string]string{}
	for _, a := range se.Attr {
		if a.Name.Space == "" {
			m[a.Name.Local] = a.Value
		}
	}
	return attrs{m, p}
}

func (a attrs) at(name string) pos { p := a.pos; p.attribute = name; return p }

func (a attrs) text(name string) string { return strings.ReplaceAll(a.m[name], "~", "\n") }

func (a attrs) required(name string) (string, error) {
	v, ok := a.m[name]
	if !ok || v == "" {
		return "", invalid(a.at(name), "bmp_attribute_missing", "required attribute is missing")
	}
	return strings.ReplaceAll(v, "~", "\n"), nil
}

// check refuses a present attribute that does not match re or exceeds max
// characters (max 0: no limit).
func (a attrs) check(name string, re *regexp.Regexp, max int) error {
	v, ok := a.m[name]
	if !ok {
		return nil
	}
	if v == "" || re != nil && !re.MatchString(v) || max > 0 && len([]rune(v)) > max {
		return invalid(a.at(name), "bmp_attribute_invalid", "value does not have the form the specification requires")
	}
	return nil
}

func (a attrs) exclusive(x, y string) error {
	if _, ok := a.m[x]; ok {
		if _, ok := a.m[y]; ok {
			p := a.at(x)
			return akte.R(op, akte.KindInvalid, "bmp_attribute_conflict", map[string]any{"element": p.element, "attribute": x, "other": y, "section": p.section, "line": p.line, "where": p.path()},
				fmt.Sprintf("%s: %s and %s must not both be given", p, x, y))
		}
	}
	return nil
}

func (d *decoder) plan(xd *xml.Decoder) (*Plan, error) {
	d.xd = xd
	xd.Strict = true
	xd.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil } // already UTF-8
	t, err := d.next()
	if err != nil {
		return nil, err
	}
	root, ok := t.(xml.StartElement)
	if !ok || root.Name.Local != "MP" {
		return nil, akte.R(op, akte.KindInvalid, "bmp_not_a_plan", nil, "this code is not a medication plan (BMP)")
	}
	a := newAttrs(root, pos{element: "MP"})
	v, err := a.required("v")
	if err != nil {
		return nil, err
	}
	if len(v) != 3 || v < "025" || v > "028" {
		return nil, akte.R(op, akte.KindInvalid, "bmp_version_unsupported", map[string]any{"version": v, "min": "025", "max": "028"},
			"plan version "+v+" is not supported (2.5 to 2.8)")
	}
	p := &Plan{Version: strings.TrimLeft(v[:2], "0") + "." + v[2:], Page: 1, Pages: 1}
	if p.ID, err = a.required("U"); err != nil {
		return nil, err
	}
	if err := a.check("U", guidRE, 0); err != nil {
		return nil, err
	}
	if p.Language, err = a.required("l"); err != nil {
		return nil, err
	}
	maxPages := "3"
	if v >= "028" {
		maxPages = "5"
	}
	pageRE := regexp.MustCompile(`^[1-` + maxPages + `]$`)
	if err := a.check("a", pageRE, 0); err != nil {
		return nil, err
	}
	if err := a.check("z", pageRE, 0); err != nil {
		return nil, err
	}
	if s := a.m["a"]; s != "" {
		p.Page, _ = strconv.Atoi(s)
	}
	if s := a.m["z"]; s != "" {
		p.Pages, _ = strconv.Atoi(s)
	}
	if p.Page > p.Pages {
		return nil, invalid(a.at("a"), "bmp_attribute_invalid", "the page number is larger than the number of pages")
	}
	var haveP, haveA bool
	for {
		t, err := d.next()
		if err != nil {
			return nil, err
		}
		if _, end := t.(xml.EndElement); end {
			break // </MP>
		}
		se := t.(xml.StartElement)
		switch se.Name.Local {
		case "P":
			haveP = true
			if err := d.patient(se, &p.Patient); err != nil {
				return nil, err
			}
		case "A":
			haveA = true
			if err := d.author(se, &p.Author); err != nil {
				return nil, err
			}
		case "O":
			if p.Parameters, err = d.parameters(se); err != nil {
				return nil, err
			}
		case "S":
			s, err := d.section(se, len(p.Sections)+1)
			if err != nil {
				return nil, err
			}
			p.Sections = append(p.Sections, s)
		default:
			if err := d.xd.Skip(); err != nil { // unknown element: tolerated
				return nil, syntaxError(err)
			}
			continue
		}
	}
	if !haveP {
		return nil, invalid(pos{element: "P"}, "bmp_element_missing", "the plan has no patient block")
	}
	if !haveA {
		return nil, invalid(pos{element: "A"}, "bmp_element_missing", "the plan has no author block")
	}
	// Nothing but whitespace may follow the plan.
	for {
		t, err := d.xd.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, syntaxError(err)
		}
		if cd, ok := t.(xml.CharData); !ok || len(bytes.TrimSpace(cd)) > 0 {
			return nil, akte.R(op, akte.KindInvalid, "bmp_xml_invalid", nil, "there is data after the end of the plan")
		}
	}
	return p, nil
}

// end consumes the rest of an element that has no children of interest.
func (d *decoder) end() error {
	if err := d.xd.Skip(); err != nil {
		return syntaxError(err)
	}
	return nil
}

func (d *decoder) patient(se xml.StartElement, pt *Patient) error {
	a := newAttrs(se, pos{element: "P"})
	var err error
	if pt.GivenName, err = a.required("g"); err != nil {
		return err
	}
	if pt.FamilyName, err = a.required("f"); err != nil {
		return err
	}
	b, err := a.required("b")
	if err != nil {
		return err
	}
	if !birthRE.MatchString(b) {
		return invalid(a.at("b"), "bmp_attribute_invalid", "the birth date must be YYYYMMDD")
	}
	switch {
	case b[4:6] == "00":
		pt.BirthDate = b[:4]
	case b[6:8] == "00":
		pt.BirthDate = b[:4] + "-" + b[4:6]
	default:
		pt.BirthDate = b[:4] + "-" + b[4:6] + "-" + b[6:8]
	}
	for _, c := range []struct {
		name string
		re   *regexp.Regexp
		max  int
	}{{"g", nil, 45}, {"f", nil, 45}, {"egk", regexp.MustCompile(`^[A-Z][0-9]{9}$`), 0}, {"s", regexp.MustCompile(`^[MWXD]$`), 0}, {"t", nil, 20}, {"v", nil, 20}, {"z", nil, 20}} {
		if err := a.check(c.name, c.re, c.max); err != nil {
			return err
		}
	}
	pt.KVNR, pt.Sex, pt.Title, pt.Prefix, pt.Suffix = a.m["egk"], a.m["s"], a.m["t"], a.m["v"], a.m["z"]
	return d.end()
}

func (d *decoder) author(se xml.StartElement, au *Author) error {
	a := newAttrs(se, pos{element: "A"})
	var err error
	if au.Name, err = a.required("n"); err != nil {
		return err
	}
	if au.Printed, err = a.required("t"); err != nil {
		return err
	}
	for _, c := range []struct {
		name string
		re   *regexp.Regexp
		max  int
	}{{"n", nil, 80}, {"t", printedRE, 0}, {"lanr", digits9RE, 0}, {"idf", digits7RE, 0}, {"kik", digits9RE, 0},
		{"s", nil, 30}, {"z", regexp.MustCompile(`^[0-9]{5}$`), 0}, {"c", nil, 20}, {"p", nil, 20}, {"e", nil, 80}} {
		if err := a.check(c.name, c.re, c.max); err != nil {
			return err
		}
	}
	au.LANR, au.IDF, au.IK = a.m["lanr"], a.m["idf"], a.m["kik"]
	au.Street, au.PostalCode, au.City, au.Phone, au.Email = a.m["s"], a.m["z"], a.m["c"], a.m["p"], a.m["e"]
	return d.end()
}

func (d *decoder) parameters(se xml.StartElement) (*Parameters, error) {
	a := newAttrs(se, pos{element: "O"})
	one := regexp.MustCompile(`^1$`)
	for _, c := range []struct {
		name string
		re   *regexp.Regexp
		max  int
	}{{"ai", nil, 50}, {"p", one, 0}, {"b", one, 0}, {"w", decimal1RE, 0}, {"h", regexp.MustCompile(`^[1-2]?[0-9]{2}$`), 0}, {"c", decimal2RE, 0}, {"x", nil, 77}} {
		if err := a.check(c.name, c.re, c.max); err != nil {
			return nil, err
		}
	}
	o := &Parameters{Allergies: a.text("ai"), Pregnant: a.m["p"] == "1", Breastfeeding: a.m["b"] == "1",
		WeightKg: strings.ReplaceAll(a.m["w"], ",", "."), HeightCm: a.m["h"], Creatinine: strings.ReplaceAll(a.m["c"], ",", "."), Text: a.text("x")}
	return o, d.end()
}

func (d *decoder) section(se xml.StartElement, n int) (Section, error) {
	a := newAttrs(se, pos{element: "S", section: n})
	var s Section
	if err := a.exclusive("t", "c"); err != nil {
		return s, err
	}
	if err := a.check("t", nil, 50); err != nil {
		return s, err
	}
	s.Heading = a.text("t")
	if c, ok := a.m["c"]; ok {
		h, known := d.tables.Headings[c]
		if !known {
			return s, invalid(a.at("c"), "bmp_code_unknown", "not a sub-heading of the code table")
		}
		s.HeadingCode, s.Heading = c, h.Display
	}
	for {
		t, err := d.next()
		if err != nil {
			return s, err
		}
		if _, end := t.(xml.EndElement); end {
			return s, nil
		}
		el := t.(xml.StartElement)
		p := pos{element: el.Name.Local, section: n, line: len(s.Lines) + 1}
		var l Line
		switch el.Name.Local {
		case "M":
			l, err = d.medication(el, p)
		case "X":
			l, err = d.freeLine(el, p, FreeText)
		case "R":
			l, err = d.freeLine(el, p, Recipe)
		default:
			err = d.end()
			if err == nil {
				continue
			}
		}
		if err != nil {
			return s, err
		}
		s.Lines = append(s.Lines, l)
	}
}

func (d *decoder) freeLine(se xml.StartElement, p pos, kind LineKind) (Line, error) {
	a := newAttrs(se, p)
	l := Line{Kind: kind}
	var err error
	if l.Name, err = a.required("t"); err != nil {
		return l, err
	}
	if err := a.check("t", nil, 200); err != nil {
		return l, err
	}
	if err := a.check("x", nil, 200); err != nil {
		return l, err
	}
	l.Extra = a.text("x")
	return l, d.end()
}

var doseAttrs = []string{"m", "d", "v", "h"}

func (d *decoder) medication(se xml.StartElement, p pos) (Line, error) {
	a := newAttrs(se, p)
	l := Line{Kind: Medication}
	for _, pair := range [][2]string{{"f", "fd"}, {"du", "dud"}, {"t", "m"}, {"t", "d"}, {"t", "v"}, {"t", "h"}, {"wo", "t"}} {
		if err := a.exclusive(pair[0], pair[1]); err != nil {
			return l, err
		}
	}
	if pzn, ok := a.m["p"]; ok {
		if !pznRE.MatchString(pzn) {
			return l, invalid(a.at("p"), "bmp_attribute_invalid", "the PZN must be a number of up to eight digits")
		}
		l.PZN = akte.PadPZN(pzn)
		if !akte.ValidPZN(l.PZN) {
			return l, akte.R(op, akte.KindInvalid, "pzn_check_digit", a.at("p").params(), a.at("p").String()+": the PZN has a wrong check digit")
		}
	}
	formRule := formRE
	if len(a.m["f"]) == 3 && ifaFormRE.MatchString(a.m["f"]) {
		formRule = ifaFormRE
	}
	for _, c := range []struct {
		name string
		re   *regexp.Regexp
		max  int
	}{{"a", nil, 50}, {"f", formRule, 0}, {"fd", nil, 7}, {"m", doseRE, 0}, {"d", doseRE, 0}, {"v", doseRE, 0}, {"h", doseRE, 0},
		{"t", nil, 20}, {"dud", nil, 20}, {"i", nil, 80}, {"r", nil, 50}, {"x", nil, 200}, {"wo", regexp.MustCompile(`^[1-7]$`), 0}} {
		if err := a.check(c.name, c.re, c.max); err != nil {
			return l, err
		}
	}
	l.Name = a.text("a")
	l.FormCode = a.m["f"]
	switch {
	case l.FormCode != "":
		l.Form = l.FormCode
		if f, ok := d.tables.Forms[l.FormCode]; ok {
			l.Form = f.Display
		}
	default:
		l.Form = a.text("fd")
	}
	l.Dose = Dose{Morning: a.m["m"], Noon: a.m["d"], Evening: a.m["v"], Night: a.m["h"], Text: a.text("t")}
	if wo := a.m["wo"]; wo != "" {
		l.Weekday, _ = strconv.Atoi(wo)
		if l.Dose.Schema() == "" {
			return l, invalid(a.at("wo"), "bmp_attribute_invalid", "a weekly dose needs a morning, noon, evening or night dose")
		}
	}
	if du, ok := a.m["du"]; ok {
		u, known := d.tables.Units[du]
		if !known {
			return l, invalid(a.at("du"), "bmp_code_unknown", "not a dose unit of the code table")
		}
		l.UnitCode, l.Unit = du, u.Display
	} else {
		l.Unit = a.text("dud")
	}
	l.Instructions, l.Indication, l.Extra = a.text("i"), a.text("r"), a.text("x")
	for {
		t, err := d.next()
		if err != nil {
			return l, err
		}
		if _, end := t.(xml.EndElement); end {
			break
		}
		el := t.(xml.StartElement)
		if el.Name.Local != "W" {
			if err := d.end(); err != nil {
				return l, err
			}
			continue
		}
		w := newAttrs(el, pos{element: "W", section: p.section, line: p.line})
		name, err := w.required("w")
		if err != nil {
			return l, err
		}
		if err := w.check("w", nil, 80); err != nil {
			return l, err
		}
		if err := w.check("s", nil, 15); err != nil {
			return l, err
		}
		l.Ingredients = append(l.Ingredients, Ingredient{Name: name, Strength: w.text("s")})
		if err := d.end(); err != nil {
			return l, err
		}
	}
	if l.PZN == "" && l.Name == "" && len(l.Ingredients) == 0 {
		return l, invalid(p, "bmp_line_empty", "a medication line needs a PZN, a name or an active ingredient")
	}
	return l, nil
}

// Merge joins the pages of one plan, read in any order: all must carry the
// same instance ID and together be pages 1 to Pages, each once. Otherwise
// it refuses with bmp_pages_mismatch or bmp_pages_missing.
func Merge(pages ...*Plan) (*Plan, error) {
	if len(pages) == 0 {
		return nil, akte.R("bmp.merge", akte.KindInvalid, "bmp_empty", nil, "no page was read")
	}
	first := pages[0]
	byPage := map[int]*Plan{}
	for _, p := range pages {
		if p.ID != first.ID || p.Pages != first.Pages {
			return nil, akte.R("bmp.merge", akte.KindInvalid, "bmp_pages_mismatch", nil, "the pages belong to different plans")
		}
		byPage[p.Page] = p
	}
	var missing []int
	for i := 1; i <= first.Pages; i++ {
		if byPage[i] == nil {
			missing = append(missing, i)
		}
	}
	if len(missing) > 0 {
		return nil, akte.R("bmp.merge", akte.KindInvalid, "bmp_pages_missing", map[string]any{"missing": missing, "pages": first.Pages},
			fmt.Sprintf("pages %v of %d were not read", missing, first.Pages))
	}
	m := *byPage[1]
	m.Page, m.Sections, m.Raw = 1, nil, nil
	for i := 1; i <= first.Pages; i++ {
		m.Sections = append(m.Sections, byPage[i].Sections...)
	}
	return &m, nil
}
