package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"

	"github.com/mcp-memory-go/memory"
)

// argon2id parameters (RFC 9106's second recommended option, memory-hard
// at 64 MiB): about 50 ms a hash on a server core.
const (
	argonTime    = 3
	argonMemory  = 64 * 1024 // KiB
	argonThreads = 2
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Password length limits: long enough to resist guessing, short enough
// that hashing stays cheap for attackers' inputs too.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 256
)

// HashPassword returns the argon2id PHC string of a password.
func HashPassword(password string) (string, error) {
	if n := len([]rune(password)); n < MinPasswordLen || n > MaxPasswordLen {
		return "", memory.Errorf(memory.EInvalid, "a password needs %d to %d characters", MinPasswordLen, MaxPasswordLen)
	}
	salt := make([]byte, argonSaltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches the PHC string, in time
// independent of where they differ. Parameters are read from the string,
// so hashes made with older settings keep working.
func CheckPassword(phc, password string) bool {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || len(password) > 4*MaxPasswordLen {
		return false
	}
	var version int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 1<<20 || t > 16 || p == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when a login names no user, so that the
// answer takes as long as for a real user with a wrong password.
// It is made on first use: hashing costs tens of milliseconds, which no
// process start should pay.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("no such user: constant-time padding")
	return h
})
