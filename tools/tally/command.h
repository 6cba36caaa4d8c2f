// Command: one verb of the `tally` tool (demo, ingest, inspect, query, compact, verify, ...).
//
// Each command is a small class with its name, a one-line summary, its full help text, and Run.
// Run returns the process exit code: 0 success, 1 runtime error (after printing one line starting
// "tally: " on stderr), 2 usage error.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tally::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;

class Command {
 public:
  virtual ~Command() = default;
  virtual std::string_view Name() const = 0;
  virtual std::string_view Summary() const = 0;
  virtual std::string_view Help() const = 0;
  // `args` excludes the program and command names.
  virtual int Run(const std::vector<std::string>& args) = 0;
};

// Every command of the tool, in the order `tally help` lists them.
std::vector<std::unique_ptr<Command>> AllCommands();

// Prints "tally: <message>" on stderr and returns kExitError.
int Fail(std::string_view message);
// Prints "tally <command>: <message>" and a pointer to the help on stderr; returns kExitUsage.
int UsageError(std::string_view command, std::string_view message);

std::unique_ptr<Command> MakeDemoCommand();
std::unique_ptr<Command> MakeIngestCommand();
std::unique_ptr<Command> MakeInspectCommand();
std::unique_ptr<Command> MakeQueryCommand();
std::unique_ptr<Command> MakeCompactCommand();
std::unique_ptr<Command> MakeVerifyCommand();

}  // namespace tally::cli
