#pragma once
// Writing the campaign's and the validation's output files: atomic writes and HTML pages.
#include <filesystem>
#include <string>

namespace cagescreen::workflows {

/// Writes a file atomically (temporary file, then rename).
void write_file(const std::filesystem::path& path, const std::string& text);

/// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string html_escape(const std::string& s);

/// "<!DOCTYPE html> ... <body>" of a page with this (escaped) title and CSS.
std::string html_page_start(const std::string& title, const std::string& style);

}  // namespace cagescreen::workflows
