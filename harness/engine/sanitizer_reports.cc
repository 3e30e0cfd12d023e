#include "harness/engine/sanitizer_reports.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace prunecheck::harness {

namespace {

namespace fs = std::filesystem;

constexpr const char* kReportInfix = ".sanitizer.";
constexpr size_t kMaxReportBytes = 64 * 1024;  // a report's head is all the verdict shows
constexpr size_t kShownFrames = 5;

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace

std::string SanitizerLogPrefix(const std::string& log_dir, const std::string& actor) {
  return log_dir + "/" + actor + ".sanitizer";
}

std::vector<std::pair<std::string, std::string>> SanitizerEnvironment(const std::string& log_prefix) {
  std::vector<std::pair<std::string, std::string>> env;
  for (auto [name, defaults] : {std::pair<const char*, const char*>{"ASAN_OPTIONS", kAsanDefaults},
                                {"TSAN_OPTIONS", kTsanDefaults},
                                {"UBSAN_OPTIONS", kUbsanDefaults}}) {
    std::string value = defaults;
    if (const char* user = std::getenv(name); user != nullptr && *user != '\0') {
      value += ':';
      value += user;
    }
    if (!log_prefix.empty()) value += ":log_path=" + log_prefix;
    env.emplace_back(name, std::move(value));
  }
  return env;
}

std::vector<SanitizerReport> CollectSanitizerReports(const std::string& log_dir) {
  std::vector<SanitizerReport> reports;
  std::error_code ec;
  fs::directory_iterator it(log_dir, ec);
  if (ec) return reports;
  for (const fs::directory_entry& entry : it) {
    const std::string name = entry.path().filename().string();
    const size_t infix = name.rfind(kReportInfix);
    if (infix == std::string::npos || infix == 0) continue;
    const std::string pid_text = name.substr(infix + std::char_traits<char>::length(kReportInfix));
    if (pid_text.empty() || !std::all_of(pid_text.begin(), pid_text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    std::error_code type_ec;
    if (!entry.is_regular_file(type_ec)) continue;  // never follow a symlink into something else
    std::ifstream in(entry.path(), std::ios::binary);
    std::string text(kMaxReportBytes, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
    if (Trim(text).empty()) continue;

    SanitizerReport r;
    r.actor = name.substr(0, infix);
    r.pid = std::strtol(pid_text.c_str(), nullptr, 10);
    r.path = entry.path().string();
    std::istringstream lines(text);
    std::string line, first;
    while (std::getline(lines, line)) {
      const std::string t = Trim(line);
      if (t.empty() || t.find_first_not_of('=') == std::string::npos) continue;  // separators
      if (first.empty()) first = t;
      if (t.rfind("SUMMARY: ", 0) == 0 && r.summary.empty()) r.summary = t.substr(9);
      if (t[0] == '#' && r.frames.size() < kShownFrames) r.frames.push_back(t);
    }
    if (r.summary.empty()) r.summary = first;
    reports.push_back(std::move(r));
  }
  std::sort(reports.begin(), reports.end(), [](const SanitizerReport& a, const SanitizerReport& b) { return a.path < b.path; });
  return reports;
}

HarnessViolation SanitizerViolation(const SanitizerReport& report) {
  HarnessViolation v;
  v.invariant = "sanitizer";
  v.actor = report.actor;
  v.subject = report.path;
  std::string m = "actor " + report.actor + " (pid " + std::to_string(report.pid) + "): " + report.summary;
  for (const std::string& f : report.frames) m += "\n      " + f;
  m += "\n      (whole report: " + report.path + ")";
  v.message = std::move(m);
  return v;
}

}  // namespace prunecheck::harness
