// Runs the built `tally` program (TALLY_TOOL_PATH) as a child process for the tool's tests: its
// exit code, stdout and stderr, or a handle to wait for later when it runs beside the test.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace tally::testing {

struct ToolResult {
  int exit_code = -1;  // -1 when the child did not exit normally
  std::string out;
  std::string err;
};

class ToolProcess {
 public:
  // Starts `tally args...` with stdout and stderr going to files under `scratch_dir`.
  ToolProcess(const std::vector<std::string>& args, const std::string& scratch_dir) {
    static int counter = 0;
    const std::string stem = scratch_dir + "/run-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    out_path_ = stem + ".out";
    err_path_ = stem + ".err";
    std::vector<std::string> argv_storage = {TALLY_TOOL_PATH};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (posix_spawn(&pid_, TALLY_TOOL_PATH, &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~ToolProcess() {
    if (pid_ > 0 && !waited_) Wait();
  }
  ToolProcess(const ToolProcess&) = delete;
  ToolProcess& operator=(const ToolProcess&) = delete;

  bool started() const { return pid_ > 0; }

  // True while the child runs.
  bool Running() {
    if (pid_ <= 0 || waited_) return false;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == 0) return true;
    waited_ = true;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return false;
  }

  ToolResult Wait() {
    if (pid_ > 0 && !waited_) {
      int status = 0;
      ::waitpid(pid_, &status, 0);
      waited_ = true;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    return ToolResult{exit_code_, ReadAll(out_path_), ReadAll(err_path_)};
  }

 private:
  static std::string ReadAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

  pid_t pid_ = -1;
  bool waited_ = false;
  int exit_code_ = -1;
  std::string out_path_, err_path_;
};

// Runs `tally args...` to completion.
inline ToolResult RunTool(const std::vector<std::string>& args, const std::string& scratch_dir) {
  ToolProcess process(args, scratch_dir);
  return process.Wait();
}

inline void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary);
  out << contents;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace tally::testing
