package client

import (
	"io"

	"github.com/akte/akte"
	"github.com/akte/akte/audit"
	"github.com/akte/akte/audit/auditpdf"
)

// ExportAudit writes verified events in format: "pdf" (auditpdf, with the
// checkpoint they were verified against) or "fhir" (a FHIR R4 Bundle of
// AuditEvents, audit.FHIRBundle).
func ExportAudit(w io.Writer, format string, x audit.Export) error {
	switch format {
	case "pdf":
		return auditpdf.Write(w, x)
	case "fhir":
		b, err := audit.FHIRBundle(x)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	return &akte.Error{Op: "audit.export", Kind: akte.KindInvalid, Reason: "flag_invalid_value", Params: map[string]any{"flag": "--format", "value": format}}
}
