#pragma once
// Output paths are checked before any computing, so that an hour of SCF is never lost to a
// typo in --json or an unwritable folder.
#include <string>

namespace cagescreen::workflows {

/// Throws InputError "OPTION PATH: ..." unless PATH can be created or overwritten as a file: its
/// folder exists and is writable, and PATH is not a folder. Empty paths are not checked.
void check_output_file(const std::string& path, const std::string& option);

/// Throws InputError unless PATH is a writable folder, or does not exist and its nearest existing
/// ancestor is a writable folder (it will be created).
void check_output_folder(const std::string& path, const std::string& option);

}  // namespace cagescreen::workflows
