#pragma once
#include <optional>
#include <string>
#include <vector>

namespace cagescreen::workflows {

/// One criterion of a ranking model: a scalar descriptor (see scalars.hpp), whether larger or
/// smaller is better, and its weight in the weighted score.
struct Criterion {
  std::string descriptor;
  bool maximise = true;
  double weight = 1.0;
  std::string reason;  ///< why it matters, for the report
};

/// A ranking model: criteria applied to every candidate that finished.
struct RankingModel {
  std::string name = "interphase";
  std::vector<Criterion> criteria;
  /// The default model for Zn-anode interphase cages (docs/campaigns.md): electrochemical
  /// stability (wide gap, high LUMO, low HOMO), anchoring to Zn (high V_s,max on C-H hydrogens) and
  /// water repellence (low dipole moment, small negative surface fraction).
  static RankingModel interphase();
};

/// The ranking of one candidate.
struct Ranked {
  std::size_t index = 0;  ///< into the input list
  int pareto_front = 0;   ///< 1 = non-dominated
  double score = 0.0;     ///< weighted mean of direction-signed z-scores
  int rank = 0;           ///< 1 = best score
  std::vector<double> contributions;  ///< per criterion: weight * signed z / sum of weights
  int best_criterion = -1, worst_criterion = -1;  ///< the criterion that lifts / sinks it most
};

/// Ranks candidates given as rows of criterion values (values[i][c] for candidate i, criterion c).
/// Candidates missing a value are left out (not in the result). Scores use z-scores over the
/// ranked candidates (a criterion with zero spread contributes 0); Pareto fronts by non-dominated
/// sorting on all criteria with their directions. Sorted by score, best first.
std::vector<Ranked> rank_candidates(const RankingModel& model,
                                    const std::vector<std::vector<std::optional<double>>>& values);

}  // namespace cagescreen::workflows
