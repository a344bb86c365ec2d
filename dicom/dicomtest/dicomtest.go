// Package dicomtest writes DICOM files for tests and benchmarks: an
// element encoder for crafted (also deliberately broken) files, and a
// generator of a synthetic CT study. It is not used by the importer.
package dicomtest

import (
	"encoding/binary"
	"strings"
)

// Transfer syntax UIDs.
const (
	ImplicitLE = "1.2.840.10008.1.2"
	ExplicitLE = "1.2.840.10008.1.2.1"
	DeflatedLE = "1.2.840.10008.1.2.1.99"
	ExplicitBE = "1.2.840.10008.1.2.2"
)

// Undefined is the undefined length (0xFFFFFFFF).
const Undefined = 0xFFFFFFFF

// Enc writes data elements in one encoding; the zero Enc is explicit VR
// little endian.
type Enc struct {
	BigEndian bool
	Implicit  bool
}

type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

func (e Enc) bo() byteOrder {
	if e.BigEndian {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// Tag writes a tag.
func (e Enc) Tag(t uint32) []byte {
	b := e.bo().AppendUint16(nil, uint16(t>>16))
	return e.bo().AppendUint16(b, uint16(t))
}

// Header writes an element header with the given length; a VR with a
// 4-byte length (OB, SQ, UN, ...) gets it in explicit VR.
func (e Enc) Header(t uint32, vr string, length uint32) []byte {
	b := e.Tag(t)
	if e.Implicit {
		return e.bo().AppendUint32(b, length)
	}
	b = append(b, vr...)
	switch vr {
	case "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV":
		b = append(b, 0, 0)
		return e.bo().AppendUint32(b, length)
	}
	return e.bo().AppendUint16(b, uint16(length))
}

// El writes an element with value v (not padded).
func (e Enc) El(t uint32, vr string, v []byte) []byte {
	return append(e.Header(t, vr, uint32(len(v))), v...)
}

// Str writes a string element padded to even length (UI with a zero byte,
// others with a space); several values are joined with '\'.
func (e Enc) Str(t uint32, vr string, vals ...string) []byte {
	s := strings.Join(vals, `\`)
	if len(s)%2 == 1 {
		if vr == "UI" {
			s += "\x00"
		} else {
			s += " "
		}
	}
	return e.El(t, vr, []byte(s))
}

// US writes unsigned shorts.
func (e Enc) US(t uint32, vals ...uint16) []byte {
	var v []byte
	for _, x := range vals {
		v = e.bo().AppendUint16(v, x)
	}
	return e.El(t, "US", v)
}

// Item writes a sequence item holding the given elements, of defined or
// undefined length.
func (e Enc) Item(defined bool, elems ...[]byte) []byte {
	body := join(elems)
	if defined {
		return append(append(e.Tag(0xFFFEE000), e.bo().AppendUint32(nil, uint32(len(body)))...), body...)
	}
	b := append(e.Tag(0xFFFEE000), e.bo().AppendUint32(nil, Undefined)...)
	b = append(b, body...)
	return append(append(b, e.Tag(0xFFFEE00D)...), 0, 0, 0, 0)
}

// Seq writes a sequence of items (from Item), of defined or undefined
// length.
func (e Enc) Seq(t uint32, defined bool, items ...[]byte) []byte {
	body := join(items)
	if defined {
		return append(e.Header(t, "SQ", uint32(len(body))), body...)
	}
	b := append(e.Header(t, "SQ", Undefined), body...)
	return append(append(b, e.Tag(0xFFFEE0DD)...), 0, 0, 0, 0)
}

// Encapsulated writes pixel data as fragments: an empty offset table, then
// one fragment per frame.
func (e Enc) Encapsulated(frames ...[]byte) []byte {
	b := e.Header(0x7FE00010, "OB", Undefined)
	b = append(append(b, e.Tag(0xFFFEE000)...), 0, 0, 0, 0)
	for _, f := range frames {
		b = append(append(b, e.Tag(0xFFFEE000)...), e.bo().AppendUint32(nil, uint32(len(f)))...)
		b = append(b, f...)
	}
	return append(append(b, e.Tag(0xFFFEE0DD)...), 0, 0, 0, 0)
}

// Part10 writes a file: preamble, "DICM", meta information (explicit VR
// little endian, with group length) naming the transfer syntax, SOP class
// and instance, then the data set as given (already encoded, or deflated,
// as ts requires).
func Part10(ts, sopClass, sopInstance string, dataset []byte) []byte {
	var le Enc
	meta := join([][]byte{
		le.El(0x00020001, "OB", []byte{0, 1}),
		le.Str(0x00020002, "UI", sopClass),
		le.Str(0x00020003, "UI", sopInstance),
		le.Str(0x00020010, "UI", ts),
		le.Str(0x00020012, "UI", "1.2.826.0.1.3680043.9.7433.1.1"),
	})
	b := make([]byte, 128, 128+4+12+len(meta)+len(dataset))
	b = append(b, "DICM"...)
	b = append(b, le.El(0x00020000, "UL", binary.LittleEndian.AppendUint32(nil, uint32(len(meta))))...)
	b = append(b, meta...)
	return append(b, dataset...)
}

func join(parts [][]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	b := make([]byte, 0, n)
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// Join concatenates encoded elements into a data set.
func Join(parts ...[]byte) []byte { return join(parts) }

// Ref is a file a DICOMDIR references: its path components (as in
// ReferencedFileID, e.g. "DICOM", "IM000001") and SOP instance.
type Ref struct {
	Path []string
	SOP  string
}

// Directory writes a minimal DICOMDIR (explicit VR little endian) with
// one IMAGE record per reference. Enough for a reader of references; it
// lacks the PATIENT/STUDY/SERIES hierarchy and record offsets a full
// media application profile requires.
func Directory(refs ...Ref) []byte {
	var e Enc
	var items [][]byte
	for _, r := range refs {
		items = append(items, e.Item(false,
			e.El(0x00041400, "UL", []byte{0, 0, 0, 0}),
			e.US(0x00041410, 0xFFFF),
			e.El(0x00041420, "UL", []byte{0, 0, 0, 0}),
			e.Str(0x00041430, "CS", "IMAGE"),
			e.Str(0x00041500, "CS", r.Path...),
			e.Str(0x00041510, "UI", "1.2.840.10008.5.1.4.1.1.4"),
			e.Str(0x00041511, "UI", r.SOP),
			e.Str(0x00041512, "UI", ExplicitLE),
		))
	}
	ds := Join(
		e.Str(0x00041130, "CS", "AKTE TEST"),
		e.El(0x00041200, "UL", []byte{0, 0, 0, 0}),
		e.El(0x00041202, "UL", []byte{0, 0, 0, 0}),
		e.US(0x00041212, 0),
		e.Seq(0x00041220, false, items...),
	)
	return Part10(ExplicitLE, "1.2.840.10008.1.3.10", "1.2.826.0.1.3680043.10.543.9", ds)
}
