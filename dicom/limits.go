package dicom

import "github.com/akte/akte"

// Limits bound the work and memory a scan spends on input it does not
// trust. A zero field takes its value from DefaultLimits.
type Limits struct {
	// MaxFiles is the number of files and folders a scan visits before it
	// refuses the whole source (a CD holds a few thousand).
	MaxFiles int
	// MaxDirDepth is how deep a scan descends into folders; deeper ones
	// are listed as skipped.
	MaxDirDepth int
	// MaxInstances is the number of DICOM instances a scan accepts.
	MaxInstances int
	// MaxInstanceSize is the size of the largest instance imported.
	MaxInstanceSize int64
	// MaxHeaderSize is how many bytes of a file (inflated, for the deflated
	// transfer syntax) are read before its pixel data.
	MaxHeaderSize int64
	// MaxScanBytes is how many bytes a scan reads from all files'
	// data sets together (inflated); it bounds the time a hostile source
	// can take (a real CD's headers are a few MB).
	MaxScanBytes int64
	// MaxElements is the number of data elements walked in one file.
	MaxElements int
	// MaxDepth is how deeply sequences may nest.
	MaxDepth int
	// MaxDirectorySize is the size of the largest DICOMDIR read.
	MaxDirectorySize int64
	// MaxZipSize is the total uncompressed size of a ZIP's entries.
	MaxZipSize int64
	// MaxZipRatio is the largest ratio of uncompressed to compressed size
	// of a ZIP entry of more than a MiB; an entry beyond it is skipped.
	MaxZipRatio int64
}

// DefaultLimits returns the limits used where a field is zero. They are
// generous for real CDs (a CT or MRI has hundreds to a few thousand
// instances of up to a few hundred MB) and small for what a hostile file
// could make us spend.
func DefaultLimits() Limits {
	return Limits{
		MaxFiles:         100_000,
		MaxDirDepth:      32,
		MaxInstances:     MaxManifestInstances,
		MaxInstanceSize:  MaxInstanceLength,
		MaxHeaderSize:    64 << 20,
		MaxScanBytes:     4 << 30,
		MaxElements:      250_000,
		MaxDepth:         16,
		MaxDirectorySize: 64 << 20,
		MaxZipSize:       64 << 30,
		MaxZipRatio:      200,
	}
}

func (l Limits) orDefault() Limits {
	d := DefaultLimits()
	set := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	set64 := func(v *int64, def int64) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&l.MaxFiles, d.MaxFiles)
	set(&l.MaxDirDepth, d.MaxDirDepth)
	set(&l.MaxInstances, d.MaxInstances)
	set64(&l.MaxInstanceSize, d.MaxInstanceSize)
	set64(&l.MaxHeaderSize, d.MaxHeaderSize)
	set64(&l.MaxScanBytes, d.MaxScanBytes)
	set(&l.MaxElements, d.MaxElements)
	set(&l.MaxDepth, d.MaxDepth)
	set64(&l.MaxDirectorySize, d.MaxDirectorySize)
	set64(&l.MaxZipSize, d.MaxZipSize)
	set64(&l.MaxZipRatio, d.MaxZipRatio)
	return l
}

// invalid returns a KindInvalid error with a reason; the message is a
// short English phrase for logs (clients translate the reason).
func invalid(op, reason string, params map[string]any, msg string) *akte.Error {
	return akte.R(op, akte.KindInvalid, reason, params, msg)
}

func tooLarge(op, reason string, max any, msg string) *akte.Error {
	return akte.R(op, akte.KindTooLarge, reason, map[string]any{"max": max}, msg)
}
