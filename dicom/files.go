package dicom

import (
	"context"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/akte/akte"
)

// File is where an instance of a study goes when the study is written
// back as files.
type File struct {
	// Path is "<SeriesUID>/<SOPInstanceUID>.dcm", slash-separated, with
	// the UIDs made safe as file names and unique even on file systems
	// that ignore case.
	Path   string
	Series string // SeriesInstanceUID
	UID    string // SOPInstanceUID
	Offset int64  // in the content stream
	Length int64
}

// Files returns the files of a study, in the manifest's order.
func (m *Manifest) Files() []File {
	files := make([]File, 0, m.Instances())
	dirs := map[string]bool{}
	for _, s := range m.Series {
		dir := unique(safeName(s.UID), "", dirs)
		names := map[string]bool{}
		for _, in := range s.Instances {
			name := unique(safeName(in.UID), ".dcm", names)
			files = append(files, File{Path: dir + "/" + name, Series: s.UID, UID: in.UID, Offset: in.Offset, Length: in.Length})
		}
	}
	return files
}

// unique returns name+ext, or name~N+ext if that was taken (ignoring case).
func unique(name, ext string, taken map[string]bool) string {
	s := name + ext
	for i := 2; taken[strings.ToLower(s)]; i++ {
		s = name + "~" + strconv.Itoa(i) + ext
	}
	taken[strings.ToLower(s)] = true
	return s
}

// safeName makes a UID usable as a file name on every common system.
// Proper UIDs (digits and dots) stay as they are; anything but letters,
// digits, dot, dash and underscore becomes an underscore, and names that
// are hidden, special or reserved on Windows get an underscore in front.
func safeName(uid string) string {
	b := []byte(uid)
	for i, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	s := string(b)
	if s == "" || s[0] == '.' || s[0] == '-' {
		s = "_" + s
	}
	if strings.HasSuffix(s, ".") {
		s = s[:len(s)-1] + "_"
	}
	base, _, _ := strings.Cut(strings.ToUpper(s), ".")
	switch base {
	case "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
		"LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9":
		s = "_" + s
	}
	return s
}

// WriteFiles writes the instances of a study back as files under dir, as
// Files names them, byte for byte as they were imported. r holds the
// study's content stream of size bytes (a seal.ReaderAt, for example),
// which must be the manifest's Size. Each file is written under a
// temporary name and renamed when complete, so a failure (a segment that
// does not authenticate) leaves no partial file under a final name.
// WriteFiles returns the paths written. Folders are made private to the
// user (0700), files too (0600): they hold health data.
func WriteFiles(ctx context.Context, r io.ReaderAt, size int64, m *Manifest, dir string) ([]string, error) {
	const op = "dicom.WriteFiles"
	if size != m.Size {
		return nil, akte.R(op, akte.KindInvalid, "dicom_content_size", map[string]any{"size": size, "manifest": m.Size},
			"content size differs from the manifest")
	}
	var written []string
	for _, f := range m.Files() {
		if err := ctx.Err(); err != nil {
			return written, err
		}
		dst := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return written, err
		}
		if err := writeFile(dst, io.NewSectionReader(r, f.Offset, f.Length), f.Length); err != nil {
			return written, err
		}
		written = append(written, dst)
	}
	return written, nil
}

func writeFile(dst string, src io.Reader, n int64) error {
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+path.Base(filepath.ToSlash(dst))+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	m, err := io.Copy(tmp, src)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && m != n {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}
