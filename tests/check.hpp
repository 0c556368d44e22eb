#pragma once
// Absolute-tolerance comparison that prints value, reference and difference on failure
// (doctest's Approx is relative and would let 1e-3 Eh through at -76 Eh).
#include <doctest/doctest.h>

#include <cmath>
#include <sstream>
#include <string>

inline void check_near(double value, double reference, double tolerance, const std::string& what) {
  std::ostringstream msg;
  msg.precision(14);
  msg << what << ": value " << value << ", reference " << reference << ", difference "
      << value - reference << " (tolerance " << tolerance << ")";
  INFO(msg.str());
  CHECK(std::abs(value - reference) <= tolerance);
}
