#pragma once
// The one place where numbers are read from text. Every reader (XYZ, QCSchema, basis files,
// manifests, CIF/POSCAR, reference sets, grids, cubes, notations) and the command line use these,
// so that a number is accepted only when the whole token is a finite, representable value: no
// trailing bytes, no embedded NUL or other control characters, no inf/nan, no overflow.
#include <optional>
#include <string>
#include <string_view>

namespace cagescreen {

/// A real number written as the whole of `text`: optional sign, digits with an optional
/// fraction, an optional exponent (`e` or `E`; also Fortran's `d`/`D` when `fortran_exponent`).
/// Empty when anything else is in the text, or when the value is infinite, NaN, overflows, or
/// underflows below the smallest normal double (a nonzero value that would read as 0 or as a
/// subnormal).
std::optional<double> parse_real(std::string_view text, bool fortran_exponent = false);

/// A decimal integer written as the whole of `text` (optional sign), that fits a long long.
std::optional<long long> parse_integer(std::string_view text);

/// parse_integer restricted to [lo, hi].
std::optional<long long> parse_integer_in(std::string_view text, long long lo, long long hi);

/// The position of the first control character in `text` (bytes 0x00–0x1F and 0x7F, except tab,
/// line feed and carriage return), or std::string_view::npos.
std::size_t find_control_character(std::string_view text);

/// True when `text` has no control character and no line break: what names, labels, option
/// values and paths may hold.
bool is_one_line_text(std::string_view text);

/// Throws InputError "SOURCE:LINE: control character 0xNN in the line" for the first control
/// character (see find_control_character) in `text`, counting lines from 1.
void check_no_control_characters(std::string_view text, const std::string& source);

/// Throws InputError naming `path` unless it is an existing regular file (after following
/// symbolic links): "no such file", "is a directory", "is not a regular file", a link loop.
void check_regular_file(const std::string& path);

/// The whole of a text file. Throws InputError naming the file when it does not exist, is a
/// directory, a device or anything but a regular file (after following symbolic links; a link
/// loop is reported as such), is larger than `max_bytes`, or cannot be read.
std::string read_text_file(const std::string& path, std::size_t max_bytes = std::size_t(256) << 20);

/// A short excerpt of `text` fit for a one-line message: at most `max` characters, bytes outside
/// printable ASCII written as \xNN, and "..." when cut.
std::string excerpt(std::string_view text, std::size_t max = 40);

/// `excerpt` in single quotes.
std::string in_quotes(std::string_view text, std::size_t max = 40);

}  // namespace cagescreen
