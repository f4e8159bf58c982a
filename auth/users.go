package auth

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/mcp-memory-go/memory"
)

// Roles of user accounts: admins manage users and every key; users reach
// their own memories.
const (
	RoleAdmin = "admin"
	RoleUser  = "user"
)

// User is an account. Its ID is the login name and the owner of its
// memories and API keys.
type User struct {
	ID           string    `json:"id"`
	Role         string    `json:"role"`
	Password     string    `json:"-"` // argon2id PHC string
	CreatedAt    time.Time `json:"created_at"`
	DisabledAt   time.Time `json:"disabled_at,omitzero"`
	FailedLogins int       `json:"failed_logins"`
	LockedUntil  time.Time `json:"locked_until,omitzero"`
	LastLoginAt  time.Time `json:"last_login_at,omitzero"`
}

// UserStore persists users. Implementations: sqlite.Store.
type UserStore interface {
	// CreateUser stores u; EConflict if the id exists.
	CreateUser(ctx context.Context, u User) error
	// User returns the user or ENotFound.
	User(ctx context.Context, id string) (User, error)
	// Users lists every user by id.
	Users(ctx context.Context) ([]User, error)
	// UpdateUser replaces the mutable fields (role, password, disabled,
	// failed logins, lock, last login); ENotFound if unknown.
	UpdateUser(ctx context.Context, u User) error
}

// Lockout: after LockoutThreshold wrong passwords in a row an account is
// locked for LockoutBase, doubling with each further failure up to
// LockoutMax. A right password after the lock ends resets the count.
const (
	LockoutThreshold = 5
	LockoutBase      = time.Minute
	LockoutMax       = time.Hour
)

var userIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// ValidUserID checks a login name: 1-64 of a-z, 0-9, '.', '_', '-',
// starting with a letter or digit ("local" is the stdio owner and taken).
func ValidUserID(id string) error {
	if !userIDPattern.MatchString(id) {
		return memory.Errorf(memory.EInvalid, "a user name has 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	if id == memory.LocalOwner {
		return memory.Errorf(memory.EInvalid, "%q is reserved for the single-user owner", id)
	}
	return nil
}

// Accounts manages users over a UserStore: creation, password checks
// with lockout, disabling.
type Accounts struct {
	Store UserStore
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (a *Accounts) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// Add creates a user with a password.
func (a *Accounts) Add(ctx context.Context, id, role, password string) (User, error) {
	id = strings.TrimSpace(id)
	if err := ValidUserID(id); err != nil {
		return User{}, err
	}
	if role != RoleAdmin && role != RoleUser {
		return User{}, memory.Errorf(memory.EInvalid, "role must be admin or user, got %q", role)
	}
	h, err := HashPassword(password)
	if err != nil {
		return User{}, err
	}
	u := User{ID: id, Role: role, Password: h, CreatedAt: memory.TimeMS(a.now())}
	return u, a.Store.CreateUser(ctx, u)
}

// SetPassword replaces a user's password and lifts any lock.
func (a *Accounts) SetPassword(ctx context.Context, id, password string) error {
	u, err := a.Store.User(ctx, id)
	if err != nil {
		return err
	}
	if u.Password, err = HashPassword(password); err != nil {
		return err
	}
	u.FailedLogins, u.LockedUntil = 0, time.Time{}
	return a.Store.UpdateUser(ctx, u)
}

// SetDisabled disables (or enables) a user; a disabled user cannot log in
// and its keys and tokens stop working.
func (a *Accounts) SetDisabled(ctx context.Context, id string, disabled bool) error {
	u, err := a.Store.User(ctx, id)
	if err != nil {
		return err
	}
	u.DisabledAt = time.Time{}
	if disabled {
		u.DisabledAt = memory.TimeMS(a.now())
	}
	return a.Store.UpdateUser(ctx, u)
}

// Active reports whether the user exists and is not disabled.
func (a *Accounts) Active(ctx context.Context, id string) (bool, error) {
	u, err := a.Store.User(ctx, id)
	if memory.ErrorCode(err) == memory.ENotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return u.DisabledAt.IsZero(), nil
}

// badLogin is the one answer for an unknown user, a wrong password and a
// disabled account, so that logins reveal nothing about accounts.
func badLogin() error {
	return memory.Errorf(memory.EUnauthorized, "wrong user name or password")
}

// Authenticate checks a password and returns the user's id and role.
// Failures count towards the lockout; a locked account is refused with
// EForbidden saying until when, without checking the password.
func (a *Accounts) Authenticate(ctx context.Context, id, password string) (string, string, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	u, err := a.Store.User(ctx, id)
	if err != nil {
		CheckPassword(dummyHash(), password)
		if memory.ErrorCode(err) == memory.ENotFound {
			return "", "", badLogin()
		}
		return "", "", err
	}
	now := a.now()
	if now.Before(u.LockedUntil) {
		return "", "", memory.Errorf(memory.EForbidden, "too many wrong passwords: the account is locked until %s", u.LockedUntil.UTC().Format(time.RFC3339))
	}
	if !CheckPassword(u.Password, password) || !u.DisabledAt.IsZero() {
		u.FailedLogins++
		if n := u.FailedLogins - LockoutThreshold; n >= 0 {
			lock := LockoutBase << min(n, 10)
			u.LockedUntil = memory.TimeMS(now.Add(min(lock, LockoutMax)))
		}
		if err := a.Store.UpdateUser(ctx, u); err != nil {
			return "", "", err
		}
		return "", "", badLogin()
	}
	u.FailedLogins, u.LockedUntil, u.LastLoginAt = 0, time.Time{}, memory.TimeMS(now)
	if err := a.Store.UpdateUser(ctx, u); err != nil {
		return "", "", err
	}
	return u.ID, u.Role, nil
}
