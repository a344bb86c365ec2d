package dicom

import (
	"bytes"
	"encoding/json"
	"io"
	"math"

	"github.com/akte/akte"
)

// The manifest of a study item (docs/dicom.md). It is JSON so that the
// browser reads it without help; a change to its meaning gets a new
// Version, and a reader refuses versions it does not know.
const (
	ManifestFormat  = "akte-dicom-study"
	ManifestVersion = 1
)

// Limits of the manifest format. ParseManifest refuses anything beyond
// them, and a scan never produces it.
const (
	MaxManifestSize      = 32 << 20 // bytes of JSON
	MaxManifestSeries    = 10_000   // series per study
	MaxManifestInstances = 100_000  // instances per study
	MaxInstanceLength    = 4 << 30  // bytes of one instance
	MaxContentSize       = 1 << 40  // bytes of a study's content stream
	maxModalities        = 64       // distinct modalities listed for a study
	maxWindows           = 16       // window center/width values
)

// Manifest describes a study item: the study, its series and instances in
// the order their bytes follow one another in the item's content stream.
// Instance i of the stream starts at Offset and has Length bytes; the
// instances are contiguous, the first starts at 0, and the last ends at
// Size, the length of the stream.
type Manifest struct {
	Format  string           `json:"format"`
	Version int              `json:"version"`
	Size    int64            `json:"size"`
	Study   StudyInfo        `json:"study"`
	Series  []ManifestSeries `json:"series"`
}

// ManifestSeries is a series and its instances.
type ManifestSeries struct {
	SeriesInfo
	Instances []ManifestInstance `json:"instances"`
}

// ManifestInstance is one instance: where its bytes are in the content
// stream and the tags a viewer needs.
type ManifestInstance struct {
	UID            string `json:"uid"` // SOPInstanceUID
	SOPClass       string `json:"sop_class,omitempty"`
	TransferSyntax string `json:"transfer_syntax,omitempty"`
	Offset         int64  `json:"offset"`
	Length         int64  `json:"length"`
	Image
}

// NewManifest returns the manifest of a scanned study. Its order is the
// order in which Study.Content produces the instances' bytes.
func NewManifest(s *Study) (*Manifest, error) {
	m := &Manifest{Format: ManifestFormat, Version: ManifestVersion, Study: s.StudyInfo}
	var off int64
	for _, se := range s.Series {
		ms := ManifestSeries{SeriesInfo: se.SeriesInfo, Instances: make([]ManifestInstance, 0, len(se.Instances))}
		for _, in := range se.Instances {
			ms.Instances = append(ms.Instances, ManifestInstance{
				UID: in.UID, SOPClass: in.SOPClass, TransferSyntax: in.TransferSyntax,
				Offset: off, Length: in.Size, Image: in.Image,
			})
			off += in.Size
		}
		m.Series = append(m.Series, ms)
	}
	m.Size = off
	if err := m.validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// Marshal returns the manifest as JSON, after checking it as
// ParseManifest would.
func (m *Manifest) Marshal() ([]byte, error) {
	if err := m.validate(); err != nil {
		return nil, err
	}
	b, err := json.Marshal(m)
	if err != nil {
		e := akte.R("dicom.Manifest.Marshal", akte.KindInternal, "dicom_manifest_encode", nil, "cannot encode the manifest")
		e.Err = err
		return nil, e
	}
	if len(b) > MaxManifestSize {
		return nil, tooLarge("dicom.Manifest.Marshal", "dicom_manifest_too_large", MaxManifestSize, "manifest too large")
	}
	return b, nil
}

// ParseManifest reads a manifest and checks it strictly: known format and
// version, no unknown fields, counts and lengths within the format's
// limits, UIDs unique, instances contiguous and covering exactly Size
// bytes, text as a scan writes it. The caller still compares Size with
// the length of the content stream it has.
func ParseManifest(b []byte) (*Manifest, error) {
	const op = "dicom.ParseManifest"
	if len(b) > MaxManifestSize {
		return nil, tooLarge(op, "dicom_manifest_too_large", MaxManifestSize, "manifest too large")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		e := invalid(op, "dicom_manifest_invalid", map[string]any{"field": "json"}, "manifest is not valid JSON of the format")
		e.Err = err
		return nil, e
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid(op, "dicom_manifest_invalid", map[string]any{"field": "json"}, "data after the manifest")
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Instances returns the number of instances.
func (m *Manifest) Instances() int {
	n := 0
	for _, s := range m.Series {
		n += len(s.Instances)
	}
	return n
}

func (m *Manifest) validate() error {
	const op = "dicom.ParseManifest"
	bad := func(field string) error {
		return invalid(op, "dicom_manifest_invalid", map[string]any{"field": field}, "manifest field out of range: "+field)
	}
	if m.Format != ManifestFormat {
		return bad("format")
	}
	if m.Version != ManifestVersion {
		return akte.R(op, akte.KindInvalid, "dicom_manifest_version", map[string]any{"version": m.Version}, "unknown manifest version")
	}
	if m.Size < 0 || m.Size > MaxContentSize {
		return bad("size")
	}
	st := &m.Study
	if !validUID(st.UID) {
		return bad("study.uid")
	}
	if !cleanText(st.Date, 16) || !cleanText(st.Time, 32) || !cleanText(st.Description, maxText) ||
		!cleanText(st.AccessionNumber, maxText) || !cleanText(st.Institution, maxText) {
		return bad("study")
	}
	p := &st.Patient
	if !cleanText(p.Name, maxText) || !cleanText(p.ID, maxText) || !cleanText(p.BirthDate, 16) || !cleanText(p.Sex, 16) {
		return bad("study.patient")
	}
	if len(st.Modalities) > maxModalities {
		return bad("study.modalities")
	}
	for _, mod := range st.Modalities {
		if mod == "" || !cleanText(mod, 16) {
			return bad("study.modalities")
		}
	}
	if len(m.Series) == 0 || len(m.Series) > MaxManifestSeries {
		return bad("series")
	}
	seen := make(map[string]bool)
	var off int64
	n := 0
	for i := range m.Series {
		s := &m.Series[i]
		if !validUID(s.UID) || seen["s"+s.UID] {
			return bad("series.uid")
		}
		seen["s"+s.UID] = true
		if !cleanText(s.Modality, 16) || !cleanText(s.Description, maxText) || !cleanText(s.BodyPart, maxText) ||
			s.Number < math.MinInt32 || s.Number > math.MaxInt32 {
			return bad("series")
		}
		if len(s.Instances) == 0 {
			return bad("series.instances")
		}
		n += len(s.Instances)
		if n > MaxManifestInstances {
			return bad("series.instances")
		}
		for j := range s.Instances {
			in := &s.Instances[j]
			if !validUID(in.UID) || seen["i"+in.UID] {
				return bad("instances.uid")
			}
			seen["i"+in.UID] = true
			if (in.SOPClass != "" && !validUID(in.SOPClass)) || (in.TransferSyntax != "" && !validUID(in.TransferSyntax)) {
				return bad("instances.uid")
			}
			if in.Offset != off {
				return bad("instances.offset")
			}
			if in.Length <= 0 || in.Length > MaxInstanceLength || in.Length > m.Size-off {
				return bad("instances.length")
			}
			off += in.Length
			if err := in.Image.validate(); err != "" {
				return bad("instances." + err)
			}
		}
	}
	if off != m.Size {
		return bad("size")
	}
	return nil
}

// validate returns the name of the first field out of range, or "".
func (im *Image) validate() string {
	switch {
	case im.Number < math.MinInt32 || im.Number > math.MaxInt32:
		return "number"
	case im.Rows < 0 || im.Rows > math.MaxUint16 || im.Columns < 0 || im.Columns > math.MaxUint16:
		return "rows"
	case im.Frames < 0 || im.Frames > maxFrames:
		return "frames"
	case im.SamplesPerPixel < 0 || im.SamplesPerPixel > 4 || im.PlanarConfiguration < 0 || im.PlanarConfiguration > 1:
		return "samples_per_pixel"
	case im.BitsAllocated < 0 || im.BitsAllocated > 64 || im.BitsStored < 0 || im.BitsStored > 64 ||
		im.HighBit < 0 || im.HighBit > 63 || im.PixelRepresentation < 0 || im.PixelRepresentation > 1:
		return "bits"
	case !cleanText(im.Photometric, 32):
		return "photometric"
	case len(im.WindowCenter) > maxWindows || len(im.WindowWidth) > maxWindows:
		return "window"
	case len(im.PixelSpacing) != 0 && len(im.PixelSpacing) != 2:
		return "pixel_spacing"
	case len(im.ImagePosition) != 0 && len(im.ImagePosition) != 3:
		return "image_position"
	case len(im.ImageOrientation) != 0 && len(im.ImageOrientation) != 6:
		return "image_orientation"
	}
	for _, fs := range [][]float64{im.WindowCenter, im.WindowWidth, im.PixelSpacing, im.ImagePosition, im.ImageOrientation,
		{im.RescaleIntercept, im.RescaleSlope, im.SliceThickness}} {
		for _, f := range fs {
			if !finite(f) {
				return "number"
			}
		}
	}
	if im.SliceLocation != nil && !finite(*im.SliceLocation) {
		return "slice_location"
	}
	return ""
}

func finite(f float64) bool { return !math.IsNaN(f) && math.Abs(f) <= maxFloat }

// cleanText reports whether s is text as clean makes it.
func cleanText(s string, max int) bool { return len(s) <= max && clean(s, max) == s }
