#include "workflows/campaign/plot.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <stdexcept>

namespace cagescreen::workflows {

Axis Axis::around(const std::vector<double>& v, double min_margin) {
  if (v.empty()) return {0, 1};
  const double lo = *std::min_element(v.begin(), v.end()), hi = *std::max_element(v.begin(), v.end());
  const double pad = std::max(0.08 * (hi - lo), min_margin);
  return {lo - pad, hi + pad};
}

std::vector<double> ticks(const Axis& ax) {
  const double raw = (ax.hi - ax.lo) / 6;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * p;
  for (double f : {1.0, 2.0, 5.0})
    if (f * p >= raw) {
      step = f * p;
      break;
    }
  std::vector<double> t;
  for (double x = std::ceil(ax.lo / step) * step; x <= ax.hi + 1e-9 * step; x += step)
    t.push_back(std::abs(x) < 1e-9 * step ? 0 : x);
  return t;
}

}  // namespace cagescreen::workflows
