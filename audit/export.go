package audit

import "time"

// Export is a verified protocol to write out, as FHIR or as PDF.
type Export struct {
	Server   string    // the server's name, e.g. "akte.example.org"
	Log      string    // the log the events come from
	Verified *Verified // the checkpoint (and key) the events were verified against
	Events   []Event   // the events to write, a selection of Verified.Events or all
	Now      time.Time // when the export is made
	Lang     string    // "de" or "en" (labels of the PDF)
	// Loc is the time zone the PDF shows times in (nil: UTC). FHIR
	// always writes UTC.
	Loc *time.Location
}
