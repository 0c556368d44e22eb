#include "workflows/campaign/ranking.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace cagescreen::workflows {

RankingModel RankingModel::interphase(bool redox) {
  RankingModel m;
  m.name = "interphase";
  if (redox) {
    m.criteria = {
        {"reduction_potential_v_she", false, 2.0, "reduced only well below the Zn plating potential (-0.76 V vs SHE)", true},
        {"oxidation_potential_v_she", true, 2.0, "oxidised only above the cathode's potential", true},
        {"vs_max_kcal", true, 1.0, "a strongly positive surface site (C-H hydrogen) anchors to Zn", true},
        {"gap_ev", true, 0.25, "secondary: a wide HOMO-LUMO gap", false},
        {"lumo_ev", true, 0.25, "secondary: a high LUMO", false},
        {"homo_ev", false, 0.25, "secondary: a low HOMO", false},
        {"dipole_debye", false, 0.25, "secondary: a small dipole, weaker interaction with water", false},
        {"negative_area_fraction", false, 0.25, "secondary: little negative surface for water to bind", false},
    };
    return m;
  }
  m.criteria = {
      {"gap_ev", true, 1.0, "a wide HOMO-LUMO gap: electrochemical stability window", true},
      {"lumo_ev", true, 1.0, "a high LUMO resists reduction at the Zn anode", false},
      {"homo_ev", false, 1.0, "a low HOMO resists oxidation", false},
      {"vs_max_kcal", true, 1.0, "a strongly positive surface site (C-H hydrogen) anchors to Zn", true},
      {"dipole_debye", false, 0.5, "a small dipole: weaker interaction with water (water repellence proxy)", false},
      {"negative_area_fraction", false, 0.5, "little negative surface: fewer sites for water to bind", false},
  };
  return m;
}

std::vector<Ranked> rank_candidates(const RankingModel& model,
                                    const std::vector<std::vector<std::optional<double>>>& values) {
  const std::size_t nc = model.criteria.size();
  std::vector<std::size_t> kept;
  for (std::size_t i = 0; i < values.size(); ++i) {
    bool complete = values[i].size() == nc;
    for (std::size_t c = 0; complete && c < nc; ++c) complete = values[i][c].has_value() && std::isfinite(*values[i][c]);
    if (complete) kept.push_back(i);
  }
  const std::size_t n = kept.size();
  // Direction-signed values: larger is better for every criterion.
  std::vector<std::vector<double>> g(n, std::vector<double>(nc));
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t c = 0; c < nc; ++c) g[k][c] = (model.criteria[c].maximise ? 1.0 : -1.0) * *values[kept[k]][c];

  double weight_sum = 0.0;
  for (const auto& cr : model.criteria) weight_sum += cr.weight;
  std::vector<Ranked> out(n);
  for (std::size_t k = 0; k < n; ++k) {
    out[k].index = kept[k];
    out[k].contributions.assign(nc, 0.0);
  }
  for (std::size_t c = 0; c < nc; ++c) {
    double mean = 0.0;
    for (std::size_t k = 0; k < n; ++k) mean += g[k][c];
    mean /= std::max<std::size_t>(n, 1);
    double var = 0.0;
    for (std::size_t k = 0; k < n; ++k) var += (g[k][c] - mean) * (g[k][c] - mean);
    const double sd = n > 1 ? std::sqrt(var / static_cast<double>(n - 1)) : 0.0;
    for (std::size_t k = 0; k < n; ++k)
      out[k].contributions[c] =
          sd > 0 && weight_sum > 0 ? model.criteria[c].weight * (g[k][c] - mean) / sd / weight_sum : 0.0;
  }
  for (auto& r : out) {
    r.score = std::accumulate(r.contributions.begin(), r.contributions.end(), 0.0);
    if (nc > 0) {
      r.best_criterion = static_cast<int>(std::max_element(r.contributions.begin(), r.contributions.end()) -
                                          r.contributions.begin());
      r.worst_criterion = static_cast<int>(std::min_element(r.contributions.begin(), r.contributions.end()) -
                                           r.contributions.begin());
    }
  }
  // Non-dominated sorting: front 1 holds candidates no other candidate dominates, and so on.
  std::vector<std::size_t> on;  // the criteria of the fronts
  for (std::size_t c = 0; c < nc; ++c)
    if (model.criteria[c].pareto) on.push_back(c);
  if (on.empty())
    for (std::size_t c = 0; c < nc; ++c) on.push_back(c);
  auto dominates = [&](std::size_t a, std::size_t b) {
    bool strictly = false;
    for (std::size_t c : on) {
      if (g[a][c] < g[b][c]) return false;
      if (g[a][c] > g[b][c]) strictly = true;
    }
    return strictly;
  };
  std::vector<int> front(n, 0);
  for (int f = 1, assigned = 0; assigned < static_cast<int>(n); ++f) {
    std::vector<std::size_t> now;
    for (std::size_t a = 0; a < n; ++a) {
      if (front[a]) continue;
      bool dominated = false;
      for (std::size_t b = 0; b < n && !dominated; ++b)
        dominated = b != a && front[b] == 0 && dominates(b, a);
      if (!dominated) now.push_back(a);
    }
    for (auto a : now) front[a] = f;
    assigned += static_cast<int>(now.size());
  }
  for (std::size_t k = 0; k < n; ++k) out[k].pareto_front = front[k];
  std::stable_sort(out.begin(), out.end(), [](const Ranked& a, const Ranked& b) { return a.score > b.score; });
  for (std::size_t k = 0; k < n; ++k) out[k].rank = static_cast<int>(k + 1);
  return out;
}

}  // namespace cagescreen::workflows
