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
// and context errors pass through; a lost or refused connection becomes an
// EUnavailable error naming the server; text the server cannot store (a
// NUL character, invalid UTF-8) becomes EInvalid. The original error stays
// in the chain for logs.
func (s *Store) describe(err error) error {
	var me *memory.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &me), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case connectionLost(err):
		return fmt.Errorf("%w: %w", memory.Errorf(memory.EUnavailable, "the PostgreSQL server at %s is unavailable; try again later", s.addr), err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "22021", "22P05": // character_not_in_repertoire, untranslatable_character
			return fmt.Errorf("%w: %w", memory.Errorf(memory.EInvalid, "the text holds a character PostgreSQL cannot store (a NUL or invalid UTF-8)"), err)
		case "53300", "57P03": // too_many_connections, cannot_connect_now
			return fmt.Errorf("%w: %w", memory.Errorf(memory.EUnavailable, "the PostgreSQL server at %s refuses connections now; try again later", s.addr), err)
		}
	}
	return err
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
