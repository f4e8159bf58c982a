package postgres

// User accounts (auth.UserStore), shared by every daemon on the database.

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
)

var _ auth.UserStore = (*Store)(nil)

const userCols = "id, role, password, created_at, disabled_at, failed_logins, locked_until, last_login_at"

func scanUser(row pgx.Row) (auth.User, error) {
	var (
		u                       auth.User
		disabled, locked, login *time.Time
	)
	err := row.Scan(&u.ID, &u.Role, &u.Password, &u.CreatedAt, &disabled, &u.FailedLogins, &locked, &login)
	u.CreatedAt, u.DisabledAt, u.LockedUntil, u.LastLoginAt = u.CreatedAt.UTC(), timeOf(disabled), timeOf(locked), timeOf(login)
	return u, err
}

// checkUser refuses what a user record cannot be.
func checkUser(u auth.User) error {
	if u.Password == "" || (u.Role != auth.RoleAdmin && u.Role != auth.RoleUser) {
		return memory.Errorf(memory.EInvalid, "a user needs a password hash and a role")
	}
	if !storable(u.ID) || !storable(u.Password) {
		return memory.Errorf(memory.EInvalid, "a user holds a NUL character or invalid UTF-8")
	}
	return nil
}

// CreateUser stores u; EConflict if its id exists.
func (s *Store) CreateUser(ctx context.Context, u auth.User) error {
	if u.ID == "" || u.CreatedAt.IsZero() {
		return memory.Errorf(memory.EInvalid, "a user needs an id, a password hash, a role and a creation time")
	}
	if err := checkUser(u); err != nil {
		return err
	}
	return s.insertRecord(ctx, "user "+u.ID, "INSERT INTO users ("+userCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		u.ID, u.Role, u.Password, ms(u.CreatedAt), nullTime(u.DisabledAt), u.FailedLogins, nullTime(u.LockedUntil), nullTime(u.LastLoginAt))
}

// User returns the user with the id, or ENotFound.
func (s *Store) User(ctx context.Context, id string) (auth.User, error) {
	if !storable(id) {
		return auth.User{}, memory.Errorf(memory.ENotFound, "no such user")
	}
	return getRecord(ctx, s, scanUser, "user "+id, "SELECT "+userCols+" FROM users WHERE id = $1", id)
}

// Users lists every user by id.
func (s *Store) Users(ctx context.Context) ([]auth.User, error) {
	return listRecords(ctx, s, scanUser, "users", `SELECT `+userCols+` FROM users ORDER BY id COLLATE "C"`)
}

// UpdateUser replaces the mutable fields of a user; ENotFound if unknown.
func (s *Store) UpdateUser(ctx context.Context, u auth.User) error {
	if err := checkUser(u); err != nil {
		return err
	}
	return s.changeRecord(ctx, "user "+u.ID, `UPDATE users SET role = $2, password = $3, disabled_at = $4, failed_logins = $5,
		locked_until = $6, last_login_at = $7 WHERE id = $1`,
		u.ID, u.Role, u.Password, nullTime(u.DisabledAt), u.FailedLogins, nullTime(u.LockedUntil), nullTime(u.LastLoginAt))
}
