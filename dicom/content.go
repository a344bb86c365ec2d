package dicom

import (
	"io"
	"io/fs"

	"github.com/akte/akte"
)

// Content returns the study's content stream: the bytes of its instances,
// one after another in the order of NewManifest, exactly as they are in
// the files. It opens one file at a time, when the previous one is done,
// and holds none of their bytes. A file that changed size since the scan,
// or that fails to read to its end (a ZIP entry's checksum), fails the
// stream with KindConflict or the read error. Content can be called again
// to start over (a resumed upload does).
func (s *Study) Content() io.ReadCloser {
	var list []*Instance
	for _, se := range s.Series {
		list = append(list, se.Instances...)
	}
	return &content{fsys: s.fsys, list: list}
}

type content struct {
	fsys fs.FS
	list []*Instance
	next int     // index of the next file to open
	cur  fs.File // the open file, or nil
	left int64   // bytes still to read from cur
	err  error
}

func (c *content) changed() error {
	return akte.R("dicom.Content", akte.KindConflict, "dicom_file_changed", nil, "file changed since the scan")
}

func (c *content) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	for c.cur == nil {
		if c.next == len(c.list) {
			return 0, io.EOF
		}
		in := c.list[c.next]
		f, err := c.fsys.Open(in.Path)
		if err != nil {
			c.err = err
			return 0, err
		}
		if st, err := f.Stat(); err != nil || st.Size() != in.Size {
			f.Close()
			c.err = c.changed()
			return 0, c.err
		}
		c.cur, c.left = f, in.Size
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.cur.Read(p)
	c.left -= int64(n)
	if c.left == 0 {
		err = c.finish()
	} else if err == io.EOF {
		err = c.changed()
	}
	if err != nil {
		c.err = err
	}
	return n, err
}

// finish closes the current file after making sure it ends where the scan
// saw it end; reading to the end also makes a ZIP entry check its CRC.
func (c *content) finish() error {
	var one [1]byte
	n, err := c.cur.Read(one[:])
	for i := 0; n == 0 && err == nil && i < 100; i++ {
		n, err = c.cur.Read(one[:]) // io.Reader allows (0, nil); not forever
	}
	c.cur.Close()
	c.cur = nil
	c.next++
	switch {
	case n > 0:
		return c.changed()
	case err == nil:
		return io.ErrNoProgress
	case err != io.EOF:
		return err
	}
	return nil
}

func (c *content) Close() error {
	if c.cur != nil {
		c.cur.Close()
		c.cur = nil
	}
	if c.err == nil {
		c.err = akte.R("dicom.Content", akte.KindInvalid, "dicom_content_closed", nil, "read after close")
	}
	return nil
}
