package service

import (
	"context"

	"github.com/akte/akte"
	"github.com/akte/akte/mail"
)

// The service's mails are templates of package mail, sent in the
// account's language; a mail to an address that has no account is in
// both.

// langOf is the language of the account's mails.
func langOf(a *akte.Account) string {
	if a.Lang == "" {
		return "de"
	}
	return a.Lang
}

// mail sends the message to the account's owner after the answer, counted
// on the recipient's mail counter; past the limit it is dropped (and
// logged without the address).
func (s *Service) mail(ctx context.Context, op string, a *akte.Account, t mail.Template) {
	if _, err := s.take(ctx, op, s.mailCounter(a.Email)); err != nil {
		s.log.Warn("notice not mailed", "op", op, "err", err)
		return
	}
	s.send(ctx, a.Email, langOf(a), t)
}

// send sends the message to an address in lang ("" for both languages)
// after the answer (later); the caller counted it.
func (s *Service) send(ctx context.Context, to, lang string, t mail.Template) {
	m, err := mail.Compose(to, lang, t)
	if err != nil {
		s.log.Error("compose mail", "mail", t.Name(), "err", err)
		return
	}
	s.later(ctx, func(ctx context.Context) {
		if err := s.mailer.Send(ctx, m); err != nil {
			s.log.Error("send mail", "err", err)
		}
	})
}
