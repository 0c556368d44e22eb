#include "molecules/parse.hpp"

#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "molecules/error.hpp"

namespace cagescreen {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// Checks the grammar [+-]? digits [. digits?]? | [+-]? . digits, then an optional exponent, and
/// returns the text from_chars can read (sign '+' dropped, 'd' exponent written as 'e').
std::optional<std::string> normalised_real(std::string_view t, bool fortran_exponent) {
  std::string s;
  size_t i = 0;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
    if (t[i] == '-') s += '-';
    ++i;
  }
  size_t digits = 0;
  for (; i < t.size() && is_digit(t[i]); ++i, ++digits) s += t[i];
  if (i < t.size() && t[i] == '.') {
    s += '.';
    for (++i; i < t.size() && is_digit(t[i]); ++i, ++digits) s += t[i];
  }
  if (digits == 0) return std::nullopt;
  if (i < t.size()) {
    const char e = t[i];
    if (!(e == 'e' || e == 'E' || (fortran_exponent && (e == 'd' || e == 'D')))) return std::nullopt;
    s += 'e';
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) s += t[i++];
    size_t exp_digits = 0;
    for (; i < t.size() && is_digit(t[i]); ++i, ++exp_digits) s += t[i];
    if (exp_digits == 0 || i != t.size()) return std::nullopt;
  }
  return s;
}

}  // namespace

std::optional<double> parse_real(std::string_view text, bool fortran_exponent) {
  const auto s = normalised_real(text, fortran_exponent);
  if (!s) return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || end != s->data() + s->size() || !std::isfinite(v)) return std::nullopt;
  if (v != 0 && std::abs(v) < DBL_MIN) return std::nullopt;
  if (v == 0)  // an exact zero only when every digit is zero (not 1e-400 read as 0)
    for (char c : *s) {
      if (c == 'e') break;
      if (c >= '1' && c <= '9') return std::nullopt;
    }
  return v;
}

std::optional<long long> parse_integer(std::string_view text) {
  size_t i = 0;
  if (!text.empty() && text[0] == '+') i = 1;
  if (i == text.size() || (text[i] == '-' && i == 1)) return std::nullopt;
  long long v = 0;
  const auto [end, ec] = std::from_chars(text.data() + i, text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::optional<long long> parse_integer_in(std::string_view text, long long lo, long long hi) {
  const auto v = parse_integer(text);
  if (!v || *v < lo || *v > hi) return std::nullopt;
  return v;
}

std::size_t find_control_character(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) return i;
  }
  return std::string_view::npos;
}

bool is_one_line_text(std::string_view text) {
  return find_control_character(text) == std::string_view::npos && text.find_first_of("\r\n") == std::string_view::npos;
}

void check_no_control_characters(std::string_view text, const std::string& source) {
  const size_t at = find_control_character(text);
  if (at == std::string_view::npos) return;
  int line = 1;
  for (size_t i = 0; i < at; ++i) line += text[i] == '\n';
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(text[at]));
  throw InputError(located(source, line, std::string("control character ") + hex +
                                             " in the line (only printable text, tabs and line ends are read)"));
}

void check_regular_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    const bool loop = ec == std::errc::too_many_symbolic_link_levels;
    throw InputError(located(path, 0, loop ? "cannot open: a loop of symbolic links" : "cannot open: " + ec.message()));
  }
  if (!fs::exists(st)) throw InputError(located(path, 0, "no such file"));
  if (fs::is_directory(st)) throw InputError(located(path, 0, "is a directory, not a file"));
  if (!fs::is_regular_file(st)) throw InputError(located(path, 0, "is not a regular file (a device, pipe or socket)"));
}

std::string read_text_file(const std::string& path, std::size_t max_bytes) {
  namespace fs = std::filesystem;
  check_regular_file(path);
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (!ec && size > max_bytes)
    throw InputError(located(path, 0, "is " + std::to_string(size >> 20) + " MiB, larger than the " +
                                          std::to_string(max_bytes >> 20) + " MiB this reader accepts"));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(located(path, 0, "cannot open file (permission denied?)"));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw InputError(located(path, 0, "cannot read file"));
  return buf.str();
}

std::string excerpt(std::string_view text, std::size_t max) {
  std::string out;
  size_t shown = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (shown >= max) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", c);
      out += hex;
    }
    ++shown;
  }
  return out;
}

std::string in_quotes(std::string_view text, std::size_t max) { return "'" + excerpt(text, max) + "'"; }

}  // namespace cagescreen
