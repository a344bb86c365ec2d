package dicom

import (
	"archive/zip"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"

	"github.com/akte/akte"
)

// OpenZip returns the entries of a ZIP of size bytes in r as a file system
// for Scan, read in place (nothing is extracted). It refuses archives with
// more than Limits.MaxFiles entries or more than Limits.MaxZipSize bytes
// uncompressed in all (KindTooLarge), before it reads their directory.
// Entries that cannot be read safely fail to open with an error whose
// Reason Scan lists: zip_ratio (compressed more than Limits.MaxZipRatio
// times, a decompression bomb), zip_encrypted, zip_method (a compression
// other than store or deflate). Reading an entry never yields more than
// its declared size (archive/zip checks that, and its CRC at the end).
func OpenZip(r io.ReaderAt, size int64, lim Limits) (fs.FS, error) {
	const op = "dicom.OpenZip"
	lim = lim.orDefault()
	if n, cd, ok := zipDirectory(r, size); ok {
		if n > uint64(lim.MaxFiles) || cd > uint64(lim.MaxFiles)*(46+65535) {
			return nil, tooLarge(op, "dicom_too_many_files", lim.MaxFiles, "too many files")
		}
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		// Insecure names do not matter: nothing is extracted.
		e := invalid(op, "zip_invalid", nil, "not a readable ZIP")
		e.Err = err
		return nil, e
	}
	if len(zr.File) > lim.MaxFiles {
		return nil, tooLarge(op, "dicom_too_many_files", lim.MaxFiles, "too many files")
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > uint64(lim.MaxZipSize) || f.UncompressedSize64 > uint64(lim.MaxZipSize) {
			return nil, tooLarge(op, "zip_too_large", lim.MaxZipSize, "ZIP too large uncompressed")
		}
	}
	return &zipFS{zr: zr, lim: lim}, nil
}

// zipDirectory reads the entry count and central directory size from the
// end of a ZIP (APPNOTE 4.3.16, and 4.3.14 for ZIP64), so that a huge
// directory is refused before archive/zip allocates for it.
func zipDirectory(r io.ReaderAt, size int64) (entries, cdSize uint64, ok bool) {
	const eocdLen, maxComment = 22, 65535
	tail := make([]byte, min(size, eocdLen+maxComment))
	if _, err := r.ReadAt(tail, size-int64(len(tail))); err != nil && err != io.EOF {
		return 0, 0, false
	}
	le := binary.LittleEndian
	for i := len(tail) - eocdLen; i >= 0; i-- {
		if le.Uint32(tail[i:]) != 0x06054b50 {
			continue
		}
		e := tail[i:]
		entries, cdSize = uint64(le.Uint16(e[10:])), uint64(le.Uint32(e[12:]))
		if entries != 0xFFFF && cdSize != 0xFFFFFFFF {
			return entries, cdSize, true
		}
		// ZIP64: the locator precedes the end record and points to the
		// ZIP64 end record.
		at := size - int64(len(tail)) + int64(i) - 20
		var loc [20]byte
		if at < 0 || readFull(r, loc[:], at) != nil || le.Uint32(loc[:]) != 0x07064b50 {
			return 0, 0, false
		}
		var z [56]byte
		off := le.Uint64(loc[8:])
		if off > uint64(size) || readFull(r, z[:], int64(off)) != nil || le.Uint32(z[:]) != 0x06064b50 {
			return 0, 0, false
		}
		return le.Uint64(z[32:]), le.Uint64(z[40:]), true
	}
	return 0, 0, false
}

func readFull(r io.ReaderAt, p []byte, off int64) error {
	_, err := r.ReadAt(p, off)
	if err == io.EOF {
		err = nil
	}
	return err
}

type zipFS struct {
	zr  *zip.Reader
	lim Limits
}

// Open opens an entry after checking its header.
func (z *zipFS) Open(name string) (fs.File, error) {
	const op = "dicom.OpenZip"
	f, err := z.zr.Open(name)
	if errors.Is(err, zip.ErrAlgorithm) {
		return nil, invalid(op, "zip_method", nil, "unsupported compression method")
	}
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if fh, ok := st.Sys().(*zip.FileHeader); ok && !st.IsDir() {
		var reason string
		switch {
		case fh.Flags&0x1 != 0:
			reason = "zip_encrypted"
		case fh.UncompressedSize64 > 1<<20 && fh.UncompressedSize64/max(fh.CompressedSize64, 1) > uint64(z.lim.MaxZipRatio):
			reason = "zip_ratio"
		}
		if reason != "" {
			f.Close()
			return nil, invalid(op, reason, nil, "ZIP entry not read")
		}
	}
	return f, nil
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

// OpenSource opens what a person points the importer at: a folder (a
// mounted CD, or its copy) or a ZIP file. Close the returned io.Closer
// after the last use of the file system, which Study.Content reads from.
func OpenSource(path string, lim Limits) (fs.FS, io.Closer, error) {
	const op = "dicom.OpenSource"
	notFound := func(err error) error {
		e := akte.R(op, akte.KindNotFound, "dicom_source_unreadable", nil, "cannot open the source")
		e.Err = err
		return e
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, notFound(err)
	}
	if st.IsDir() {
		return os.DirFS(path), nopCloser{}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, notFound(err)
	}
	fsys, err := OpenZip(f, st.Size(), lim)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return fsys, f, nil
}

// ZipEntry says where an entry's bytes lie in a ZIP that OpenZip opened,
// for a reader that takes them from the archive itself (the browser reads
// a stored entry as a slice of the file and inflates a deflated one).
type ZipEntry struct {
	Offset         int64  // of the entry's data in the archive
	CompressedSize int64  // bytes there
	Size           int64  // bytes once inflated
	Method         uint16 // zip.Store or zip.Deflate
}

// ZipEntryOf returns the layout of the entry name of a file system that
// OpenZip returned; ok is false for any other file system or name.
func ZipEntryOf(fsys fs.FS, name string) (e ZipEntry, ok bool) {
	z, isZip := fsys.(*zipFS)
	if !isZip {
		return e, false
	}
	for _, f := range z.zr.File {
		if f.Name != name {
			continue
		}
		off, err := f.DataOffset()
		if err != nil || (f.Method != zip.Store && f.Method != zip.Deflate) {
			return e, false
		}
		return ZipEntry{Offset: off, CompressedSize: int64(f.CompressedSize64), Size: int64(f.UncompressedSize64), Method: f.Method}, true
	}
	return e, false
}
