package dicom

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	dcm "github.com/suyashkumar/dicom"
)

// Patient is who a study is of, as the files say.
type Patient struct {
	Name      string `json:"name,omitempty"`       // DICOM PN, e.g. "Mustermann^Erika"
	ID        string `json:"id,omitempty"`         // the sender's patient ID
	BirthDate string `json:"birth_date,omitempty"` // DICOM DA, e.g. "19640812"
	Sex       string `json:"sex,omitempty"`        // M, F, O
}

// StudyInfo describes a study.
type StudyInfo struct {
	UID             string   `json:"uid"`
	Date            string   `json:"date,omitempty"` // DICOM DA
	Time            string   `json:"time,omitempty"` // DICOM TM
	Description     string   `json:"description,omitempty"`
	AccessionNumber string   `json:"accession_number,omitempty"`
	Institution     string   `json:"institution,omitempty"`
	Patient         Patient  `json:"patient"`
	Modalities      []string `json:"modalities,omitempty"` // of its series, in order, once each
}

// SeriesInfo describes a series.
type SeriesInfo struct {
	UID         string `json:"uid"`
	Number      int    `json:"number,omitempty"`
	Modality    string `json:"modality,omitempty"`
	Description string `json:"description,omitempty"`
	BodyPart    string `json:"body_part,omitempty"`
}

// Image holds the tags of an instance that a viewer needs before it
// decodes the pixel data. Absent tags are zero.
type Image struct {
	Number              int       `json:"number,omitempty"` // InstanceNumber
	Rows                int       `json:"rows,omitempty"`
	Columns             int       `json:"columns,omitempty"`
	Frames              int       `json:"frames,omitempty"`
	SamplesPerPixel     int       `json:"samples_per_pixel,omitempty"`
	Photometric         string    `json:"photometric,omitempty"`
	PlanarConfiguration int       `json:"planar_configuration,omitempty"`
	BitsAllocated       int       `json:"bits_allocated,omitempty"`
	BitsStored          int       `json:"bits_stored,omitempty"`
	HighBit             int       `json:"high_bit,omitempty"`
	PixelRepresentation int       `json:"pixel_representation,omitempty"`
	WindowCenter        []float64 `json:"window_center,omitempty"`
	WindowWidth         []float64 `json:"window_width,omitempty"`
	RescaleIntercept    float64   `json:"rescale_intercept,omitempty"`
	RescaleSlope        float64   `json:"rescale_slope,omitempty"` // 0: absent (1)
	PixelSpacing        []float64 `json:"pixel_spacing,omitempty"`
	SliceThickness      float64   `json:"slice_thickness,omitempty"`
	SliceLocation       *float64  `json:"slice_location,omitempty"`
	ImagePosition       []float64 `json:"image_position,omitempty"`
	ImageOrientation    []float64 `json:"image_orientation,omitempty"`
}

// Instance is one DICOM file found by a scan or read by ReadInstance.
type Instance struct {
	Path           string // slash-separated, in the scanned file system
	Size           int64  // bytes of the file, imported as they are
	UID            string // SOPInstanceUID
	SOPClass       string
	TransferSyntax string // "" if the file has no meta information
	Study          StudyInfo
	Series         SeriesInfo
	Image
}

// sopClassDirectory is the Media Storage Directory Storage SOP class of a
// DICOMDIR.
const sopClassDirectory = "1.2.840.10008.1.3.10"

// Tags read from an instance.
const (
	tSpecificCharacterSet uint32 = 0x00080005
	tSOPClassUID          uint32 = 0x00080016
	tSOPInstanceUID       uint32 = 0x00080018
	tStudyDate            uint32 = 0x00080020
	tStudyTime            uint32 = 0x00080030
	tAccessionNumber      uint32 = 0x00080050
	tModality             uint32 = 0x00080060
	tInstitutionName      uint32 = 0x00080080
	tStudyDescription     uint32 = 0x00081030
	tSeriesDescription    uint32 = 0x0008103E
	tPatientName          uint32 = 0x00100010
	tPatientID            uint32 = 0x00100020
	tPatientBirthDate     uint32 = 0x00100030
	tPatientSex           uint32 = 0x00100040
	tBodyPartExamined     uint32 = 0x00180015
	tSliceThickness       uint32 = 0x00180050
	tStudyInstanceUID     uint32 = 0x0020000D
	tSeriesInstanceUID    uint32 = 0x0020000E
	tSeriesNumber         uint32 = 0x00200011
	tInstanceNumber       uint32 = 0x00200013
	tImagePosition        uint32 = 0x00200032
	tImageOrientation     uint32 = 0x00200037
	tSliceLocation        uint32 = 0x00201041
	tSamplesPerPixel      uint32 = 0x00280002
	tPhotometric          uint32 = 0x00280004
	tPlanarConfiguration  uint32 = 0x00280006
	tNumberOfFrames       uint32 = 0x00280008
	tRows                 uint32 = 0x00280010
	tColumns              uint32 = 0x00280011
	tPixelSpacing         uint32 = 0x00280030
	tBitsAllocated        uint32 = 0x00280100
	tBitsStored           uint32 = 0x00280101
	tHighBit              uint32 = 0x00280102
	tPixelRepresentation  uint32 = 0x00280103
	tWindowCenter         uint32 = 0x00281050
	tWindowWidth          uint32 = 0x00281051
	tRescaleIntercept     uint32 = 0x00281052
	tRescaleSlope         uint32 = 0x00281053
)

func wantInstanceTag(t uint32) bool {
	switch t {
	case tSpecificCharacterSet, tSOPClassUID, tSOPInstanceUID, tStudyDate, tStudyTime,
		tAccessionNumber, tModality, tInstitutionName, tStudyDescription, tSeriesDescription,
		tPatientName, tPatientID, tPatientBirthDate, tPatientSex, tBodyPartExamined,
		tSliceThickness, tStudyInstanceUID, tSeriesInstanceUID, tSeriesNumber, tInstanceNumber,
		tImagePosition, tImageOrientation, tSliceLocation, tSamplesPerPixel, tPhotometric,
		tPlanarConfiguration, tNumberOfFrames, tRows, tColumns, tPixelSpacing, tBitsAllocated,
		tBitsStored, tHighBit, tPixelRepresentation, tWindowCenter, tWindowWidth,
		tRescaleIntercept, tRescaleSlope:
		return true
	}
	return false
}

// meta is what the file meta information says.
type meta struct {
	sopClass, sopInstance, transferSyntax string
}

// parsed is a walked file: its meta information, the raw bytes of the
// collected elements and how they are encoded.
type parsed struct {
	meta    meta
	enc     encoding
	top     []element
	records [][]element
	pixel   bool
	// directory: the meta information names a DICOMDIR.
	directory bool
}

// ReadInstance reads one DICOM file of size bytes (-1 if unknown) from r,
// up to its pixel data, and returns what it says. It reads at most
// lim.MaxHeaderSize bytes of the data set. A file that is not DICOM, is
// malformed, breaks a limit or lacks a study, series or instance UID is
// refused with an *akte.Error whose Reason says why (dicom_not_dicom,
// dicom_truncated, dicom_length_beyond_end, ...). A DICOMDIR is refused
// with dicom_directory.
func ReadInstance(r io.Reader, size int64, lim Limits) (*Instance, error) {
	const op = "dicom.ReadInstance"
	lim = lim.orDefault()
	if size > lim.MaxInstanceSize {
		return nil, tooLarge(op, "dicom_file_too_large", lim.MaxInstanceSize, "file too large")
	}
	p, err := parseFile(op, bufio.NewReaderSize(r, 32<<10), size, &lim, nil)
	if err != nil {
		return nil, err
	}
	if p.directory {
		return nil, invalid(op, "dicom_directory", nil, "file is a DICOMDIR")
	}
	return instanceFrom(op, p, size)
}

// parseFile recognises a DICOM file (Part 10 with preamble, or a bare data
// set where that is safe), reads its meta information and walks its data
// set: up to the pixel data of an instance, collecting the tags we read,
// or through a DICOMDIR, collecting its records. budget, if not nil, is
// what the data sets of a whole scan may still consume.
func parseFile(op string, br *bufio.Reader, size int64, lim *Limits, budget *int64) (*parsed, error) {
	head, err := br.Peek(132)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, err
	}
	p := &parsed{}
	var consumed int64
	hasMeta := false
	switch {
	case len(head) == 132 && string(head[128:]) == "DICM":
		br.Discard(132)
		consumed = 132
		hasMeta = true
	case bareDataSet(head):
		// A bare data set, or meta information without the preamble.
		// Accepted only if it walks cleanly and names its UIDs.
		hasMeta = head[0] == 0x02
	default:
		return nil, invalid(op, "dicom_not_dicom", nil, "not a DICOM file")
	}
	if hasMeta {
		n, err := readMeta(op, br, &p.meta)
		if err != nil {
			return nil, err
		}
		consumed += n
	}
	deflated := false
	end := int64(-1)
	if size >= 0 {
		end = size - consumed
	}
	switch p.meta.transferSyntax {
	case tsImplicitLE:
		p.enc = implicitLE
	case tsExplicitBE:
		p.enc = explicitBE
	case tsDeflatedLE:
		p.enc = explicitLE
		deflated, end = true, -1
	case "":
		// No transfer syntax: explicit if the first element has a VR.
		b, _ := br.Peek(6)
		p.enc = implicitLE
		if len(b) == 6 && validVR(b[4:6]) {
			p.enc = explicitLE
		}
	default:
		// Every other transfer syntax, compressed ones included, encodes
		// the data set in explicit VR little endian (PS3.5 A.4).
		p.enc = explicitLE
	}
	p.directory = p.meta.sopClass == sopClassDirectory
	max := lim.MaxHeaderSize
	if p.directory {
		max = lim.MaxDirectorySize
	}
	in := &input{r: br, end: end, max: max, budget: budget, op: op}
	if deflated {
		// The bytes read are counted after inflating, so max bounds a
		// decompression bomb as well.
		in.r = bufio.NewReaderSize(flate.NewReader(br), 32<<10)
	}
	w := &walker{in: in, enc: p.enc, lim: lim, op: op, wantTop: wantInstanceTag}
	if p.directory {
		w.wantTop = nil
		w.recordSeq, w.wantRecord = tDirectoryRecordSequence, wantRecordTag
	}
	if err := w.walk(); err != nil {
		return nil, err
	}
	p.top, p.records, p.pixel = w.top, w.records, w.pixel
	return p, nil
}

// readMeta reads the file meta information (group 0002, always explicit
// VR little endian) and returns the bytes it consumed. The group length is
// not trusted: the group ends where the tags leave group 0002.
func readMeta(op string, br *bufio.Reader, m *meta) (int64, error) {
	const maxMeta = 1 << 20
	bad := func(msg string) error { return invalid(op, "dicom_bad_meta", nil, msg) }
	var n int64
	var h [12]byte
	for {
		b, err := br.Peek(2)
		if err == io.EOF || (err == nil && binary.LittleEndian.Uint16(b) != 0x0002) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if _, err := io.ReadFull(br, h[:8]); err != nil {
			return n, bad("meta information truncated")
		}
		n += 8
		t := uint32(binary.LittleEndian.Uint16(h[0:2]))<<16 | uint32(binary.LittleEndian.Uint16(h[2:4]))
		if !validVR(h[4:6]) {
			return n, bad("meta information not in explicit VR")
		}
		vr := string(h[4:6])
		vl := uint32(binary.LittleEndian.Uint16(h[6:8]))
		if longVR(vr) {
			if _, err := io.ReadFull(br, h[8:12]); err != nil {
				return n, bad("meta information truncated")
			}
			n += 4
			vl = binary.LittleEndian.Uint32(h[8:12])
		}
		if vl > maxMeta || n+int64(vl) > maxMeta {
			return n, bad("meta information too long")
		}
		v := make([]byte, vl)
		if _, err := io.ReadFull(br, v); err != nil {
			return n, bad("meta information truncated")
		}
		n += int64(vl)
		switch t {
		case 0x00020002:
			m.sopClass = trimValue(v)
		case 0x00020003:
			m.sopInstance = trimValue(v)
		case 0x00020010:
			m.transferSyntax = trimValue(v)
		}
	}
}

// trimValue returns a UI value without its padding.
func trimValue(v []byte) string { return strings.TrimRight(string(v), " \x00") }

// values are decoded element values by tag: strings (every VR but US) or
// numbers (US).
type values map[uint32]value

type value struct {
	strs []string
	ints []int
}

// textVR reports whether a VR's characters depend on the Specific
// Character Set (PS3.5 6.1.2.3); the others are in the default repertoire
// (digits, upper-case letters, a few signs) or binary.
func textVR(vr string) bool {
	switch vr {
	case "PN", "LO", "SH", "ST", "LT", "UT", "UC":
		return true
	}
	return false
}

// decode decodes collected elements. Values in the default repertoire
// (UI, CS, DA, TM, DS, IS) and US are read here; text, whose bytes depend
// on the character set (German names in ISO_IR 100, say), goes to
// suyashkumar/dicom together with the Specific Character Set, behind a
// minimal meta header that names the encoding. What it gets is flat (no
// sequences, no pixel data), of bounded size, and framed exactly as it
// frames it, so it cannot recurse or allocate beyond the bytes; a panic is
// still turned into an error.
func decode(op string, elems []element, enc encoding) (values, error) {
	vals := make(values, len(elems))
	var text []byte
	for i := range elems {
		e := &elems[i]
		v := e.value()
		switch {
		case textVR(e.vr):
			text = append(text, e.raw...)
			continue
		case e.vr == "US":
			var ints []int
			for j := 0; j+2 <= len(v); j += 2 {
				ints = append(ints, int(enc.bo.Uint16(v[j:])))
			}
			vals[e.tag] = value{ints: ints}
		default:
			vals[e.tag] = value{strs: strings.Split(strings.Trim(string(v), " \x00"), `\`)}
		}
		if e.tag == tSpecificCharacterSet {
			text = append(e.raw[:len(e.raw):len(e.raw)], text...)
		}
	}
	if len(text) == 0 {
		return vals, nil
	}
	ds, err := decodeText(op, text, enc)
	if err != nil {
		return nil, err
	}
	for _, e := range ds.Elements {
		t := uint32(e.Tag.Group)<<16 | uint32(e.Tag.Element)
		if e.Tag.Group != 0x0002 && e.Value != nil && e.Value.ValueType() == dcm.Strings {
			s, _ := e.Value.GetValue().([]string)
			vals[t] = value{strs: s}
		}
	}
	return vals, nil
}

func decodeText(op string, raw []byte, enc encoding) (ds dcm.Dataset, err error) {
	ts := tsExplicitLE
	switch enc {
	case implicitLE:
		ts = tsImplicitLE
	case explicitBE:
		ts = tsExplicitBE
	}
	if len(ts)%2 == 1 {
		ts += "\x00"
	}
	le := binary.LittleEndian
	var b bytes.Buffer
	b.Grow(128 + 4 + 12 + 8 + len(ts) + len(raw))
	b.Write(make([]byte, 128))
	b.WriteString("DICM")
	b.Write([]byte{0x02, 0x00, 0x00, 0x00, 'U', 'L', 4, 0}) // group length
	b.Write(le.AppendUint32(nil, uint32(8+len(ts))))
	b.Write([]byte{0x02, 0x00, 0x10, 0x00, 'U', 'I'}) // transfer syntax
	b.Write(le.AppendUint16(nil, uint16(len(ts))))
	b.WriteString(ts)
	b.Write(raw)
	defer func() {
		if r := recover(); r != nil {
			err = invalid(op, "dicom_parse", nil, fmt.Sprintf("value decoder failed: %v", r))
		}
	}()
	ds, err = dcm.Parse(bytes.NewReader(b.Bytes()), int64(b.Len()), nil,
		dcm.SkipPixelData(), dcm.AllowUnknownSpecificCharacterSet())
	if err != nil {
		e := invalid(op, "dicom_parse", nil, "cannot decode values")
		e.Err = err
		return ds, e
	}
	return ds, nil
}

func (v values) strs(t uint32) []string { return v[t].strs }

// str returns the first value of a string element, cleaned up, at most
// max bytes.
func (v values) str(t uint32, max int) string {
	s := v.strs(t)
	if len(s) == 0 {
		return ""
	}
	return clean(s[0], max)
}

// all returns every value of a string element joined with '\', as DICOM
// writes multiple values.
func (v values) all(t uint32, max int) string {
	return clean(strings.Join(v.strs(t), `\`), max)
}

func (v values) int(t uint32) int {
	if n := v[t].ints; n != nil {
		if len(n) > 0 {
			return n[0]
		}
		return 0
	}
	// IS is a decimal string.
	n, err := strconv.Atoi(strings.TrimSpace(v.str(t, 16)))
	if err != nil || n < math.MinInt32 || n > math.MaxInt32 {
		return 0
	}
	return n
}

// floats parses a DS element's values; want is the required count (0: 1
// to 16). A count that does not fit, or a value that is not finite, gives
// nil.
func (v values) floats(t uint32, want int) []float64 {
	s := v.strs(t)
	if len(s) == 0 || len(s) > 16 || (want > 0 && len(s) != want) {
		return nil
	}
	out := make([]float64, len(s))
	for i, x := range s {
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > maxFloat {
			return nil
		}
		out[i] = f
	}
	return out
}

func (v values) float(t uint32) (float64, bool) {
	f := v.floats(t, 1)
	if f == nil {
		return 0, false
	}
	return f[0], true
}

// maxFloat bounds the numbers we keep, so that they survive JSON exactly
// and mean something.
const maxFloat = 1e12

// instanceFrom builds an Instance from a walked file.
func instanceFrom(op string, p *parsed, size int64) (*Instance, error) {
	v, err := decode(op, p.top, p.enc)
	if err != nil {
		return nil, err
	}
	in := &Instance{
		Size:           size,
		UID:            v.str(tSOPInstanceUID, maxUID+1),
		SOPClass:       v.str(tSOPClassUID, maxUID+1),
		TransferSyntax: p.meta.transferSyntax,
		Study: StudyInfo{
			UID:             v.str(tStudyInstanceUID, maxUID+1),
			Date:            v.str(tStudyDate, 16),
			Time:            v.str(tStudyTime, 32),
			Description:     v.str(tStudyDescription, maxText),
			AccessionNumber: v.str(tAccessionNumber, maxText),
			Institution:     v.str(tInstitutionName, maxText),
			Patient: Patient{
				Name:      v.all(tPatientName, maxText),
				ID:        v.str(tPatientID, maxText),
				BirthDate: v.str(tPatientBirthDate, 16),
				Sex:       v.str(tPatientSex, 16),
			},
		},
		Series: SeriesInfo{
			UID:         v.str(tSeriesInstanceUID, maxUID+1),
			Number:      v.int(tSeriesNumber),
			Modality:    v.str(tModality, 16),
			Description: v.str(tSeriesDescription, maxText),
			BodyPart:    v.str(tBodyPartExamined, maxText),
		},
	}
	if in.UID == "" {
		in.UID = p.meta.sopInstance
	}
	if in.SOPClass == "" {
		in.SOPClass = p.meta.sopClass
	}
	for _, u := range []struct {
		name, uid string
	}{{"SOPInstanceUID", in.UID}, {"StudyInstanceUID", in.Study.UID}, {"SeriesInstanceUID", in.Series.UID}} {
		if u.uid == "" {
			return nil, invalid(op, "dicom_missing_uid", map[string]any{"tag": u.name}, "file lacks a UID")
		}
		if !validUID(u.uid) {
			return nil, invalid(op, "dicom_invalid_uid", map[string]any{"tag": u.name}, "file has an unusable UID")
		}
	}
	if in.SOPClass != "" && !validUID(in.SOPClass) {
		in.SOPClass = ""
	}
	if !validUID(in.TransferSyntax) {
		in.TransferSyntax = ""
	}
	im := &in.Image
	im.Number = v.int(tInstanceNumber)
	im.Rows, im.Columns = v.int(tRows), v.int(tColumns)
	im.Frames = v.int(tNumberOfFrames)
	if im.Frames < 0 || im.Frames > maxFrames {
		im.Frames = 0
	}
	im.SamplesPerPixel = v.int(tSamplesPerPixel)
	im.Photometric = v.str(tPhotometric, 32)
	im.PlanarConfiguration = v.int(tPlanarConfiguration)
	im.BitsAllocated, im.BitsStored, im.HighBit = v.int(tBitsAllocated), v.int(tBitsStored), v.int(tHighBit)
	im.PixelRepresentation = v.int(tPixelRepresentation)
	im.WindowCenter, im.WindowWidth = v.floats(tWindowCenter, 0), v.floats(tWindowWidth, 0)
	im.RescaleIntercept, _ = v.float(tRescaleIntercept)
	im.RescaleSlope, _ = v.float(tRescaleSlope)
	im.PixelSpacing = v.floats(tPixelSpacing, 2)
	im.SliceThickness, _ = v.float(tSliceThickness)
	if f, ok := v.float(tSliceLocation); ok {
		im.SliceLocation = &f
	}
	im.ImagePosition = v.floats(tImagePosition, 3)
	im.ImageOrientation = v.floats(tImageOrientation, 6)
	if im.SamplesPerPixel > 4 || im.PlanarConfiguration > 1 || im.BitsAllocated > 64 || im.BitsStored > 64 ||
		im.HighBit > 63 || im.PixelRepresentation > 1 {
		// Nonsense; the viewer reads these from the file itself anyway.
		im.SamplesPerPixel, im.PlanarConfiguration, im.BitsAllocated, im.BitsStored, im.HighBit, im.PixelRepresentation = 0, 0, 0, 0, 0, 0
	}
	return in, nil
}

// Text limits.
const (
	maxUID    = 64  // PS3.5 9.1
	maxText   = 256 // descriptions, names, IDs (after clean)
	maxFrames = 1 << 20
)

// validUID reports whether s can serve as a UID here: 1 to 64 printable
// ASCII characters other than space and backslash. Strictly a UID is
// digits and dots, but files in the wild break that, and we would rather
// import them; file names are sanitised separately.
func validUID(s string) bool {
	if len(s) == 0 || len(s) > maxUID {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || c == '\\' {
			return false
		}
	}
	return true
}

// clean makes text from a file safe to keep: valid UTF-8, no control
// characters, no outer spaces, at most max bytes (cut at a character).
func clean(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > max {
		i := max
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = strings.TrimSpace(s[:i])
	}
	return s
}
