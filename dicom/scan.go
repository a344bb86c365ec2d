package dicom

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/akte/akte"
)

// Result is what a scan found.
type Result struct {
	// Studies found, ordered by date, time and UID.
	Studies []*Study
	// Skipped lists every file not imported, in scan order.
	Skipped []Skipped
	// Directories are the DICOMDIRs read, each checked against the files.
	Directories []DirectoryCheck
	// Files is the number of files and folders visited.
	Files int
}

// Study is a study found by a scan: its description (from its first
// instance, gaps filled from the others), its series and its size.
type Study struct {
	StudyInfo
	Series    []*Series
	Instances int   // across its series
	Size      int64 // bytes of its instances, the length of its content stream
	// PatientMismatch is set if its instances disagree about the patient
	// (name, ID or birth date).
	PatientMismatch bool

	fsys fs.FS
}

// Series is a series of a scanned study, its instances ordered by
// instance number and path.
type Series struct {
	SeriesInfo
	Instances []*Instance
	Size      int64
}

// Skipped is a file a scan did not import, and why.
type Skipped struct {
	Path   string
	Size   int64
	Reason string         // one of the Skip constants
	Params map[string]any // details: "detail" (a reason code), "of" (a path)
}

// Why a file was skipped. Clients translate these codes.
const (
	SkipProgram    = "program"    // a viewer program or library: .exe, .dll, MZ, ELF, Mach-O
	SkipAutorun    = "autorun"    // autorun.inf
	SkipPicture    = "picture"    // a logo or other picture
	SkipDocument   = "document"   // PDF, HTML, text, XML, ...
	SkipArchive    = "archive"    // an archive inside the source
	SkipNotDICOM   = "not_dicom"  // anything else that is not DICOM
	SkipEmpty      = "empty"      // a file of no bytes
	SkipMalformed  = "malformed"  // DICOM but broken or beyond a limit; Params["detail"] is the error's reason
	SkipDuplicate  = "duplicate"  // a second copy of an instance; Params["of"] is the path imported
	SkipSymlink    = "symlink"    // symbolic links are not followed
	SkipSpecial    = "special"    // a device, pipe or socket
	SkipTooDeep    = "too_deep"   // a folder nested deeper than Limits.MaxDirDepth
	SkipTooLarge   = "too_large"  // a file larger than Limits.MaxInstanceSize
	SkipUnreadable = "unreadable" // the file or folder could not be read
	SkipZipEntry   = "zip_entry"  // a ZIP entry that is not read; Params["detail"] says why
)

// DirectoryCheck compares a DICOMDIR with the files found.
type DirectoryCheck struct {
	Path       string // of the DICOMDIR
	Referenced int    // file references it holds
	// Missing are referenced files that were not imported: absent,
	// skipped, or not DICOM (paths as the DICOMDIR writes them, joined to
	// its folder).
	Missing []string
	// Unreferenced are imported files in its folder that it does not
	// reference.
	Unreferenced []string
	// Mismatched are referenced files whose SOPInstanceUID differs from
	// the one the DICOMDIR gives.
	Mismatched []string
}

// Scan finds the DICOM instances in fsys (a folder, a mounted CD, a ZIP
// from OpenZip, files handed over by a browser) and groups them into
// studies and series. Duplicates (the same SOPInstanceUID twice) are
// imported once. Files that are not imported are listed with a reason;
// DICOMDIRs are read and checked against the files found, but a missing or
// broken DICOMDIR does not matter: every file is looked at.
//
// Scan reads only the start of each file, up to its pixel data. It never
// follows symbolic links and never opens anything but regular files. It
// refuses the whole source (KindTooLarge) beyond Limits.MaxFiles files,
// Limits.MaxInstances instances or Limits.MaxScanBytes read, and stops
// when ctx is done.
func Scan(ctx context.Context, fsys fs.FS, lim Limits) (*Result, error) {
	s := &scanner{ctx: ctx, fsys: fsys, lim: lim.orDefault(), res: &Result{}}
	s.budget = s.lim.MaxScanBytes
	if err := fs.WalkDir(fsys, ".", s.visit); err != nil {
		return nil, err
	}
	if s.stop != nil {
		return nil, s.stop
	}
	return s.finish()
}

type scanner struct {
	ctx       context.Context
	fsys      fs.FS
	lim       Limits
	res       *Result
	instances []*Instance
	dirs      []scannedDir
	buf       *bufio.Reader
	budget    int64 // bytes the walks of all files may still read
	stop      error // refuses the whole source
}

type scannedDir struct {
	path string
	refs []dirRef
}

func (s *scanner) skip(p string, size int64, reason string, params map[string]any) {
	s.res.Skipped = append(s.res.Skipped, Skipped{Path: p, Size: size, Reason: reason, Params: params})
}

func (s *scanner) visit(p string, d fs.DirEntry, err error) error {
	if cerr := s.ctx.Err(); cerr != nil {
		return cerr
	}
	if s.stop != nil {
		return s.stop
	}
	if p == "." && err == nil {
		return nil
	}
	s.res.Files++
	if s.res.Files > s.lim.MaxFiles {
		return tooLarge("dicom.Scan", "dicom_too_many_files", s.lim.MaxFiles, "too many files")
	}
	if err != nil {
		if p == "." {
			e := akte.R("dicom.Scan", akte.KindNotFound, "dicom_source_unreadable", nil, "cannot read the source")
			e.Err = err
			return e
		}
		s.skip(p, 0, SkipUnreadable, nil)
		if d != nil && d.IsDir() {
			return fs.SkipDir
		}
		return nil
	}
	switch t := d.Type(); {
	case t&fs.ModeSymlink != 0:
		s.skip(p, 0, SkipSymlink, nil)
		return nil
	case d.IsDir():
		if strings.Count(p, "/")+1 > s.lim.MaxDirDepth {
			s.skip(p, 0, SkipTooDeep, nil)
			return fs.SkipDir
		}
		return nil
	case !t.IsRegular():
		s.skip(p, 0, SkipSpecial, nil)
		return nil
	}
	s.file(p)
	return nil
}

// file looks at one regular file.
func (s *scanner) file(p string) {
	f, err := s.fsys.Open(p)
	if err != nil {
		if r, _ := akte.ReasonOf(err); r != "" {
			s.skip(p, 0, SkipZipEntry, map[string]any{"detail": r})
		} else {
			s.skip(p, 0, SkipUnreadable, nil)
		}
		return
	}
	defer f.Close()
	st, err := f.Stat()
	switch {
	case err != nil:
		s.skip(p, 0, SkipUnreadable, nil)
		return
	case !st.Mode().IsRegular():
		// It was replaced since the folder was listed.
		s.skip(p, 0, SkipSpecial, nil)
		return
	case st.Size() == 0:
		s.skip(p, 0, SkipEmpty, nil)
		return
	}
	size := st.Size()
	if s.buf == nil {
		s.buf = bufio.NewReaderSize(f, 32<<10)
	} else {
		s.buf.Reset(f)
	}
	head, err := s.buf.Peek(132)
	if err != nil && err != io.EOF {
		s.skip(p, size, SkipUnreadable, nil)
		return
	}
	head = bytes.Clone(head)
	part10 := len(head) == 132 && string(head[128:]) == "DICM"
	if !part10 && !bareDataSet(head) {
		reason := classify(p, head)
		s.skip(p, size, reason, nil)
		return
	}
	if size > s.lim.MaxInstanceSize {
		s.skip(p, size, SkipTooLarge, nil)
		return
	}
	const op = "dicom.Scan"
	pf, err := parseFile(op, s.buf, size, &s.lim, &s.budget)
	var in *Instance
	if err == nil && pf.directory {
		refs, derr := directoryRefs(op, pf)
		if derr == nil {
			s.dirs = append(s.dirs, scannedDir{path: p, refs: refs})
			return
		}
		err = derr
	} else if err == nil {
		in, err = instanceFrom(op, pf, size)
	}
	if err != nil {
		switch reason, _ := akte.ReasonOf(err); {
		case reason == "dicom_scan_too_large":
			s.stop = err
		case reason == "":
			s.skip(p, size, SkipUnreadable, nil) // an I/O error is not the file's fault
		case !part10:
			// A bare data set that does not read cleanly is not taken
			// for DICOM.
			reason := classify(p, head)
			s.skip(p, size, reason, nil)
		default:
			s.skip(p, size, SkipMalformed, map[string]any{"detail": reason})
		}
		return
	}
	in.Path = p
	s.instances = append(s.instances, in)
}

// bareDataSet reports whether head may start a data set without the
// Part 10 preamble: group 0002 (meta information) or 0008 (the first group
// of every image) in little endian.
func bareDataSet(head []byte) bool {
	return len(head) >= 8 && (head[0] == 0x02 || head[0] == 0x08) && head[1] == 0
}

// finish deduplicates, groups and checks.
func (s *scanner) finish() (*Result, error) {
	res := s.res
	// Of two copies of an instance, the one a DICOMDIR references is
	// kept, else the first found.
	refd := map[string]bool{}
	for _, d := range s.dirs {
		for _, r := range d.refs {
			refd[cdKey(path.Join(path.Dir(d.path), r.path))] = true
		}
	}
	byUID := make(map[string]*Instance, len(s.instances))
	kept := make([]*Instance, 0, len(s.instances))
	at := map[string]int{}
	for _, in := range s.instances {
		first, ok := byUID[in.UID]
		if !ok {
			byUID[in.UID], at[in.UID] = in, len(kept)
			kept = append(kept, in)
			continue
		}
		if refd[cdKey(in.Path)] && !refd[cdKey(first.Path)] {
			byUID[in.UID], kept[at[in.UID]] = in, in
			first, in = in, first
		}
		s.skip(in.Path, in.Size, SkipDuplicate, map[string]any{"of": first.Path})
	}
	if len(kept) > s.lim.MaxInstances {
		return nil, tooLarge("dicom.Scan", "dicom_too_many_instances", s.lim.MaxInstances, "too many DICOM instances")
	}
	studies := map[string]*Study{}
	series := map[[2]string]*Series{}
	for _, in := range kept {
		st := studies[in.Study.UID]
		if st == nil {
			st = &Study{StudyInfo: in.Study, fsys: s.fsys}
			st.Modalities = nil
			studies[in.Study.UID] = st
			res.Studies = append(res.Studies, st)
		} else {
			st.merge(&in.Study)
		}
		k := [2]string{in.Study.UID, in.Series.UID}
		se := series[k]
		if se == nil {
			se = &Series{SeriesInfo: in.Series}
			series[k] = se
			st.Series = append(st.Series, se)
		}
		se.Instances = append(se.Instances, in)
		se.Size += in.Size
		st.Instances++
		st.Size += in.Size
	}
	for _, st := range res.Studies {
		slices.SortFunc(st.Series, func(a, b *Series) int {
			return cmp.Or(cmp.Compare(a.Number, b.Number), strings.Compare(a.UID, b.UID))
		})
		for _, se := range st.Series {
			slices.SortFunc(se.Instances, func(a, b *Instance) int {
				return cmp.Or(cmp.Compare(a.Number, b.Number), strings.Compare(a.Path, b.Path))
			})
			if se.Modality != "" && !slices.Contains(st.Modalities, se.Modality) && len(st.Modalities) < maxModalities {
				st.Modalities = append(st.Modalities, se.Modality)
			}
		}
	}
	slices.SortFunc(res.Studies, func(a, b *Study) int {
		return cmp.Or(strings.Compare(a.Date, b.Date), strings.Compare(a.Time, b.Time), strings.Compare(a.UID, b.UID))
	})
	s.checkDirectories(byUID)
	return res, nil
}

// merge fills gaps in a study's description from another instance's and
// notes a different patient.
func (st *Study) merge(o *StudyInfo) {
	fill := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	fill(&st.Date, o.Date)
	fill(&st.Time, o.Time)
	fill(&st.Description, o.Description)
	fill(&st.AccessionNumber, o.AccessionNumber)
	fill(&st.Institution, o.Institution)
	a, b := &st.Patient, &o.Patient
	if (a.Name != b.Name && normName(a.Name) != normName(b.Name)) || a.ID != b.ID ||
		(a.BirthDate != b.BirthDate && NormDate(a.BirthDate) != NormDate(b.BirthDate)) {
		st.PatientMismatch = true
	}
}

// cdKey normalises a path for comparison with a DICOMDIR reference: CD
// file systems are case-insensitive and ISO 9660 names may carry a
// version (";1") or a trailing dot.
func cdKey(p string) string {
	parts := strings.Split(p, "/")
	for i, c := range parts {
		if j := strings.LastIndexByte(c, ';'); j >= 0 {
			c = c[:j]
		}
		parts[i] = strings.ToUpper(strings.TrimSuffix(c, "."))
	}
	return strings.Join(parts, "/")
}

func (s *scanner) checkDirectories(byUID map[string]*Instance) {
	if len(s.dirs) == 0 {
		return
	}
	byPath := make(map[string]*Instance, len(byUID))
	for _, in := range byUID {
		byPath[cdKey(in.Path)] = in
	}
	for _, d := range s.dirs {
		base := path.Dir(d.path)
		c := DirectoryCheck{Path: d.path, Referenced: len(d.refs)}
		seen := map[string]bool{}
		for _, r := range d.refs {
			p := path.Join(base, r.path)
			k := cdKey(p)
			seen[k] = true
			in := byPath[k]
			switch {
			case in == nil:
				c.Missing = append(c.Missing, p)
			case r.uid != "" && r.uid != in.UID:
				c.Mismatched = append(c.Mismatched, in.Path)
			}
		}
		prefix := ""
		if base != "." {
			prefix = cdKey(base) + "/"
		}
		for k, in := range byPath {
			if strings.HasPrefix(k, prefix) && !seen[k] {
				c.Unreferenced = append(c.Unreferenced, in.Path)
			}
		}
		slices.Sort(c.Unreferenced)
		s.res.Directories = append(s.res.Directories, c)
	}
}
