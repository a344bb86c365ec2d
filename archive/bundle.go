package archive

import "encoding/json"

// The FHIR R4 resources of bundle.json, with the elements an export
// writes. Empty elements are left out (FHIR JSON allows no empty values).

type bundle struct {
	ResourceType string  `json:"resourceType"`
	Type         string  `json:"type"`
	Timestamp    string  `json:"timestamp,omitempty"`
	Entry        []entry `json:"entry,omitempty"`
}

type entry struct {
	FullURL  string `json:"fullUrl"`
	Resource any    `json:"resource"`
}

type identifier struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
}

type coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

type concept struct {
	Coding []coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

type reference struct {
	Reference string `json:"reference,omitempty"`
	Display   string `json:"display,omitempty"`
}

// The bundle as read back (Read): the same types, the resource left raw
// until its type is known.
type bundleIn struct {
	ResourceType string `json:"resourceType"`
	Type         string `json:"type"`
	Entry        []struct {
		FullURL  string          `json:"fullUrl"`
		Resource json.RawMessage `json:"resource"`
	} `json:"entry"`
}

type patient struct {
	ResourceType string       `json:"resourceType"`
	ID           string       `json:"id,omitempty"`
	Identifier   []identifier `json:"identifier,omitempty"`
	BirthDate    string       `json:"birthDate,omitempty"`
}

type attachment struct {
	ContentType string `json:"contentType,omitempty"`
	URL         string `json:"url,omitempty"`
	Size        int64  `json:"size,omitempty"` // unsignedInt: at most 2^31-1 in R4
	Title       string `json:"title,omitempty"`
	Creation    string `json:"creation,omitempty"`
}

type content struct {
	Attachment attachment `json:"attachment"`
}

type relates struct {
	Code   string    `json:"code"`
	Target reference `json:"target"`
}

type extension struct {
	URL         string `json:"url"`
	ValueString string `json:"valueString,omitempty"`
}

// CommentExtension carries a document's comment (R4's DocumentReference
// has no element for it).
const CommentExtension = "https://akte.dev/fhir/StructureDefinition/comment"

type documentReference struct {
	ResourceType string       `json:"resourceType"`
	ID           string       `json:"id,omitempty"`
	Extension    []extension  `json:"extension,omitempty"`
	Identifier   []identifier `json:"identifier,omitempty"`
	Status       string       `json:"status"`
	Type         *concept     `json:"type,omitempty"`
	Category     []concept    `json:"category,omitempty"`
	Subject      *reference   `json:"subject,omitempty"`
	Date         string       `json:"date,omitempty"`
	Author       []reference  `json:"author,omitempty"`
	RelatesTo    []relates    `json:"relatesTo,omitempty"`
	Description  string       `json:"description,omitempty"`
	Content      []content    `json:"content"`
}

type agent struct {
	Who reference `json:"who"`
}

type provenance struct {
	ResourceType string      `json:"resourceType"`
	Target       []reference `json:"target"`
	Recorded     string      `json:"recorded"`
	Agent        []agent     `json:"agent"`
}
