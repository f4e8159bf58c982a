package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/auth"
)

// fakeKeys is an in-memory auth.KeyStore that counts TouchKey calls.
type fakeKeys struct {
	mu      sync.Mutex
	keys    map[string]auth.Key
	touches []string // key ids, in call order
	err     error    // returned by Key and Keys when set
}

func newFakeKeys(keys ...auth.Key) *fakeKeys {
	f := &fakeKeys{keys: map[string]auth.Key{}}
	for _, k := range keys {
		f.keys[k.ID] = k
	}
	return f
}

func (f *fakeKeys) CreateKey(_ context.Context, k auth.Key) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.keys[k.ID]; ok {
		return memory.Errorf(memory.EConflict, "key %s exists", k.ID)
	}
	f.keys[k.ID] = k
	return nil
}

func (f *fakeKeys) Key(_ context.Context, id string) (auth.Key, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return auth.Key{}, f.err
	}
	k, ok := f.keys[id]
	if !ok {
		return auth.Key{}, memory.Errorf(memory.ENotFound, "no API key %s", id)
	}
	return k, nil
}

func (f *fakeKeys) Keys(context.Context) ([]auth.Key, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	out := []auth.Key{}
	for _, k := range f.keys {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b auth.Key) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, nil
}

func (f *fakeKeys) RevokeKey(_ context.Context, id string, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	k, ok := f.keys[id]
	if !ok {
		return memory.Errorf(memory.ENotFound, "no API key %s", id)
	}
	if k.RevokedAt.IsZero() {
		k.RevokedAt = at
	}
	f.keys[id] = k
	return nil
}

func (f *fakeKeys) TouchKey(_ context.Context, id string, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.touches = append(f.touches, id)
	if k, ok := f.keys[id]; ok {
		k.LastUsedAt = at
		f.keys[id] = k
	}
	return nil
}

func (f *fakeKeys) touchCount(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, t := range f.touches {
		if t == id {
			n++
		}
	}
	return n
}

// fakeClock is a settable clock safe for concurrent reads.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

var t0 = time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC)

func mustNewKey(t *testing.T, name, owner, scope string, ttl time.Duration) (auth.Key, string) {
	t.Helper()
	k, secret, err := auth.NewKey(name, owner, scope, t0, ttl)
	if err != nil {
		t.Fatalf("NewKey(%q, %q, %q, %v) = %v", name, owner, scope, ttl, err)
	}
	return k, secret
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := memory.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func TestScopes(t *testing.T) {
	if got, want := auth.Scopes(), []string{"read", "write", "admin"}; !slices.Equal(got, want) {
		t.Fatalf("Scopes() = %v, want %v", got, want)
	}
	for scope, want := range map[string][]string{
		auth.ScopeRead:  {"read"},
		auth.ScopeWrite: {"read", "write"},
		auth.ScopeAdmin: {"read", "write", "admin"},
		"":              nil,
		"root":          nil,
		"Admin":         nil,
	} {
		if got := auth.Implied(scope); !slices.Equal(got, want) {
			t.Errorf("Implied(%q) = %v, want %v", scope, got, want)
		}
	}
	for _, s := range []string{"read", "write", "admin"} {
		if !auth.ValidScope(s) {
			t.Errorf("ValidScope(%q) = false", s)
		}
	}
	for _, s := range []string{"", "Read", "WRITE", "root", "read ", "read,write"} {
		if auth.ValidScope(s) {
			t.Errorf("ValidScope(%q) = true", s)
		}
	}
}

func TestPrincipalHas(t *testing.T) {
	for _, tc := range []struct {
		scope string
		has   map[string]bool
	}{
		{auth.ScopeRead, map[string]bool{"read": true, "write": false, "admin": false}},
		{auth.ScopeWrite, map[string]bool{"read": true, "write": true, "admin": false}},
		{auth.ScopeAdmin, map[string]bool{"read": true, "write": true, "admin": true}},
		{"bogus", map[string]bool{"read": false, "write": false, "admin": false}},
	} {
		p := &auth.Principal{Scope: tc.scope}
		for scope, want := range tc.has {
			if got := p.Has(scope); got != want {
				t.Errorf("Principal{Scope: %q}.Has(%q) = %v, want %v", tc.scope, scope, got, want)
			}
		}
		if p.Has("bogus") {
			t.Errorf("Principal{Scope: %q}.Has(bogus) = true", tc.scope)
		}
	}
	var nilP *auth.Principal
	if nilP.Has(auth.ScopeRead) {
		t.Error("nil principal has read")
	}
	if got := (&auth.Principal{Scope: auth.ScopeWrite}).Scopes(); !slices.Equal(got, []string{"read", "write"}) {
		t.Errorf("Scopes() = %v", got)
	}
	if got := (&auth.Principal{KeyID: "abc"}).ID(); got != "key:abc" {
		t.Errorf("ID() = %q, want key:abc", got)
	}
	if got := (&auth.Principal{Anonymous: true}).ID(); got != "anonymous" {
		t.Errorf("anonymous ID() = %q", got)
	}
}

func TestCheck(t *testing.T) {
	err := auth.Check(nil, auth.ScopeRead)
	wantCode(t, err, memory.EUnauthorized)
	var se *auth.ScopeError
	if errors.As(err, &se) {
		t.Errorf("Check(nil) is a ScopeError: %v", err)
	}

	err = auth.Check(&auth.Principal{Scope: auth.ScopeRead}, auth.ScopeWrite)
	if !errors.As(err, &se) {
		t.Fatalf("Check(read, write) = %T %v, want *ScopeError", err, err)
	}
	if se.Need != auth.ScopeWrite {
		t.Errorf("Need = %q, want write", se.Need)
	}
	wantCode(t, err, memory.EForbidden)
	if msg := memory.ErrorMessage(err); !strings.Contains(msg, "write") {
		t.Errorf("message %q does not name the scope", msg)
	}
	if !strings.HasPrefix(err.Error(), memory.EForbidden+":") {
		t.Errorf("Error() = %q", err.Error())
	}

	err = auth.Check(&auth.Principal{Scope: auth.ScopeWrite}, auth.ScopeAdmin)
	if !errors.As(err, &se) || se.Need != auth.ScopeAdmin {
		t.Errorf("Check(write, admin) = %v", err)
	}
	for _, tc := range [][2]string{{"read", "read"}, {"write", "read"}, {"write", "write"}, {"admin", "read"}, {"admin", "write"}, {"admin", "admin"}} {
		if err := auth.Check(&auth.Principal{Scope: tc[0]}, tc[1]); err != nil {
			t.Errorf("Check(%s, %s) = %v, want nil", tc[0], tc[1], err)
		}
	}
}

var keyFormat = regexp.MustCompile(`^mms_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$`)

func TestNewKey(t *testing.T) {
	k, secret, err := auth.NewKey("  laptop  ", "alice", auth.ScopeWrite, t0, 0)
	if err != nil {
		t.Fatal(err)
	}
	m := keyFormat.FindStringSubmatch(secret)
	if m == nil {
		t.Fatalf("secret %q does not match %s", secret, keyFormat)
	}
	if m[1] != k.ID {
		t.Errorf("secret carries id %q, key ID %q", m[1], k.ID)
	}
	if k.Hash != auth.HashSecret(secret) {
		t.Errorf("Hash = %q, want HashSecret(secret) = %q", k.Hash, auth.HashSecret(secret))
	}
	if len(k.Hash) != 64 {
		t.Errorf("Hash %q is not hex SHA-256", k.Hash)
	}
	if k.Name != "laptop" || k.Owner != "alice" || k.Scope != auth.ScopeWrite {
		t.Errorf("key = %+v", k)
	}
	if want := t0.Truncate(time.Millisecond); !k.CreatedAt.Equal(want) || k.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt = %v, want %v UTC", k.CreatedAt, want)
	}
	if !k.ExpiresAt.IsZero() || !k.RevokedAt.IsZero() || !k.LastUsedAt.IsZero() {
		t.Errorf("fresh key without ttl: %+v", k)
	}
	// The secret appears in no field of the key, nor in its JSON.
	js, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{secret, m[2]} {
		for name, field := range map[string]string{"ID": k.ID, "Name": k.Name, "Owner": k.Owner, "Scope": k.Scope, "Hash": k.Hash, "json": string(js)} {
			if strings.Contains(field, s) {
				t.Errorf("%s contains the secret", name)
			}
		}
	}
	if strings.Contains(string(js), k.Hash) {
		t.Errorf("JSON %s carries the hash", js)
	}

	k2, secret2, err := auth.NewKey("laptop", "alice", auth.ScopeWrite, t0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if k2.ID == k.ID || secret2 == secret || k2.Hash == k.Hash {
		t.Error("two keys share an id, secret or hash")
	}
}

func TestNewKeyTTL(t *testing.T) {
	k, _ := mustNewKey(t, "ci", "bob", auth.ScopeRead, 90*time.Minute)
	if want := t0.Add(90 * time.Minute).Truncate(time.Millisecond); !k.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt = %v, want %v", k.ExpiresAt, want)
	}
	if !k.Active(t0) || !k.Active(k.ExpiresAt.Add(-time.Millisecond)) {
		t.Error("key inactive before expiry")
	}
	if k.Active(k.ExpiresAt) || k.Active(k.ExpiresAt.Add(time.Hour)) {
		t.Error("key active at or after expiry")
	}
	k.RevokedAt = t0
	if k.Active(t0) {
		t.Error("revoked key active")
	}
}

func TestNewKeyRejects(t *testing.T) {
	for name, tc := range map[string]struct {
		name, scope string
		ttl         time.Duration
	}{
		"bad scope":       {"n", "root", 0},
		"empty scope":     {"n", "", 0},
		"upper scope":     {"n", "Admin", 0},
		"empty name":      {"", "read", 0},
		"blank name":      {" \t\n ", "read", 0},
		"multi-line name": {"line one\nline two", "read", 0},
		"CR name":         {"a\rb", "read", 0},
		"tab name":        {"a\tb", "read", 0},
		"101-char name":   {strings.Repeat("n", 101), "read", 0},
		"negative ttl":    {"n", "read", -time.Second},
	} {
		k, secret, err := auth.NewKey(tc.name, "alice", tc.scope, t0, tc.ttl)
		if memory.ErrorCode(err) != memory.EInvalid {
			t.Errorf("%s: err = %v, want EInvalid", name, err)
		}
		if secret != "" || k.ID != "" || k.Hash != "" {
			t.Errorf("%s: returned key %+v and secret %q with the error", name, k, secret)
		}
	}
	if _, _, err := auth.NewKey(strings.Repeat("n", 100), "alice", "admin", t0, 0); err != nil {
		t.Errorf("100-char name: %v", err)
	}
}

func TestVerify(t *testing.T) {
	good, goodSecret := mustNewKey(t, "laptop", "alice", auth.ScopeWrite, 0)
	expiring, expiringSecret := mustNewKey(t, "ci", "alice", auth.ScopeRead, time.Hour)
	revoked, revokedSecret := mustNewKey(t, "old", "alice", auth.ScopeAdmin, 0)
	revoked.RevokedAt = t0.Add(time.Minute)
	_, unknownSecret := mustNewKey(t, "never stored", "alice", auth.ScopeAdmin, 0)
	store := newFakeKeys(good, expiring, revoked)
	clk := &fakeClock{t: t0.Add(2 * time.Minute)}
	a := &auth.Authenticator{Keys: store, Now: clk.Now}
	ctx := context.Background()

	p, err := a.Verify(ctx, goodSecret)
	if err != nil {
		t.Fatalf("Verify(good) = %v", err)
	}
	want := auth.Principal{Owner: "alice", Scope: auth.ScopeWrite, KeyID: good.ID, Name: "laptop"}
	if *p != want {
		t.Errorf("Verify(good) = %+v, want %+v", *p, want)
	}
	if p, err := a.Verify(ctx, expiringSecret); err != nil || p.Scope != auth.ScopeRead {
		t.Errorf("Verify(expiring, before expiry) = %v, %v", p, err)
	}

	m := keyFormat.FindStringSubmatch(goodSecret)
	otherSecret := strings.Repeat("A", 43)
	if otherSecret == m[2] {
		otherSecret = strings.Repeat("B", 43)
	}
	bad := map[string]string{
		"wrong secret, same id": auth.KeyPrefix + good.ID + "_" + otherSecret,
		"unknown id":            unknownSecret,
		"revoked":               revokedSecret,
		"malformed: empty":      "",
		"malformed: no prefix":  strings.TrimPrefix(goodSecret, auth.KeyPrefix),
		"malformed: short id":   auth.KeyPrefix + good.ID[:11] + "_" + m[2],
		"malformed: non-hex id": auth.KeyPrefix + "zzzzzzzzzzzz_" + m[2],
		"malformed: short":      goodSecret[:len(goodSecret)-1],
		"malformed: long":       goodSecret + "x",
		"malformed: junk":       "hunter2",
		"upper-case prefix":     "MMS_" + strings.TrimPrefix(goodSecret, auth.KeyPrefix),
	}
	var msgs []string
	check := func(name, secret string) {
		t.Helper()
		p, err := a.Verify(ctx, secret)
		if p != nil {
			t.Errorf("%s: Verify returned principal %+v", name, p)
		}
		if memory.ErrorCode(err) != memory.EUnauthorized {
			t.Errorf("%s: err = %v, want EUnauthorized", name, err)
			return
		}
		msgs = append(msgs, err.Error())
	}
	for name, secret := range bad {
		check(name, secret)
	}
	clk.Set(expiring.ExpiresAt)
	check("expired (at ExpiresAt)", expiringSecret)
	clk.Set(expiring.ExpiresAt.Add(24 * time.Hour))
	check("expired (a day later)", expiringSecret)
	// The good key still works at that time: the failures above are not
	// caused by the clock.
	if _, err := a.Verify(ctx, goodSecret); err != nil {
		t.Errorf("Verify(good) later = %v", err)
	}
	for _, msg := range msgs[1:] {
		if msg != msgs[0] {
			t.Errorf("error messages differ (an oracle): %q vs %q", msg, msgs[0])
		}
	}
	if store.touchCount(revoked.ID) != 0 || store.touchCount(expiring.ID) != 1 {
		t.Errorf("touches: revoked %d (want 0), expiring %d (want 1, before it expired)", store.touchCount(revoked.ID), store.touchCount(expiring.ID))
	}
}

func TestVerifyStoreFailureIsNotAnInvalidKey(t *testing.T) {
	k, secret := mustNewKey(t, "laptop", "alice", auth.ScopeWrite, 0)
	store := newFakeKeys(k)
	store.err = errors.New("database is locked")
	a := &auth.Authenticator{Keys: store}
	p, err := a.Verify(context.Background(), secret)
	if p != nil || memory.ErrorCode(err) != memory.EInternal {
		t.Fatalf("Verify with a failing store = %v, %v; want an internal error", p, err)
	}
}

func TestVerifyWithoutKeyStore(t *testing.T) {
	_, secret := mustNewKey(t, "laptop", "alice", auth.ScopeWrite, 0)
	a := &auth.Authenticator{}
	p, err := a.Verify(context.Background(), secret)
	if p != nil {
		t.Fatalf("Verify without a key store = %+v", p)
	}
	wantCode(t, err, memory.EUnauthorized)
}

func TestVerifyBootstrapKey(t *testing.T) {
	k, secret := mustNewKey(t, "laptop", "alice", auth.ScopeRead, 0)
	for name, a := range map[string]*auth.Authenticator{
		"no key store":   {BootstrapKey: "correct horse battery staple"},
		"with key store": {BootstrapKey: "correct horse battery staple", Keys: newFakeKeys(k)},
	} {
		p, err := a.Verify(context.Background(), "correct horse battery staple")
		if err != nil {
			t.Fatalf("%s: Verify(bootstrap) = %v", name, err)
		}
		want := auth.Principal{Owner: memory.LocalOwner, Scope: auth.ScopeAdmin, KeyID: auth.BootstrapKeyID, Name: "MCP_API_KEY"}
		if *p != want || p.KeyID != "env" || !p.Has(auth.ScopeAdmin) {
			t.Errorf("%s: Verify(bootstrap) = %+v, want %+v", name, *p, want)
		}
		for _, wrong := range []string{"correct horse battery", "correct horse battery staple ", "Correct horse battery staple"} {
			if p, err := a.Verify(context.Background(), wrong); p != nil || memory.ErrorCode(err) != memory.EUnauthorized {
				t.Errorf("%s: Verify(%q) = %v, %v", name, wrong, p, err)
			}
		}
	}
	// Stored keys keep working next to the bootstrap key.
	a := &auth.Authenticator{BootstrapKey: "correct horse battery staple", Keys: newFakeKeys(k)}
	if p, err := a.Verify(context.Background(), secret); err != nil || p.Owner != "alice" || p.Scope != auth.ScopeRead {
		t.Errorf("Verify(stored key) next to bootstrap = %v, %v", p, err)
	}
	// An empty bootstrap key never matches an empty secret.
	if p, _ := (&auth.Authenticator{}).Verify(context.Background(), ""); p != nil {
		t.Errorf("empty secret without bootstrap key = %+v", p)
	}
}

func TestVerifyTouchesAtMostOncePerMinute(t *testing.T) {
	a1, s1 := mustNewKey(t, "one", "alice", auth.ScopeWrite, 0)
	a2, s2 := mustNewKey(t, "two", "alice", auth.ScopeWrite, 0)
	store := newFakeKeys(a1, a2)
	clk := &fakeClock{t: t0}
	a := &auth.Authenticator{Keys: store, Now: clk.Now}
	ctx := context.Background()
	verify := func(secret string) {
		t.Helper()
		if _, err := a.Verify(ctx, secret); err != nil {
			t.Fatal(err)
		}
	}
	verify(s1)
	if n := store.touchCount(a1.ID); n != 1 {
		t.Fatalf("after first use: %d touches, want 1", n)
	}
	if k, _ := store.Key(ctx, a1.ID); !k.LastUsedAt.Equal(t0) {
		t.Errorf("LastUsedAt = %v, want %v", k.LastUsedAt, t0)
	}
	for _, d := range []time.Duration{0, time.Second, 30 * time.Second, 59 * time.Second} {
		clk.Set(t0.Add(d))
		verify(s1)
	}
	if n := store.touchCount(a1.ID); n != 1 {
		t.Fatalf("within a minute: %d touches, want 1", n)
	}
	// Another key is touched on its own schedule.
	verify(s2)
	if n := store.touchCount(a2.ID); n != 1 {
		t.Fatalf("second key: %d touches, want 1", n)
	}
	clk.Set(t0.Add(time.Minute))
	verify(s1)
	if n := store.touchCount(a1.ID); n != 2 {
		t.Fatalf("a minute later: %d touches, want 2", n)
	}
	clk.Set(t0.Add(time.Minute + 30*time.Second))
	verify(s1)
	if n := store.touchCount(a1.ID); n != 2 {
		t.Fatalf("90 s after the first use: %d touches, want 2", n)
	}
	// A failed verification never touches.
	if _, err := a.Verify(ctx, auth.KeyPrefix+a2.ID+"_"+strings.Repeat("x", 43)); err == nil {
		t.Fatal("wrong secret accepted")
	}
	clk.Set(t0.Add(10 * time.Minute))
	if _, err := a.Verify(ctx, auth.KeyPrefix+a2.ID+"_"+strings.Repeat("x", 43)); err == nil {
		t.Fatal("wrong secret accepted")
	}
	if n := store.touchCount(a2.ID); n != 1 {
		t.Fatalf("failed verifications touched the key: %d touches, want 1", n)
	}
}

func TestVerifyConcurrentTouchesOnce(t *testing.T) {
	k, secret := mustNewKey(t, "one", "alice", auth.ScopeWrite, 0)
	store := newFakeKeys(k)
	clk := &fakeClock{t: t0}
	a := &auth.Authenticator{Keys: store, Now: clk.Now}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if _, err := a.Verify(context.Background(), secret); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := store.touchCount(k.ID); n != 1 {
		t.Fatalf("16 concurrent uses: %d touches, want 1", n)
	}
}

func TestCredential(t *testing.T) {
	for _, tc := range []struct {
		name      string
		headers   map[string]string
		target    string
		secret    string
		presented bool
		code      string
	}{
		{"none", nil, "/", "", false, ""},
		{"bearer", map[string]string{"Authorization": "Bearer k1"}, "/", "k1", true, ""},
		{"bearer lower-case", map[string]string{"Authorization": "bearer k1"}, "/", "k1", true, ""},
		{"bearer upper-case", map[string]string{"Authorization": "BEARER k1"}, "/", "k1", true, ""},
		{"bearer extra spaces", map[string]string{"Authorization": "Bearer   k1  "}, "/", "k1", true, ""},
		{"x-api-key", map[string]string{"X-API-Key": "k2"}, "/", "k2", true, ""},
		{"both equal", map[string]string{"Authorization": "Bearer k3", "X-API-Key": "k3"}, "/", "k3", true, ""},
		{"both different", map[string]string{"Authorization": "Bearer k3", "X-API-Key": "k4"}, "/", "", true, memory.EUnauthorized},
		{"basic", map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}, "/", "", true, memory.EUnauthorized},
		{"bearer without key", map[string]string{"Authorization": "Bearer "}, "/", "", true, memory.EUnauthorized},
		{"bare bearer", map[string]string{"Authorization": "Bearer"}, "/", "", true, memory.EUnauthorized},
		{"bare key", map[string]string{"Authorization": "k1"}, "/", "", true, memory.EUnauthorized},
		{"query api_key", nil, "/?api_key=k5", "", false, ""},
		{"query token", nil, "/?token=k5", "", false, ""},
		{"query access_token", nil, "/?access_token=k5", "", false, ""},
	} {
		r := httptest.NewRequest("GET", tc.target, nil)
		for k, v := range tc.headers {
			r.Header.Set(k, v)
		}
		secret, presented, err := auth.Credential(r)
		if secret != tc.secret || presented != tc.presented || memory.ErrorCode(err) != tc.code {
			t.Errorf("%s: Credential = %q, %v, %v; want %q, %v, code %q", tc.name, secret, presented, err, tc.secret, tc.presented, tc.code)
		}
	}
}

func TestAuthenticate(t *testing.T) {
	k, secret := mustNewKey(t, "laptop", "alice", auth.ScopeRead, 0)
	newReq := func(target string, headers ...string) *http.Request {
		r := httptest.NewRequest("GET", target, nil)
		for i := 0; i+1 < len(headers); i += 2 {
			r.Header.Set(headers[i], headers[i+1])
		}
		return r
	}
	for _, anonymous := range []bool{false, true} {
		a := &auth.Authenticator{Keys: newFakeKeys(k), Anonymous: anonymous, Tickets: auth.NewTickets()}
		// Good credentials win over anonymous access.
		for _, hs := range [][]string{
			{"Authorization", "Bearer " + secret},
			{"Authorization", "bearer " + secret},
			{"X-API-Key", secret},
			{"Authorization", "Bearer " + secret, "X-API-Key", secret},
		} {
			p, err := a.Authenticate(newReq("/", hs...), false)
			if err != nil || p == nil || p.KeyID != k.ID || p.Owner != "alice" || p.Scope != auth.ScopeRead || p.Anonymous {
				t.Errorf("anonymous=%v %v: Authenticate = %+v, %v", anonymous, hs, p, err)
			}
		}
		// Bad credentials fail whether or not anonymous access is on.
		for _, hs := range [][]string{
			{"Authorization", "Bearer " + secret, "X-API-Key", secret + "x"},
			{"Authorization", "Basic dXNlcjpwYXNz"},
			{"Authorization", "Bearer mms_000000000000_" + strings.Repeat("a", 43)},
			{"X-API-Key", "nonsense"},
		} {
			p, err := a.Authenticate(newReq("/", hs...), true)
			if p != nil || memory.ErrorCode(err) != memory.EUnauthorized {
				t.Errorf("anonymous=%v %v: Authenticate = %+v, %v; want EUnauthorized", anonymous, hs, p, err)
			}
		}
		// Keys in the query string are not credentials.
		for _, target := range []string{"/", "/?api_key=" + secret, "/?token=" + secret, "/?access_token=" + secret, "/?key=" + secret} {
			p, err := a.Authenticate(newReq(target), true)
			if err != nil {
				t.Errorf("anonymous=%v %s: err = %v", anonymous, target, err)
			}
			switch {
			case !anonymous && p != nil:
				t.Errorf("%s without anonymous access: principal %+v, want nil", target, p)
			case anonymous && (p == nil || !p.Anonymous || p.Scope != auth.ScopeWrite || p.Owner != memory.LocalOwner || p.KeyID != "" || p.Has(auth.ScopeAdmin)):
				t.Errorf("%s with anonymous access: principal %+v", target, p)
			}
		}
	}
}

func TestAuthenticateTickets(t *testing.T) {
	tickets := auth.NewTickets()
	a := &auth.Authenticator{Tickets: tickets}
	owner := &auth.Principal{Owner: "alice", Scope: auth.ScopeRead, KeyID: "abc", Name: "laptop"}
	tk := tickets.Issue(owner)
	if tk == "" || tickets.Issue(owner) == tk {
		t.Fatalf("Issue returned %q twice or empty", tk)
	}
	r := func() *http.Request { return httptest.NewRequest("GET", "/events?ticket="+tk, nil) }

	// Not allowed on this route: the ticket is ignored, not spent.
	if p, err := a.Authenticate(r(), false); p != nil || err != nil {
		t.Fatalf("ticket on a route without tickets = %+v, %v; want nil, nil", p, err)
	}
	p, err := a.Authenticate(r(), true)
	if err != nil || p != owner {
		t.Fatalf("first redemption = %+v, %v; want %+v", p, err, owner)
	}
	p, err = a.Authenticate(r(), true)
	if p != nil || memory.ErrorCode(err) != memory.EUnauthorized {
		t.Fatalf("second redemption = %+v, %v; want EUnauthorized", p, err)
	}
	// An unknown ticket fails even with anonymous access on.
	a.Anonymous = true
	p, err = a.Authenticate(httptest.NewRequest("GET", "/events?ticket=bogus", nil), true)
	if p != nil || memory.ErrorCode(err) != memory.EUnauthorized {
		t.Fatalf("unknown ticket with anonymous access = %+v, %v; want EUnauthorized", p, err)
	}
	// Without a ticket book a ticket is not a credential.
	a = &auth.Authenticator{}
	if p, err := a.Authenticate(httptest.NewRequest("GET", "/events?ticket="+tickets.Issue(owner), nil), true); p != nil || err != nil {
		t.Fatalf("ticket without a ticket book = %+v, %v", p, err)
	}
	// Redeem directly: each ticket once.
	tk2 := tickets.Issue(owner)
	if tickets.Redeem(tk2) != owner || tickets.Redeem(tk2) != nil || tickets.Redeem("") != nil {
		t.Fatal("Redeem is not one-use")
	}
}

func TestWithPrincipal(t *testing.T) {
	if p := auth.FromContext(context.Background()); p != nil {
		t.Fatalf("FromContext(empty) = %+v", p)
	}
	p := &auth.Principal{Owner: "alice", Scope: auth.ScopeWrite, KeyID: "abc"}
	ctx := auth.WithPrincipal(context.Background(), p)
	if got := memory.OwnerFrom(ctx); got != "alice" {
		t.Errorf("OwnerFrom = %q, want alice", got)
	}
	if got := auth.FromContext(ctx); got != p {
		t.Errorf("FromContext = %+v, want %+v", got, p)
	}
	anon := &auth.Principal{Owner: memory.LocalOwner, Anonymous: true, Scope: auth.ScopeWrite}
	ctx = auth.WithPrincipal(ctx, anon)
	if got := memory.OwnerFrom(ctx); got != memory.LocalOwner {
		t.Errorf("OwnerFrom after re-wrapping = %q", got)
	}
	if auth.FromContext(ctx) != anon {
		t.Error("FromContext after re-wrapping is not the inner principal")
	}
}

func TestEnabled(t *testing.T) {
	ctx := context.Background()
	active, _ := mustNewKey(t, "a", "alice", auth.ScopeRead, 0)
	revoked, _ := mustNewKey(t, "r", "alice", auth.ScopeRead, 0)
	revoked.RevokedAt = t0
	expired, _ := mustNewKey(t, "e", "alice", auth.ScopeRead, time.Hour)
	later := func() time.Time { return t0.Add(2 * time.Hour) }
	failing := newFakeKeys(active)
	failing.err = errors.New("disk I/O error")
	for _, tc := range []struct {
		name string
		a    *auth.Authenticator
		want bool
	}{
		{"nothing", &auth.Authenticator{}, false},
		{"empty key store", &auth.Authenticator{Keys: newFakeKeys()}, false},
		{"active key", &auth.Authenticator{Keys: newFakeKeys(active), Now: later}, true},
		{"only a revoked key", &auth.Authenticator{Keys: newFakeKeys(revoked), Now: later}, false},
		{"only an expired key", &auth.Authenticator{Keys: newFakeKeys(expired), Now: later}, false},
		{"expired key before expiry", &auth.Authenticator{Keys: newFakeKeys(expired), Now: func() time.Time { return t0 }}, true},
		{"revoked and expired and active", &auth.Authenticator{Keys: newFakeKeys(revoked, expired, active), Now: later}, true},
		{"bootstrap key", &auth.Authenticator{BootstrapKey: "s3cret"}, true},
		{"anonymous", &auth.Authenticator{Anonymous: true}, true},
		{"failing key store", &auth.Authenticator{Keys: failing}, false},
		{"tickets only", &auth.Authenticator{Tickets: auth.NewTickets()}, false},
	} {
		if got := tc.a.Enabled(ctx); got != tc.want {
			t.Errorf("%s: Enabled() = %v, want %v", tc.name, got, tc.want)
		}
	}
}
