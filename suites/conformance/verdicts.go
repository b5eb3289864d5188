package conformance

// Failing with a kind: the failure kinds of errors, fail and failAt at the
// spec's line, expect, declared deviations, and the first of many errors.

import (
	"context"
	"errors"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/echospec/echospec/fixtures/verify"
	"github.com/echospec/echospec/spec"
)

// kindError is an error with the failure kind it stands for.
type kindError struct {
	kind spec.Kind
	err  error
}

func (e *kindError) Error() string { return e.err.Error() }

func (e *kindError) Unwrap() error { return e.err }

// kinded gives err the failure kind k (nil stays nil).
func kinded(k spec.Kind, err error) error {
	if err == nil {
		return nil
	}
	return &kindError{kind: k, err: err}
}

// kindOf is the failure kind err stands for: the kind it was given, or
// the one verify reads from it (its own *Error's, or the system error's).
func kindOf(err error) spec.Kind {
	var ke *kindError
	if errors.As(err, &ke) {
		return ke.kind
	}
	return verify.KindOf(err)
}

// noErr fails the spec with err's own message, prefixed with what was
// being done, and err's kind, when err is not nil. It keeps failure
// messages to the numbers, without a dump of the error's fields.
func noErr(err error, format string, args ...any) {
	GinkgoHelper()
	if err != nil {
		wireFailing(err)
		msg := err.Error()
		if format != "" {
			msg = fmt.Sprintf(format, args...) + ": " + msg
		}
		fail(kindOf(err), msg)
	}
}

// fail fails the current spec with msg and its kind (a report entry, and
// the message's first word) — unless this target's failure of this spec
// is a declared expected failure of that same kind (a known finding,
// labelled xfail), which is recorded as such and skipped: reported in
// every report, but not failing the run. A failure of another kind fails
// as usual, saying what was declared.
func fail(kind spec.Kind, msg string) {
	GinkgoHelper()
	failAt(kind, msg, 0)
}

// failAt is fail with the failure's location skip frames above its
// caller's (then past every GinkgoHelper), for a failure that comes
// through code that is not the spec's, such as Gomega's Eventually.
func failAt(kind spec.Kind, msg string, skip int) {
	GinkgoHelper()
	wireFailed(kind.Tag() + msg) // its moment: before a crash is waited for
	if r := currentRun(); r != nil && kind != spec.Crash {
		// A crash is the root cause: the reset or early close the spec
		// saw first is its symptom. A dying server is always given its
		// moment, so the kind does not depend on how fast a busy host
		// lets it exit (a server that died on the same reset was named
		// early-close 1 run in 10 beside two CPU hogs when it was not).
		if err := r.died(true); err != nil {
			msg = fmt.Sprintf("the server died (%v); first seen as %s%s", err, kind.Tag(), msg)
			kind = spec.Crash
			specFault("the server was found dead: %s", strings.TrimSuffix(firstLine(err.Error()), "; its output ends:"))
			r.crashed = true
		}
	}
	AddReportEntry(spec.KindEntry, string(kind), Offset(skip+1))
	if x, declared := declaredFailure(); declared {
		if x.Kinds.Contains(kind) {
			AddReportEntry(spec.ExpectedFailureEntry, kind.Tag()+msg, Offset(skip+1))
			Skip("expected failure (declared): "+kind.Tag()+msg, skip+1)
		}
		msg += fmt.Sprintf(" (declared as an expected failure of kind %s; this one is %s)", x.Kinds, kind)
	}
	Fail(kind.Tag()+msg, skip+1)
}

// xfailKindPrefix labels a spec with the kinds of its expected failure,
// joined by "+" (a label cannot hold "|"): for selection and display only.
const xfailKindPrefix = "xfail-kind:"

// expect is a Gomega whose failures go through fail with kind k, for
// Eventually with ctx: one that ends because ctx did (the spec's budget
// ran out) is a stall, saying so.
func expect(ctx context.Context, k spec.Kind) Gomega {
	return NewGomega(func(message string, skip ...int) {
		GinkgoHelper()
		if ctx.Err() != nil {
			k, message = spec.Stall, message+": "+context.Cause(ctx).Error()
		}
		// Gomega's skip counts from this function's caller, inside Gomega;
		// failAt's from its own caller, this function: one more.
		failAt(k, message, 1+append(skip, 0)[0])
	})
}

// deviation records in the report that a declared deviation shaped this
// spec. It never hides a failure: it is shown in every report.
func deviation(format string, args ...any) {
	AddReportEntry(spec.DeviationEntry, fmt.Sprintf(format, args...))
}

// firstErrors joins the first few non-nil errors, each named by its index,
// with a count of all of them. The kind of the result is the kind of the
// first.
func firstErrors(errs []error, what string) error { return firstErrorsFrom(errs, what, 0) }

// firstErrorsFrom is firstErrors for errs numbered from first.
func firstErrorsFrom(errs []error, what string, first int) error {
	var failed []error
	count := 0
	var kind spec.Kind
	for i, err := range errs {
		if err == nil {
			continue
		}
		count++
		if kind == "" {
			kind = kindOf(err)
		}
		if len(failed) < 5 {
			failed = append(failed, fmt.Errorf("%s %d: %w", what, first+i, err))
		}
	}
	if count == 0 {
		return nil
	}
	return kinded(kind, fmt.Errorf("%d of %d %ss failed; the first:\n%w", count, len(errs), what, errors.Join(failed...)))
}

// firstLine is s up to its first line break.
func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
