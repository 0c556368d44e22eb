#include "molecules/data_dir.hpp"

#include <cstdlib>

namespace cagescreen {

std::string data_dir() {
  if (const char* env = std::getenv("CAGESCREEN_DATA"); env && *env) return env;
  return CAGESCREEN_DATA_DIR;
}

}  // namespace cagescreen
