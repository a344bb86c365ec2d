package dicomtest

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
)

// CT describes a synthetic CT study: Slices axial images of Size × Size
// pixels of 16 bits (12 stored, Hounsfield units + 1024), written as
// uncompressed explicit VR little endian files of about 2·Size² bytes each.
// The default, 500 slices of 512 × 512, is about 250 MiB (262 MiB), the
// size of a real CT on a patient's CD.
type CT struct {
	Slices int    // default 500
	Size   int    // rows and columns, default 512
	Seed   string // makes the UIDs; the same seed gives the same study
	// Patient name (DICOM PN, written in ISO 8859-1) and birth date (DA).
	PatientName, BirthDate string
}

// SOP class and UID root of the generated study.
const (
	CTImageStorage = "1.2.840.10008.5.1.4.1.1.2"
)

// UID derives a UID under 2.25 (ISO/IEC 9834-8, a UUID as an integer) from
// a seed and a name, so that generated studies are reproducible.
func UID(seed, name string) string {
	h := sha256.Sum256([]byte(seed + "\x00" + name))
	return "2.25." + new(big.Int).SetBytes(h[:16]).String()
}

// WriteCT writes the study as files CT000001.dcm ... into dir and returns
// their paths. It writes at disk speed: a phantom (an ellipse of soft
// tissue with two lungs and a spine) computed once per slice row pattern.
func WriteCT(dir string, c CT) ([]string, error) {
	if c.Slices <= 0 {
		c.Slices = 500
	}
	if c.Size <= 0 {
		c.Size = 512
	}
	if c.Seed == "" {
		c.Seed = "akte synthetic ct"
	}
	if c.PatientName == "" {
		c.PatientName = "Müller^Jürgen"
	}
	if c.BirthDate == "" {
		c.BirthDate = "19580321"
	}
	study, series := UID(c.Seed, "study"), UID(c.Seed, "series")
	n := c.Size
	pixels := make([]byte, 2*n*n)
	var paths []string
	for i := range c.Slices {
		sop := UID(c.Seed, "instance "+strconv.Itoa(i))
		z := fmt.Sprint(-float64(i)*1.25 + 0) // + 0: no "-0"
		phantom(pixels, n, i, c.Slices)
		var e Enc
		ds := Join(
			e.Str(0x00080005, "CS", "ISO_IR 100"),
			e.Str(0x00080008, "CS", "ORIGINAL", "PRIMARY", "AXIAL"),
			e.Str(0x00080016, "UI", CTImageStorage),
			e.Str(0x00080018, "UI", sop),
			e.Str(0x00080020, "DA", "20240115"),
			e.Str(0x00080030, "TM", "101500"),
			e.Str(0x00080050, "SH", "ACC0001"),
			e.Str(0x00080060, "CS", "CT"),
			e.Str(0x00080080, "LO", latin1("Radiologie Musterstadt")),
			e.Str(0x00081030, "LO", latin1("CT Thorax")),
			e.Str(0x0008103E, "LO", latin1("Thorax 1.25 mm")),
			e.Str(0x00100010, "PN", latin1(c.PatientName)),
			e.Str(0x00100020, "LO", "PID-4711"),
			e.Str(0x00100030, "DA", c.BirthDate),
			e.Str(0x00100040, "CS", "M"),
			e.Str(0x00180015, "CS", "CHEST"),
			e.Str(0x00180050, "DS", "1.25"),
			e.Str(0x0020000D, "UI", study),
			e.Str(0x0020000E, "UI", series),
			e.Str(0x00200011, "IS", "2"),
			e.Str(0x00200013, "IS", strconv.Itoa(i+1)),
			e.Str(0x00200032, "DS", "-250", "-250", z),
			e.Str(0x00200037, "DS", "1", "0", "0", "0", "1", "0"),
			e.Str(0x00201041, "DS", z),
			e.US(0x00280002, 1),
			e.Str(0x00280004, "CS", "MONOCHROME2"),
			e.US(0x00280010, uint16(n)),
			e.US(0x00280011, uint16(n)),
			e.Str(0x00280030, "DS", "0.9765625", "0.9765625"),
			e.US(0x00280100, 16),
			e.US(0x00280101, 12),
			e.US(0x00280102, 11),
			e.US(0x00280103, 0),
			e.Str(0x00281050, "DS", "40", "-600"),
			e.Str(0x00281051, "DS", "400", "1500"),
			e.Str(0x00281052, "DS", "-1024"),
			e.Str(0x00281053, "DS", "1"),
			e.Header(0x7FE00010, "OW", uint32(len(pixels))),
		)
		p := filepath.Join(dir, fmt.Sprintf("CT%06d.dcm", i+1))
		if err := writeFile(p, Part10(ExplicitLE, CTImageStorage, sop, ds), pixels); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

func writeFile(p string, head, body []byte) error {
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.Write(head)
	w.Write(body)
	err = w.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// phantom draws slice i of m into pix (n × n, little endian): air 0,
// soft tissue ~1064, lungs ~200, spine ~1700, with a little noise.
func phantom(pix []byte, n, i, m int) {
	h := float64(n) / 2
	scale := 0.85 + 0.1*float64(i)/float64(max(m, 1)) // the body widens along z
	rnd := uint32(2463534242 + i)
	for y := range n {
		dy := (float64(y) - h) / h
		for x := range n {
			dx := (float64(x) - h) / h
			v := 0
			switch {
			case (dx*dx)/(0.9*0.9*scale*scale)+(dy*dy)/(0.65*0.65*scale*scale) > 1:
				v = 0
			case (dx*dx + (dy+0.45)*(dy+0.45)) < 0.01:
				v = 1700 // spine
			case ((dx-0.35)*(dx-0.35)+dy*dy)/(0.25*0.25) < 1 || ((dx+0.35)*(dx+0.35)+dy*dy)/(0.25*0.25) < 1:
				v = 200 // lungs
			default:
				v = 1064
			}
			if v > 0 {
				rnd ^= rnd << 13
				rnd ^= rnd >> 17
				rnd ^= rnd << 5
				v += int(rnd%41) - 20
			}
			binary.LittleEndian.PutUint16(pix[2*(y*n+x):], uint16(v))
		}
	}
}

// latin1 encodes text in ISO 8859-1 (as "ISO_IR 100" declares), so that
// the importer's character set decoding is exercised.
func latin1(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF {
			r = '?'
		}
		b = append(b, byte(r))
	}
	return string(b)
}
