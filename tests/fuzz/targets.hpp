#pragma once
// Fuzz targets: one function per reader of user input, shared by the libFuzzer executables
// (fuzz_main.cpp, built with CAGESCREEN_FUZZ=ON) and the corpus replay of the test suite
// (tests/test_fuzz_replay.cpp). docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace cagescreen::fuzz {

/// Feeds `size` bytes to one reader. Returns 0 when the reader returned or threw one of the
/// project's own errors (molecules/error.hpp: InputError and its siblings); anything else (another
/// exception, a sanitizer report, a failed consistency check, which aborts) escapes and is a finding.
using TargetFunction = int (*)(const std::uint8_t* data, std::size_t size);

struct Target {
  std::string_view name;  ///< also the corpus folder (tests/fuzz/corpus/NAME) and executable (fuzz_NAME)
  TargetFunction run;
  std::string_view reader;  ///< what it calls
};

/// Every target, in a fixed order.
const std::vector<Target>& targets();

/// The target called `name`, or nullptr.
const Target* find_target(std::string_view name);

}  // namespace cagescreen::fuzz
