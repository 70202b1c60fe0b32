#pragma once
// The program's one trim, one join and one upper.
#include <cctype>
#include <string>
#include <vector>

namespace dc::text {

// `text` without leading and trailing white space (isspace).
inline std::string trim(const std::string& text) {
  size_t end = text.size();
  while (end > 0 && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  size_t start = 0;
  while (start < end && std::isspace(static_cast<unsigned char>(text[start]))) ++start;
  return text.substr(start, end - start);
}

// `items` with `separator` between them, none before the first non-empty
// text (the readers of these lists never see an empty first item).
inline std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : separator) + item;
  return text;
}

// `text` in capitals (toupper, byte by byte).
inline std::string upper(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace dc::text
