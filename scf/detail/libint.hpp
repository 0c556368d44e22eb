#pragma once
// Private to scf/: the one header that includes the whole of libint2 (engines). Included by the
// translation units that compute integrals (integrals.cpp, jk.cpp, df.cpp, gradient.cpp); others
// take only libint2's shell and solid-harmonics headers (detail/shells.hpp, detail/hermite.hpp,
// xc.cpp, basis.cpp). Keep libint2 out of public headers.
#include <libint2.hpp>

#include "scf/detail/shells.hpp"

namespace cagescreen::scf::detail {

/// libint2::initialize() once per process (thread-safe).
void ensure_libint();

}  // namespace cagescreen::scf::detail
