#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "molecules/molecule.hpp"
#include "workflows/level.hpp"
#include "workflows/campaign/ranking.hpp"

namespace cagescreen::workflows {

/// Where a cluster candidate was cut (a `crystal` entry of the manifest).
struct ClusterOrigin {
  std::string series;      ///< the entry's label: every radius of one entry forms a series
  std::string crystal;     ///< crystal name
  double radius_angstrom = 0;
  std::string center;      ///< as the manifest gave it ("" for the default)
  std::string point_group; ///< Schoenflies symbol of the cut
  std::string reference;   ///< label of the candidate holding the molecular model (optional)
  int reference_line = 0;  ///< manifest line of `reference` (for messages)
};

/// One candidate after its manifest entry was resolved. A candidate whose input is bad (a
/// malformed file, an unknown element) keeps its label and source and carries the error; the
/// campaign records it as failed (class bad_input) and goes on.
struct Candidate {
  std::string label;   ///< unique within the campaign: the store key
  std::string source;  ///< "species o-carborane" or the file path
  molecules::Molecule molecule;
  std::string error;                  ///< non-empty for bad input
  std::optional<double> memory_mib;   ///< per-candidate cap (overrides [limits])
  std::optional<double> time_minutes;
  std::optional<int> max_iterations;  ///< overrides level.max_iterations
  std::optional<ClusterOrigin> cluster;  ///< set for clusters cut from a crystal
  /// A reference species (`role = "reference"`, e.g. the known SEI phases): computed like every
  /// candidate, drawn in the report as a reference line, not ranked among the candidates.
  bool reference_species = false;
};

/// The redox group of a campaign (`"redox"` among the descriptors, the `[redox]` table).
struct RedoxOptions {
  bool enabled = false;      ///< each candidate's cation and anion run as their own jobs
  bool oxidation = true, reduction = true;  ///< `processes`: both, oxidation (cation only), reduction
  double ph = 7.0;           ///< the electrolyte's pH: water's H2/O2 evolution lines
  double she_absolute = 4.44;  ///< V (electrode::she_absolute_iupac)
  double window_low = -0.76, window_high = 1.8;  ///< V vs SHE: Zn plating to a typical aqueous cathode
};

/// A screening campaign as read from its TOML manifest (docs/campaigns.md).
struct Manifest {
  std::filesystem::path file;    ///< the manifest
  std::filesystem::path output;  ///< output folder (absolute)
  std::string name;
  LevelOfTheory level;  ///< every candidate runs at this level
  std::string descriptors = "charges,frontier,dipole,surface";  ///< as for `run --descriptors` ("redox" taken out)
  RedoxOptions redox;
  double memory_mib = 4096;   ///< per-candidate cap on resident memory
  double time_minutes = 120;  ///< per-candidate wall-time cap
  std::vector<Candidate> candidates;
  RankingModel ranking = RankingModel::interphase();
  std::string baseline;  ///< label the report compares every candidate with (optional)
};

/// Reads and checks a manifest. Throws InputError naming the file, line and key for syntax errors,
/// unknown keys, bad values, duplicate labels and entries that match nothing; a candidate whose
/// file is malformed does not throw (see Candidate::error).
Manifest read_manifest(const std::filesystem::path& file);

/// Parses a manifest given as text (`file` names it in messages and anchors relative paths).
Manifest parse_manifest(const std::string& text, const std::filesystem::path& file);

}  // namespace cagescreen::workflows
