#pragma once
// Private to scf/: the only header that includes libint2. Keep it out of public headers so only
// integrals.cpp and jk.cpp pay for compiling libint2.
#include <libint2.hpp>

#include <vector>

#include "scf/basis.hpp"

namespace cagescreen::scf::detail {

/// libint2::initialize() once per process (thread-safe).
void ensure_libint();

/// Our shells as libint2 shells (libint2 normalises the contraction).
std::vector<libint2::Shell> to_libint(const BasisSet& basis);

}  // namespace cagescreen::scf::detail
