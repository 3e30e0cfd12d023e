// `prunecheck matrix`: the cells the acceptance list names, on a small
// budget (memory transport, seed 1), and the pinned output formats.
#include "harness/scenario/matrix.h"

#include <gtest/gtest.h>

namespace prunecheck::harness {
namespace {

MatrixOptions Small(std::vector<std::string> clients, std::vector<std::string> pruners, int schedules) {
  MatrixOptions o;
  o.clients = std::move(clients);
  o.pruners = std::move(pruners);
  o.schedules = schedules;
  o.jobs = 2;
  o.transport = Transport::kMemory;
  return o;
}

const MatrixCell& Cell(const std::vector<MatrixCell>& cells, const std::string& client, const std::string& pruner) {
  for (const MatrixCell& c : cells) {
    if (c.client == client && c.pruner == pruner) return c;
  }
  static const MatrixCell none;
  ADD_FAILURE() << "no cell " << client << " x " << pruner;
  return none;
}

TEST(MatrixTest, Uv0819PrunerIsSafeOnlyWithLockHoldingClients) {
  MatrixOptions o = Small({"uv-0.8.18", "uv-0.8.19", "pr-20116-early-release"}, {"uv-0.8.19"}, 300);
  ASSERT_TRUE(ValidateMatrixOptions(o).ok());
  const std::vector<MatrixCell> cells = RunMatrix(o);
  ASSERT_EQ(cells.size(), 3u);
  const MatrixCell& legacy = Cell(cells, "uv-0.8.18", "uv-0.8.19");
  EXPECT_EQ(legacy.verdict, "unsafe") << legacy.message << " (seed 1)";
  EXPECT_EQ(legacy.invariant, "no-in-use-removal");
  const MatrixCell& same = Cell(cells, "uv-0.8.19", "uv-0.8.19");
  EXPECT_EQ(same.verdict, "safe") << same.message << " (seed 1)";
  EXPECT_EQ(same.schedules, 300);
  const MatrixCell& early = Cell(cells, "pr-20116-early-release", "uv-0.8.19");
  EXPECT_EQ(early.verdict, "unsafe") << "seed 1";
  EXPECT_GT(early.schedules, 0);
  EXPECT_LE(early.schedules, 300);
}

TEST(MatrixTest, TryLockSkipsAreNotFindings) {
  // pr-20116's pruner skips its prune when the cache is busy: safe, with skips counted.
  const std::vector<MatrixCell> cells = RunMatrix(Small({"reference"}, {"pr-20116"}, 100));
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cells[0].verdict, "safe") << cells[0].invariant << ": " << cells[0].message << " (seed 1)";
  EXPECT_GT(cells[0].pruner_skipped, 0);
}

TEST(MatrixTest, ShardsSplitTheCells) {
  MatrixOptions o = Small({"reference", "uv-0.8.19"}, {"reference"}, 2);
  o.shard_index = 1;
  o.shard_count = 2;
  const std::vector<MatrixCell> cells = RunMatrix(o);
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cells[0].index, 1);
  EXPECT_EQ(cells[0].client, "uv-0.8.19");
}

TEST(MatrixTest, RejectsUnknownProfilesAndModes) {
  EXPECT_FALSE(ValidateMatrixOptions(Small({"uv-9"}, {"reference"}, 1)).ok());
  MatrixOptions o = Small({"reference"}, {"reference"}, 1);
  o.link_modes = {"reflink"};
  EXPECT_FALSE(ValidateMatrixOptions(o).ok());
}

TEST(MatrixTest, FormatsArePinned) {
  MatrixOptions o = Small({"uv-0.8.18", "reference"}, {"reference"}, 5);
  std::vector<MatrixCell> cells(2);
  for (int i : {0, 1}) {
    cells[static_cast<size_t>(i)].index = i;
    cells[static_cast<size_t>(i)].client = i == 0 ? "uv-0.8.18" : "reference";
    cells[static_cast<size_t>(i)].pruner = "reference";
    cells[static_cast<size_t>(i)].link_mode = "hardlink";
  }
  cells[0].verdict = "safe";
  cells[0].schedules = 5;
  cells[0].seconds = 0.5;
  cells[1].verdict = "unsafe";
  cells[1].invariant = "no-in-use-removal";
  cells[1].schedules = 3;
  cells[1].pruner_skipped = 2;
  cells[1].seconds = 0.25;
  cells[1].scenario = "d/found.toml";
  cells[1].message = "step 4: ...";
  EXPECT_EQ(MatrixJson(o, cells).dump(),
            R"({"format":"prunecheck-matrix/1","strategy":"pct:3","seed":1,"schedules_per_cell":5,)"
            R"("seconds_per_cell":0.0,"transport":"memory","shard":{"index":0,"count":1},"cells":[)"
            R"({"index":0,"client":"uv-0.8.18","pruner":"reference","link_mode":"hardlink","verdict":"safe",)"
            R"("invariant":"","schedules":5,"covered":false,"pruner_skipped":0,"seconds":0.5,"scenario":"","message":""},)"
            R"({"index":1,"client":"reference","pruner":"reference","link_mode":"hardlink","verdict":"unsafe",)"
            R"("invariant":"no-in-use-removal","schedules":3,"covered":false,"pruner_skipped":2,"seconds":0.25,)"
            R"("scenario":"d/found.toml","message":"step 4: ..."}]})");
  EXPECT_EQ(MatrixMarkdown(o, cells),
            "| pruner \\ clients | `uv-0.8.18` | `reference` |\n"
            "|---|---|---|\n"
            "| `reference` | safe (5) | **unsafe**: no-in-use-removal (3) |\n"
            "\nsafe (N): no violation in N schedules (pct:3, seed 1); unsafe: the invariant violated (schedules to "
            "the first failure).\n");
}

}  // namespace
}  // namespace prunecheck::harness
