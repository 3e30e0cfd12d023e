#include "harness/scenario/script_strategy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace prunecheck::harness {
namespace {

using ::testing::HasSubstr;

const std::vector<std::string> kNames = {"installer", "pruner"};

std::vector<ScriptStep> Steps(const std::vector<std::string>& texts) {
  std::vector<ScriptStep> steps;
  for (const std::string& t : texts) {
    Result<ScriptStep> s = ParseScriptStep(t, kNames);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (s.ok()) steps.push_back(*s);
  }
  return steps;
}

// A tiny simulated program: each actor walks through its list of points; a
// point "wait" is a blocked state that clears once the other actor finished.
struct Program {
  std::vector<std::vector<std::string>> points;
  std::vector<size_t> at;
  int last = -1;
  int step = 0;

  explicit Program(std::vector<std::vector<std::string>> p) : points(std::move(p)), at(points.size(), 0) {}

  bool finished(size_t a) const { return at[a] >= points[a].size(); }
  SchedulingState State() const {
    SchedulingState s;
    s.step = step;
    s.last = last;
    s.actor_count = static_cast<int>(points.size());
    s.points.assign(points.size(), "");
    for (size_t a = 0; a < points.size(); ++a) {
      if (finished(a)) continue;
      s.points[a] = points[a][at[a]];
      bool blocked = points[a][at[a]] == "wait";
      for (size_t b = 0; b < points.size(); ++b) blocked = blocked && (b == a || !finished(b));
      (blocked ? s.blocked : s.enabled).push_back(static_cast<int>(a));
    }
    return s;
  }
  bool done() const {
    for (size_t a = 0; a < points.size(); ++a) {
      if (!finished(a)) return false;
    }
    return true;
  }
  // Runs `st` to the end; returns the choices (or stops at -1).
  std::vector<int> Run(Strategy& st, int limit = 100) {
    std::vector<int> choices;
    st.BeginRun();
    while (!done() && step < limit) {
      SchedulingState s = State();
      int a = st.Pick(s);
      choices.push_back(a);
      if (a < 0) break;
      const size_t ai = static_cast<size_t>(a);
      const bool blocked = std::find(s.blocked.begin(), s.blocked.end(), a) != s.blocked.end();
      if (!blocked) ++at[ai];  // a blocked actor's retry fails: it stays where it is
      last = a;
      ++step;
    }
    return choices;
  }
};

TEST(ScriptStep, ParsesTheThreeForms) {
  Result<ScriptStep> one = ParseScriptStep("pruner", kNames);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->kind, ScriptStep::Kind::kOne);
  EXPECT_EQ(one->actor_index, 1);
  Result<ScriptStep> until = ParseScriptStep("  installer   until install.persisted#3 ", kNames);
  ASSERT_TRUE(until.ok());
  EXPECT_EQ(until->kind, ScriptStep::Kind::kUntil);
  EXPECT_EQ(until->point, "install.persisted");
  EXPECT_EQ(until->occurrence, 3);
  EXPECT_EQ(FormatScriptStep(*until), "installer until install.persisted#3");
  Result<ScriptStep> end = ParseScriptStep("pruner to end", kNames);
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->kind, ScriptStep::Kind::kToEnd);
  EXPECT_EQ(FormatScriptStep(*end), "pruner to end");
}

TEST(ScriptStep, RejectsWhatItCannotRead) {
  EXPECT_THAT(ParseScriptStep("", kNames).status().message(), HasSubstr("empty step"));
  EXPECT_THAT(ParseScriptStep("reader", kNames).status().message(),
              HasSubstr("names actor 'reader', which is not an actor of this scenario (actors: installer, pruner)"));
  EXPECT_THAT(ParseScriptStep("pruner until", kNames).status().message(), HasSubstr("cannot read 'until'"));
  EXPECT_THAT(ParseScriptStep("pruner to the end", kNames).status().message(), HasSubstr("cannot read"));
  EXPECT_THAT(ParseScriptStep("pruner until p#0", kNames).status().message(), HasSubstr(">= 1"));
  EXPECT_THAT(ParseScriptStep("pruner until #2", kNames).status().message(), HasSubstr("no point"));
}

TEST(ScriptStrategy, FollowsUntilAndToEndThenFinishes) {
  Program p({{"a", "b", "c", "b", "d"}, {"x", "y"}});
  ScriptStrategy st(Steps({"installer until b#2", "pruner to end"}));
  std::vector<int> choices = p.Run(st);
  // installer a->b->c->b (3 steps), pruner x->y->end (2), then installer finishes (2).
  EXPECT_EQ(choices, (std::vector<int>{0, 0, 0, 1, 1, 0, 0}));
  EXPECT_TRUE(st.error().ok()) << st.error().ToString();
  EXPECT_TRUE(st.completed());
}

TEST(ScriptStrategy, UntilWithoutCountMeansTheNextArrival) {
  Program p({{"a", "b", "a", "b"}, {"x"}});
  ScriptStrategy st(Steps({"installer until a", "installer until b", "installer until b", "pruner"}));
  std::vector<int> choices = p.Run(st);
  // "until a": already there (0 steps); "until b": 1 step; "until b" again: already there.
  EXPECT_EQ(choices[0], 0);
  EXPECT_EQ(choices[1], 1);
  EXPECT_TRUE(st.error().ok()) << st.error().ToString();
}

TEST(ScriptStrategy, AFinishedActorIsAnErrorNamingTheStep) {
  Program p({{"a"}, {"x"}});
  std::vector<ScriptStep> steps = Steps({"installer to end", "installer"});
  steps[1].where = "f.toml:3:4";
  ScriptStrategy st(steps);
  std::vector<int> choices = p.Run(st);
  EXPECT_EQ(choices.back(), -1);
  EXPECT_EQ(st.error().message(),
            "f.toml:3:4: script step 2 (\"installer\") cannot be followed: installer has already finished (it ended, "
            "or a fault killed it)");
}

TEST(ScriptStrategy, APointNeverReachedIsAnError) {
  Program p({{"a", "b"}, {"x"}});
  ScriptStrategy st(Steps({"installer until zzz"}));
  p.Run(st);
  EXPECT_THAT(st.error().message(), HasSubstr("installer finished without arriving at zzz"));
}

TEST(ScriptStrategy, APointAlreadyPassedIsAnError) {
  Program p({{"a", "b", "c"}, {"x"}});
  ScriptStrategy st(Steps({"installer until c", "installer until b#1"}));
  p.Run(st);
  EXPECT_THAT(st.error().message(), HasSubstr("installer already passed b #1"));
}

TEST(ScriptStrategy, ABlockedActorLetsOthersRunThenRetries) {
  // The pruner waits (blocked) until the installer has finished.
  Program p({{"a", "b"}, {"wait", "y"}});
  ScriptStrategy st(Steps({"pruner to end"}));
  std::vector<int> choices = p.Run(st);
  // pruner retries (blocked), installer helps, pruner retries, installer
  // helps and finishes, pruner runs its two steps.
  EXPECT_EQ(choices, (std::vector<int>{1, 0, 1, 0, 1, 1}));
  EXPECT_TRUE(st.error().ok()) << st.error().ToString();
}

TEST(ScriptStrategy, BeginRunStartsOver) {
  ScriptStrategy st(Steps({"installer to end", "installer"}));
  Program p1({{"a"}, {"x"}});
  p1.Run(st);
  EXPECT_FALSE(st.error().ok());
  Program p2({{"a", "b"}, {"x"}});
  ScriptStrategy ok(Steps({"installer until b", "installer"}));
  p2.Run(ok);
  EXPECT_TRUE(ok.error().ok());
  Program p3({{"a", "b"}, {"x"}});
  p3.Run(ok);
  EXPECT_TRUE(ok.error().ok()) << ok.error().ToString();
}

TEST(PointTracker, CountsArrivalsOfThePickedActorOnly) {
  PointTracker t;
  t.Reset();
  SchedulingState s;
  s.actor_count = 2;
  s.enabled = {0, 1};
  s.points = {"a", "x"};
  t.Observe(s);
  EXPECT_EQ(t.arrivals(0, "a"), 1);
  EXPECT_EQ(t.arrivals(1, "x"), 1);
  t.Picked(0);
  s.points = {"a", "x"};  // actor 0 came back to "a"
  t.Observe(s);
  EXPECT_EQ(t.arrivals(0, "a"), 2);
  EXPECT_EQ(t.arrivals(1, "x"), 1);
  EXPECT_TRUE(t.enabled(1));
  EXPECT_FALSE(t.blocked(1));
  EXPECT_EQ(t.point(1), "x");
}

}  // namespace
}  // namespace prunecheck::harness
