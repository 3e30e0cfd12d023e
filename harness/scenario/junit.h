// JUnit XML for CI: one <testsuite> of scenario <testcase>s, a <failure> for
// each scenario whose verdict did not match, an <error> for each that could
// not be carried out. Everything the outcome says is escaped for XML
// (characters XML 1.0 cannot carry become U+FFFD).
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "harness/scenario/scenario_runner.h"
#include "pruner/base/status.h"

namespace prunecheck::harness {

// Escapes text for XML element content, or (attribute) for an attribute
// value, where line breaks and tabs become character references too.
std::string XmlEscape(const std::string& text, bool attribute = true);

std::string JUnitXml(const std::vector<ScenarioOutcome>& outcomes, const std::string& suite_name = "prunecheck");
Status WriteJUnit(const std::vector<ScenarioOutcome>& outcomes, const std::string& path,
                  const std::string& suite_name = "prunecheck");

}  // namespace prunecheck::harness
