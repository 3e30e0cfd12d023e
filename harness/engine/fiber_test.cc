#include "harness/engine/fiber.h"

#include <gtest/gtest.h>
#include <locale.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace prunecheck::harness {
namespace {

TEST(FiberTest, RunsOnlyWhenResumedAndStopsAtEachSuspend) {
  std::vector<std::string> log;
  Fiber* self = nullptr;
  Fiber f([&] {
    log.push_back("a");
    self->Suspend();
    log.push_back("b");
    self->Suspend();
    log.push_back("c");
  });
  self = &f;
  EXPECT_FALSE(f.started());
  EXPECT_TRUE(log.empty());
  f.Resume();
  EXPECT_EQ(log, (std::vector<std::string>{"a"}));
  f.Resume();
  EXPECT_EQ(log, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(f.finished());
  f.Resume();
  EXPECT_EQ(log, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(f.finished());
  f.Resume();  // a finished fiber stays finished
  EXPECT_EQ(log.size(), 3u);
}

TEST(FiberTest, InterleavedFibersKeepTheirOwnStacks) {
  // Each fiber keeps a running sum in locals across its suspends; a
  // switch that lost a register or a stack slot would corrupt one.
  constexpr int kFibers = 5;
  constexpr int kSteps = 200;
  std::vector<std::unique_ptr<Fiber>> fibers;
  std::vector<long> sums(kFibers, 0);
  for (int i = 0; i < kFibers; ++i) {
    fibers.push_back(std::make_unique<Fiber>([&, i] {
      long sum = 0;
      double x = i + 0.5;  // also keeps a floating-point value across switches
      for (int s = 1; s <= kSteps; ++s) {
        sum += s * (i + 1);
        x = std::sqrt(x * x);
        fibers[static_cast<size_t>(i)]->Suspend();
      }
      sums[static_cast<size_t>(i)] = sum + static_cast<long>(x * 2);
    }));
  }
  for (int round = 0; round <= kSteps; ++round) {
    for (int i = kFibers - 1; i >= 0; --i) fibers[static_cast<size_t>(i)]->Resume();
  }
  for (int i = 0; i < kFibers; ++i) {
    EXPECT_TRUE(fibers[static_cast<size_t>(i)]->finished());
    EXPECT_EQ(sums[static_cast<size_t>(i)], static_cast<long>(kSteps) * (kSteps + 1) / 2 * (i + 1) + 2 * i + 1);
  }
}

TEST(FiberTest, ExceptionThrownAndCaughtInsideTheFiberUnwindsItsStack) {
  // How a kill works: the actor's yield point throws and the fiber's body catches.
  struct Guard {
    int* count;
    ~Guard() { ++*count; }
  };
  int destroyed = 0;
  std::string caught;
  Fiber* self = nullptr;
  Fiber f([&] {
    try {
      Guard g{&destroyed};
      self->Suspend();
      throw std::runtime_error("killed");
    } catch (const std::exception& e) {
      caught = e.what();
    }
  });
  self = &f;
  f.Resume();
  EXPECT_EQ(destroyed, 0);
  f.Resume();
  EXPECT_TRUE(f.finished());
  EXPECT_EQ(destroyed, 1);
  EXPECT_EQ(caught, "killed");
}

TEST(FiberTest, EachFiberKeepsItsOwnThreadLocale) {
  // Actors hold a C.UTF-8 scope across yield points while extracting; the
  // engine's thread must get its own locale back at every switch.
  locale_t utf8 = ::newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  ASSERT_NE(utf8, static_cast<locale_t>(nullptr));
  const locale_t outer = ::uselocale(static_cast<locale_t>(nullptr));
  locale_t seen_inside_after_switch = static_cast<locale_t>(nullptr);
  Fiber* self = nullptr;
  Fiber f([&] {
    ::uselocale(utf8);
    self->Suspend();
    seen_inside_after_switch = ::uselocale(static_cast<locale_t>(nullptr));
    ::uselocale(LC_GLOBAL_LOCALE);
  });
  self = &f;
  f.Resume();
  EXPECT_EQ(::uselocale(static_cast<locale_t>(nullptr)), outer) << "the fiber's locale leaked to the caller";
  f.Resume();
  EXPECT_EQ(seen_inside_after_switch, utf8) << "the fiber lost its locale across a switch";
  EXPECT_EQ(::uselocale(static_cast<locale_t>(nullptr)), outer);
  ::freelocale(utf8);
}

TEST(FiberTest, UnstartedFiberNeverRunsItsBody) {
  bool ran = false;
  { Fiber f([&] { ran = true; }); }
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace prunecheck::harness
