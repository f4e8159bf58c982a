package postgres

// Failures of the server or the connection: which errors mean "the
// database is unavailable" (memory.EUnavailable, with a message naming the
// server and never the password), which are bad input, and which are worth
// retrying.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mcp-memory-go/memory"
)

// describe classifies err for the caller. Domain errors (*memory.Error)
// and context errors pass through; a lost or refused connection, or a
// server that refuses the login, becomes an EUnavailable *serverError;
// text the server cannot store (a NUL character, invalid UTF-8) becomes
// EInvalid. The original error stays in the chain for logs.
func (s *Store) describe(err error) error {
	var me *memory.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &me), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case loginRefused(err):
		return s.serverError(err, "the PostgreSQL server refused the login (%s)", reason(err))
	case connectionLost(err):
		return s.serverError(err, "the PostgreSQL database is unavailable (%s); try again later", reason(err))
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "22021", "22P05": // character_not_in_repertoire, untranslatable_character
			return fmt.Errorf("%w: %w", memory.Errorf(memory.EInvalid, "the text holds a character PostgreSQL cannot store (a NUL or invalid UTF-8)"), err)
		case "53300": // too_many_connections
			return s.serverError(err, "the PostgreSQL database refuses connections now (%s); try again later", reason(err))
		}
	}
	return err
}

// serverError is a failure of the server or of the connection to it. Its
// message, for clients, names neither the server nor the user; Error adds
// the server's address (never the password) for logs and the command
// line, and the cause stays in the chain.
type serverError struct {
	domain *memory.Error
	addr   string
	cause  error
}

func (s *Store) serverError(cause error, format string, args ...any) error {
	return &serverError{domain: memory.Errorf(memory.EUnavailable, format, args...), addr: s.addr, cause: cause}
}

// Error returns the message with the server's address.
func (e *serverError) Error() string { return "postgres at " + e.addr + ": " + e.domain.Message }

// Unwrap returns the domain error and the cause.
func (e *serverError) Unwrap() []error { return []error{e.domain, e.cause} }

// reason returns the gist of a connection failure, for messages: the
// server's own message, the system error, or what happened to the
// connection. It never holds the connection string.
func reason(err error) string {
	var (
		pe    *pgconn.PgError
		dns   *net.DNSError
		errno syscall.Errno
	)
	switch {
	case errors.As(err, &pe):
		return pe.Message
	case errors.As(err, &dns):
		return "cannot resolve " + dns.Name + ": " + dns.Err
	case errors.As(err, &errno):
		return errno.Error()
	case pgconn.Timeout(err):
		return "timed out"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed), errors.Is(err, pgconn.ErrConnClosed):
		return "the connection was closed"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timed out"
	}
	return "the connection failed"
}

// loginRefused reports whether the server refused a new session: a wrong
// password or user (class 28), or a database that does not exist.
// Retrying cannot help.
func loginRefused(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (strings.HasPrefix(pe.Code, "28") || pe.Code == "3D000")
}

// connectionLost reports whether err means the connection could not be
// made or was lost: the server is down, restarting, or ended the session.
func connectionLost(err error) bool {
	var (
		ce *pgconn.ConnectError
		pe *pgconn.PgError
		ne net.Error
	)
	switch {
	case loginRefused(err):
		return false
	case errors.As(err, &ce):
		return true
	case errors.As(err, &pe):
		// Class 08: connection exception; 57P01-57P03: admin shutdown,
		// crash shutdown, cannot connect now (starting up or recovering).
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, pgconn.ErrConnClosed), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE):
		return true
	case errors.As(err, &ne):
		return !pgconn.Timeout(err)
	}
	return false
}

// retryable reports whether a transaction that failed with err, before its
// COMMIT was sent, may simply be run again: the connection was lost (the
// server rolled it back), or the server aborted it on a deadlock or a
// serialization failure.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001") {
		return true
	}
	return connectionLost(err)
}
