#include "harness/engine/interrupt.h"

#include <atomic>

namespace prunecheck::harness {

namespace {
std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "signal handlers need a lock-free atomic");
}  // namespace

void NoteInterrupt(int sig) noexcept {
  int expected = 0;
  g_signal.compare_exchange_strong(expected, sig);
}

int InterruptSignal() noexcept { return g_signal.load(); }

}  // namespace prunecheck::harness
