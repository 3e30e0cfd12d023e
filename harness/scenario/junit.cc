#include "harness/scenario/junit.h"

#include <cstdio>
#include <fstream>

namespace prunecheck::harness {

namespace {

std::string Fixed3(double s) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", s);
  return buf;
}

// Length of the UTF-8 sequence starting at s[i], or 0 when it is not well formed.
size_t Utf8Length(const std::string& s, size_t i, uint32_t* cp) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  uint32_t v = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
  for (size_t k = 1; k < len; ++k) {
    const unsigned char d = static_cast<unsigned char>(s[i + k]);
    if ((d >> 6) != 0x2) return 0;
    v = (v << 6) | (d & 0x3f);
  }
  static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < kMin[len] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
  *cp = v;
  return len;
}

}  // namespace

std::string XmlEscape(const std::string& text, bool attribute) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    const size_t len = Utf8Length(text, i, &cp);
    if (len == 0) {
      out += "\xEF\xBF\xBD";  // not UTF-8
      ++i;
      continue;
    }
    switch (cp) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      case '\r': out += "&#13;"; break;
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      default:
        if (cp < 0x20 || cp == 0xfffe || cp == 0xffff) {
          out += "\xEF\xBF\xBD";  // XML 1.0 cannot carry it, not even as a reference
        } else {
          out.append(text, i, len);
        }
    }
    i += len;
  }
  return out;
}

std::string JUnitXml(const std::vector<ScenarioOutcome>& outcomes, const std::string& suite_name) {
  int failures = 0, errors = 0;
  double total = 0;
  for (const ScenarioOutcome& o : outcomes) {
    if (!o.matched) (o.error ? errors : failures) += 1;
    total += o.seconds;
  }
  const std::string counts = " tests=\"" + std::to_string(outcomes.size()) + "\" failures=\"" +
                             std::to_string(failures) + "\" errors=\"" + std::to_string(errors) + "\" skipped=\"0\"" +
                             " time=\"" + Fixed3(total) + "\"";
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += "<testsuites name=\"" + XmlEscape(suite_name) + "\"" + counts + ">\n";
  x += "  <testsuite name=\"" + XmlEscape(suite_name) + "\"" + counts + ">\n";
  for (const ScenarioOutcome& o : outcomes) {
    x += "    <testcase classname=\"" + XmlEscape(suite_name + ".scenarios") + "\" name=\"" + XmlEscape(o.name) +
         "\" file=\"" + XmlEscape(o.path) + "\" time=\"" + Fixed3(o.seconds) + "\">\n";
    std::string body;
    for (const std::string& d : o.details) body += d + "\n";
    if (!o.run_dir.empty()) body += "run directory kept: " + o.run_dir + "\n";
    if (!o.matched) {
      const char* tag = o.error ? "error" : "failure";
      const char* type = o.error ? "scenario-error" : o.expect == "pass" ? "unexpected-violation" : "missing-violation";
      x += "      <" + std::string(tag) + " message=\"" + XmlEscape(o.message) + "\" type=\"" + type + "\">" +
           XmlEscape(o.message + "\n" + body, false) + "</" + tag + ">\n";
    }
    x += "      <system-out>" + XmlEscape("expect " + o.expect + "; " + std::to_string(o.runs) + " run(s), " +
                                          o.transport + " transport: " + o.message + "\n" + (o.matched ? body : ""),
                                          false) +
         "</system-out>\n";
    x += "    </testcase>\n";
  }
  x += "  </testsuite>\n</testsuites>\n";
  return x;
}

Status WriteJUnit(const std::vector<ScenarioOutcome>& outcomes, const std::string& path, const std::string& suite_name) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << JUnitXml(outcomes, suite_name);
  out.close();
  if (!out) return Status(StatusCode::kIoError, "could not write JUnit XML to " + path);
  return Status::Ok();
}

}  // namespace prunecheck::harness
