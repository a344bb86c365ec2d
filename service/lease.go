package service

import (
	"context"
	"time"
)

// LeaseTTL is how long a replica holds the jobs lease without renewing it:
// when the holder dies, another replica takes the jobs over within
// LeaseTTL + LeasePoll (50 s: "within a minute").
const LeaseTTL = 45 * time.Second

// LeasePoll is how often a replica that does not hold the jobs lease tries
// to take it. The holder renews every LeaseTTL/3.
const LeasePoll = 5 * time.Second

// RunJobLoop runs the maintenance jobs every interval on whichever replica
// holds the "jobs" lease, until ctx ends. Every replica runs the loop; the
// lease (in the database) makes exactly one of them do the work, and it is
// renewed every LeaseTTL/3, so a dead holder's lease runs out within
// LeaseTTL and the next replica's loop, polling every LeasePoll, takes
// over.
func (s *Service) RunJobLoop(ctx context.Context, holder string, interval time.Duration) {
	tick := time.NewTimer(LeasePoll)
	defer tick.Stop()
	var last time.Time
	held := false
	seq := time.NewTimer(SequenceInterval)
	defer seq.Stop()
	for {
		now := s.nowUTC()
		ok, err := s.store.AcquireLease(ctx, "jobs", holder, now, now.Add(LeaseTTL))
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Error("jobs lease", "err", err)
		case ok && !held:
			s.log.Info("jobs lease taken", "holder", holder)
		case !ok && held:
			s.log.Info("jobs lease lost", "holder", holder)
		}
		held = ok && err == nil
		// Intake reminders go at the minute set, not at the jobs' interval.
		if held {
			if err := s.runReminders(ctx, now); err != nil && ctx.Err() == nil {
				s.log.Error("medication reminders", "err", err)
			}
		}
		if held && now.Sub(last) >= interval {
			if err := s.RunJobs(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("maintenance jobs", "err", err)
			}
			last = now
		}
		if held {
			tick.Reset(LeaseTTL / 3)
		} else {
			tick.Reset(LeasePoll)
		}
		for waiting := true; waiting; {
			select {
			case <-seq.C:
				if held {
					s.auditRound(ctx, seq)
				} else {
					seq.Reset(SequenceInterval)
				}
			case <-ctx.Done():
				if held {
					rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
					if err := s.store.ReleaseLease(rctx, "jobs", holder); err != nil {
						s.log.Warn("release jobs lease", "err", err)
					}
					cancel()
				}
				return
			case <-tick.C:
				waiting = false
			}
		}
	}
}

// auditRound runs one round of the sequencer (AuditRound) for the job
// loop, which runs it every SequenceInterval while it holds the lease,
// and starts the timer for the next.
func (s *Service) auditRound(ctx context.Context, seq *time.Timer) {
	if err := s.AuditRound(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("audit sequencer", "err", err)
	}
	seq.Reset(SequenceInterval)
}
