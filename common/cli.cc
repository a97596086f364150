#include "common/cli.h"

#include <cstdlib>
#include <iostream>
#include <sstream>

#include "attache_version.h"

namespace attache {

std::optional<std::string> envVar(const char* name) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): nothing calls setenv
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::string ParsedArgs::get(const std::string& name) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second;
  if (auto it = defaults_.find(name); it != defaults_.end()) return it->second;
  return {};
}

CommandLine::CommandLine(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {
  specs_.push_back({"help", 'h', "", "print this help and exit", ""});
  specs_.push_back({"version", 'V', "", "print the version and exit", ""});
}

CommandLine& CommandLine::add(OptionSpec spec) {
  specs_.push_back(std::move(spec));
  return *this;
}

const OptionSpec* CommandLine::find(const std::string& name) const {
  for (const auto& s : specs_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const OptionSpec* CommandLine::findAlias(char alias) const {
  for (const auto& s : specs_) {
    if (alias != 0 && s.alias == alias) return &s;
  }
  return nullptr;
}

Result<ParsedArgs> CommandLine::parse(const std::vector<std::string>& args) const {
  ParsedArgs out;
  for (const auto& s : specs_) {
    if (!s.default_value.empty()) out.defaults_[s.name] = s.default_value;
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 2 || arg[0] != '-' || arg == "--") {
      if (arg == "--") {
        out.positional_.insert(out.positional_.end(), args.begin() + i + 1, args.end());
        break;
      }
      out.positional_.push_back(arg);
      continue;
    }
    const OptionSpec* spec = nullptr;
    std::optional<std::string> inline_value;
    if (arg[1] == '-') {
      std::string name = arg.substr(2);
      if (auto eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name.resize(eq);
      }
      spec = find(name);
    } else {
      spec = findAlias(arg[1]);
      if (arg.size() > 2) inline_value = arg.substr(2);  // -c/path or -v4
    }
    if (spec == nullptr) return invalidArgument("unknown option '" + arg + "'");
    if (spec->value_name.empty()) {
      if (inline_value) return invalidArgument("option '--" + spec->name + "' takes no value");
      out.values_[spec->name] = "true";
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= args.size()) {
        return invalidArgument("option '--" + spec->name + "' needs a value <" + spec->value_name +
                               ">");
      }
      inline_value = args[++i];
    }
    out.values_[spec->name] = *inline_value;
  }
  return out;
}

std::string CommandLine::usage() const {
  std::ostringstream os;
  os << "Usage: " << program_ << " [options]\n\n" << summary_ << "\n\nOptions:\n";
  for (const auto& s : specs_) {
    std::string left = "  ";
    left += s.alias != 0 ? std::string("-") + s.alias + ", " : "    ";
    left += "--" + s.name;
    if (!s.value_name.empty()) left += " <" + s.value_name + ">";
    os << left;
    os << std::string(left.size() < 34 ? 34 - left.size() : 1, ' ') << s.help;
    if (!s.default_value.empty()) os << " (default: " << s.default_value << ")";
    os << "\n";
  }
  return os.str();
}

std::string versionString(const std::string& program) {
  std::string out = program + " " + ATTACHE_VERSION;
  if (!std::string_view(ATTACHE_GIT_REVISION).empty()) {
    out += " (" + std::string(ATTACHE_GIT_REVISION) + ")";
  }
  return out;
}

CliOutcome runCommandLine(const CommandLine& cli, int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = cli.parse(args);
  if (!parsed.ok()) {
    std::cerr << cli.program() << ": " << parsed.error().message << " (see --help)\n";
    return {std::nullopt, 2};
  }
  if (parsed->has("help")) {
    std::cout << cli.usage();
    return {std::nullopt, 0};
  }
  if (parsed->has("version")) {
    std::cout << versionString(cli.program()) << "\n";
    return {std::nullopt, 0};
  }
  return {std::move(parsed).value(), 0};
}

}  // namespace attache
