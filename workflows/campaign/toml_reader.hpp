#pragma once
// Checked access to TOML tables (manifests, reference sets): wrong types, out-of-range values and
// unknown keys throw InputError naming the file, the line and the dotted key.
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>
#include <toml++/toml.h>

#include "molecules/error.hpp"
#include "molecules/parse.hpp"

namespace cagescreen::workflows {

/// Reads values from a parsed TOML file: every error names the file, the line and the dotted key.
class Reader {
 public:
  explicit Reader(std::filesystem::path file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const toml::node* where, const std::string& message) const {
    throw InputError(located(file_.string(), where ? static_cast<int>(where->source().begin.line) : 0, message));
  }

  void check_keys(const toml::table& t, const std::string& prefix, std::initializer_list<std::string_view> allowed) const {
    for (auto&& [k, v] : t) {
      if (std::find(allowed.begin(), allowed.end(), k.str()) != allowed.end()) continue;
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      throw InputError(located(file_.string(), static_cast<int>(k.source().begin.line),
                               "unknown key '" + prefix + std::string(k.str()) + "' (allowed here: " + list + ")"));
    }
  }

  std::optional<std::string> string(const toml::table& t, std::string_view key, const std::string& prefix) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_string()) fail(n, "'" + prefix + std::string(key) + "' must be a string");
    return text_of(*n, key, prefix);
  }

  /// The value of a number node as a double: a float must be finite, an integer exactly
  /// representable (|v| <= 2^53).
  double real_of(const toml::node& n, std::string_view key, const std::string& prefix) const {
    if (n.is_integer()) {
      const std::int64_t v = n.as_integer()->get();
      if (v > (std::int64_t(1) << 53) || v < -(std::int64_t(1) << 53))
        fail(&n, "'" + prefix + std::string(key) + "' = " + std::to_string(v) + " is too large (beyond 2^53)");
      return static_cast<double>(v);
    }
    const double v = n.as_floating_point()->get();
    if (!std::isfinite(v)) fail(&n, "'" + prefix + std::string(key) + "' must be a finite number, not inf or nan");
    return v;
  }
  std::optional<double> number(const toml::table& t, std::string_view key, const std::string& prefix, double lo,
                               double hi) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_number()) fail(n, "'" + prefix + std::string(key) + "' must be a number");
    const double v = real_of(*n, key, prefix);
    if (!(v >= lo && v <= hi)) {
      std::ostringstream m;
      m << std::setprecision(12) << "'" << prefix << key << "' = " << v << " must be between " << lo << " and " << hi;
      fail(n, m.str());
    }
    return v;
  }
  std::optional<int> integer(const toml::table& t, std::string_view key, const std::string& prefix, int lo,
                             int hi) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_integer()) fail(n, "'" + prefix + std::string(key) + "' must be an integer");
    const auto v = *n->value<std::int64_t>();
    if (v < lo || v > hi)
      fail(n, "'" + prefix + std::string(key) + "' = " + std::to_string(v) + " must be between " + std::to_string(lo) +
                  " and " + std::to_string(hi));
    return static_cast<int>(v);
  }
  std::optional<bool> boolean(const toml::table& t, std::string_view key, const std::string& prefix) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_boolean()) fail(n, "'" + prefix + std::string(key) + "' must be true or false");
    return n->value<bool>();
  }
  /// A string or a non-empty array of strings.
  std::optional<std::vector<std::string>> strings(const toml::table& t, std::string_view key,
                                                  const std::string& prefix) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    std::vector<std::string> out;
    if (const toml::array* a = n->as_array()) {
      if (a->empty()) fail(n, "'" + prefix + std::string(key) + "' must not be empty");
      for (const auto& x : *a) {
        if (!x.is_string()) fail(&x, "'" + prefix + std::string(key) + "' must hold strings");
        out.push_back(text_of(x, key, prefix));
      }
    } else if (n->is_string()) {
      out.push_back(text_of(*n, key, prefix));
    } else {
      fail(n, "'" + prefix + std::string(key) + "' must be a string or an array of strings");
    }
    return out;
  }
  /// A number or an array of numbers, each in [lo, hi].
  std::optional<std::vector<double>> numbers(const toml::table& t, std::string_view key, const std::string& prefix,
                                             double lo, double hi) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    std::vector<const toml::node*> items;
    if (const toml::array* a = n->as_array()) {
      if (a->empty()) fail(n, "'" + prefix + std::string(key) + "' must not be empty");
      for (const auto& x : *a) items.push_back(&x);
    } else {
      items.push_back(n);
    }
    std::vector<double> out;
    for (const toml::node* x : items) {
      if (!x->is_number()) fail(x, "'" + prefix + std::string(key) + "' must hold numbers");
      const double v = real_of(*x, key, prefix);
      if (!(v >= lo && v <= hi)) {
        std::ostringstream m;
        m << std::setprecision(12) << "'" << prefix << key << "' value " << v << " must be between " << lo << " and " << hi;
        fail(x, m.str());
      }
      out.push_back(v);
    }
    return out;
  }
  const toml::table* table(const toml::table& t, std::string_view key) const {
    const toml::node* n = t.get(key);
    if (!n) return nullptr;
    if (!n->is_table()) fail(n, "'" + std::string(key) + "' must be a table ([" + std::string(key) + "])");
    return n->as_table();
  }

  /// Runs `check` on a value; an InputError from it is re-thrown at the node's line.
  template <class F>
  void checked(const toml::table& t, std::string_view key, const std::string& prefix, F&& check) const {
    try {
      check();
    } catch (const InputError& e) {
      fail(t.get(key), "'" + prefix + std::string(key) + "': " + e.what());
    }
  }

  const std::filesystem::path& file() const { return file_; }

 private:
  /// A string node's text, refused when it holds a control character (TOML's \u0000 escapes).
  std::string text_of(const toml::node& n, std::string_view key, const std::string& prefix) const {
    std::string v = n.as_string()->get();
    if (!is_one_line_text(v))
      fail(&n, "'" + prefix + std::string(key) + "' = " + in_quotes(v) + " has a control character or line break");
    return v;
  }

  std::filesystem::path file_;
};

/// Parses TOML text; syntax errors become InputError("FILE:LINE: ...").
inline toml::table parse_toml(const std::string& text, const std::filesystem::path& file) {
  check_no_control_characters(text, file.string());
  try {
    return toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    throw InputError(located(file.string(), static_cast<int>(e.source().begin.line), std::string(e.description())));
  }
}

}  // namespace cagescreen::workflows
