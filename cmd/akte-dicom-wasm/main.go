//go:build js && wasm

// Command akte-dicom-wasm reads a patient CD in the browser with the Go
// code the CLI runs (package dicom: dicom.Scan, dicom.NewStudyItem; docs/dicom.md),
// compiled to its own WebAssembly module, loaded only by the page that
// imports a CD (web/src/cd.js runs it in a worker: the core,
// cmd/akte-wasm, has no room for it).
//
// It exports akteDicom.scan({blobs, paths, zip, name, birth_date}): blobs
// are the Files the person picked or dropped (paths their paths in the
// folder), or one ZIP (zip true, paths unused). It reads them with
// FileReaderSync, which workers have, and answers {ok: JSON text} of
//
//	{files, studies: [{uid, title, date, institution, modalities, series,
//	  instances, size, patient: {name, birth_date}, check: {name,
//	  birth_date}, mismatch, head (base64), content_size,
//	  parts: [{blob, from, to, size, inflate}]}], skipped: [{path, size, reason, detail}]}
//
// A study's content stream (what the page uploads) is head followed by
// each part's bytes: blobs[blob].slice(from, to), inflated (raw deflate)
// when inflate is set, size bytes in all. The answer is {error: {...}}
// when the source cannot be read at all.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"syscall/js"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/dicom"
	"github.com/akte/akte/internal/wasmcall"
)

func main() {
	api := js.Global().Get("Object").New()
	api.Set("scan", wasmcall.Export("dicom", scan))
	js.Global().Set("akteDicom", api)
	js.Global().Call("akteDicomReady")
	select {}
}

type part struct {
	Blob    int   `json:"blob"`
	From    int64 `json:"from"`
	To      int64 `json:"to"`
	Size    int64 `json:"size"` // bytes once inflated
	Inflate bool  `json:"inflate,omitempty"`
}

type study struct {
	UID         string             `json:"uid"`
	Title       string             `json:"title"`
	Date        string             `json:"date,omitempty"`
	Institution string             `json:"institution,omitempty"`
	Modalities  []string           `json:"modalities"`
	Series      int                `json:"series"`
	Instances   int                `json:"instances"`
	Size        int64              `json:"size"`
	Patient     map[string]string  `json:"patient"`
	Check       dicom.PatientCheck `json:"check"`
	Mismatch    bool               `json:"mismatch"`
	Head        string             `json:"head"`
	ContentSize int64              `json:"content_size"`
	Parts       []part             `json:"parts"`
}

type skipped struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
}

func scan(a js.Value) (any, error) {
	const op = "dicom.scan"
	bad := func() error { return akte.R(op, akte.KindInvalid, "dicom_no_studies", nil, "nothing to read") }
	if a.Type() != js.TypeObject || a.Get("blobs").Type() != js.TypeObject {
		return nil, bad()
	}
	blobs := a.Get("blobs")
	n := blobs.Get("length").Int()
	if n == 0 {
		return nil, bad()
	}
	lim := dicom.DefaultLimits()
	var fsys fs.FS
	var err error
	isZip := a.Get("zip").Truthy()
	if isZip {
		z := blobReader{blobs.Index(0)}
		fsys, err = dicom.OpenZip(z, int64(blobs.Index(0).Get("size").Float()), lim)
	} else {
		fsys, err = newBlobFS(blobs, a.Get("paths"))
	}
	if err != nil {
		return nil, err
	}
	t := time.Now()
	res, err := dicom.Scan(context.Background(), fsys, lim)
	if err != nil {
		return nil, err
	}
	out := struct {
		Files   int       `json:"files"`
		Studies []study   `json:"studies"`
		Skipped []skipped `json:"skipped"`
		Ms      int64     `json:"ms"`
	}{Files: res.Files, Studies: []study{}, Skipped: []skipped{}}
	for _, s := range res.Studies {
		item, err := dicom.NewStudyItem(s)
		if err != nil {
			return nil, err
		}
		st := study{UID: s.UID, Title: s.Description, Date: dicom.NormDate(s.Date), Institution: s.Institution, Modalities: s.Modalities,
			Series: len(s.Series), Instances: s.Instances, Size: s.Size,
			Patient: map[string]string{"name": dicom.FormatName(s.Patient.Name), "birth_date": dicom.NormDate(s.Patient.BirthDate)},
			Check:   dicom.ComparePatient(s.Patient, wasmcall.Str(a, "name"), wasmcall.Str(a, "birth_date")),
			Head:    base64.StdEncoding.EncodeToString(item.Head()), ContentSize: item.Size()}
		if st.Title == "" {
			st.Title = strings.TrimSpace(strings.Join(s.Modalities, "/") + " " + st.Date)
		}
		st.Mismatch = st.Check.Mismatch() || s.PatientMismatch
		paths, sizes := item.Paths()
		for i, p := range paths {
			if !isZip {
				st.Parts = append(st.Parts, part{Blob: fsys.(*blobFS).files[p], From: 0, To: sizes[i], Size: sizes[i]})
				continue
			}
			e, ok := dicom.ZipEntryOf(fsys, p)
			if !ok || e.Size != sizes[i] {
				return nil, akte.R(op, akte.KindInvalid, "zip_invalid", nil, "ZIP entry not found again")
			}
			st.Parts = append(st.Parts, part{Blob: 0, From: e.Offset, To: e.Offset + e.CompressedSize, Size: e.Size, Inflate: e.Method != 0})
		}
		out.Studies = append(out.Studies, st)
	}
	for _, s := range res.Skipped {
		d, _ := s.Params["detail"].(string)
		out.Skipped = append(out.Skipped, skipped{Path: s.Path, Size: s.Size, Reason: s.Reason, Detail: d})
	}
	out.Ms = time.Since(t).Milliseconds()
	b, err := json.Marshal(out)
	return string(b), err
}

// blobReader reads a Blob (a File) synchronously, as workers may.
type blobReader struct{ b js.Value }

func (r blobReader) ReadAt(p []byte, off int64) (int, error) {
	size := int64(r.b.Get("size").Float())
	if off >= size {
		return 0, io.EOF
	}
	end := min(size, off+int64(len(p)))
	ab := js.Global().Get("FileReaderSync").New().Call("readAsArrayBuffer", r.b.Call("slice", off, end))
	n := js.CopyBytesToGo(p, js.Global().Get("Uint8Array").New(ab))
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// blobFS is the picked or dropped files as a read-only file system.
type blobFS struct {
	blobs js.Value
	files map[string]int
	sizes []int64
	dirs  map[string]map[string]bool // folder -> names in it
}

func newBlobFS(blobs, paths js.Value) (*blobFS, error) {
	f := &blobFS{blobs: blobs, files: map[string]int{}, dirs: map[string]map[string]bool{".": {}}}
	n := blobs.Length()
	if paths.Type() != js.TypeObject || paths.Length() != n {
		return nil, akte.R("dicom.scan", akte.KindInvalid, "dicom_no_studies", nil, "paths do not match the files")
	}
	for i := range n {
		f.sizes = append(f.sizes, int64(blobs.Index(i).Get("size").Float()))
		p := strings.TrimPrefix(path.Clean("/"+paths.Index(i).String()), "/")
		if !fs.ValidPath(p) || p == "." {
			continue
		}
		if _, dup := f.files[p]; dup {
			continue
		}
		f.files[p] = i
		for child := p; child != "."; child = path.Dir(child) {
			dir := path.Dir(child)
			if f.dirs[dir] == nil {
				f.dirs[dir] = map[string]bool{}
			}
			f.dirs[dir][path.Base(child)] = true
		}
	}
	return f, nil
}

func (f *blobFS) Open(name string) (fs.File, error) {
	if i, ok := f.files[name]; ok {
		return &blobFile{r: blobReader{f.blobs.Index(i)}, info: info{name: path.Base(name), size: f.sizes[i]}}, nil
	}
	if names, ok := f.dirs[name]; ok {
		d := &dirFile{info: info{name: path.Base(name), dir: true}}
		for _, n := range slices.Sorted(maps.Keys(names)) {
			p := path.Join(name, n)
			if i, ok := f.files[p]; ok {
				d.entries = append(d.entries, info{name: n, size: f.sizes[i]})
			} else {
				d.entries = append(d.entries, info{name: n, dir: true})
			}
		}
		return d, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

type info struct {
	name string
	size int64
	dir  bool
}

func (i info) Name() string { return i.name }
func (i info) Size() int64  { return i.size }
func (i info) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (i info) ModTime() time.Time         { return time.Time{} }
func (i info) IsDir() bool                { return i.dir }
func (i info) Sys() any                   { return nil }
func (i info) Type() fs.FileMode          { return i.Mode().Type() }
func (i info) Info() (fs.FileInfo, error) { return i, nil }

type blobFile struct {
	r    blobReader
	info info
	off  int64
}

func (f *blobFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *blobFile) Close() error               { return nil }
func (f *blobFile) Read(p []byte) (int, error) {
	n, err := f.r.ReadAt(p, f.off)
	f.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

type dirFile struct {
	info    info
	entries []fs.DirEntry
	read    int
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Close() error               { return nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: errors.New("is a directory")}
}
func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.read:]
	if n <= 0 {
		d.read = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	rest = rest[:min(n, len(rest))]
	d.read += len(rest)
	return rest, nil
}
