package sqlite

// User accounts (auth.UserStore).

import (
	"context"
	"database/sql"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
)

var _ auth.UserStore = (*Store)(nil)

const userCols = "id, role, password, created_at, disabled_at, failed_logins, locked_until, last_login_at"

func scanUser(sc scanner) (auth.User, error) {
	var u auth.User
	err := sc.Scan(&u.ID, &u.Role, &u.Password, msTime{&u.CreatedAt}, msTime{&u.DisabledAt},
		&u.FailedLogins, msTime{&u.LockedUntil}, msTime{&u.LastLoginAt})
	return u, err
}

// CreateUser stores u; EConflict if its id exists.
func (s *Store) CreateUser(ctx context.Context, u auth.User) error {
	if u.ID == "" || u.Password == "" || (u.Role != auth.RoleAdmin && u.Role != auth.RoleUser) || u.CreatedAt.IsZero() {
		return memory.Errorf(memory.EInvalid, "a user needs an id, a password hash, a role and a creation time")
	}
	return s.insertRecord(ctx, "users", u.ID, "user "+u.ID, "INSERT INTO users ("+userCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		u.ID, u.Role, u.Password, ms(u.CreatedAt), nullMS(u.DisabledAt), u.FailedLogins, nullMS(u.LockedUntil), nullMS(u.LastLoginAt))
}

// User returns the user with the id, or ENotFound.
func (s *Store) User(ctx context.Context, id string) (auth.User, error) {
	return getRecord(ctx, s, scanUser, "user "+id, "SELECT "+userCols+" FROM users WHERE id = ?", id)
}

// Users lists every user by id.
func (s *Store) Users(ctx context.Context) ([]auth.User, error) {
	return listRecords(ctx, s, scanUser, "users", "SELECT "+userCols+" FROM users ORDER BY id")
}

// UpdateUser replaces the mutable fields of a user.
func (s *Store) UpdateUser(ctx context.Context, u auth.User) error {
	if u.Password == "" || (u.Role != auth.RoleAdmin && u.Role != auth.RoleUser) {
		return memory.Errorf(memory.EInvalid, "a user needs a password hash and a role")
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE users SET role = ?, password = ?, disabled_at = ?, failed_logins = ?,
			locked_until = ?, last_login_at = ? WHERE id = ?`,
			u.Role, u.Password, nullMS(u.DisabledAt), u.FailedLogins, nullMS(u.LockedUntil), nullMS(u.LastLoginAt), u.ID)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return memory.Errorf(memory.ENotFound, "no user %s", u.ID)
		}
		return nil
	})
}
