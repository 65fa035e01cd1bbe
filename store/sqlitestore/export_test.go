package sqlitestore

// SetTestOnSweep sets the hook Open copies into a Store's sweeper: called
// after each of its sweeps. Not safe to call while Open runs.
func SetTestOnSweep(f func()) { testOnSweep = f }
