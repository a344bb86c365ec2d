package fhir

import "encoding/json"

// DomainResource holds the elements every resource here shares. Extra keeps
// the members of the JSON object that no field models, so that valid FHIR
// written by someone else survives a round trip through Parse and Marshal.
type DomainResource struct {
	ID                string                     `json:"id,omitempty"`
	Meta              *Meta                      `json:"meta,omitempty"`
	ImplicitRules     string                     `json:"implicitRules,omitempty"`
	Language          string                     `json:"language,omitempty"`
	Text              *Narrative                 `json:"text,omitempty"`
	Extension         []Extension                `json:"extension,omitempty"`
	ModifierExtension []Extension                `json:"modifierExtension,omitempty"`
	Extra             map[string]json.RawMessage `json:"-"`
}

// ResourceID returns Resource.id.
func (d *DomainResource) ResourceID() string { return d.ID }

// Immunization is one vaccination, in the shape of the KBV MIO Impfpass
// (KBV_PR_MIO_Vaccination_Record_Prime): vaccineCode with SNOMED, ATC and
// PZN codings, protocolApplied with the target diseases and dose number,
// lotNumber, occurrenceDateTime and the performer.
type Immunization struct {
	DomainResource
	Identifier         []Identifier                  `json:"identifier,omitempty"`
	Status             string                        `json:"status,omitempty"` // completed | entered-in-error | not-done
	StatusReason       *CodeableConcept              `json:"statusReason,omitempty"`
	VaccineCode        *CodeableConcept              `json:"vaccineCode,omitempty"`
	Patient            *Reference                    `json:"patient,omitempty"`
	Encounter          *Reference                    `json:"encounter,omitempty"`
	OccurrenceDateTime Date                          `json:"occurrenceDateTime,omitempty"`
	OccurrenceString   string                        `json:"occurrenceString,omitempty"`
	Recorded           Date                          `json:"recorded,omitempty"`
	PrimarySource      *bool                         `json:"primarySource,omitempty"`
	ReportOrigin       *CodeableConcept              `json:"reportOrigin,omitempty"`
	Location           *Reference                    `json:"location,omitempty"`
	Manufacturer       *Reference                    `json:"manufacturer,omitempty"`
	LotNumber          string                        `json:"lotNumber,omitempty"`
	ExpirationDate     Date                          `json:"expirationDate,omitempty"`
	Site               *CodeableConcept              `json:"site,omitempty"`
	Route              *CodeableConcept              `json:"route,omitempty"`
	DoseQuantity       *Quantity                     `json:"doseQuantity,omitempty"`
	Performer          []ImmunizationPerformer       `json:"performer,omitempty"`
	Note               []Annotation                  `json:"note,omitempty"`
	ReasonCode         []CodeableConcept             `json:"reasonCode,omitempty"`
	IsSubpotent        *bool                         `json:"isSubpotent,omitempty"`
	ProtocolApplied    []ImmunizationProtocolApplied `json:"protocolApplied,omitempty"`
}

// ImmunizationPerformer is Immunization.performer.
type ImmunizationPerformer struct {
	Function *CodeableConcept `json:"function,omitempty"`
	Actor    *Reference       `json:"actor,omitempty"`
}

// ImmunizationProtocolApplied is Immunization.protocolApplied: the dose
// number within a series and the diseases it protects against.
type ImmunizationProtocolApplied struct {
	Series                 string            `json:"series,omitempty"`
	Authority              *Reference        `json:"authority,omitempty"`
	TargetDisease          []CodeableConcept `json:"targetDisease,omitempty"`
	DoseNumberPositiveInt  int               `json:"doseNumberPositiveInt,omitempty"`
	DoseNumberString       string            `json:"doseNumberString,omitempty"`
	SeriesDosesPositiveInt int               `json:"seriesDosesPositiveInt,omitempty"`
	SeriesDosesString      string            `json:"seriesDosesString,omitempty"`
}

// Procedure is a check-up or other procedure that was done.
type Procedure struct {
	DomainResource
	Identifier        []Identifier         `json:"identifier,omitempty"`
	Status            string               `json:"status,omitempty"`
	StatusReason      *CodeableConcept     `json:"statusReason,omitempty"`
	Category          *CodeableConcept     `json:"category,omitempty"`
	Code              *CodeableConcept     `json:"code,omitempty"`
	Subject           *Reference           `json:"subject,omitempty"`
	Encounter         *Reference           `json:"encounter,omitempty"`
	PerformedDateTime Date                 `json:"performedDateTime,omitempty"`
	PerformedPeriod   *Period              `json:"performedPeriod,omitempty"`
	PerformedString   string               `json:"performedString,omitempty"`
	Recorder          *Reference           `json:"recorder,omitempty"`
	Asserter          *Reference           `json:"asserter,omitempty"`
	Performer         []ProcedurePerformer `json:"performer,omitempty"`
	Location          *Reference           `json:"location,omitempty"`
	ReasonCode        []CodeableConcept    `json:"reasonCode,omitempty"`
	BodySite          []CodeableConcept    `json:"bodySite,omitempty"`
	Outcome           *CodeableConcept     `json:"outcome,omitempty"`
	Report            []Reference          `json:"report,omitempty"`
	FollowUp          []CodeableConcept    `json:"followUp,omitempty"`
	Note              []Annotation         `json:"note,omitempty"`
}

// ProcedurePerformer is Procedure.performer.
type ProcedurePerformer struct {
	Function   *CodeableConcept `json:"function,omitempty"`
	Actor      *Reference       `json:"actor,omitempty"`
	OnBehalfOf *Reference       `json:"onBehalfOf,omitempty"`
}

// Encounter is a visit to a doctor or a stay.
type Encounter struct {
	DomainResource
	Identifier      []Identifier           `json:"identifier,omitempty"`
	Status          string                 `json:"status,omitempty"`
	Class           *Coding                `json:"class,omitempty"`
	Type            []CodeableConcept      `json:"type,omitempty"`
	ServiceType     *CodeableConcept       `json:"serviceType,omitempty"`
	Priority        *CodeableConcept       `json:"priority,omitempty"`
	Subject         *Reference             `json:"subject,omitempty"`
	Participant     []EncounterParticipant `json:"participant,omitempty"`
	Period          *Period                `json:"period,omitempty"`
	ReasonCode      []CodeableConcept      `json:"reasonCode,omitempty"`
	ServiceProvider *Reference             `json:"serviceProvider,omitempty"`
}

// EncounterParticipant is Encounter.participant.
type EncounterParticipant struct {
	Type       []CodeableConcept `json:"type,omitempty"`
	Period     *Period           `json:"period,omitempty"`
	Individual *Reference        `json:"individual,omitempty"`
}

// Practitioner is a doctor, dentist or other health professional.
type Practitioner struct {
	DomainResource
	Identifier    []Identifier                `json:"identifier,omitempty"`
	Active        *bool                       `json:"active,omitempty"`
	Name          []HumanName                 `json:"name,omitempty"`
	Telecom       []ContactPoint              `json:"telecom,omitempty"`
	Address       []Address                   `json:"address,omitempty"`
	Gender        string                      `json:"gender,omitempty"`
	BirthDate     Date                        `json:"birthDate,omitempty"`
	Qualification []PractitionerQualification `json:"qualification,omitempty"`
}

// PractitionerQualification is Practitioner.qualification (e.g. the
// specialty).
type PractitionerQualification struct {
	Identifier []Identifier     `json:"identifier,omitempty"`
	Code       *CodeableConcept `json:"code,omitempty"`
	Period     *Period          `json:"period,omitempty"`
	Issuer     *Reference       `json:"issuer,omitempty"`
}

// MedicationStatement is a medication the patient takes, took or will take
// (one line of a medication plan).
type MedicationStatement struct {
	DomainResource
	Identifier                []Identifier      `json:"identifier,omitempty"`
	Status                    string            `json:"status,omitempty"`
	StatusReason              []CodeableConcept `json:"statusReason,omitempty"`
	Category                  *CodeableConcept  `json:"category,omitempty"`
	MedicationCodeableConcept *CodeableConcept  `json:"medicationCodeableConcept,omitempty"`
	MedicationReference       *Reference        `json:"medicationReference,omitempty"`
	Subject                   *Reference        `json:"subject,omitempty"`
	Context                   *Reference        `json:"context,omitempty"`
	EffectiveDateTime         Date              `json:"effectiveDateTime,omitempty"`
	EffectivePeriod           *Period           `json:"effectivePeriod,omitempty"`
	DateAsserted              Date              `json:"dateAsserted,omitempty"`
	InformationSource         *Reference        `json:"informationSource,omitempty"`
	DerivedFrom               []Reference       `json:"derivedFrom,omitempty"`
	ReasonCode                []CodeableConcept `json:"reasonCode,omitempty"`
	Note                      []Annotation      `json:"note,omitempty"`
	Dosage                    []Dosage          `json:"dosage,omitempty"`
}

// ObservationValue is the value[x] choice of an Observation or of one of
// its components.
type ObservationValue struct {
	ValueQuantity        *Quantity        `json:"valueQuantity,omitempty"`
	ValueCodeableConcept *CodeableConcept `json:"valueCodeableConcept,omitempty"`
	ValueString          string           `json:"valueString,omitempty"`
	ValueBoolean         *bool            `json:"valueBoolean,omitempty"`
	ValueInteger         *int             `json:"valueInteger,omitempty"`
	ValueDateTime        Date             `json:"valueDateTime,omitempty"`
}

// Observation is a measured or reported value (a diary entry: weight,
// blood pressure, blood glucose, ...).
type Observation struct {
	DomainResource
	Identifier        []Identifier      `json:"identifier,omitempty"`
	Status            string            `json:"status,omitempty"`
	Category          []CodeableConcept `json:"category,omitempty"`
	Code              *CodeableConcept  `json:"code,omitempty"`
	Subject           *Reference        `json:"subject,omitempty"`
	Encounter         *Reference        `json:"encounter,omitempty"`
	EffectiveDateTime Date              `json:"effectiveDateTime,omitempty"`
	EffectivePeriod   *Period           `json:"effectivePeriod,omitempty"`
	Issued            string            `json:"issued,omitempty"`
	Performer         []Reference       `json:"performer,omitempty"`
	ObservationValue
	DataAbsentReason *CodeableConcept       `json:"dataAbsentReason,omitempty"`
	Interpretation   []CodeableConcept      `json:"interpretation,omitempty"`
	Note             []Annotation           `json:"note,omitempty"`
	BodySite         *CodeableConcept       `json:"bodySite,omitempty"`
	Method           *CodeableConcept       `json:"method,omitempty"`
	Component        []ObservationComponent `json:"component,omitempty"`
}

// ObservationComponent is one part of a multi-part value (systolic and
// diastolic blood pressure).
type ObservationComponent struct {
	Code *CodeableConcept `json:"code,omitempty"`
	ObservationValue
	DataAbsentReason *CodeableConcept `json:"dataAbsentReason,omitempty"`
}

// AllergyIntolerance is an allergy or intolerance (emergency data).
type AllergyIntolerance struct {
	DomainResource
	Identifier         []Identifier                 `json:"identifier,omitempty"`
	ClinicalStatus     *CodeableConcept             `json:"clinicalStatus,omitempty"`
	VerificationStatus *CodeableConcept             `json:"verificationStatus,omitempty"`
	Type               string                       `json:"type,omitempty"`     // allergy | intolerance
	Category           []string                     `json:"category,omitempty"` // food | medication | environment | biologic
	Criticality        string                       `json:"criticality,omitempty"`
	Code               *CodeableConcept             `json:"code,omitempty"`
	Patient            *Reference                   `json:"patient,omitempty"`
	Encounter          *Reference                   `json:"encounter,omitempty"`
	OnsetDateTime      Date                         `json:"onsetDateTime,omitempty"`
	OnsetString        string                       `json:"onsetString,omitempty"`
	RecordedDate       Date                         `json:"recordedDate,omitempty"`
	Recorder           *Reference                   `json:"recorder,omitempty"`
	Asserter           *Reference                   `json:"asserter,omitempty"`
	LastOccurrence     Date                         `json:"lastOccurrence,omitempty"`
	Note               []Annotation                 `json:"note,omitempty"`
	Reaction           []AllergyIntoleranceReaction `json:"reaction,omitempty"`
}

// AllergyIntoleranceReaction is AllergyIntolerance.reaction.
type AllergyIntoleranceReaction struct {
	Substance     *CodeableConcept  `json:"substance,omitempty"`
	Manifestation []CodeableConcept `json:"manifestation,omitempty"`
	Description   string            `json:"description,omitempty"`
	Onset         Date              `json:"onset,omitempty"`
	Severity      string            `json:"severity,omitempty"` // mild | moderate | severe
}

// Condition is a diagnosis or health problem (emergency data).
type Condition struct {
	DomainResource
	Identifier         []Identifier      `json:"identifier,omitempty"`
	ClinicalStatus     *CodeableConcept  `json:"clinicalStatus,omitempty"`
	VerificationStatus *CodeableConcept  `json:"verificationStatus,omitempty"`
	Category           []CodeableConcept `json:"category,omitempty"`
	Severity           *CodeableConcept  `json:"severity,omitempty"`
	Code               *CodeableConcept  `json:"code,omitempty"`
	BodySite           []CodeableConcept `json:"bodySite,omitempty"`
	Subject            *Reference        `json:"subject,omitempty"`
	Encounter          *Reference        `json:"encounter,omitempty"`
	OnsetDateTime      Date              `json:"onsetDateTime,omitempty"`
	OnsetString        string            `json:"onsetString,omitempty"`
	AbatementDateTime  Date              `json:"abatementDateTime,omitempty"`
	AbatementString    string            `json:"abatementString,omitempty"`
	RecordedDate       Date              `json:"recordedDate,omitempty"`
	Recorder           *Reference        `json:"recorder,omitempty"`
	Asserter           *Reference        `json:"asserter,omitempty"`
	Note               []Annotation      `json:"note,omitempty"`
}

// Patient is the person the record is about (birth date, sex, KVNR,
// emergency contacts in Contact).
type Patient struct {
	DomainResource
	Identifier          []Identifier     `json:"identifier,omitempty"`
	Active              *bool            `json:"active,omitempty"`
	Name                []HumanName      `json:"name,omitempty"`
	Telecom             []ContactPoint   `json:"telecom,omitempty"`
	Gender              string           `json:"gender,omitempty"` // male | female | other | unknown
	BirthDate           Date             `json:"birthDate,omitempty"`
	DeceasedBoolean     *bool            `json:"deceasedBoolean,omitempty"`
	DeceasedDateTime    Date             `json:"deceasedDateTime,omitempty"`
	Address             []Address        `json:"address,omitempty"`
	Contact             []PatientContact `json:"contact,omitempty"`
	GeneralPractitioner []Reference      `json:"generalPractitioner,omitempty"`
}

// PatientContact is Patient.contact; relationship code C of
// http://terminology.hl7.org/CodeSystem/v2-0131 marks an emergency contact.
type PatientContact struct {
	Relationship []CodeableConcept `json:"relationship,omitempty"`
	Name         *HumanName        `json:"name,omitempty"`
	Telecom      []ContactPoint    `json:"telecom,omitempty"`
	Address      *Address          `json:"address,omitempty"`
	Gender       string            `json:"gender,omitempty"`
	Organization *Reference        `json:"organization,omitempty"`
	Period       *Period           `json:"period,omitempty"`
}

// Bundle is a collection of resources (an export, a MIO document).
type Bundle struct {
	ID            string                     `json:"id,omitempty"`
	Meta          *Meta                      `json:"meta,omitempty"`
	ImplicitRules string                     `json:"implicitRules,omitempty"`
	Language      string                     `json:"language,omitempty"`
	Identifier    *Identifier                `json:"identifier,omitempty"`
	Type          string                     `json:"type,omitempty"`
	Timestamp     string                     `json:"timestamp,omitempty"`
	Total         *int                       `json:"total,omitempty"`
	Entry         []BundleEntry              `json:"entry,omitempty"`
	Extra         map[string]json.RawMessage `json:"-"`
}

// ResourceID returns Bundle.id.
func (b *Bundle) ResourceID() string { return b.ID }

// BundleEntry is one entry of a Bundle. Resource is a type of this package,
// or an *Other for resource types it does not model.
type BundleEntry struct {
	FullURL  string                     `json:"fullUrl,omitempty"`
	Resource Resource                   `json:"-"`
	Extra    map[string]json.RawMessage `json:"-"`
}

// Other is a resource of a type this package does not model, kept as its
// JSON; it occurs only inside a Bundle.
type Other struct {
	Type string
	JSON json.RawMessage
}

// ResourceType returns the type the JSON names.
func (o *Other) ResourceType() string { return o.Type }

// ResourceID returns the id of the JSON, "" if none.
func (o *Other) ResourceID() string {
	var v struct {
		ID string `json:"id"`
	}
	json.Unmarshal(o.JSON, &v)
	return v.ID
}

// MarshalJSON writes the kept JSON, without empty values.
func (o *Other) MarshalJSON() ([]byte, error) {
	out, ok, err := prune(o.JSON)
	if err != nil || !ok {
		return []byte("{}"), err
	}
	return out, nil
}
