package dicom

import (
	"bufio"
	"compress/flate"
	"encoding/binary"
	"errors"
	"io"

	"github.com/akte/akte"
	"github.com/suyashkumar/dicom/pkg/tag"
)

// This file is the structural walker: it reads a data set element by
// element without interpreting values, checks every length against its
// container and the input, bounds nesting, element counts and bytes read,
// and collects the raw bytes of the few elements the caller wants. It is
// iterative (an explicit stack), so no input can make it recurse.

// encoding is how a data set is written.
type encoding struct {
	bo       binary.ByteOrder
	implicit bool
}

var (
	implicitLE = encoding{binary.LittleEndian, true}
	explicitLE = encoding{binary.LittleEndian, false}
	explicitBE = encoding{binary.BigEndian, false}
)

// Transfer syntaxes whose data set is not explicit VR little endian, or
// not stored as is.
const (
	tsImplicitLE = "1.2.840.10008.1.2"
	tsExplicitLE = "1.2.840.10008.1.2.1"
	tsDeflatedLE = "1.2.840.10008.1.2.1.99"
	tsExplicitBE = "1.2.840.10008.1.2.2"
)

const (
	tagItem         uint32 = 0xFFFEE000
	tagItemDelim    uint32 = 0xFFFEE00D
	tagSeqDelim     uint32 = 0xFFFEE0DD
	tagPixelData    uint32 = 0x7FE00010
	undefinedLength uint32 = 0xFFFFFFFF

	// maxCollected is the largest value collected for decoding; the tags
	// we read are short strings and numbers.
	maxCollected = 64 << 10
)

// input reads a data set and counts what it consumed.
type input struct {
	r   *bufio.Reader
	pos int64 // bytes consumed
	end int64 // bytes available, -1 if unknown (deflated)
	max int64 // bytes that may be consumed
	// budget, if set, is what a whole scan may still consume; shared by
	// the inputs of its files.
	budget *int64
	op     string
	hdr    [12]byte
}

// take accounts for n bytes about to be consumed.
func (in *input) take(n int64) error {
	if in.pos+n > in.max {
		return tooLarge(in.op, "dicom_header_too_large", in.max, "too many bytes before the pixel data")
	}
	if in.budget != nil {
		if *in.budget < n {
			return akte.R(in.op, akte.KindTooLarge, "dicom_scan_too_large", nil, "too many bytes to read in all")
		}
		*in.budget -= n
	}
	return nil
}

// fileError turns what a broken file does to a reader into our error:
// an early end, or a deflated stream that does not inflate. Other errors
// (the disk's) pass unchanged.
func (in *input) fileError(err error) error {
	var corrupt flate.CorruptInputError
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return in.errTruncated()
	case errors.As(err, &corrupt):
		e := invalid(in.op, "dicom_bad_deflate", nil, "deflated data set does not inflate")
		e.Err = err
		return e
	}
	return err
}

func (in *input) errTruncated() error {
	return invalid(in.op, "dicom_truncated", nil, "file ends inside a data element")
}

// read fills p, failing if that would pass max or the input ends.
func (in *input) read(p []byte) error {
	if err := in.take(int64(len(p))); err != nil {
		return err
	}
	n, err := io.ReadFull(in.r, p)
	in.pos += int64(n)
	if err != nil {
		return in.fileError(err)
	}
	return nil
}

// skip consumes n bytes.
func (in *input) skip(n int64) error {
	if err := in.take(n); err != nil {
		return err
	}
	for n > 0 {
		k, err := in.r.Discard(int(min(n, 1<<20)))
		in.pos += int64(k)
		n -= int64(k)
		if err != nil {
			return in.fileError(err)
		}
	}
	return nil
}

// atEnd reports whether the input has no more bytes.
func (in *input) atEnd() (bool, error) {
	if in.end >= 0 {
		return in.pos >= in.end, nil
	}
	_, err := in.r.Peek(1)
	if err == io.EOF {
		return true, nil
	}
	if err != nil {
		return false, in.fileError(err)
	}
	return false, nil
}

// validVR reports whether b is two upper-case letters, as every explicit
// VR is.
func validVR(b []byte) bool {
	return len(b) == 2 && b[0] >= 'A' && b[0] <= 'Z' && b[1] >= 'A' && b[1] <= 'Z'
}

// longVR reports whether an explicit VR has a 4-byte length (PS3.5 7.1.2).
func longVR(vr string) bool {
	switch vr {
	case "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV":
		return true
	}
	return false
}

// dictVR is the VR of a tag in implicit VR, from the dictionary ("UN" for
// unknown and private tags).
func dictVR(t uint32) string {
	info, err := tag.Find(tag.Tag{Group: uint16(t >> 16), Element: uint16(t)})
	if err != nil || len(info.VRs) == 0 {
		return "UN"
	}
	return info.VRs[0]
}

// dictHasVR reports whether vr is one the dictionary allows for t. Only
// such elements are handed to the value decoder, whose idea of where an
// element ends then matches ours.
func dictHasVR(t uint32, vr string) bool {
	info, err := tag.Find(tag.Tag{Group: uint16(t >> 16), Element: uint16(t)})
	if err != nil {
		return false
	}
	for _, v := range info.VRs {
		if v == vr {
			return true
		}
	}
	return false
}

// fits reports whether n more bytes fit before bound (-1: no bound).
func fits(in *input, bound, n int64) bool { return bound < 0 || n <= bound-in.pos }

// element is a collected data element.
type element struct {
	tag uint32
	vr  string // as written, or from the dictionary in implicit VR
	raw []byte // as in the file: header, then value
	n   int    // header length
}

func (e *element) value() []byte { return e.raw[e.n:] }

type frame struct {
	seq    bool  // a sequence (holds items) or an item (holds elements)
	end    int64 // position where a defined length ends, -1 if undefined
	enc    encoding
	record bool // an item of the record sequence, or the sequence itself
}

// walker walks one data set.
type walker struct {
	in   *input
	enc  encoding
	lim  *Limits
	op   string
	elem int

	// wantTop selects top-level elements to collect into top.
	wantTop func(t uint32) bool
	top     []element
	// recordSeq names a top-level sequence whose items are records; the
	// elements wantRecord selects in each item go to records[i].
	recordSeq  uint32
	wantRecord func(t uint32) bool
	records    [][]element

	pixel       bool   // stopped at top-level pixel data
	pixelOffset int64  // where its element starts
	pixelLength uint32 // its value length (undefinedLength: encapsulated)
}

func (w *walker) bad(reason, msg string) error {
	return invalid(w.op, reason, nil, msg)
}

func (w *walker) u16(b []byte, enc encoding) uint32 { return uint32(enc.bo.Uint16(b)) }
func (w *walker) u32(b []byte, enc encoding) uint32 { return enc.bo.Uint32(b) }

// count counts an element against the limit.
func (w *walker) count() error {
	w.elem++
	if w.elem > w.lim.MaxElements {
		return tooLarge(w.op, "dicom_too_many_elements", w.lim.MaxElements, "too many data elements")
	}
	return nil
}

// walk reads the data set to its end or to top-level pixel data.
func (w *walker) walk() error {
	var stack []frame
	seqDepth := 0
	in := w.in
	for {
		for len(stack) > 0 {
			f := stack[len(stack)-1]
			if f.end < 0 || in.pos < f.end {
				break
			}
			if f.seq {
				seqDepth--
			}
			stack = stack[:len(stack)-1]
		}
		enc := w.enc
		bound := in.end
		for i := len(stack) - 1; i >= 0; i-- {
			if stack[i].end >= 0 {
				bound = stack[i].end
				break
			}
		}
		if len(stack) > 0 {
			enc = stack[len(stack)-1].enc
		} else if end, err := in.atEnd(); err != nil {
			return err
		} else if end {
			return nil
		}
		if !fits(in, bound, 4) {
			return w.bad("dicom_length_beyond_end", "data element crosses the end of its container")
		}
		h := in.hdr[:]
		if err := in.read(h[:4]); err != nil {
			return err
		}
		if err := w.count(); err != nil {
			return err
		}
		t := w.u16(h[0:2], enc)<<16 | w.u16(h[2:4], enc)
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}

		if t == tagItem || t == tagItemDelim || t == tagSeqDelim {
			if !fits(in, bound, 4) {
				return w.bad("dicom_length_beyond_end", "data element crosses the end of its container")
			}
			if err := in.read(h[4:8]); err != nil {
				return err
			}
			vl := w.u32(h[4:8], enc)
			switch t {
			case tagItem:
				if top == nil || !top.seq {
					return w.bad("dicom_bad_structure", "item outside a sequence")
				}
				f := frame{end: -1, enc: top.enc, record: top.record}
				if vl != undefinedLength {
					if !fits(in, bound, int64(vl)) {
						return w.bad("dicom_length_beyond_end", "item crosses the end of its container")
					}
					f.end = in.pos + int64(vl)
				}
				if f.record {
					w.records = append(w.records, nil)
				}
				stack = append(stack, f)
			case tagItemDelim:
				if top == nil || top.seq || top.end >= 0 || vl != 0 {
					return w.bad("dicom_bad_structure", "misplaced item delimiter")
				}
				stack = stack[:len(stack)-1]
			case tagSeqDelim:
				if top == nil || !top.seq || top.end >= 0 || vl != 0 {
					return w.bad("dicom_bad_structure", "misplaced sequence delimiter")
				}
				seqDepth--
				stack = stack[:len(stack)-1]
			}
			continue
		}
		if top != nil && top.seq {
			return w.bad("dicom_bad_structure", "data element directly in a sequence")
		}

		// A data element: VR and length.
		n := 8
		var vr string
		var vl uint32
		if enc.implicit {
			if !fits(in, bound, 4) {
				return w.bad("dicom_length_beyond_end", "data element crosses the end of its container")
			}
			if err := in.read(h[4:8]); err != nil {
				return err
			}
			vl = w.u32(h[4:8], enc)
			vr = dictVR(t)
		} else {
			if !fits(in, bound, 4) {
				return w.bad("dicom_length_beyond_end", "data element crosses the end of its container")
			}
			if err := in.read(h[4:8]); err != nil {
				return err
			}
			if !validVR(h[4:6]) {
				return w.bad("dicom_bad_vr", "invalid value representation")
			}
			vr = string(h[4:6])
			if longVR(vr) {
				if !fits(in, bound, 4) {
					return w.bad("dicom_length_beyond_end", "data element crosses the end of its container")
				}
				if err := in.read(h[8:12]); err != nil {
					return err
				}
				vl = w.u32(h[8:12], enc)
				n = 12
			} else {
				vl = w.u16(h[6:8], enc)
			}
		}

		if t == tagPixelData && top == nil {
			if vl != undefinedLength && !fits(in, bound, int64(vl)) {
				return w.bad("dicom_length_beyond_end", "pixel data longer than the file")
			}
			w.pixel, w.pixelOffset, w.pixelLength = true, in.pos-int64(n), vl
			return nil
		}

		if vr == "SQ" || (vl == undefinedLength && vr == "UN") {
			if seqDepth >= w.lim.MaxDepth {
				return tooLarge(w.op, "dicom_nesting_too_deep", w.lim.MaxDepth, "sequences nested too deeply")
			}
			f := frame{seq: true, end: -1, enc: enc, record: top == nil && t == w.recordSeq && w.recordSeq != 0}
			if vr == "UN" {
				// PS3.5 6.2.2: a UN value of undefined length is a
				// sequence in implicit VR little endian.
				f.enc = implicitLE
			}
			if vl != undefinedLength {
				if !fits(in, bound, int64(vl)) {
					return w.bad("dicom_length_beyond_end", "sequence crosses the end of its container")
				}
				f.end = in.pos + int64(vl)
			}
			seqDepth++
			stack = append(stack, f)
			continue
		}
		if vl == undefinedLength {
			if vr != "OB" && vr != "OW" && t != tagPixelData {
				return w.bad("dicom_bad_structure", "undefined length on a value that cannot have one")
			}
			if err := w.fragments(enc, bound); err != nil {
				return err
			}
			continue
		}
		if !fits(in, bound, int64(vl)) {
			return w.bad("dicom_length_beyond_end", "value crosses the end of its container")
		}

		var dst *[]element
		switch {
		case top == nil && w.wantTop != nil && w.wantTop(t):
			dst = &w.top
		case top != nil && top.record && len(stack) == 2 && w.wantRecord != nil && w.wantRecord(t):
			dst = &w.records[len(w.records)-1]
		}
		if dst != nil && vl <= maxCollected && enc == w.enc && (enc.implicit || dictHasVR(t, vr)) {
			raw := make([]byte, n+int(vl))
			copy(raw, h[:n])
			if err := in.read(raw[n:]); err != nil {
				return err
			}
			*dst = append(*dst, element{tag: t, vr: vr, raw: raw, n: n})
			continue
		}
		if err := in.skip(int64(vl)); err != nil {
			return err
		}
	}
}

// fragments walks an encapsulated value: items of defined length up to a
// sequence delimiter (PS3.5 A.4).
func (w *walker) fragments(enc encoding, bound int64) error {
	in := w.in
	h := in.hdr[:8]
	for {
		if !fits(in, bound, 8) {
			return w.bad("dicom_length_beyond_end", "fragment crosses the end of its container")
		}
		if err := in.read(h); err != nil {
			return err
		}
		if err := w.count(); err != nil {
			return err
		}
		t := w.u16(h[0:2], enc)<<16 | w.u16(h[2:4], enc)
		vl := w.u32(h[4:8], enc)
		if t == tagSeqDelim {
			if vl != 0 {
				return w.bad("dicom_bad_structure", "misplaced sequence delimiter")
			}
			return nil
		}
		if t != tagItem || vl == undefinedLength {
			return w.bad("dicom_bad_structure", "encapsulated value holds something other than fragments")
		}
		if !fits(in, bound, int64(vl)) {
			return w.bad("dicom_length_beyond_end", "fragment crosses the end of its container")
		}
		if err := in.skip(int64(vl)); err != nil {
			return err
		}
	}
}
