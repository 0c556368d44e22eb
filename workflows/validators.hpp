#pragma once
// Checks of command-line values, applied by CLI11 before a command runs: a value must be a whole
// number or a finite real within the option's range (shown in --help), and never empty.
#include <CLI/CLI.hpp>
#include <iomanip>
#include <sstream>
#include <string>

#include "molecules/parse.hpp"

namespace cagescreen::workflows {

/// An integer in [lo, hi], written as a whole decimal token.
inline CLI::Validator integer_in(long long lo, long long hi) {
  const std::string range = "in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  return CLI::Validator(
      [lo, hi, range](std::string& s) -> std::string {
        if (!parse_integer_in(s, lo, hi)) return in_quotes(s) + " must be an integer " + range;
        return {};
      },
      range);
}

/// A finite real number in [lo, hi] (or (lo, hi] when `open_low`).
inline CLI::Validator real_in(double lo, double hi, bool open_low = false) {
  std::ostringstream r;
  r << std::setprecision(12) << "in " << (open_low ? "(" : "[") << lo << ", " << hi << "]";
  const std::string range = r.str();
  return CLI::Validator(
      [lo, hi, open_low, range](std::string& s) -> std::string {
        const auto v = parse_real(s);
        if (!v || *v < lo || *v > hi || (open_low && *v == lo)) return in_quotes(s) + " must be a finite number " + range;
        return {};
      },
      range);
}

/// Refuses an empty value (`--output ''`) and control characters in any value.
inline CLI::Validator plain_text() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        if (s.empty()) return "an empty value is not allowed";
        if (!is_one_line_text(s))
          return in_quotes(s) + " has a control character";
        return {};
      },
      "");
}

}  // namespace cagescreen::workflows
