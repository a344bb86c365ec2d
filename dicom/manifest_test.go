package dicom

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/akte/akte"
)

func cdManifests(t testing.TB) []*Manifest {
	t.Helper()
	res, err := Scan(context.Background(), mapFS(cdTree()), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var ms []*Manifest
	for _, st := range res.Studies {
		m, err := NewManifest(st)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	return ms
}

func TestManifestRoundTrip(t *testing.T) {
	for _, m := range cdManifests(t) {
		b, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseManifest(b)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("round trip:\n%+v\n%+v", got, m)
		}
		if m.Format != ManifestFormat || m.Version != 1 || m.Instances() == 0 || m.Series[0].Instances[0].Offset != 0 {
			t.Errorf("manifest %s", b)
		}
	}
	// The layout is stable: field names are part of the format.
	m := cdManifests(t)[0]
	b, _ := m.Marshal()
	for _, field := range []string{`"format":"akte-dicom-study"`, `"version":1`, `"size":`, `"study":{"uid":`, `"patient":{"name":"Mustermann^Erika"`,
		`"series":[{"uid":`, `"instances":[{"uid":`, `"sop_class":"1.2.840.10008.5.1.4.1.1.4"`, `"transfer_syntax":"1.2.840.10008.1.2.1"`,
		`"offset":0,"length":`, `"rows":4`, `"bits_allocated":16`} {
		if !strings.Contains(string(b), field) {
			t.Errorf("manifest lacks %s: %s", field, b)
		}
	}
}

// TestManifestRefused changes one thing at a time in a valid manifest.
func TestManifestRefused(t *testing.T) {
	base := cdManifests(t)[0] // study A: 2 series, 3 instances
	for _, c := range []struct {
		name   string
		change func(m *Manifest)
		reason string
		field  string
	}{
		{"format", func(m *Manifest) { m.Format = "other" }, "dicom_manifest_invalid", "format"},
		{"version", func(m *Manifest) { m.Version = 2 }, "dicom_manifest_version", ""},
		{"negative size", func(m *Manifest) { m.Size = -1 }, "dicom_manifest_invalid", "size"},
		{"size too small", func(m *Manifest) { m.Size-- }, "dicom_manifest_invalid", "instances.length"},
		{"size too large", func(m *Manifest) { m.Size++ }, "dicom_manifest_invalid", "size"},
		{"gap", func(m *Manifest) { m.Series[0].Instances[1].Offset++ }, "dicom_manifest_invalid", "instances.offset"},
		{"overlap", func(m *Manifest) { m.Series[1].Instances[0].Offset-- }, "dicom_manifest_invalid", "instances.offset"},
		{"empty instance", func(m *Manifest) { m.Series[0].Instances[0].Length = 0 }, "dicom_manifest_invalid", "instances.length"},
		{"huge instance", func(m *Manifest) {
			m.Series[0].Instances[0].Length = MaxInstanceLength + 1
			m.Size += MaxInstanceLength
		}, "dicom_manifest_invalid", "instances.length"},
		{"no series", func(m *Manifest) { m.Series = nil }, "dicom_manifest_invalid", "series"},
		{"empty series", func(m *Manifest) { m.Series[1].Instances = nil }, "dicom_manifest_invalid", "series.instances"},
		{"same instance twice", func(m *Manifest) { m.Series[1].Instances[0].UID = m.Series[0].Instances[0].UID }, "dicom_manifest_invalid", "instances.uid"},
		{"same series twice", func(m *Manifest) { m.Series[1].UID = m.Series[0].UID }, "dicom_manifest_invalid", "series.uid"},
		{"UID with a space", func(m *Manifest) { m.Series[0].Instances[0].UID = "1.2 3" }, "dicom_manifest_invalid", "instances.uid"},
		{"UID too long", func(m *Manifest) { m.Study.UID = strings.Repeat("1", 65) }, "dicom_manifest_invalid", "study.uid"},
		{"bad transfer syntax", func(m *Manifest) { m.Series[0].Instances[0].TransferSyntax = "x\\y" }, "dicom_manifest_invalid", "instances.uid"},
		{"control character", func(m *Manifest) { m.Study.Description = "a\x00b" }, "dicom_manifest_invalid", "study"},
		{"long text", func(m *Manifest) { m.Study.Patient.Name = strings.Repeat("x", maxText+1) }, "dicom_manifest_invalid", "study.patient"},
		{"outer spaces", func(m *Manifest) { m.Series[0].Description = " x" }, "dicom_manifest_invalid", "series"},
		{"rows", func(m *Manifest) { m.Series[0].Instances[0].Rows = 70000 }, "dicom_manifest_invalid", "instances.rows"},
		{"bits", func(m *Manifest) { m.Series[0].Instances[0].BitsAllocated = 65 }, "dicom_manifest_invalid", "instances.bits"},
		{"frames", func(m *Manifest) { m.Series[0].Instances[0].Frames = -1 }, "dicom_manifest_invalid", "instances.frames"},
		{"pixel spacing", func(m *Manifest) { m.Series[0].Instances[0].PixelSpacing = []float64{1, 2, 3} }, "dicom_manifest_invalid", "instances.pixel_spacing"},
		{"orientation", func(m *Manifest) { m.Series[0].Instances[0].ImageOrientation = []float64{1} }, "dicom_manifest_invalid", "instances.image_orientation"},
		{"windows", func(m *Manifest) { m.Series[0].Instances[0].WindowCenter = make([]float64, 17) }, "dicom_manifest_invalid", "instances.window"},
		{"huge number", func(m *Manifest) { m.Series[0].Instances[0].RescaleSlope = 1e300 }, "dicom_manifest_invalid", "instances.number"},
		{"modalities", func(m *Manifest) { m.Study.Modalities = []string{""} }, "dicom_manifest_invalid", "study.modalities"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := clone(t, base)
			c.change(m)
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ParseManifest(b)
			wantReason(t, err, akte.KindInvalid, c.reason)
			if _, p := akte.ReasonOf(err); c.field != "" && p["field"] != c.field {
				t.Errorf("field %v, want %s", p["field"], c.field)
			}
			if _, err := m.Marshal(); err == nil {
				t.Error("Marshal accepted it")
			}
		})
	}
	good, _ := base.Marshal()
	for name, b := range map[string][]byte{
		"not JSON":      []byte("DICM"),
		"unknown field": bytes.Replace(good, []byte(`"size":`), []byte(`"extra":1,"size":`), 1),
		"trailing data": append(bytes.Clone(good), []byte(` {}`)...),
		"two documents": append(bytes.Clone(good), good...),
		"wrong type":    bytes.Replace(good, []byte(`"version":1`), []byte(`"version":"1"`), 1),
		"null":          []byte("null"),
		"empty":         nil,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseManifest(b)
			if akte.KindOf(err) != akte.KindInvalid {
				t.Errorf("error %v", err)
			}
		})
	}
	_, err := ParseManifest(make([]byte, MaxManifestSize+1))
	wantReason(t, err, akte.KindTooLarge, "dicom_manifest_too_large")
}

func clone(t testing.TB, m *Manifest) *Manifest {
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var c Manifest
	must(t, json.Unmarshal(b, &c))
	return &c
}

// TestManifestLimits: the largest study the format allows parses; one
// instance more does not.
func TestManifestLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a manifest of 100,000 instances")
	}
	m := &Manifest{Format: ManifestFormat, Version: ManifestVersion, Study: StudyInfo{UID: "1.2.3"}}
	var off int64
	for s := range 10 {
		se := ManifestSeries{SeriesInfo: SeriesInfo{UID: "1.2.3." + strconv.Itoa(s)}}
		for i := range MaxManifestInstances / 10 {
			se.Instances = append(se.Instances, ManifestInstance{UID: se.UID + "." + strconv.Itoa(i), Offset: off, Length: 1000})
			off += 1000
		}
		m.Series = append(m.Series, se)
	}
	m.Size = off
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseManifest(b); err != nil {
		t.Fatal(err)
	}
	m.Series[9].Instances = append(m.Series[9].Instances, ManifestInstance{UID: "1.2.4", Offset: off, Length: 1000})
	m.Size += 1000
	b, _ = json.Marshal(m)
	_, err = ParseManifest(b)
	wantReason(t, err, akte.KindInvalid, "dicom_manifest_invalid")
}
