// libFuzzer entry point of one target: compiled once per target with CAGESCREEN_FUZZ_TARGET="NAME".
#include <cstdio>
#include <cstdlib>

#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const cagescreen::fuzz::Target* target = [] {
    const auto* t = cagescreen::fuzz::find_target(CAGESCREEN_FUZZ_TARGET);
    if (!t) {
      std::fprintf(stderr, "no fuzz target '%s'\n", CAGESCREEN_FUZZ_TARGET);
      std::abort();
    }
    return t;
  }();
  return target->run(data, size);
}
