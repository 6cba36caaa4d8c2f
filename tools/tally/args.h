// Args: the flags of one command line, parsed against the flags the command declares.
//
// Accepts `--name value`, `--name=value` and boolean `--name`; a flag may repeat when declared
// repeatable; anything not starting with "--" is positional. An undeclared flag, a missing value or a
// repeated single flag is a usage error with a message naming it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tally::cli {

struct FlagSpec {
  std::string name;         // without the dashes
  bool takes_value = true;  // false: a boolean switch
  bool repeatable = false;
};

class Args {
 public:
  // Parses `args`; on error returns false and sets *error.
  bool Parse(const std::vector<std::string>& args, const std::vector<FlagSpec>& specs, std::string* error);

  bool Has(const std::string& name) const { return values_.contains(name); }
  // The value of a single flag, if given.
  std::optional<std::string> Get(const std::string& name) const;
  // Every value of a repeatable flag, in order.
  std::vector<std::string> GetAll(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

// Parses a whole decimal number in [min, max]; nullopt otherwise.
std::optional<int64_t> ParseInteger(const std::string& text, int64_t min, int64_t max);

}  // namespace tally::cli
