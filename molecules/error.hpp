#pragma once
#include <stdexcept>
#include <string>

namespace cagescreen {

/// Bad user input: malformed files, unknown elements, impossible settings. The message is one
/// line that names the file (and line) and the problem; the command line exits with code 2.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Builds "FILE:LINE: message" (or "FILE: message" when line is 0).
std::string located(const std::string& file, int line, const std::string& message);

}  // namespace cagescreen
