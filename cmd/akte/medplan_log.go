package main

import (
	"strconv"
	"strings"

	"github.com/akte/akte/client"
	"github.com/akte/akte/fhir"
)

// intakeRow is one line of `akte medplan log --json`.
type intakeRow struct {
	ID   string `json:"id"`
	At   string `json:"at"`
	Line int    `json:"line"`
	PZN  string `json:"pzn,omitempty"`
	Name string `json:"name"`
	Slot string `json:"slot,omitempty"`
}

func intakeRows(mp *client.MedPlan) []intakeRow {
	out := []intakeRow{}
	for _, x := range mp.Log {
		ms, ok := x.Resource.(*fhir.MedicationStatement)
		if !ok {
			continue
		}
		r := intakeRow{ID: x.ID, At: string(ms.EffectiveDateTime)}
		for _, id := range ms.Identifier {
			if id.System == client.SystemIntake {
				n, _ := strconv.Atoi(id.Value[strings.LastIndexByte(id.Value, '-')+1:])
				r.Line = n
			}
		}
		if c := ms.MedicationCodeableConcept; c != nil {
			r.Name = c.Text
			if len(c.Coding) > 0 {
				r.PZN = c.Coding[0].Code
			}
		}
		if len(ms.Dosage) > 0 {
			r.Slot = ms.Dosage[0].Text
		}
		out = append(out, r)
	}
	return out
}
