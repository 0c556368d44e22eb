#pragma once
// Private to scf/: our shells as libint2::Shell, for code that evaluates basis functions but does
// not need libint2's integral engines (only <libint2/shell.h>, which compiles quickly).
#include <libint2/shell.h>

#include <vector>

#include "scf/basis.hpp"

namespace cagescreen::scf::detail {

/// Our shells as libint2 shells (libint2 normalises the contraction).
std::vector<libint2::Shell> to_libint(const BasisSet& basis);

}  // namespace cagescreen::scf::detail
