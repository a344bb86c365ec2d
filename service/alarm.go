package service

import (
	"context"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/akte/akte"
	"github.com/akte/akte/audit"
	"github.com/akte/akte/mail"
)

// Metrics returns the service's Prometheus collectors
// (akte_alarms_total{kind}).
func (s *Service) Metrics() []prometheus.Collector { return []prometheus.Collector{s.alarms} }

// usualPeriod is the span over which a record's usual download rate is
// averaged.
const usualPeriod = 30 * 24 * time.Hour

// detectAlarms runs the alarm detection (audit.Detect, docs/audit.md §8)
// over the log's recent events and raises each alarm it finds once: the
// store keeps the keys of the alarms raised, on every replica.
func (s *Service) detectAlarms(ctx context.Context, log string) error {
	cfg := s.cfg.Alarms
	if cfg.Lookback <= 0 {
		return nil
	}
	if cfg.Downloads <= 0 { // off, whatever the usual rate
		cfg.DownloadsIn = 0
	}
	now := s.nowUTC()
	since := now.Add(-cfg.Lookback)
	es, err := s.store.EventsSince(ctx, log, since)
	if err != nil {
		return err
	}
	w := audit.Window{Log: log, Since: since, Events: make([]audit.Event, len(es))}
	for i, e := range es {
		w.Events[i] = toAudit(e)
	}
	if log != audit.SystemLog && cfg.DownloadsIn > 0 {
		n, err := s.store.CountEvents(ctx, log, string(audit.ItemDownload), now.Add(-usualPeriod))
		if err != nil {
			return err
		}
		w.UsualDownloads = float64(n) / float64(usualPeriod/cfg.DownloadsIn)
	}
	for _, a := range audit.Detect(cfg, w) {
		fresh, err := s.store.RecordAlarm(ctx, a.Key, now)
		if err != nil {
			return err
		}
		if fresh {
			s.raise(ctx, a)
		}
	}
	return nil
}

// raise tells of an alarm: a warning with the stable attribute "alarm" in
// the operator's log and the counter akte_alarms_total{kind}, a mail to
// the patient of the record, and the event alarm.raise in the log. No
// notice carries health data: the kind, a count, a time.
func (s *Service) raise(ctx context.Context, a audit.Alarm) {
	s.log.Warn("audit alarm", "alarm", string(a.Kind), "log", a.Log, "subject", a.Subject, "count", a.Count,
		"index", a.Index, "operator", a.Operator)
	s.alarms.WithLabelValues(string(a.Kind)).Inc()
	account, ok := strings.CutPrefix(a.Log, "record/")
	if !ok {
		s.event(ctx, akte.Event{Log: a.Log, Operation: string(audit.AlarmRaise), Object: "alarm:" + string(a.Kind),
			ActorID: "system", ActorRole: "system", Cause: string(a.Kind)})
		return
	}
	id := akte.AccountID(account)
	s.event(ctx, akte.Event{AccountID: id, Operation: string(audit.AlarmRaise), Object: "alarm:" + string(a.Kind),
		ActorID: "system", ActorRole: "system", Cause: string(a.Kind)})
	acc, err := s.store.Account(ctx, id)
	if err != nil {
		if !akte.Is(err, akte.KindNotFound) {
			s.log.Error("alarm mail", "alarm", string(a.Kind), "err", err)
		}
		return
	}
	s.mail(ctx, "audit.alarm", acc, mail.Alarm{Kind: string(a.Kind), Count: a.Count, Time: a.Time.UTC().Format("2006-01-02 15:04")})
}
