// Package consolidate keeps a growing memory useful, as upstream's
// "dream-inspired" consolidation does, without its surprises: it scores
// each memory's relevance (decay by age, access, quality, connections and
// type retention), links related memories by typed edges (associations,
// never extra memories), groups near memories into clusters, writes an
// extractive summary memory per cluster that links its members (the
// members stay), and archives memories that no longer matter (listed and
// restorable, never destroyed).
//
// A pass (Consolidator.Consolidate) is deterministic for a given clock and
// store, incremental (it takes the memories least recently consolidated
// first, BatchSize at a time), reports what each phase did, and with
// DryRun writes nothing at all. Passes never overlap: one at a time per
// process, and a lease in the store keeps other processes sharing it out.
// The Scheduler runs passes for the daily, weekly, monthly, quarterly and
// yearly horizons (all off unless configured), keeps its last runs in the
// store so that a restart neither repeats nor loses a pass, and stops
// cleanly.
package consolidate
