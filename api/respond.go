package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/catalog"
	"github.com/akte/akte/service"
	"github.com/akte/akte/wire"
)

// statusOf is the one table from error Kind to HTTP status.
var statusOf = map[akte.Kind]int{
	akte.KindInvalid:           http.StatusBadRequest,
	akte.KindUnauthenticated:   http.StatusUnauthorized,
	akte.KindForbidden:         http.StatusForbidden,
	akte.KindNotFound:          http.StatusNotFound,
	akte.KindConflict:          http.StatusConflict,
	akte.KindTooLarge:          http.StatusRequestEntityTooLarge,
	akte.KindRateLimited:       http.StatusTooManyRequests,
	akte.KindUnavailable:       http.StatusServiceUnavailable,
	akte.KindExpired:           http.StatusGone,
	akte.KindUsed:              http.StatusConflict,
	akte.KindDeviceUnconfirmed: http.StatusForbidden,
	akte.KindBlocked:           http.StatusForbidden,
	akte.KindUnsupportedMedia:  http.StatusUnsupportedMediaType,
	akte.KindQuota:             http.StatusRequestEntityTooLarge,
	akte.KindCrypto:            http.StatusBadRequest,
	akte.KindInternal:          http.StatusInternalServerError,
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail = wire.ErrorDetail

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// statusClientGone is what the log and the metrics record for a request
// whose client hung up before the answer (nginx's 499): nobody reads it,
// and it is no failure of the server.
const statusClientGone = 499

// writeError answers with the error shape of design §8: the kind's code,
// the reason with its parameters, and the reason's English text from the
// catalogue for API users. Nothing else of the error leaves the server;
// the rest goes to the log.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, ok := statusOf[akte.KindOf(err)]
	if !ok {
		status = http.StatusInternalServerError
	}
	a.writeErrorStatus(w, r, status, err)
}

// writeErrorStatus is writeError with the status chosen by the caller.
// A request whose client failed it — hung up, or sent its body too slowly
// (bodyReader) — is answered as the client's failure, whatever error that
// caused on the server's side: logged at info, never counted as 5xx.
func (a *API) writeErrorStatus(w http.ResponseWriter, r *http.Request, status int, err error) {
	kind := akte.KindOf(err)
	if _, ok := statusOf[kind]; !ok {
		kind = akte.KindInternal
	}
	switch fault := faultOf(r); {
	case fault == faultSlow:
		a.log.Info("request body too slow", "method", r.Method, "route", r.Pattern, "min_bytes_per_second", a.opts.MinBodyRate.PerSecond)
		w.Header().Set("Connection", "close")
		writeJSON(w, http.StatusRequestTimeout, errorBody{Error: detail(akte.KindInvalid, "body_too_slow",
			map[string]any{"min_bytes_per_second": a.opts.MinBodyRate.PerSecond})})
		return
	case fault == faultGone || status >= 500 && r.Context().Err() != nil:
		a.log.Info("client went away", "method", r.Method, "route", r.Pattern)
		w.WriteHeader(statusClientGone)
		return
	}
	if status >= 500 {
		a.log.Error("request failed", "method", r.Method, "route", r.Pattern, "err", err)
	}
	var ra service.RetryAfter
	if errors.As(err, &ra) {
		w.Header().Set("Retry-After", strconv.Itoa(int((time.Duration(ra)+time.Second-1)/time.Second)))
	}
	reason, params := akte.ReasonOf(err)
	if reason == "" || status == http.StatusInternalServerError {
		reason, params = kind.String(), nil
	}
	writeJSON(w, status, errorBody{Error: detail(kind, reason, params)})
}

// detail is the error shape of an answer; a reason that names no finer
// case than the kind is the kind's code.
func detail(kind akte.Kind, reason string, params map[string]any) errorDetail {
	return errorDetail{Code: kind.String(), Reason: reason, Params: params, Message: catalog.Text("en", reason, params)}
}

// faultOf says whether the client failed the request's body.
func faultOf(r *http.Request) clientFault {
	if b, ok := r.Body.(*bodyReader); ok {
		return b.fault
	}
	return noFault
}

// logValue keeps request logging to what is safe: never bodies, never
// query strings (they may carry tokens).
func logAttrs(r *http.Request, status int, d time.Duration) []any {
	return []any{slog.String("method", r.Method), slog.String("route", r.Pattern), slog.Int("status", status), slog.Duration("duration", d)}
}
