package audit

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// The FHIR export is a Bundle of type collection with one AuditEvent per
// event, in the shape of gematik's EPAAuditEvent (ePA für alle,
// https://gematik.de/fhir/epa/StructureDefinition/epa-auditevent) where it
// fits: action C/R/U/D/E, outcome 0/4/12, agent.type from v3-RoleClass
// (PAT, PROV) or DICOM (110150 Application), source.type from gematik's
// EPAAuditEventSourceTypeCS, entity.name and entity.description for the
// operation, entity.detail for the rest. It does not claim the profile
// (meta.profile): Akte's agents are identified by account ids, not by a
// Telematik-ID or KVNR, and its source is not the ePA Fachdienst. The
// checkpoint the events were verified against travels as the Bundle's
// signature (the signed note, as text/plain), so the export can be checked
// again. docs/audit.md lists the mapping.
const (
	systemAuditType  = "http://terminology.hl7.org/CodeSystem/audit-event-type"
	systemRoleClass  = "http://terminology.hl7.org/CodeSystem/v3-RoleClass"
	systemDICOM      = "http://dicom.nema.org/resources/ontology/DCM"
	systemEPASource  = "https://gematik.de/fhir/epa/CodeSystem/epa-auditevent-sourcetype-cs"
	systemSignature  = "urn:iso-astm:E1762-95:2013"
	systemAkteRole   = "urn:akte:audit-role"
	systemAkteActor  = "urn:akte:account"
	verificationSign = "1.2.840.10065.1.12.1.5" // ASTM E1762: verification signature
)

type fhirCoding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

type fhirConcept struct {
	Coding []fhirCoding `json:"coding,omitempty"`
	Text   string       `json:"text,omitempty"`
}

type fhirIdentifier struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
}

type fhirReference struct {
	Identifier *fhirIdentifier `json:"identifier,omitempty"`
	Display    string          `json:"display,omitempty"`
}

type fhirAgent struct {
	Type      *fhirConcept   `json:"type,omitempty"`
	Who       *fhirReference `json:"who,omitempty"`
	AltID     string         `json:"altId,omitempty"`
	Name      string         `json:"name,omitempty"`
	Requestor bool           `json:"requestor"`
	Network   *fhirNetwork   `json:"network,omitempty"`
}

type fhirNetwork struct {
	Address string `json:"address"`
	Type    string `json:"type"`
}

type fhirDetail struct {
	Type        string `json:"type"`
	ValueString string `json:"valueString"`
}

type fhirEntity struct {
	Name        string       `json:"name,omitempty"`
	Description string       `json:"description,omitempty"`
	Detail      []fhirDetail `json:"detail,omitempty"`
}

type fhirSource struct {
	Site     string        `json:"site,omitempty"`
	Observer fhirReference `json:"observer"`
	Type     []fhirCoding  `json:"type,omitempty"`
}

type fhirAuditEvent struct {
	ResourceType string       `json:"resourceType"`
	ID           string       `json:"id"`
	Type         fhirCoding   `json:"type"`
	Action       string       `json:"action"`
	Recorded     string       `json:"recorded"`
	Outcome      string       `json:"outcome"`
	Agent        []fhirAgent  `json:"agent"`
	Source       fhirSource   `json:"source"`
	Entity       []fhirEntity `json:"entity"`
}

type fhirEntry struct {
	FullURL  string         `json:"fullUrl"`
	Resource fhirAuditEvent `json:"resource"`
}

type fhirSignature struct {
	Type      []fhirCoding  `json:"type"`
	When      string        `json:"when"`
	Who       fhirReference `json:"who"`
	SigFormat string        `json:"sigFormat"`
	Data      string        `json:"data"`
}

type fhirBundle struct {
	ResourceType string          `json:"resourceType"`
	Identifier   *fhirIdentifier `json:"identifier,omitempty"`
	Type         string          `json:"type"`
	Timestamp    string          `json:"timestamp"`
	Entry        []fhirEntry     `json:"entry,omitempty"`
	Signature    *fhirSignature  `json:"signature,omitempty"`
}

// roleCodes maps Akte's roles to the standard codes gematik's profile
// binds (where one fits).
var roleCodes = map[Role]fhirCoding{
	RolePatient:        {systemRoleClass, "PAT", "patient"},
	RoleRepresentative: {systemRoleClass, "AGNT", "agent"},
	RoleProvider:       {systemRoleClass, "PROV", "healthcare provider"},
	RoleApp:            {systemDICOM, "110150", "Application"},
	RoleInsurer:        {systemRoleClass, "PAYOR", "invoice payor"},
	RoleOperator:       {systemRoleClass, "CST", "custodian"},
	RoleSystem:         {systemDICOM, "110150", "Application"},
}

var areaSources = map[Area]fhirCoding{
	AreaDocuments: {systemEPASource, "XDSSVC", "XDS Document Service"},
	AreaAccess:    {systemEPASource, "ENTITMGMT", "Entitlement Management"},
	AreaConsent:   {systemEPASource, "CDMGMT", "Consent Decision Management"},
	AreaAuth:      {systemEPASource, "DEVICEMGMT", "Device Management"},
	AreaOperator:  {systemEPASource, "ENTITMGMT", "Entitlement Management"},
	AreaAudit:     {systemEPASource, "AUDITSVC", "AuditEvent Service"},
}

func fhirTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.999999Z07:00") }

// FHIRBundle returns the protocol as a FHIR R4 Bundle (JSON).
func FHIRBundle(x Export) ([]byte, error) {
	if x.Verified == nil {
		return nil, fmt.Errorf("audit: export of an unverified protocol")
	}
	b := fhirBundle{ResourceType: "Bundle", Type: "collection", Timestamp: fhirTime(x.Now)}
	for i := range x.Events {
		e := &x.Events[i]
		h, err := LeafHash(x.Log, e)
		if err != nil {
			return nil, fmt.Errorf("audit: event %d: %w", e.Index, err)
		}
		id := leafUUID(h[:])
		b.Entry = append(b.Entry, fhirEntry{FullURL: "urn:uuid:" + id, Resource: auditEvent(x, e, id, base64.StdEncoding.EncodeToString(h[:]))})
	}
	c := x.Verified.Checkpoint
	b.Identifier = &fhirIdentifier{System: "urn:ietf:rfc:3986", Value: "urn:uuid:" + leafUUID(c.Hash[:])}
	b.Signature = &fhirSignature{
		Type:      []fhirCoding{{systemSignature, verificationSign, "Verification Signature"}},
		When:      fhirTime(c.Time),
		Who:       fhirReference{Display: c.Origin},
		SigFormat: "text/plain",
		Data:      base64.StdEncoding.EncodeToString([]byte(x.Verified.Signed)),
	}
	return json.MarshalIndent(b, "", "  ")
}

func auditEvent(x Export, e *Event, id, leafHash string) fhirAuditEvent {
	info, _ := e.Operation.Info()
	typ := fhirCoding{System: systemAuditType, Code: "rest", Display: "RESTful Operation"}
	if info.Area == AreaDocuments {
		typ = fhirCoding{System: systemAuditType, Code: "object", Display: "An Operation on other Objects"}
	}
	action := string(info.Action)
	if action == "" {
		action = string(ActionExecute)
	}
	outcome := map[Result]string{ResultOK: "0", ResultDenied: "4"}[e.Result]
	if outcome == "" {
		outcome = "12"
	}
	roleType := &fhirConcept{Coding: []fhirCoding{{System: systemAkteRole, Code: string(e.ActorRole)}}, Text: string(e.ActorRole)}
	if c, ok := roleCodes[e.ActorRole]; ok {
		roleType.Coding = append([]fhirCoding{c}, roleType.Coding...)
	}
	agent := fhirAgent{Type: roleType, Name: e.ActorName, Requestor: true}
	if agent.Name == "" {
		agent.Name = e.ActorID
	}
	if agent.Name == "" {
		agent.Name = string(e.ActorRole)
	}
	if e.ActorID != "" {
		agent.Who = &fhirReference{Identifier: &fhirIdentifier{System: systemAkteActor, Value: e.ActorID}}
	}
	if e.Device != "" {
		agent.AltID = e.Device
	}
	if e.Addr != "" {
		agent.Network = &fhirNetwork{Address: e.Addr, Type: "2"} // 2: IP address
	}
	source := fhirSource{Site: x.Server, Observer: fhirReference{Display: "Akte " + x.Server}}
	if c, ok := areaSources[info.Area]; ok {
		source.Type = []fhirCoding{c}
	}
	details := []fhirDetail{{"code", e.Code}, {"result", string(e.Result)}}
	for _, d := range []fhirDetail{{"reason", e.Reason}, {"object", e.Object}, {"device", e.Device}} {
		if d.ValueString != "" {
			details = append(details, d)
		}
	}
	details = append(details, fhirDetail{"log", x.Log}, fhirDetail{"log_index", strconv.FormatInt(e.Index, 10)}, fhirDetail{"leaf_hash", leafHash})
	label := e.Operation.Label(x.Lang)
	return fhirAuditEvent{
		ResourceType: "AuditEvent",
		ID:           id,
		Type:         typ,
		Action:       action,
		Recorded:     fhirTime(e.Time),
		Outcome:      outcome,
		Agent:        []fhirAgent{agent},
		Source:       source,
		Entity:       []fhirEntity{{Name: label, Description: string(e.Operation), Detail: details}},
	}
}

// leafUUID makes a UUID (version 8, RFC 9562) from a hash, so that an
// event has the same id in every export.
func leafUUID(h []byte) string {
	var u [16]byte
	copy(u[:], h)
	u[6] = u[6]&0x0f | 0x80
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
