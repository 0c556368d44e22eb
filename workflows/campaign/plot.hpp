#pragma once
// Plot axes with round ticks, shared by the HTML reports' SVG plots.
#include <filesystem>
#include <string>
#include <vector>

namespace cagescreen::workflows {

/// A linear plot axis from lo to hi.
struct Axis {
  double lo, hi;
  /// An axis around the values with a margin of 8% of their range, at least `min_margin`.
  static Axis around(const std::vector<double>& v, double min_margin = 0.5);
  /// Maps x in [lo, hi] to [a, b].
  double map(double x, double a, double b) const { return a + (x - lo) / (hi - lo) * (b - a); }
};

/// About six ticks at a round step (1, 2 or 5 times a power of ten) inside the axis.
std::vector<double> ticks(const Axis& ax);

}  // namespace cagescreen::workflows
