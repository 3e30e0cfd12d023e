#include "harness/scenario/junit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace prunecheck::harness {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(XmlEscape, EscapesMarkupAndDropsWhatXmlCannotCarry) {
  EXPECT_EQ(XmlEscape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
  EXPECT_EQ(XmlEscape("line\nnext\tx"), "line&#10;next&#9;x");
  EXPECT_EQ(XmlEscape("line\nnext\tx", /*attribute=*/false), "line\nnext\tx");
  EXPECT_EQ(XmlEscape(std::string("nul\0bel\a", 8)), "nul\xEF\xBF\xBD" "bel\xEF\xBF\xBD");
  EXPECT_EQ(XmlEscape("caf\xC3\xA9 \xE2\x86\x92"), "caf\xC3\xA9 \xE2\x86\x92");  // valid UTF-8 stays
  EXPECT_EQ(XmlEscape("bad \xC3( \xFF"), "bad \xEF\xBF\xBD( \xEF\xBF\xBD");     // invalid bytes do not
}

TEST(JUnit, OneTestcasePerScenarioWithFailuresAndErrors) {
  ScenarioOutcome ok;
  ok.name = "good";
  ok.path = "s/good.toml";
  ok.expect = "pass";
  ok.matched = true;
  ok.seconds = 0.25;
  ok.runs = 3;
  ok.transport = "thread";
  ok.message = "no checked invariant violated";
  ScenarioOutcome bad;
  bad.name = "bad <one>";
  bad.path = "s/bad.toml";
  bad.expect = "pass";
  bad.message = "expected pass, but: [no-in-use-removal] step 5: pruner began removing \"x\" & more";
  bad.details = {"also [progress] y"};
  bad.run_dir = "/tmp/run-1";
  ScenarioOutcome err;
  err.name = "broken";
  err.error = true;
  err.expect = "containment";
  err.message = "script step 1 cannot be followed";
  const std::string x = JUnitXml({ok, bad, err});
  EXPECT_THAT(x, HasSubstr("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
  EXPECT_THAT(x, HasSubstr("<testsuite name=\"prunecheck\" tests=\"3\" failures=\"1\" errors=\"1\""));
  EXPECT_THAT(x, HasSubstr("<testcase classname=\"prunecheck.scenarios\" name=\"good\" file=\"s/good.toml\" "
                           "time=\"0.250\">"));
  EXPECT_THAT(x, HasSubstr("name=\"bad &lt;one&gt;\""));
  EXPECT_THAT(x, HasSubstr("<failure message=\"expected pass, but: [no-in-use-removal] step 5: pruner began "
                           "removing &quot;x&quot; &amp; more\" type=\"unexpected-violation\">"));
  EXPECT_THAT(x, HasSubstr("run directory kept: /tmp/run-1"));
  EXPECT_THAT(x, HasSubstr("<error message=\"script step 1 cannot be followed\" type=\"scenario-error\">"));
  EXPECT_THAT(x, Not(HasSubstr("& more")));
  EXPECT_THAT(x, HasSubstr("</testsuites>\n"));
}

}  // namespace
}  // namespace prunecheck::harness
