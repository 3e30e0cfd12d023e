#include "harness/engine/fiber.h"

#include <locale.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define PRUNECHECK_FIBER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PRUNECHECK_FIBER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define PRUNECHECK_FIBER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PRUNECHECK_FIBER_TSAN 1
#endif
#endif

#ifdef PRUNECHECK_FIBER_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef PRUNECHECK_FIBER_TSAN
#include <sanitizer/tsan_interface.h>
#endif

// On x86-64 a fiber switch is a few instructions of our own: glibc's
// swapcontext() also saves and restores the signal mask, a system call per
// switch that was most of the remaining kernel time of an in-memory
// schedule. Elsewhere, ucontext.
#if defined(__x86_64__) && !defined(PRUNECHECK_FIBER_UCONTEXT)
#define PRUNECHECK_FIBER_ASM 1
// pc_fiber_switch(void** save_sp, void* load_sp): pushes the callee-saved
// registers (and the SSE/x87 control words, callee-saved too), stores the
// stack pointer in *save_sp, loads load_sp and pops the same frame from it.
// pc_fiber_start: where a new stack "returns" to: calls r12(r13), which
// never returns.
asm(R"(
  .text
  .globl pc_fiber_switch
  .hidden pc_fiber_switch
  .type pc_fiber_switch,@function
pc_fiber_switch:
  .cfi_startproc
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .cfi_endproc
  .size pc_fiber_switch,.-pc_fiber_switch

  .globl pc_fiber_start
  .hidden pc_fiber_start
  .type pc_fiber_start,@function
pc_fiber_start:
  .cfi_startproc
  .cfi_undefined rip
  movq %r13, %rdi
  callq *%r12
  ud2
  .cfi_endproc
  .size pc_fiber_start,.-pc_fiber_start
)");
extern "C" void pc_fiber_switch(void** save_sp, void* load_sp);
extern "C" void pc_fiber_start();
#endif

namespace prunecheck::harness {
namespace {

// Extraction (libarchive) and the zip writer are the deepest users; 1 MiB of
// address space costs nothing until touched. ASan's redzones need more.
#ifdef PRUNECHECK_FIBER_ASAN
constexpr size_t kStackBytes = size_t{4} << 20;
#else
constexpr size_t kStackBytes = size_t{1} << 20;
#endif

// A stack with an inaccessible guard page below it: an overflow faults at
// once instead of corrupting a neighbour.
struct Stack {
  void* mapping = nullptr;
  size_t mapping_bytes = 0;
  void* base = nullptr;  // lowest usable address
  size_t bytes = 0;
};

class StackPool {
 public:
  Stack Take() {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (!free_.empty()) {
        Stack s = free_.back();
        free_.pop_back();
        return s;
      }
    }
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    Stack s;
    s.mapping_bytes = kStackBytes + page;
    s.mapping = ::mmap(nullptr, s.mapping_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                       -1, 0);
    if (s.mapping == MAP_FAILED) {
      std::fprintf(stderr, "prunecheck: cannot map a %zu-byte fiber stack\n", s.mapping_bytes);
      std::abort();
    }
    ::mprotect(s.mapping, page, PROT_NONE);
    s.base = static_cast<char*>(s.mapping) + page;
    s.bytes = kStackBytes;
    return s;
  }
  void Give(Stack s) {
    std::lock_guard<std::mutex> l(mu_);
    if (free_.size() < kKeep) {
      free_.push_back(s);
    } else {
      ::munmap(s.mapping, s.mapping_bytes);
    }
  }

 private:
  static constexpr size_t kKeep = 64;
  std::mutex mu_;
  std::vector<Stack> free_;
};

StackPool& Stacks() {
  static StackPool* pool = new StackPool;  // never destroyed: fibers may outlive static destruction order
  return *pool;
}

}  // namespace

struct Fiber::Impl {
  std::function<void()> body;
  Stack stack;
#ifdef PRUNECHECK_FIBER_ASM
  void* fiber_sp = nullptr;
  void* caller_sp = nullptr;
#else
  ucontext_t fiber_ctx{};
  ucontext_t caller_ctx{};
#endif
  bool started = false;
  bool finished = false;
  locale_t fiber_locale = LC_GLOBAL_LOCALE;
  locale_t caller_locale = LC_GLOBAL_LOCALE;
#ifdef PRUNECHECK_FIBER_ASAN
  void* caller_fake_stack = nullptr;
  void* fiber_fake_stack = nullptr;
  const void* caller_stack_bottom = nullptr;
  size_t caller_stack_size = 0;
#endif
#ifdef PRUNECHECK_FIBER_TSAN
  void* tsan_fiber = nullptr;
  void* tsan_caller = nullptr;
#endif

#ifdef PRUNECHECK_FIBER_ASM
  static void Entry(Impl* self) {
#else
  static void Trampoline(unsigned hi, unsigned lo) {
    auto* self = reinterpret_cast<Impl*>((static_cast<uintptr_t>(hi) << 32) | static_cast<uintptr_t>(lo));
#endif
#ifdef PRUNECHECK_FIBER_ASAN
    __sanitizer_finish_switch_fiber(nullptr, &self->caller_stack_bottom, &self->caller_stack_size);
#endif
    self->body();
    self->finished = true;
#ifdef PRUNECHECK_FIBER_ASAN
    // Every frame below this one has returned and taken its redzones with it
    // (an exception's unwinding unpoisons the whole stack first). Only the
    // frames still live here, Entry's and the start routine's, would leave
    // poison on the stack for its next fiber: unpoison from a page below
    // this frame to the top, not the whole stack at every reuse (4 MiB of
    // stack is 512 KiB of shadow to clear, a measurable share of a fuzzed
    // in-memory schedule).
    {
      char here = 0;
      const auto top = reinterpret_cast<uintptr_t>(self->stack.base) + self->stack.bytes;
      uintptr_t low = (reinterpret_cast<uintptr_t>(&here) & ~uintptr_t{4095}) - 4096;
      if (low < reinterpret_cast<uintptr_t>(self->stack.base)) low = reinterpret_cast<uintptr_t>(self->stack.base);
      __asan_unpoison_memory_region(reinterpret_cast<void*>(low), top - low);
    }
    // nullptr: this fiber's fake stack is released; it never runs again.
    __sanitizer_start_switch_fiber(nullptr, self->caller_stack_bottom, self->caller_stack_size);
#endif
#ifdef PRUNECHECK_FIBER_TSAN
    __tsan_switch_to_fiber(self->tsan_caller, 0);
#endif
#ifdef PRUNECHECK_FIBER_ASM
    void* dead_sp = nullptr;
    pc_fiber_switch(&dead_sp, self->caller_sp);
#else
    ::setcontext(&self->caller_ctx);
#endif
    std::abort();  // a finished fiber is never switched to again
  }

  // Sets up the first switch into the fiber.
  void Prepare() {
    // Under ASan a reused stack carries no poison: its last fiber cleared it
    // as it finished (Entry), and one that never finished aborted.
#ifdef PRUNECHECK_FIBER_ASM
    // The frame pc_fiber_switch pops: control words, r15..rbp, then the
    // return address pc_fiber_start, which calls Entry(this) with the stack
    // 16-byte aligned as the ABI wants at a call.
    auto* top = reinterpret_cast<uint64_t*>((reinterpret_cast<uintptr_t>(stack.base) + stack.bytes) & ~uintptr_t{15});
    uint64_t* sp = top - 10;  // 8 words popped + return address + padding keep the alignment
    uint32_t mxcsr = 0;
    uint16_t fpucw = 0;
    asm volatile("stmxcsr %0" : "=m"(mxcsr));
    asm volatile("fnstcw %0" : "=m"(fpucw));
    sp[0] = static_cast<uint64_t>(mxcsr) | (static_cast<uint64_t>(fpucw) << 32);
    sp[1] = 0;                                       // r15
    sp[2] = 0;                                       // r14
    sp[3] = reinterpret_cast<uint64_t>(this);        // r13: Entry's argument
    sp[4] = reinterpret_cast<uint64_t>(&Impl::Entry);  // r12: called by pc_fiber_start
    sp[5] = 0;                                       // rbx
    sp[6] = 0;                                       // rbp
    sp[7] = reinterpret_cast<uint64_t>(&pc_fiber_start);
    sp[8] = 0;
    sp[9] = 0;
    fiber_sp = sp;
#else
    ::getcontext(&fiber_ctx);
    fiber_ctx.uc_stack.ss_sp = stack.base;
    fiber_ctx.uc_stack.ss_size = stack.bytes;
    fiber_ctx.uc_link = nullptr;
    const auto p = reinterpret_cast<uintptr_t>(this);
    ::makecontext(&fiber_ctx, reinterpret_cast<void (*)()>(&Impl::Trampoline), 2, static_cast<unsigned>(p >> 32),
                  static_cast<unsigned>(p & 0xffffffffu));
#endif
  }

  void SwitchIn() {
#ifdef PRUNECHECK_FIBER_ASM
    pc_fiber_switch(&caller_sp, fiber_sp);
#else
    ::swapcontext(&caller_ctx, &fiber_ctx);
#endif
  }

  void SwitchOut() {
#ifdef PRUNECHECK_FIBER_ASM
    pc_fiber_switch(&fiber_sp, caller_sp);
#else
    ::swapcontext(&fiber_ctx, &caller_ctx);
#endif
  }
};

Fiber::Fiber(std::function<void()> body) : impl_(std::make_unique<Impl>()) { impl_->body = std::move(body); }

Fiber::~Fiber() {
  if (impl_->started && !impl_->finished) {
    std::fprintf(stderr, "prunecheck: a fiber was destroyed while suspended\n");
    std::abort();
  }
  if (impl_->stack.mapping != nullptr) Stacks().Give(impl_->stack);
#ifdef PRUNECHECK_FIBER_TSAN
  if (impl_->tsan_fiber != nullptr) __tsan_destroy_fiber(impl_->tsan_fiber);
#endif
}

bool Fiber::started() const { return impl_->started; }
bool Fiber::finished() const { return impl_->finished; }

void Fiber::Resume() {
  Impl& f = *impl_;
  if (f.finished) return;
  if (!f.started) {
    f.started = true;
    f.stack = Stacks().Take();
    f.Prepare();
#ifdef PRUNECHECK_FIBER_TSAN
    f.tsan_fiber = __tsan_create_fiber(0);
#endif
  }
  f.caller_locale = ::uselocale(f.fiber_locale);
#ifdef PRUNECHECK_FIBER_TSAN
  f.tsan_caller = __tsan_get_current_fiber();
  __tsan_switch_to_fiber(f.tsan_fiber, 0);
#endif
#ifdef PRUNECHECK_FIBER_ASAN
  __sanitizer_start_switch_fiber(&f.caller_fake_stack, f.stack.base, f.stack.bytes);
#endif
  f.SwitchIn();
#ifdef PRUNECHECK_FIBER_ASAN
  __sanitizer_finish_switch_fiber(f.caller_fake_stack, nullptr, nullptr);
#endif
  f.fiber_locale = ::uselocale(f.caller_locale);
}

void Fiber::Suspend() {
  Impl& f = *impl_;
#ifdef PRUNECHECK_FIBER_ASAN
  __sanitizer_start_switch_fiber(&f.fiber_fake_stack, f.caller_stack_bottom, f.caller_stack_size);
#endif
#ifdef PRUNECHECK_FIBER_TSAN
  __tsan_switch_to_fiber(f.tsan_caller, 0);
#endif
  f.SwitchOut();
#ifdef PRUNECHECK_FIBER_ASAN
  __sanitizer_finish_switch_fiber(f.fiber_fake_stack, &f.caller_stack_bottom, &f.caller_stack_size);
#endif
}

}  // namespace prunecheck::harness
