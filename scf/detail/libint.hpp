#pragma once
// Private to scf/: the only header that includes libint2. Keep it out of public headers so only
// integrals.cpp and jk.cpp pay for compiling libint2.
#include <libint2.hpp>

#include "scf/detail/shells.hpp"

namespace cagescreen::scf::detail {

/// libint2::initialize() once per process (thread-safe).
void ensure_libint();

}  // namespace cagescreen::scf::detail
