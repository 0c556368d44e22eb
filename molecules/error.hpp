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

/// An SCF (or an optimisation step's SCF, or a pre-optimisation) did not converge; the command
/// line exits with code 3.
struct NotConverged : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A calculation cannot fit in the memory limit it was given; the command line exits with code 4.
struct OutOfMemory : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Following an SCF instability (`--stability follow`) did not end in a stable state; the command
/// line exits with code 7.
struct Unstable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// GFN2-xTB could not produce an energy at a geometry (e.g. its SCC did not converge).
struct XtbFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Builds "FILE:LINE: message" (or "FILE: message" when line is 0).
std::string located(const std::string& file, int line, const std::string& message);

}  // namespace cagescreen
