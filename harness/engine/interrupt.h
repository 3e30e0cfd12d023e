// Whether the harness has been asked to stop (SIGINT/SIGTERM).
//
// The signal handler (harness/process/process_actor.cc) kills every actor
// group at once and records the signal here; the engine then abandons the
// run at its next step, removes the run directory, and the CLI re-raises the
// signal so the harness exits as interrupted. A second signal is fatal at once.
//
// Thread-safety: async-signal-safe (a lock-free atomic).
#pragma once

namespace prunecheck::harness {

// Records `sig` (first one wins). Async-signal-safe.
void NoteInterrupt(int sig) noexcept;
// The signal that interrupted the harness, or 0.
int InterruptSignal() noexcept;

}  // namespace prunecheck::harness
