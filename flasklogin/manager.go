package flasklogin

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Manager is Flask-Login's LoginManager for net/http. Create it with New;
// it is safe for concurrent use.
type Manager struct {
	cfg     Config
	trusted []netip.Prefix // nil: trust X-Forwarded-For from anyone
}

// New checks cfg, fills in the defaults and returns a Manager. Errors match
// ErrNoSecretKey or ErrConfig.
func New(cfg Config) (*Manager, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg.SecretKey = slices.Clone(cfg.SecretKey)
	m := &Manager{cfg: cfg}
	if cfg.TrustedProxies != nil {
		m.trusted = make([]netip.Prefix, len(cfg.TrustedProxies))
		for i, p := range cfg.TrustedProxies {
			m.trusted[i] = p.Masked()
		}
	}
	return m, nil
}

// User is the result of Current: the logged-in user, or the anonymous user
// (the zero User).
type User struct {
	// ID is the user id stored in the session ("_user_id"); "" when
	// anonymous.
	ID string
	// Authenticated is Flask-Login's current_user.is_authenticated.
	Authenticated bool
	// Fresh is login_fresh(): the session's "_fresh" is true at the time
	// of the call. A login restored from the remember cookie is not fresh.
	Fresh bool
}

// LoginOptions are login_user's keyword arguments.
type LoginOptions struct {
	// Remember is remember=True: the middleware sets the remember cookie on
	// this response.
	Remember bool
	// Duration is duration=timedelta(...) for a remembered login: stored as
	// "_remember_seconds" (seconds as a float, whole microseconds; finer
	// parts are dropped) and used for the cookie's expiry instead of
	// Config.Remember.Duration. Zero means not given. At most MaxDuration;
	// negative durations are refused with ErrDuration.
	Duration time.Duration
	// NotFresh is fresh=False: the login is marked not fresh.
	NotFresh bool
}

type ctxKey struct{ m *Manager }

// reqState is one request's Flask-Login state (Flask's g._login_user).
type reqState struct {
	mu     sync.Mutex
	loaded bool
	user   User // ID and Authenticated; Fresh is read from the session
	done   bool // the remember cookie step ran
	// sess is the session the request's handler used first: the remember
	// step works on that one, so that a session middleware placed inside
	// Handler by mistake makes its writes fail loudly instead of the step
	// reading an unrelated empty session.
	sess Session
}

// session returns the request's session; st.mu must be held.
func (m *Manager) session(r *http.Request, st *reqState) Session {
	if st.sess == nil {
		st.sess = m.cfg.Session(r)
	}
	return st.sess
}

func (m *Manager) state(r *http.Request) *reqState {
	st, _ := r.Context().Value(ctxKey{m}).(*reqState)
	return st
}

// Current returns the user of r as Flask-Login's current_user: on the first
// call of a request it applies session protection, reads "_user_id" and, if
// that gives no user, restores the login from a valid remember cookie
// (not fresh), exactly as LoginManager._load_user; later calls return the
// same user, updated by Login and Logout.
//
// It fails closed: when the session cannot be read or written, or
// Config.UserLoader fails, the user is anonymous and the error (matching
// ErrSession or ErrUserLoader) is returned. Without Handler it returns the
// anonymous user and ErrNoMiddleware.
func (m *Manager) Current(r *http.Request) (User, error) {
	st := m.state(r)
	if st == nil {
		return User{}, ErrNoMiddleware
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	s := m.session(r, st)
	if !st.loaded {
		u, err := m.load(r, s)
		if err != nil {
			return User{}, err
		}
		st.user, st.loaded = u, true
	}
	u := st.user
	if u.Authenticated {
		u.Fresh = isTrue(s, KeyFresh)
	}
	return u, nil
}

// load is LoginManager._load_user.
func (m *Manager) load(r *http.Request, s Session) (User, error) {
	failed, err := m.protectionFailed(r, s)
	if err != nil || failed {
		return User{}, err
	}
	if v, ok := s.Lookup(KeyUserID); ok && v != nil {
		if id, ok := userID(v); ok {
			exists, err := m.exists(r.Context(), id)
			if err != nil {
				return User{}, err
			}
			if exists {
				return User{ID: id, Authenticated: true}, nil
			}
		}
	}
	cookie, has := requestCookie(r, m.cfg.Remember.Name)
	if !has {
		return User{}, nil
	}
	if op, _ := s.Lookup(KeyRemember); op == "clear" {
		return User{}, nil
	}
	id, ok := m.DecodeCookie(cookie)
	if !ok {
		return User{}, nil
	}
	if err := set(s, KeyUserID, id); err != nil {
		return User{}, err
	}
	if err := set(s, KeyFresh, false); err != nil {
		return User{}, err
	}
	exists, err := m.exists(r.Context(), id)
	if err != nil || !exists {
		return User{}, err
	}
	return User{ID: id, Authenticated: true}, nil
}

func (m *Manager) exists(ctx context.Context, id string) (bool, error) {
	if m.cfg.UserLoader == nil {
		return true, nil
	}
	ok, err := m.cfg.UserLoader(ctx, id)
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrUserLoader, err)
	}
	return ok, nil
}

// protectionFailed is LoginManager._session_protection_failed: true when
// strong protection logged the session out.
func (m *Manager) protectionFailed(r *http.Request, s Session) (bool, error) {
	if m.cfg.Protection == ProtectionNone || s.Len() == 0 {
		return false, nil
	}
	if v, ok := s.Lookup(KeyID); ok && v == m.Identifier(r) {
		return false, nil
	}
	if m.cfg.Protection == ProtectionBasic || s.Permanent() {
		if v, ok := s.Lookup(KeyFresh); !ok || v != false {
			if err := set(s, KeyFresh, false); err != nil {
				return false, err
			}
		}
		return false, nil
	}
	for _, k := range sessionKeys {
		if _, _, err := s.Pop(k); err != nil {
			return true, fmt.Errorf("%w: %w", ErrSession, err)
		}
	}
	return true, set(s, KeyRemember, "clear")
}

// Login is login_user(user, remember, duration, fresh=...): it stores
// "_user_id", "_fresh" and "_id" (the Identifier of r), and for a
// remembered login "_remember" = "set" and, with a Duration,
// "_remember_seconds"; the middleware then sets the remember cookie.
// Keys a previous login left ("_remember_seconds") stay, as in Flask-Login.
// Errors: ErrNoMiddleware, ErrEmptyUserID, ErrDuration, ErrSession.
func (m *Manager) Login(r *http.Request, id string, opts LoginOptions) error {
	st := m.state(r)
	if st == nil {
		return ErrNoMiddleware
	}
	if id == "" {
		return ErrEmptyUserID
	}
	if opts.Duration < 0 || opts.Duration > MaxDuration {
		return fmt.Errorf("%w: %v not in [0, %v]", ErrDuration, opts.Duration, MaxDuration)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	s := m.session(r, st)
	writes := []struct {
		k string
		v any
	}{{KeyUserID, id}, {KeyFresh, !opts.NotFresh}, {KeyID, m.Identifier(r)}}
	if opts.Remember {
		writes = append(writes, struct {
			k string
			v any
		}{KeyRemember, "set"})
		if opts.Duration != 0 {
			us := opts.Duration / time.Microsecond
			writes = append(writes, struct {
				k string
				v any
			}{KeyRememberSeconds, float64(us) / 1e6})
		}
	}
	for _, w := range writes {
		if err := set(s, w.k, w.v); err != nil {
			st.user, st.loaded = User{}, true
			return err
		}
	}
	st.user, st.loaded = User{ID: id, Authenticated: true}, true
	return nil
}

// Logout is logout_user(): it loads the user first if Current has not
// (as logout_user does, so strong protection may already have asked for the
// remember cookie's deletion), removes "_user_id", "_fresh" and "_id" and,
// when the request carries a remember cookie, stores "_remember" = "clear"
// (the middleware deletes the cookie) and removes "_remember_seconds".
// The request's user is anonymous afterwards, even when an error (matching
// ErrNoMiddleware, ErrSession or ErrUserLoader) is returned; a failed load
// does not stop the logout.
func (m *Manager) Logout(r *http.Request) error {
	st := m.state(r)
	if st == nil {
		return ErrNoMiddleware
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	s := m.session(r, st)
	var loadErr error
	if !st.loaded {
		_, loadErr = m.load(r, s)
	}
	st.user, st.loaded = User{}, true
	for _, k := range []string{KeyUserID, KeyFresh, KeyID} {
		if _, _, err := s.Pop(k); err != nil {
			return errors.Join(fmt.Errorf("%w: %w", ErrSession, err), loadErr)
		}
	}
	if _, has := requestCookie(r, m.cfg.Remember.Name); has {
		if err := set(s, KeyRemember, "clear"); err != nil {
			return errors.Join(err, loadErr)
		}
		if _, _, err := s.Pop(KeyRememberSeconds); err != nil {
			return errors.Join(fmt.Errorf("%w: %w", ErrSession, err), loadErr)
		}
	}
	return loadErr
}

// ConfirmLogin is confirm_login(): it marks the login fresh again and
// stores the Identifier of r. Errors: ErrNoMiddleware, ErrSession.
func (m *Manager) ConfirmLogin(r *http.Request) error {
	st := m.state(r)
	if st == nil {
		return ErrNoMiddleware
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	s := m.session(r, st)
	if err := set(s, KeyFresh, true); err != nil {
		return err
	}
	return set(s, KeyID, m.Identifier(r))
}

// RequireLogin is login_required: requests whose Current user is not
// authenticated (or whose loading failed) get Config.Unauthorized instead
// of next. OPTIONS requests pass, as in Flask-Login.
func (m *Manager) RequireLogin(next http.Handler) http.Handler {
	return m.require(next, false)
}

// RequireFreshLogin is fresh_login_required: like RequireLogin, and an
// authenticated user whose login is not fresh gets Config.NeedsRefresh.
func (m *Manager) RequireFreshLogin(next http.Handler) http.Handler {
	return m.require(next, true)
}

func (m *Manager) require(next http.Handler, fresh bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		u, err := m.Current(r)
		if err != nil {
			m.cfg.Logger.ErrorContext(r.Context(), "flasklogin: loading the user failed", "err", err)
		}
		switch {
		case !u.Authenticated:
			m.cfg.Unauthorized.ServeHTTP(w, r)
		case fresh && !u.Fresh:
			m.cfg.NeedsRefresh.ServeHTTP(w, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func set(s Session, k string, v any) error {
	if err := s.Set(k, v); err != nil {
		return fmt.Errorf("%w: %w", ErrSession, err)
	}
	return nil
}

func isTrue(s Session, k string) bool {
	v, _ := s.Lookup(k)
	return v == true
}

// userID is Python's str() of a stored "_user_id": a string as is, an int in
// decimal. Other types are not user ids here.
func userID(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int:
		return strconv.Itoa(x), true
	}
	return "", false
}

// rememberSeconds reads "_remember_seconds" as timedelta(seconds=...) would.
func rememberSeconds(v any) (time.Duration, bool) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case int64:
		f = float64(x)
	case int:
		f = float64(x)
	default:
		return 0, false
	}
	if math.IsNaN(f) || math.Abs(f) > float64(math.MaxInt64/int64(time.Second)) {
		return 0, false
	}
	return time.Duration(math.Round(f*1e6)) * time.Microsecond, true
}
