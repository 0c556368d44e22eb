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
  bool pareto = true;  ///< one of the criteria the Pareto fronts are computed on
};

/// A ranking model: criteria applied to every candidate that finished.
struct RankingModel {
  std::string name = "interphase";
  std::vector<Criterion> criteria;
  /// The default model for Zn-anode interphase cages (docs/campaigns.md). With `redox` (the
  /// campaign computes the redox group): electrochemical stability from the potentials (a low
  /// reduction potential, below Zn plating; a high oxidation potential) and anchoring to Zn (high
  /// V_s,max), the Pareto fronts on these three; the orbital energies, dipole and negative surface
  /// fraction as secondary criteria at a quarter of the weight. Without: the gap, LUMO and HOMO
  /// for stability, V_s,max, dipole and negative surface, the Pareto fronts on gap and V_s,max.
  static RankingModel interphase(bool redox = false);
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
/// sorting on the criteria marked `pareto` (all when none is) with their directions. Sorted by score, best first.
std::vector<Ranked> rank_candidates(const RankingModel& model,
                                    const std::vector<std::vector<std::optional<double>>>& values);

}  // namespace cagescreen::workflows
