#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>
#include <string>
#include <vector>

// The test suites that have a CTest entry (`cagescreen_tests -ts=NAME`), written by
// tests/CMakeLists.txt from its lists.
static const char* const ctest_suites[] = {
#include "ctest_suites.inc"
};

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

// Here, where doctest's implementation is compiled, its registry of test cases is visible.
TEST_SUITE("unit") {
  TEST_CASE("registration: every test case runs in exactly one CTest entry (tests/CMakeLists.txt)") {
    // doctest's -ts=NAME matches a suite name as a whole, ignoring case; `*`, `?` are wildcards
    // and `,` separates filters. Without those characters an entry runs the suites equal to its
    // name up to case: so each case's suite must be listed, exactly, and once.
    std::map<std::string, std::vector<std::string>> listed;  // lower-case name -> spellings
    for (const char* s : ctest_suites) {
      const std::string name = s;
      CHECK_MESSAGE(name.find_first_of("*?, ") == std::string::npos, "suite name with a pattern character: ", name);
      listed[lower(name)].push_back(name);
    }
    for (const auto& [key, names] : listed) CHECK_MESSAGE(names.size() == 1, "suite listed twice (doctest ignores case): ", names[0]);

    std::map<std::string, int> cases_per_suite;
    std::ostringstream orphans;
    int n_orphans = 0;
    for (const auto& tc : doctest::detail::getRegisteredTests()) {
      const std::string suite = tc.m_test_suite ? tc.m_test_suite : "";
      const auto it = listed.find(lower(suite));
      const bool exact = it != listed.end() && it->second.front() == suite;
      if (!exact || tc.m_skip) {
        ++n_orphans;
        orphans << "\n  " << tc.m_file.c_str() << ":" << tc.m_line << ": TEST_CASE(\"" << tc.m_name << "\") in suite \""
                << suite << "\"" << (tc.m_skip ? " (skipped)" : it != listed.end() ? " (listed with other case)" : "");
      }
      if (it != listed.end()) ++cases_per_suite[it->first];
    }
    INFO("test cases in no CTest entry (add their suite to tests/CMakeLists.txt):" << orphans.str());
    CHECK(n_orphans == 0);
    for (const auto& [key, names] : listed)
      CHECK_MESSAGE(cases_per_suite[key] > 0, "CTest entry ", names[0], " runs no test case (no TEST_SUITE of that name)");
  }
}
