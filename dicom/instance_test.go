package dicom

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"io"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/dicom/dicomtest"
)

// TestReadInstanceUpstream reads the test files of suyashkumar/dicom; the
// expected values are dcmtk's (dcmdump +P ...).
func TestReadInstanceUpstream(t *testing.T) {
	for _, c := range []struct {
		file, sop, study, series, ts, modality, photometric string
		rows, cols, bits                                    int
	}{
		{"1.dcm", "1.3.6.1.4.1.14519.5.2.1.7009.2401.264581068966524608390523682945", "1.3.6.1.4.1.14519.5.2.1.7009.2401.541147157881199293470020980360",
			"1.3.6.1.4.1.14519.5.2.1.7009.2401.156320467167446933671661793694", tsExplicitLE, "PT", "MONOCHROME2", 168, 168, 16},
		{"3.dcm", "1.3.6.1.4.1.14519.5.2.1.9823.1001.100673283425501223987092441879", "1.3.6.1.4.1.14519.5.2.1.9823.1001.108958069993282969141944803554",
			"1.3.6.1.4.1.14519.5.2.1.9823.1001.115805672672216488921886375902", tsExplicitLE, "MR", "MONOCHROME2", 176, 176, 16},
		{"4.dcm", "1.3.6.1.4.1.14519.5.2.1.9999.103.3006616233530892121079169089013", "1.3.6.1.4.1.14519.5.2.1.9999.103.2445110399502685110179049624124",
			"1.3.6.1.4.1.14519.5.2.1.9999.103.2226892066207840840424092100046", tsImplicitLE, "CR", "MONOCHROME1", 2140, 1760, 16},
		{"5.dcm", "1.3.6.1.4.1.5962.1.1.10.3.1.1166562673.14401", "1.3.6.1.4.1.5962.1.2.10.1166562673.14401",
			"1.3.6.1.4.1.5962.1.3.10.3.1166562673.14401", tsExplicitLE, "CT", "MONOCHROME2", 512, 512, 16},
		{"6.dcm", "1.3.6.1.4.1.5962.1.1.0.0.0.977067309.6001.0", "1.3.6.1.4.1.5962.1.2.0.977067310.6001.0",
			"1.3.6.1.4.1.5962.1.3.0.0.977067310.6001.0", tsDeflatedLE, "OT", "MONOCHROME2", 512, 512, 8},
	} {
		t.Run(c.file, func(t *testing.T) {
			f, err := os.Open(upstream(t, c.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, _ := f.Stat()
			in, err := ReadInstance(f, st.Size(), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if in.UID != c.sop || in.Study.UID != c.study || in.Series.UID != c.series || in.TransferSyntax != c.ts {
				t.Errorf("UIDs %s %s %s %s", in.UID, in.Study.UID, in.Series.UID, in.TransferSyntax)
			}
			if in.Series.Modality != c.modality || in.Photometric != c.photometric || in.Rows != c.rows || in.Columns != c.cols || in.BitsAllocated != c.bits {
				t.Errorf("image %s %s %dx%d %d bits", in.Series.Modality, in.Photometric, in.Rows, in.Columns, in.BitsAllocated)
			}
			if in.Size != st.Size() {
				t.Errorf("size %d", in.Size)
			}
		})
	}
	// 5.dcm has two frames, 3.dcm its window and spacing at top level.
	b := readUpstream(t, "5.dcm")
	in, err := readBytes(b, Limits{})
	if err != nil || in.Frames != 2 || in.Study.Patient.Name != "Perfusion^MCA Stroke" || in.Study.Patient.BirthDate != "19500704" {
		t.Errorf("5.dcm: %+v %v", in, err)
	}
	in, err = readBytes(readUpstream(t, "3.dcm"), Limits{})
	if err != nil || len(in.WindowCenter) != 1 || in.WindowCenter[0] != 378 || len(in.PixelSpacing) != 2 || in.Study.Description != "MRI Prostate ERC" {
		t.Errorf("3.dcm: %+v %v", in, err)
	}
}

func deflate(t testing.TB, b []byte) []byte {
	var out bytes.Buffer
	w, _ := flate.NewWriter(&out, flate.BestCompression)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestReadInstanceEncodings reads the same data set in every encoding and
// framing a CD may hold.
func TestReadInstanceEncodings(t *testing.T) {
	le, imp, be := dicomtest.Enc{}, dicomtest.Enc{Implicit: true}, dicomtest.Enc{BigEndian: true}
	full := part10(dataset(le, testSOP))
	noTS := dicomtest.Join(make([]byte, 128), []byte("DICM"),
		le.El(0x00020000, "UL", binary.LittleEndian.AppendUint32(nil, 28)),
		le.Str(0x00020002, "UI", mrStorage), dataset(imp, testSOP))
	for name, b := range map[string][]byte{
		"explicit little endian": full,
		"implicit little endian": dicomtest.Part10(dicomtest.ImplicitLE, mrStorage, testSOP, dataset(imp, testSOP)),
		"explicit big endian":    dicomtest.Part10(dicomtest.ExplicitBE, mrStorage, testSOP, dataset(be, testSOP)),
		"deflated":               dicomtest.Part10(dicomtest.DeflatedLE, mrStorage, testSOP, deflate(t, dataset(le, testSOP))),
		"JPEG 2000":              dicomtest.Part10("1.2.840.10008.1.2.4.90", mrStorage, testSOP, dataset(le, testSOP)),
		"unknown syntax":         dicomtest.Part10("1.2.3.4.5.6.7", mrStorage, testSOP, dataset(le, testSOP)),
		"no preamble":            full[132:],
		"bare implicit":          dataset(imp, testSOP),
		"bare explicit":          dataset(le, testSOP),
		"meta without syntax":    noTS,
	} {
		t.Run(name, func(t *testing.T) {
			for _, size := range []int64{int64(len(b)), -1} {
				in, err := ReadInstance(bytes.NewReader(b), size, Limits{})
				if err != nil {
					t.Fatal(err)
				}
				if in.UID != testSOP || in.Study.UID != testStudy || in.Series.UID != testSeries || in.Number != 7 ||
					in.Rows != 2 || in.BitsAllocated != 16 || in.Study.Patient.Name != "Mustermann^Erika" || in.SOPClass != mrStorage {
					t.Errorf("read %+v", in)
				}
			}
		})
	}
}

func TestReadInstanceCharset(t *testing.T) {
	var e dicomtest.Enc
	for _, c := range []struct{ charset, raw string }{
		{"ISO_IR 100", "M\xfcller^J\xfcrgen"},
		{"ISO_IR 192", "Müller^Jürgen"},
		{"", "Müller^Jürgen"}, // none declared: taken as UTF-8
		{"WHATEVER", "Müller^Jürgen"},
	} {
		var extra [][]byte
		if c.charset != "" {
			extra = append(extra, e.Str(0x00080005, "CS", c.charset))
		}
		ds := dicomtest.Join(append(extra, dataset(e, testSOP))...)
		ds = bytes.Replace(ds, []byte("Mustermann^Erika"), []byte(c.raw+string(make([]byte, 16-len(c.raw)))), 1)
		in, err := readBytes(part10(ds), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if in.Study.Patient.Name != "Müller^Jürgen" {
			t.Errorf("%s: name %q", c.charset, in.Study.Patient.Name)
		}
	}
}

// TestReadInstanceRefused is bad input, each refused with its reason and
// without reading or allocating what the file claims.
func TestReadInstanceRefused(t *testing.T) {
	var le dicomtest.Enc
	imp := dicomtest.Enc{Implicit: true}
	nest := func(depth int, defined bool) []byte {
		inner := le.Str(0x00080100, "SH", "x")
		for range depth {
			inner = le.Seq(0x00400275, defined, le.Item(defined, inner))
		}
		return inner
	}
	huge := func(vr string, n uint32) []byte { return le.Header(0x00091010, vr, n) }
	short := part10(dataset(le, testSOP))
	for _, c := range []struct {
		name   string
		b      []byte
		lim    Limits
		kind   akte.Kind
		reason string
	}{
		{"not dicom", []byte("Hallo, this is a text file that is long enough to be looked at.................................................................................."), Limits{}, akte.KindInvalid, "dicom_not_dicom"},
		{"empty", nil, Limits{}, akte.KindInvalid, "dicom_not_dicom"},
		{"cut in an element", short[:300], Limits{}, akte.KindInvalid, "dicom_length_beyond_end"},
		{"cut in the pixel data", short[:len(short)-3], Limits{}, akte.KindInvalid, "dicom_length_beyond_end"},
		{"short value beyond end", part10(dicomtest.Join(le.Str(0x00080016, "UI", mrStorage), le.Header(0x00080018, "UI", 0xFFF0), []byte("1.2"))), Limits{}, akte.KindInvalid, "dicom_length_beyond_end"},
		{"4 GB value", part10(dicomtest.Join(huge("UT", 0xFFFFFFF0), []byte("x"))), Limits{}, akte.KindInvalid, "dicom_length_beyond_end"},
		{"4 GB implicit value", dicomtest.Part10(dicomtest.ImplicitLE, mrStorage, testSOP, dicomtest.Join(imp.Header(0x00100010, "", 0xFFFFFFF0), []byte("x"))), Limits{}, akte.KindInvalid, "dicom_length_beyond_end"},
		{"item beyond sequence", part10(dataset(le, testSOP, dicomtest.Join(le.Header(0x00400275, "SQ", 8), le.Tag(0xFFFEE000), []byte{0xff, 0, 0, 0}))), Limits{}, akte.KindInvalid, "dicom_length_beyond_end"},
		{"nested 17 deep, undefined lengths", part10(dataset(le, testSOP, nest(17, false))), Limits{}, akte.KindTooLarge, "dicom_nesting_too_deep"},
		{"nested 17 deep, defined lengths", part10(dataset(le, testSOP, nest(17, true))), Limits{}, akte.KindTooLarge, "dicom_nesting_too_deep"},
		{"item outside a sequence", part10(dataset(le, testSOP, le.Item(true, le.Str(0x00080100, "SH", "x")))), Limits{}, akte.KindInvalid, "dicom_bad_structure"},
		{"element in a sequence", part10(dataset(le, testSOP, dicomtest.Join(le.Header(0x00400275, "SQ", dicomtest.Undefined), le.Str(0x00080100, "SH", "x")))), Limits{}, akte.KindInvalid, "dicom_bad_structure"},
		{"item delimiter at top", part10(dataset(le, testSOP, dicomtest.Join(le.Tag(0xFFFEE00D), []byte{0, 0, 0, 0}))), Limits{}, akte.KindInvalid, "dicom_bad_structure"},
		{"sequence delimiter with a length", part10(dataset(le, testSOP, dicomtest.Join(le.Header(0x00400275, "SQ", dicomtest.Undefined), le.Tag(0xFFFEE0DD), []byte{4, 0, 0, 0}))), Limits{}, akte.KindInvalid, "dicom_bad_structure"},
		{"undefined length text", part10(dataset(le, testSOP, le.Header(0x00100021, "UT", dicomtest.Undefined))), Limits{}, akte.KindInvalid, "dicom_bad_structure"},
		{"fragments that are not", part10(dataset(le, testSOP, dicomtest.Join(le.Header(0x00091010, "OB", dicomtest.Undefined), le.Str(0x00080100, "SH", "x")))), Limits{}, akte.KindInvalid, "dicom_bad_structure"},
		{"invalid VR", part10(dataset(le, testSOP, le.El(0x00100021, "x1", []byte("ab")))), Limits{}, akte.KindInvalid, "dicom_bad_vr"},
		{"too many elements", part10(dataset(le, testSOP, bytes.Repeat(le.El(0x00091010, "OB", nil), 100))), Limits{MaxElements: 50}, akte.KindTooLarge, "dicom_too_many_elements"},
		{"too much before the pixel data", part10(dataset(le, testSOP, le.El(0x00091010, "OB", make([]byte, 2000)))), Limits{MaxHeaderSize: 1000}, akte.KindTooLarge, "dicom_header_too_large"},
		{"file too large", short, Limits{MaxInstanceSize: 100}, akte.KindTooLarge, "dicom_file_too_large"},
		{"no series", part10(bytes.Replace(dataset(le, testSOP), le.Str(0x0020000E, "UI", testSeries), nil, 1)), Limits{}, akte.KindInvalid, "dicom_missing_uid"},
		{"space in a UID", part10(dataset(le, "1.2 3")), Limits{}, akte.KindInvalid, "dicom_invalid_uid"},
		{"meta not explicit", dicomtest.Join(make([]byte, 128), []byte("DICM"), imp.Str(0x00020010, "UI", tsImplicitLE)), Limits{}, akte.KindInvalid, "dicom_bad_meta"},
		{"meta element of 2 MB", dicomtest.Join(make([]byte, 128), []byte("DICM"), le.Header(0x00020102, "OB", 2<<20), make([]byte, 16)), Limits{}, akte.KindInvalid, "dicom_bad_meta"},
		{"DICOMDIR", dicomtest.Part10(dicomtest.ExplicitLE, sopClassDirectory, testSOP, nil), Limits{}, akte.KindInvalid, "dicom_directory"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := readBytes(c.b, c.lim)
			wantReason(t, err, c.kind, c.reason)
		})
	}
	// Size unknown (a stream): a cut is found at the cut.
	_, err := ReadInstance(bytes.NewReader(short[:300]), -1, Limits{})
	wantReason(t, err, akte.KindInvalid, "dicom_truncated")
}

// TestReadInstanceBombs: inputs built to make a parser spend memory or
// time are refused within a small budget.
func TestReadInstanceBombs(t *testing.T) {
	var le dicomtest.Enc
	budget := func(t *testing.T, f func()) {
		t.Helper()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		f()
		runtime.ReadMemStats(&after)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v", d)
		}
		if a := after.TotalAlloc - before.TotalAlloc; a > 64<<20 {
			t.Errorf("allocated %d MiB", a>>20)
		}
	}
	t.Run("a million nested sequences", func(t *testing.T) {
		// 16 bytes a level; the walk stops at the limit, a recursive
		// parser would run out of stack.
		lvl := dicomtest.Join(le.Header(0x00400275, "SQ", dicomtest.Undefined), le.Tag(0xFFFEE000), []byte{0xff, 0xff, 0xff, 0xff})
		file := part10(dicomtest.Join(le.Str(0x00080016, "UI", mrStorage), bytes.Repeat(lvl, 1_000_000)))
		budget(t, func() {
			_, err := readBytes(file, Limits{})
			wantReason(t, err, akte.KindTooLarge, "dicom_nesting_too_deep")
		})
	})
	t.Run("deflated 100 MiB of zeros", func(t *testing.T) {
		var z bytes.Buffer
		w, _ := flate.NewWriter(&z, flate.BestSpeed)
		w.Write(dicomtest.Join(le.Str(0x00080016, "UI", mrStorage), le.Header(0x00091010, "OB", 100<<20)))
		io.CopyN(w, zeros{}, 100<<20)
		w.Close()
		file := dicomtest.Part10(dicomtest.DeflatedLE, mrStorage, testSOP, z.Bytes())
		budget(t, func() {
			_, err := readBytes(file, Limits{})
			wantReason(t, err, akte.KindTooLarge, "dicom_header_too_large")
		})
	})
	t.Run("deflated 4 GB declared length", func(t *testing.T) {
		file := dicomtest.Part10(dicomtest.DeflatedLE, mrStorage, testSOP, deflate(t, dicomtest.Join(le.Header(0x00100010, "UT", 0xFFFFFFF0), []byte("abc"))))
		budget(t, func() {
			// Refused before reading what it claims.
			_, err := readBytes(file, Limits{})
			wantReason(t, err, akte.KindTooLarge, "dicom_header_too_large")
		})
	})
	t.Run("many elements", func(t *testing.T) {
		file := part10(dataset(le, testSOP, bytes.Repeat(le.El(0x00091010, "OB", nil), 1_000_000)))
		budget(t, func() {
			_, err := readBytes(file, Limits{})
			wantReason(t, err, akte.KindTooLarge, "dicom_too_many_elements")
		})
	})
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestReadInstanceTolerated: odd but harmless structures are read.
func TestReadInstanceTolerated(t *testing.T) {
	le, imp := dicomtest.Enc{}, dicomtest.Enc{Implicit: true}
	icon := le.Seq(0x00880200, false, le.Item(false,
		le.US(0x00280010, 64), le.US(0x00280011, 64), le.Encapsulated([]byte{1, 2, 3, 4})))
	for name, c := range map[string]struct {
		b    []byte
		rows int
	}{
		"nested 16 deep": {part10(dataset(le, testSOP, func() []byte {
			inner := le.Str(0x00080100, "SH", "x")
			for range 16 {
				inner = le.Seq(0x00400275, false, le.Item(true, inner))
			}
			return inner
		}())), 2},
		"icon with fragments": {part10(dataset(le, testSOP, icon)), 2},
		// PS3.5 6.2.2: UN of undefined length holds implicit VR items.
		"UN sequence": {part10(dataset(le, testSOP, dicomtest.Join(le.Header(0x00091010, "UN", dicomtest.Undefined),
			imp.Item(false, imp.Str(0x00080100, "SH", "x")), imp.Tag(0xFFFEE0DD), []byte{0, 0, 0, 0}))), 2},
		// A tag we read with a VR the dictionary does not give it is
		// skipped, not handed to the value decoder.
		"Rows as SV": {part10(bytes.Replace(dataset(le, testSOP), le.US(0x00280010, 2), le.El(0x00280010, "SV", make([]byte, 8)), 1)), 0},
		"Rows as UN": {part10(bytes.Replace(dataset(le, testSOP), le.US(0x00280010, 2), le.El(0x00280010, "UN", []byte{2, 0}), 1)), 0},
		"encapsulated pixel data": {part10(bytes.Replace(dataset(le, testSOP), le.El(0x7FE00010, "OW", make([]byte, 8)),
			le.Encapsulated([]byte{0xff, 0xd8}), 1)), 2},
		"no pixel data": {part10(bytes.Replace(dataset(le, testSOP), le.El(0x7FE00010, "OW", make([]byte, 8)), nil, 1)), 2},
	} {
		t.Run(name, func(t *testing.T) {
			in, err := readBytes(c.b, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if in.UID != testSOP || in.Rows != c.rows {
				t.Errorf("read %+v", in)
			}
		})
	}
}

// TestReadInstancePrefixes reads every prefix of a real file's header
// region and the whole file with bytes flipped: never a panic, always a
// reason when refused.
func TestReadInstancePrefixes(t *testing.T) {
	b := readUpstream(t, "1.dcm") // nested sequences, icon pixel data
	full, err := readBytes(b, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	end := bytes.LastIndex(b, []byte{0xe0, 0x7f, 0x10, 0x00, 'O', 'W'}) + 16
	if end < 5000 {
		t.Fatalf("pixel data at %d", end)
	}
	for n := range end {
		for _, size := range []int64{int64(n), -1} {
			in, err := ReadInstance(bytes.NewReader(b[:n]), size, Limits{})
			if err == nil {
				// A prefix that ends between two top-level elements
				// is a valid file without pixel data.
				if in.UID != full.UID || in.Study.UID != full.Study.UID {
					t.Fatalf("prefix %d read: %+v", n, in)
				}
				continue
			}
			if r, _ := akte.ReasonOf(err); r == "" {
				t.Fatalf("prefix %d: no reason: %v", n, err)
			}
		}
	}
	flipped := slices.Clone(b)
	for i := range end {
		flipped[i] ^= 0xff
		in, err := readBytes(flipped, Limits{})
		if err != nil {
			if r, _ := akte.ReasonOf(err); r == "" {
				t.Fatalf("byte %d: no reason: %v", i, err)
			}
		} else if !validUID(in.UID) || in.Size != full.Size {
			t.Fatalf("byte %d: %+v", i, in)
		}
		flipped[i] = b[i]
	}
}
