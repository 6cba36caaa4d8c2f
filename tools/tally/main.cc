// tally: the command-line tool over a tally data directory. See docs/tool.md.
#include <cstdio>
#include <string>
#include <vector>

#include "tools/tally/command.h"

namespace tally::cli {
namespace {

void PrintOverview(std::FILE* out) {
  std::fprintf(out, "usage: tally <command> [options]\n\ncommands:\n");
  for (const auto& c : AllCommands()) {
    std::fprintf(out, "  %-9s %.*s\n", std::string(c->Name()).c_str(), static_cast<int>(c->Summary().size()),
                 c->Summary().data());
  }
  std::fprintf(out, "\n'tally help <command>' or 'tally <command> --help' describes a command.\n");
}

}  // namespace

std::vector<std::unique_ptr<Command>> AllCommands() {
  std::vector<std::unique_ptr<Command>> commands;
  commands.push_back(MakeDemoCommand());
  commands.push_back(MakeIngestCommand());
  commands.push_back(MakeInspectCommand());
  commands.push_back(MakeQueryCommand());
  commands.push_back(MakeCompactCommand());
  commands.push_back(MakeVerifyCommand());
  return commands;
}

int Fail(std::string_view message) {
  std::fprintf(stderr, "tally: %.*s\n", static_cast<int>(message.size()), message.data());
  return kExitError;
}

int UsageError(std::string_view command, std::string_view message) {
  std::fprintf(stderr, "tally %.*s: %.*s (see 'tally %.*s --help')\n", static_cast<int>(command.size()),
               command.data(), static_cast<int>(message.size()), message.data(), static_cast<int>(command.size()),
               command.data());
  return kExitUsage;
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    PrintOverview(stderr);
    return kExitUsage;
  }
  if (args[0] == "--help" || args[0] == "-h" || (args[0] == "help" && args.size() == 1)) {
    PrintOverview(stdout);
    return kExitOk;
  }
  const bool help = args[0] == "help";
  const std::string& name = help ? args[1] : args[0];
  for (auto& command : AllCommands()) {
    if (command->Name() != name) continue;
    std::vector<std::string> rest(args.begin() + (help ? 2 : 1), args.end());
    for (const std::string& a : rest) {
      if (a == "--help" || a == "-h") {
        std::fwrite(command->Help().data(), 1, command->Help().size(), stdout);
        return kExitOk;
      }
    }
    if (help) {
      std::fwrite(command->Help().data(), 1, command->Help().size(), stdout);
      return kExitOk;
    }
    return command->Run(rest);
  }
  std::fprintf(stderr, "tally: unknown command '%s' (see 'tally --help')\n", name.c_str());
  return kExitUsage;
}

}  // namespace tally::cli

int main(int argc, char** argv) { return tally::cli::Main(argc, argv); }
