#pragma once
#include <optional>
#include <string>

#include "molecules/cluster.hpp"

namespace cagescreen::workflows {

/// `cagescreen crystal`: what the command prints and writes.
struct CrystalCommand {
  std::string input;              ///< file or built-in name; empty with `list`
  bool list = false;              ///< list the built-in crystals
  double symprec_angstrom = 0.01;
  std::string json_file;          ///< symmetry report as JSON
  std::string primitive_file;     ///< POSCAR of spglib's primitive cell
  std::string conventional_file;  ///< POSCAR of spglib's conventional standard cell
};

/// Prints cell, space group (spglib), and per atom the Wyckoff letter and site symmetry.
int crystal_command(const CrystalCommand& command);

/// `cagescreen cluster`: cuts a cluster (molecules::carve_cluster) and writes it as XYZ to
/// `output` (standard output when empty), with a one-line summary on standard error.
int cluster_command(const std::string& crystal, const molecules::ClusterOptions& options,
                    const std::string& output);

}  // namespace cagescreen::workflows
