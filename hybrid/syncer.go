package hybrid

// The syncer: one goroutine that pushes the outbox, pulls remote changes,
// checks drift, backs off after failures and answers forced syncs.

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/sqlite"
)

// loop runs until ctx is cancelled.
func (s *Store) loop(ctx context.Context) {
	defer close(s.done)
	first := true
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case req := <-s.forces:
			req.reply <- s.cycle(ctx, true)
			timer.Reset(s.nextWake())
			continue
		case <-s.nudge:
			// Gather writes, unless a backoff is running: then the next
			// attempt waits for it (a rate-limited remote is not hit
			// again on every write).
			s.mu.Lock()
			retryAt := s.run.retryAt
			s.mu.Unlock()
			if wait := time.Until(retryAt); wait > 0 {
				timer.Reset(min(wait, s.PollInterval))
			} else {
				timer.Reset(s.PushDelay)
			}
			continue
		case <-timer.C:
		}
		force := s.forceRequested(ctx)
		s.cycleScheduled(ctx, force, first)
		first = false
		timer.Reset(s.nextWake())
	}
}

// cycleScheduled runs a cycle at its time: unless paused, and when it is
// forced by another process, records the answer for it.
func (s *Store) cycleScheduled(ctx context.Context, force, first bool) {
	if !force {
		state, err := s.local.SyncState(ctx)
		if err == nil && state[keyPaused] != "" {
			s.renewLease(ctx)
			return
		}
		// A backoff binds whichever process syncs (it is recorded in the
		// database), except right after a start.
		s.mu.Lock()
		waiting := time.Until(s.run.retryAt) > 0
		s.mu.Unlock()
		if next := stateTime(state, keyNextAttempt); !first && (waiting || s.now().Before(next)) {
			s.renewLease(ctx)
			return
		}
	}
	if first && s.SyncOnStartup {
		s.mu.Lock()
		s.run.lastPull = time.Time{} // pull at start
		s.mu.Unlock()
	}
	r := s.cycle(ctx, force)
	if force && r.Error != errNotHolder.Error() {
		b, _ := json.Marshal(r)
		s.local.SetSyncState(context.WithoutCancel(ctx), map[string]string{keyForceDone: msString(s.now()), keyForceResult: string(b)})
	}
}

// forceRequested reports whether another process asked for a forced sync
// that no one answered yet.
func (s *Store) forceRequested(ctx context.Context) bool {
	state, err := s.local.SyncState(ctx)
	if err != nil {
		return false
	}
	asked := stateInt(state, keyForceRequested)
	return asked > 0 && asked > stateInt(state, keyForceDone)
}

// nextWake is how long the syncer sleeps: until the backoff ends, the next
// pull, or the next poll, whichever is first.
func (s *Store) nextWake() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	wait := s.PollInterval // renews the lease, also during a backoff
	if w := time.Until(s.run.retryAt); w > 0 {
		return min(w, wait)
	}
	if s.run.holder {
		wait = min(wait, max(0, time.Until(s.run.lastPull.Add(s.SyncInterval))))
	}
	return max(wait, time.Millisecond)
}

// renewLease keeps the lease of a paused syncer, so that no other process
// starts pushing while the user paused sync.
func (s *Store) renewLease(ctx context.Context) {
	held, _, err := s.local.AcquireLease(ctx, leaseName, s.id, s.LeaseTTL)
	s.mu.Lock()
	s.run.holder = err == nil && held
	s.mu.Unlock()
}

// cycle takes the lease, pushes the outbox, pulls remote changes when due
// (always when forced) and checks drift when due, then records the result.
func (s *Store) cycle(ctx context.Context, force bool) Result {
	start := s.now()
	held, holder, err := s.local.AcquireLease(ctx, leaseName, s.id, s.LeaseTTL)
	s.mu.Lock()
	s.run.holder = err == nil && held
	s.mu.Unlock()
	if err != nil {
		return Result{Error: err.Error()}
	}
	if !held {
		s.Logger.Debug("another process syncs this database", "holder", holder)
		return Result{Error: errNotHolder.Error()}
	}
	s.mu.Lock()
	s.run.syncing = true
	pullDue := force || s.now().Sub(s.run.lastPull) >= s.SyncInterval
	driftDue := force || (s.DriftInterval > 0 && s.now().Sub(s.run.lastDrft) >= s.DriftInterval && !s.run.lastDrft.IsZero())
	if s.run.lastDrft.IsZero() {
		s.run.lastDrft = s.now() // the first drift check comes one interval after start
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.run.syncing = false
		s.mu.Unlock()
	}()
	var res Result
	if force {
		if err = s.local.ReleaseOutbox(ctx); err != nil {
			return s.finish(ctx, res, start, err)
		}
	}
	res.Pushed, err = s.push(ctx, force)
	if err == nil && pullDue {
		var n int
		n, err = s.pull(ctx, force)
		res.Pulled += n
		if err == nil {
			s.mu.Lock()
			s.run.lastPull = s.now()
			s.mu.Unlock()
			if n > 0 && s.AfterPull != nil {
				s.AfterPull(ctx)
			}
			// What the pull found newer here was queued: push it too.
			var m int
			m, err = s.push(ctx, force)
			res.Pushed += m
		}
	}
	if err == nil && driftDue {
		err = s.drift(ctx, force)
		if err == nil {
			var m int
			m, err = s.push(ctx, force)
			res.Pushed += m
		}
	}
	return s.finish(ctx, res, start, err)
}

// finish records the outcome of a cycle and announces it.
func (s *Store) finish(ctx context.Context, res Result, start time.Time, err error) Result {
	now := s.now()
	res.Duration = now.Sub(start)
	if err != nil && ctx.Err() != nil {
		// Stopped (Close): not a failure of the remote. What was not
		// pushed stays queued.
		res.Error = ctx.Err().Error()
		return res
	}
	ctx = context.WithoutCancel(ctx)
	state, _ := s.local.SyncState(ctx)
	kv := map[string]string{keyLastAttempt: msString(now)}
	if res.Pushed > 0 {
		kv[keyPushed] = strconv.FormatInt(stateInt(state, keyPushed)+int64(res.Pushed), 10)
	}
	if res.Pulled > 0 {
		kv[keyPulled] = strconv.FormatInt(stateInt(state, keyPulled)+int64(res.Pulled), 10)
	}
	s.mu.Lock()
	if !s.run.lastPull.IsZero() {
		kv[keyLastPull] = msString(s.run.lastPull)
	}
	s.mu.Unlock()
	failures := stateInt(state, keyFailures)
	if err == nil {
		kv[keyLastSuccess], kv[keyFailures], kv[keyLastError], kv[keyNextAttempt] = msString(now), "", "", ""
		s.mu.Lock()
		s.run.retryAt = time.Time{}
		s.mu.Unlock()
	} else {
		failures++
		res.Error = err.Error()
		wait := s.backoff(int(failures), err)
		next := now.Add(wait)
		kv[keyFailures], kv[keyLastError], kv[keyNextAttempt] = strconv.FormatInt(failures, 10), memory.Clip(err.Error(), 500), msString(next)
		s.mu.Lock()
		s.run.retryAt = time.Now().Add(wait)
		s.mu.Unlock()
		s.Logger.Warn("sync failed; local writes keep working and stay queued", "remote", s.RemoteName, "attempt", failures, "retry_in", wait, "err", err)
	}
	if serr := s.local.SetSyncState(ctx, kv); serr != nil {
		s.Logger.Error("record sync state", "err", serr)
	}
	switch {
	case err != nil:
		s.announce(ctx, memory.EventSyncFailed)
	case res.Pushed > 0 || res.Pulled > 0 || failures > 0:
		s.announce(ctx, memory.EventSyncCompleted)
	}
	return res
}

// backoff is the wait after the n-th failure in a row: BaseBackoff doubled
// each time up to MaxBackoff, or longer if the remote asked for it.
func (s *Store) backoff(n int, err error) time.Duration {
	d := s.BaseBackoff << min(n-1, 30)
	if d <= 0 || d > s.MaxBackoff {
		d = s.MaxBackoff
	}
	if s.RetryAfter != nil {
		if ra := s.RetryAfter(err); ra > d {
			d = ra
		}
	}
	return d
}

// announce publishes a sync event. It reaches every user's event stream,
// so it carries the one-word state and the remote, no figure or error
// that could describe someone else's memories: a dashboard reads
// /api/sync/status for the details it may see.
func (s *Store) announce(ctx context.Context, typ string) {
	if s.OnEvent == nil {
		return
	}
	st, err := s.SyncStatus(ctx)
	if err != nil {
		return
	}
	s.OnEvent(memory.Event{Type: typ, At: s.now(), Data: map[string]string{"status": st.State(), "remote": st.Remote}})
}

// refused reports whether the remote refused a memory itself (bad or too
// large), as opposed to not answering: the memory is held, the others go
// on.
func refused(err error) bool {
	switch memory.ErrorCode(err) {
	case memory.EInvalid, memory.ETooLarge:
		return true
	}
	return false
}

// paused reports whether sync is paused (unless this cycle is forced).
// Checked after reading each batch: a batch read after a pause took effect
// is never sent.
func (s *Store) paused(ctx context.Context, force bool) bool {
	if force {
		return false
	}
	state, err := s.local.SyncState(ctx)
	return err == nil && state[keyPaused] != ""
}

// push sends the outbox in batches until it is empty (held entries aside)
// or sync is paused, and returns how many memories the remote accepted.
func (s *Store) push(ctx context.Context, force bool) (int, error) {
	pushed := 0
	for {
		es, err := s.local.PendingChanges(ctx, s.BatchSize)
		if err != nil || len(es) == 0 || s.paused(ctx, force) {
			return pushed, err
		}
		var copies []*memory.Memory
		for _, e := range es {
			if e.Memory != nil { // nil: purged locally, nothing to send
				copies = append(copies, e.Memory)
			}
		}
		_, err = s.remote.Put(ctx, copies)
		switch {
		case err == nil:
		case refused(err):
			n, err := s.pushEach(ctx, es)
			pushed += n
			if err != nil {
				return pushed, err
			}
			continue
		default:
			return pushed, fmt.Errorf("push to %s: %w", s.RemoteName, err)
		}
		if err := s.local.DoneOutbox(ctx, es); err != nil {
			return pushed, err
		}
		pushed += len(copies)
		if s.OnEvent != nil {
			s.announce(ctx, memory.EventSyncProgress)
		}
	}
}

// pushEach sends a batch the remote refused one memory at a time, holding
// back the ones it refuses.
func (s *Store) pushEach(ctx context.Context, es []sqlite.OutboxEntry) (int, error) {
	pushed := 0
	for _, e := range es {
		if e.Memory != nil {
			_, err := s.remote.Put(ctx, []*memory.Memory{e.Memory})
			if refused(err) {
				hold := min(24*time.Hour, s.Hold<<min(e.Attempts, 10))
				s.Logger.Warn("the remote refused a memory; it stays queued", "remote", s.RemoteName, "hash", e.Hash, "err", err, "retry_in", hold)
				if err := s.local.HoldOutbox(ctx, []sqlite.OutboxEntry{e}, memory.ErrorMessage(err), s.now().Add(hold)); err != nil {
					return pushed, err
				}
				continue
			}
			if err != nil {
				return pushed, fmt.Errorf("push to %s: %w", s.RemoteName, err)
			}
			pushed++
		}
		if err := s.local.DoneOutbox(ctx, []sqlite.OutboxEntry{e}); err != nil {
			return pushed, err
		}
	}
	return pushed, nil
}

// pull applies the remote's changes since the recorded cursor and returns
// how many changed a local memory. Local memories newer than their remote
// copy are queued by the local store as it compares them.
func (s *Store) pull(ctx context.Context, force bool) (int, error) {
	state, err := s.local.SyncState(ctx)
	if err != nil {
		return 0, err
	}
	cursor := state[keyCursor]
	pulled := 0
	for {
		ms, next, err := s.remote.Changes(ctx, cursor, s.BatchSize)
		if err != nil {
			return pulled, fmt.Errorf("pull from %s: %w", s.RemoteName, err)
		}
		if len(ms) == 0 || s.paused(ctx, force) {
			return pulled, nil
		}
		n, err := s.local.Put(ctx, ms)
		if refused(err) {
			n, err = s.putEach(ctx, ms)
		}
		if err != nil {
			return pulled, fmt.Errorf("apply changes from %s: %w", s.RemoteName, err)
		}
		pulled += n
		cursor = next
		if err := s.local.SetSyncState(ctx, map[string]string{keyCursor: cursor}); err != nil {
			return pulled, err
		}
		if n > 0 && s.OnEvent != nil {
			s.announce(ctx, memory.EventSyncProgress)
		}
	}
}

// putEach applies remote copies one at a time, skipping (and logging) the
// ones the local store refuses, so that one bad copy does not stop the
// pull.
func (s *Store) putEach(ctx context.Context, ms []*memory.Memory) (int, error) {
	total := 0
	for _, m := range ms {
		n, err := s.local.Put(ctx, []*memory.Memory{m})
		if refused(err) {
			s.Logger.Warn("a remote memory cannot be stored locally; skipped", "remote", s.RemoteName, "hash", m.Hash, "err", err)
			continue
		}
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// drift compares the version of every local memory with the remote's and
// queues those the remote lacks or holds older; if the remote holds newer
// ones, or more memories than the local store, the change feed is read
// again from the start.
func (s *Store) drift(ctx context.Context, force bool) error {
	cursor := ""
	var queued int64
	repull := false
	for {
		ms, next, err := s.local.Changes(ctx, cursor, 500)
		if err != nil {
			return err
		}
		if len(ms) == 0 {
			break
		}
		keys := make([]memory.Key, len(ms))
		for i, m := range ms {
			keys[i] = memory.KeyOf(m)
		}
		remote, err := s.remote.Versions(ctx, keys)
		if err != nil {
			return fmt.Errorf("drift check with %s: %w", s.RemoteName, err)
		}
		var behind []memory.Key
		for i, m := range ms {
			rv, ok := remote[keys[i]]
			switch c := memory.VersionOf(m).Compare(rv); {
			case !ok || c > 0:
				behind = append(behind, keys[i])
			case c < 0:
				repull = true
			}
		}
		if err := s.local.QueueForSync(ctx, behind); err != nil {
			return err
		}
		queued += int64(len(behind))
		cursor = next
	}
	ls, err := s.local.Stats(ctx, "")
	if err != nil {
		return err
	}
	rs, err := s.remote.Stats(ctx, "")
	if err != nil {
		return fmt.Errorf("drift check with %s: %w", s.RemoteName, err)
	}
	if rs.Memories+rs.Tombstones > ls.Memories+ls.Tombstones {
		repull = true
	}
	state, _ := s.local.SyncState(ctx)
	kv := map[string]string{keyLastDrift: msString(s.now()), keyDriftQueued: strconv.FormatInt(stateInt(state, keyDriftQueued)+queued, 10)}
	if repull {
		kv[keyCursor] = ""
		kv[keyDriftRepulls] = strconv.FormatInt(stateInt(state, keyDriftRepulls)+1, 10)
	}
	if err := s.local.SetSyncState(ctx, kv); err != nil {
		return err
	}
	s.mu.Lock()
	s.run.lastDrft = s.now()
	s.mu.Unlock()
	if queued > 0 || repull {
		s.Logger.Info("drift repaired", "remote", s.RemoteName, "queued", queued, "repull", repull)
	}
	if repull {
		_, err := s.pull(ctx, force)
		return err
	}
	return nil
}
