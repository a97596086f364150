// A small command-line parser shared by the three binaries: long options (--name value,
// --name=value), short aliases (-c value), boolean flags, positional arguments and a generated
// --help text.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace attache {

struct OptionSpec {
  std::string name;        // long name without dashes, e.g. "config-dir"
  char alias = 0;          // short alias, e.g. 'c'; 0 for none
  std::string value_name;  // empty for a boolean flag
  std::string help;
  std::string default_value;
};

class ParsedArgs {
 public:
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  // The option's value, or its default when it was not given.
  std::string get(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  friend class CommandLine;
  std::map<std::string, std::string> values_;
  std::map<std::string, std::string> defaults_;
  std::vector<std::string> positional_;
};

// The environment variable `name`, or nullopt when it is unset. No Attache process changes its
// environment, so reading it from any thread is safe.
std::optional<std::string> envVar(const char* name);

class CommandLine {
 public:
  CommandLine(std::string program, std::string summary);

  // --help/-h and --version/-V are always present.
  CommandLine& add(OptionSpec spec);
  Result<ParsedArgs> parse(const std::vector<std::string>& args) const;
  std::string usage() const;
  const std::string& program() const { return program_; }

 private:
  const OptionSpec* find(const std::string& name) const;
  const OptionSpec* findAlias(char alias) const;

  std::string program_;
  std::string summary_;
  std::vector<OptionSpec> specs_;
};

// Shared main() prologue: parses argv, prints --help / --version, or one error line.
// Returns the parsed arguments, or the exit code the program should return now.
struct CliOutcome {
  std::optional<ParsedArgs> args;
  int exit_code = 0;
};
CliOutcome runCommandLine(const CommandLine& cli, int argc, char** argv);

std::string versionString(const std::string& program);

}  // namespace attache
