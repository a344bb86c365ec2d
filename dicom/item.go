package dicom

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"

	"github.com/akte/akte"
)

// A study item's content (docs/dicom.md §2): a head, the manifest, then
// the instances. The head is the 8 bytes "AKTEDS01" and the manifest's
// length as a 4-byte big-endian number; the manifest's offsets count from
// the first byte after it. The manifest travels inside the sealed stream
// rather than in the item's metadata because a CT's manifest is larger
// than metadata may be (64 KiB), and because a viewer reads it with the
// first segment and then fetches instances by range (decision 0038).
const (
	// StudyMediaType is the media type a study item's sealed metadata
	// names; clients open such an item as a study, not as a file.
	StudyMediaType = "application/vnd.akte.dicom-study"
	studyMagic     = "AKTEDS01"
	studyHeadSize  = len(studyMagic) + 4
)

// StudyItem is a scanned study laid out as an item's content.
type StudyItem struct {
	Manifest *Manifest
	study    *Study
	head     []byte // head and manifest
}

// NewStudyItem lays out a scanned study: its manifest, and a content
// stream that Open produces as often as needed.
func NewStudyItem(s *Study) (*StudyItem, error) {
	m, err := NewManifest(s)
	if err != nil {
		return nil, err
	}
	b, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	head := make([]byte, studyHeadSize, studyHeadSize+len(b))
	copy(head, studyMagic)
	binary.BigEndian.PutUint32(head[len(studyMagic):], uint32(len(b)))
	return &StudyItem{Manifest: m, study: s, head: append(head, b...)}, nil
}

// Head is the start of the content stream: the head and the manifest. The
// instances' bytes follow it, in the order of Paths.
func (it *StudyItem) Head() []byte { return it.head }

// Paths lists the instances' files in the order their bytes follow the
// head, with their sizes.
func (it *StudyItem) Paths() (paths []string, sizes []int64) {
	for _, se := range it.study.Series {
		for _, in := range se.Instances {
			paths, sizes = append(paths, in.Path), append(sizes, in.Size)
		}
	}
	return paths, sizes
}

// Size is the number of bytes Open produces.
func (it *StudyItem) Size() int64 { return int64(len(it.head)) + it.Manifest.Size }

// Open returns the content stream from its start: the head, the manifest,
// and the instances' bytes as Study.Content reads them.
func (it *StudyItem) Open() (io.ReadCloser, error) {
	c := it.study.Content()
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(it.head), c), c}, nil
}

// OpenStudyItem reads the head and the manifest of a study item's content
// of size bytes (a seal.ReaderAt, or a file the content was written to)
// and returns the manifest and the instances' part of the stream, which
// the manifest's offsets address. It checks the manifest as ParseManifest
// does and that it covers exactly the rest of the stream.
func OpenStudyItem(r io.ReaderAt, size int64) (*Manifest, *io.SectionReader, error) {
	const op = "dicom.OpenStudyItem"
	notStudy := func() error {
		return invalid(op, "dicom_study_invalid", nil, "not the content of a study item")
	}
	if size < int64(studyHeadSize) {
		return nil, nil, notStudy()
	}
	head := make([]byte, studyHeadSize)
	if _, err := r.ReadAt(head, 0); err != nil {
		return nil, nil, err
	}
	if string(head[:len(studyMagic)]) != studyMagic {
		return nil, nil, notStudy()
	}
	n := int64(binary.BigEndian.Uint32(head[len(studyMagic):]))
	if n > MaxManifestSize {
		return nil, nil, tooLarge(op, "dicom_manifest_too_large", MaxManifestSize, "manifest too large")
	}
	if n == 0 || int64(studyHeadSize)+n > size {
		return nil, nil, notStudy()
	}
	b := make([]byte, n)
	if _, err := r.ReadAt(b, int64(studyHeadSize)); err != nil {
		return nil, nil, err
	}
	m, err := ParseManifest(b)
	if err != nil {
		return nil, nil, err
	}
	start := int64(studyHeadSize) + n
	if rest := size - start; rest != m.Size {
		return nil, nil, akte.R(op, akte.KindInvalid, "dicom_content_size", map[string]any{"size": rest, "manifest": m.Size},
			"content size differs from the manifest")
	}
	return m, io.NewSectionReader(r, start, m.Size), nil
}

// WriteStudyFiles writes a study item's instances back as files under dir
// (WriteFiles), from its content of size bytes.
func WriteStudyFiles(ctx context.Context, r io.ReaderAt, size int64, dir string) (*Manifest, []string, error) {
	m, inst, err := OpenStudyItem(r, size)
	if err != nil {
		return nil, nil, err
	}
	files, err := WriteFiles(ctx, inst, inst.Size(), m, dir)
	return m, files, err
}
