#pragma once
#include <string>

namespace cagescreen {

/// Folder holding the shipped data (basis/, geometries/, grids/): $CAGESCREEN_DATA if set,
/// otherwise the source tree's data/ folder recorded at build time.
std::string data_dir();

}  // namespace cagescreen
